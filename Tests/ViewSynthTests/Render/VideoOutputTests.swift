// `render --video`: the frames piped to ffmpeg, checked with ffprobe (frame count, padded even size, fps,
// codec) and by decoding a frame back; plus the failures that need no ffmpeg: ffmpeg missing (clear error,
// frames kept) and ffmpeg failing (an earlier video untouched, its log kept).

import Foundation
import Testing
@testable import ViewSynth

@Suite struct VideoOutputTests {
    static let haveFFmpeg = VideoWriter.findExecutable("ffmpeg") != nil && VideoWriter.findExecutable("ffprobe") != nil

    /// ffprobe's view of the first video stream: width, height, r_frame_rate, nb_read_frames, codec, pix_fmt.
    static func probe(_ video: URL) throws -> [String: Any] {
        let p = Process()
        let ffprobe = try #require(VideoWriter.findExecutable("ffprobe") as URL?)
        p.executableURL = ffprobe
        p.arguments = ["-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
                       "stream=width,height,r_frame_rate,nb_read_frames,codec_name,pix_fmt", "-of", "json", video.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "ffprobe failed on \(video.path)")
        let obj = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let streams = try #require(obj["streams"] as? [[String: Any]])
        return try #require(streams.first)
    }

    /// Frame `index` of `video` decoded to rgb24 bytes (as a player does: BT.709 limited range, accurate rounding).
    static func decodeFrame(_ video: URL, index: Int) throws -> [UInt8] {
        let p = Process()
        let ffmpeg = try #require(VideoWriter.findExecutable("ffmpeg") as URL?)
        p.executableURL = ffmpeg
        p.arguments = ["-v", "error", "-nostdin", "-i", video.path, "-vf", "select=eq(n\\,\(index)),scale=in_color_matrix=bt709:in_range=tv:flags=accurate_rnd+full_chroma_int,format=rgb24", "-frames:v", "1",
                       "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return [UInt8](data)
    }

    static func expectStream(_ s: [String: Any], width: Int, height: Int, fps: Int, frames: Int,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        let w = s["width"] as? Int, h = s["height"] as? Int
        let rate = s["r_frame_rate"] as? String, count = s["nb_read_frames"] as? String
        let codec = s["codec_name"] as? String, pix = s["pix_fmt"] as? String
        #expect(w == width, "\(s)", sourceLocation: sourceLocation)
        #expect(h == height, "\(s)", sourceLocation: sourceLocation)
        #expect(rate == "\(fps)/1", "\(s)", sourceLocation: sourceLocation)
        #expect(count == "\(frames)", "\(s)", sourceLocation: sourceLocation)
        #expect(codec == "h264", "\(s)", sourceLocation: sourceLocation)
        #expect(pix == "yuv420p", "\(s)", sourceLocation: sourceLocation)
    }

    /// Hidden temporary files (AtomicFile names) left in `dir`.
    static func temporaries(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") && $0.contains(".tmp-") }
    }

    @Test(.enabled(if: haveFFmpeg, "needs ffmpeg and ffprobe (apt-get install ffmpeg)"))
    func spiralVideoHasTheFramesSizeAndRateAskedForAndIsDeterministic() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(in: root)
        let out = root.appendingPathComponent("out")
        // A bare --video (default file in the output folder) followed by another option.
        let r = try runCLI(["render", scene.path, "--views", "spiral", "--frames", "5", "--depth", "--video", "--fps", "12",
                            "--out", out.path] + tinySweep)
        #expect(r.status == 0, "\(r.stderr)")
        let video = out.appendingPathComponent("video.mp4"), depthVideo = out.appendingPathComponent("video-depth.mp4")
        Self.expectStream(try Self.probe(video), width: 48, height: 36, fps: 12, frames: 5)
        Self.expectStream(try Self.probe(depthVideo), width: 48, height: 36, fps: 12, frames: 5)
        for i in 0..<5 {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(String(format: "spiral_%04d.png", i)).path))
        }
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("video.ffmpeg.log").path))
        #expect(try Self.temporaries(out).isEmpty)
        // Same frames (skipped as up to date) → the same bytes, in a named file.
        let again = root.appendingPathComponent("again.mp4")
        let r2 = try runCLI(["render", scene.path, "--views", "spiral", "--frames", "5", "--video", again.path, "--fps", "12",
                             "--out", out.path] + tinySweep)
        #expect(r2.status == 0, "\(r2.stderr)")
        #expect(r2.stderr.contains("5 of 5 views up to date"), "\(r2.stderr)")
        #expect(try Data(contentsOf: again) == Data(contentsOf: video))
        // The depth video differs from the colour one (it is made of the depth previews).
        #expect(try Data(contentsOf: depthVideo) != Data(contentsOf: video))
    }

    @Test(.enabled(if: haveFFmpeg, "needs ffmpeg and ffprobe (apt-get install ffmpeg)"))
    func oddSizedFramesArePaddedToEvenSidesNotCropped() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(in: root)
        let cams = try SceneLoader.load(scene).views.map(\.camera)
        // A 47×35 camera path through three of the scene's views.
        let entries = [1, 2, 3].map { i -> [String: Any] in
            let gl = cams[i].worldFromCamera.openCVCameraToOpenGL()
            let r = gl.rotation, t = gl.translation
            let rows: [[Double]] = (0..<3).map { row in [r[row, 0], r[row, 1], r[row, 2], t[row]] }
            let m: [Double] = rows.flatMap { $0 } + [0, 0, 0, 1]
            return ["camera_to_world": m, "fov": 48.0]
        }
        let path = root.appendingPathComponent("camera_path.json")
        try JSONSerialization.data(withJSONObject: ["render_width": 47, "render_height": 35, "camera_path": entries]).write(to: path)
        let out = root.appendingPathComponent("out"), video = root.appendingPathComponent("odd.mp4")
        let r = try runCLI(["render", scene.path, "--views", path.path, "--video", video.path, "--out", out.path] + tinySweep)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("48×36"), "\(r.stderr)")
        Self.expectStream(try Self.probe(video), width: 48, height: 36, fps: 30, frames: 3)
        // The picture is all there (padded at the right/bottom, not cropped or scaled): frame 1 decoded back
        // matches path_0001.png, and the padding column and row are black.
        let png = try ImageIO.read(out.appendingPathComponent("path_0001.png"))
        #expect(png.width == 47 && png.height == 35)
        let frame = try Self.decodeFrame(video, index: 1)
        try #require(frame.count == 48 * 36 * 3)
        let expected = png.quantized8()
        var error = 0.0, shifted = 0.0, padding = 0.0
        for y in 0..<35 { for x in 0..<47 { for c in 0..<3 {
            let v = Double(frame[(y * 48 + x) * 3 + c])
            error += abs(v - Double(expected[(y * 47 + x) * 3 + c]))
            shifted += abs(v - Double(expected[(y * 47 + min(x + 1, 46)) * 3 + c]))   // a one-pixel shift would be worse
        } } }
        for y in 0..<36 { for c in 0..<3 { padding += Double(frame[(y * 48 + 47) * 3 + c]) } }
        for x in 0..<48 { for c in 0..<3 { padding += Double(frame[(35 * 48 + x) * 3 + c]) } }
        let meanError = error / Double(47 * 35 * 3), meanShifted = shifted / Double(47 * 35 * 3)
        let meanPadding = padding / Double((36 + 48) * 3)
        // H.264 at CRF 18 with 4:2:0 chroma on this small, busy texture: ≈ 6.6 levels of 255 (a one-pixel shift ≈ 14).
        #expect(meanError < 10, "mean |video − PNG| \(meanError)")
        #expect(meanError < 0.6 * meanShifted, "mean error \(meanError) vs one-pixel shift \(meanShifted)")
        #expect(meanPadding < 32, "padding mean \(meanPadding) (chroma bleeds into the black padding)")
    }

    @Test func missingFFmpegIsAClearErrorAndTheFramesAreWritten() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(in: root)
        let emptyBin = root.appendingPathComponent("empty-bin")
        try FileManager.default.createDirectory(at: emptyBin, withIntermediateDirectories: true)
        let out = root.appendingPathComponent("out")
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = emptyBin.path   // TestPaths.cli is absolute, so the binary itself is still found
        let r = try runCLI(["render", scene.path, "--views", "spiral", "--frames", "3", "--video", "--out", out.path] + tinySweep,
                           environment: env)
        expectOneLineError(r, mentions: [out.appendingPathComponent("video.mp4").path, "ffmpeg", "apt-get install ffmpeg",
                                         "found none"], afterLog: true)
        #expect(r.stderr.contains("warning: ffmpeg is not on PATH"), "\(r.stderr)")
        for i in 0..<3 {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(String(format: "spiral_%04d.png", i)).path))
        }
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("video.mp4").path))
    }

    @Test func failingFFmpegKeepsTheEarlierVideoAndItsLog() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(in: root)
        // A stand-in ffmpeg that fails the way a build without libx264 does.
        let bin = root.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let fake = bin.appendingPathComponent("ffmpeg")
        try Data("#!/bin/sh\necho 'Unknown encoder libx264' >&2\nexit 1\n".utf8).write(to: fake)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
        let out = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let video = out.appendingPathComponent("video.mp4")
        try Data("an earlier, good video".utf8).write(to: video)
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = bin.path
        let r = try runCLI(["render", scene.path, "--views", "spiral", "--frames", "2", "--video", "--out", out.path] + tinySweep,
                           environment: env)
        expectOneLineError(r, mentions: [video.path, "ffmpeg to encode 2 frames", "exit status 1", "video.ffmpeg.log",
                                         "Unknown encoder libx264"], afterLog: true)
        #expect(try Data(contentsOf: video) == Data("an earlier, good video".utf8))
        let log = try String(contentsOf: out.appendingPathComponent("video.ffmpeg.log"), encoding: .utf8)
        #expect(log.contains("Unknown encoder libx264"))
        #expect(try Self.temporaries(out).isEmpty)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("spiral_0001.png").path))
    }

    @Test func videoOptionsAreCheckedBeforeRendering() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(in: root)
        let out = root.appendingPathComponent("out")
        let base = ["render", scene.path, "--views", "spiral", "--frames", "2", "--out", out.path] + tinySweep
        for (args, mentions) in [(["--video", "--fps", "0"], ["--fps", "1…240", "found 0"]),
                                 (["--video", "--fps", "241"], ["--fps", "1…240", "found 241"]),
                                 (["--fps", "24"], ["--fps", "--video", "without --video"]),
                                 (["--video=clip.mov"], ["--video", ".mp4", "clip.mov"])] {
            expectOneLineError(try runCLI(base + args), mentions: mentions)
        }
        #expect(!FileManager.default.fileExists(atPath: out.path), "rendered before refusing the options")
        // Views of different sizes cannot make one video: refused before rendering.
        let path = root.appendingPathComponent("camera_path.json")
        let eye: [Double] = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]
        try JSONSerialization.data(withJSONObject: ["render_height": 20, "camera_path": [
            ["camera_to_world": eye, "fov": 50, "aspect": 1.0], ["camera_to_world": eye, "fov": 50, "aspect": 2.0]]]).write(to: path)
        let r = try runCLI(["render", scene.path, "--views", path.path, "--video", "--out", out.path] + tinySweep)
        expectOneLineError(r, mentions: ["video.mp4", "views of one size", "20×20 (path_0000)", "40×20 (path_0001)"])
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("path_0000.png").path))
    }
}
