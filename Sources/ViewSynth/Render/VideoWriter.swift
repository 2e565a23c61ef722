// Video of rendered frames: the PNGs a render job wrote are decoded in path order and piped as raw RGB
// (rgb24) to the `ffmpeg` executable found on PATH (Debian/Ubuntu package `ffmpeg`), which encodes H.264
// (libx264, yuv420p, BT.709 tags) into an MP4 with the index at the front (+faststart, plays while it
// downloads). yuv420p needs even sides, so odd-sized frames are padded by one black column/row at the
// right/bottom (ffmpeg would otherwise reject them). The frames stay as PNGs; the video is made from their
// bytes, so a resumed render gives the same video as an uninterrupted one. libx264 runs on one thread with
// bit-exact flags: the same frames and the same ffmpeg build give the same bytes.
//
// Atomic: ffmpeg writes a temporary file beside the video (an AtomicFile temporary name, cleaned up like one
// if the process is killed) that is synced and renamed over the video only when ffmpeg succeeded; a failed run
// leaves an earlier video untouched. ffmpeg's stderr is kept beside the video as <stem>.ffmpeg.log.

import Foundation
import ViewSynthCore
#if canImport(Glibc)
import Glibc
#endif

public enum VideoWriter {
    /// Frame rates accepted (--fps).
    public static let fpsRange = 1...240
    /// The Debian/Ubuntu package that provides `ffmpeg` and `ffprobe`.
    public static let package = "ffmpeg"

    /// What one encode produced.
    public struct Result: Sendable {
        public var url: URL
        public var log: URL
        public var frames: Int
        /// Encoded size (the frames' size rounded up to even sides).
        public var width: Int
        public var height: Int
    }

    /// The first executable file `name` in the colon-separated `searchPath` (PATH), or nil.
    public static func findExecutable(_ name: String, searchPath: String? = ProcessInfo.processInfo.environment["PATH"]) -> URL? {
        for dir in (searchPath ?? "").split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir), !isDir.boolValue,
               access(candidate.path, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }

    /// ffmpeg's log beside `video`: video.mp4 → video.ffmpeg.log.
    public static func logURL(for video: URL) -> URL {
        video.deletingPathExtension().appendingPathExtension("ffmpeg.log")
    }

    /// The depth video beside `video`: video.mp4 → video-depth.mp4.
    public static func depthVideoURL(for video: URL) -> URL {
        let stem = video.deletingPathExtension().lastPathComponent
        let ext = video.pathExtension.isEmpty ? "mp4" : video.pathExtension
        return video.deletingLastPathComponent().appendingPathComponent("\(stem)-depth.\(ext)")
    }

    /// Encoded size of `width × height` frames: each side rounded up to even.
    public static func paddedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        (width + width % 2, height + height % 2)
    }

    /// ffmpeg's arguments: `width × height` rgb24 frames on stdin at `fps`, H.264 MP4 written to `output`.
    public static func ffmpegArguments(width: Int, height: Int, fps: Int, output: String) -> [String] {
        ["-hide_banner", "-nostdin", "-nostats",
         "-f", "rawvideo", "-pix_fmt", "rgb24", "-video_size", "\(width)x\(height)", "-framerate", "\(fps)", "-i", "pipe:0",
         // Pad to even sides (black, at the right/bottom), then RGB → BT.709 limited-range 4:2:0.
         "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2:0:0:black,scale=out_color_matrix=bt709:out_range=tv,format=yuv420p",
         "-c:v", "libx264", "-preset", "medium", "-crf", "18", "-pix_fmt", "yuv420p", "-threads", "1",
         "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
         "-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1",
         "-movflags", "+faststart", "-f", "mp4", "-y", output]
    }

    /// Throws unless every target has one size (a video has one frame size); `video` names the error.
    public static func checkOneSize(_ targets: [TargetView], video: URL) throws {
        guard let first = targets.first else { return }
        let w = first.camera.intrinsics.width, h = first.camera.intrinsics.height
        if let other = targets.first(where: { $0.camera.intrinsics.width != w || $0.camera.intrinsics.height != h }) {
            throw ViewSynthError(video, expected: "views of one size for a video",
                                 found: "\(w)×\(h) (\(first.name.prefix(60))) and \(other.camera.intrinsics.width)×\(other.camera.intrinsics.height) (\(other.name.prefix(60)))")
        }
    }

    /// The ffmpeg executable on PATH, or a one-line error naming `video` and the package to install.
    public static func requireFFmpeg(for video: URL, searchPath: String? = ProcessInfo.processInfo.environment["PATH"]) throws -> URL {
        guard let ffmpeg = findExecutable("ffmpeg", searchPath: searchPath) else {
            throw ViewSynthError(video, expected: "the ffmpeg program on PATH to encode the video (Debian/Ubuntu: apt-get install \(package))",
                                 found: "none (the frames are written as PNGs)")
        }
        return ffmpeg
    }

    /// Encodes `frames` (PNG files of one size, in order) into `video` at `fps` with `ffmpeg`, atomically.
    /// - Throws: `ViewSynthError` naming a frame that cannot be read or has another size, or `video` when ffmpeg
    ///   cannot start or fails (the log's last line quoted). An existing `video` is then left untouched.
    public static func encode(frames: [URL], to video: URL, fps: Int, ffmpeg: URL) throws -> Result {
        guard let firstFrame = frames.first else {
            throw ViewSynthError(video, expected: "at least 1 frame to encode", found: "none")
        }
        guard fpsRange.contains(fps) else {
            throw ViewSynthError(video, expected: "a frame rate in \(fpsRange.lowerBound)…\(fpsRange.upperBound)", found: "\(fps)")
        }
        signal(SIGPIPE, SIG_IGN)   // ffmpeg exiting early must make our write fail (EPIPE), not kill the process
        let (width, height) = try ImageIO.readSize(firstFrame)
        let folder = video.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(AtomicFile.temporaryName(for: video.lastPathComponent))
        let log = logURL(for: video)
        let temporaryLog = folder.appendingPathComponent(AtomicFile.temporaryName(for: log.lastPathComponent))
        guard FileManager.default.createFile(atPath: temporaryLog.path, contents: nil),
              let logHandle = try? FileHandle(forWritingTo: temporaryLog) else {
            throw ViewSynthError(log, expected: "a writable folder for ffmpeg's log", found: "cannot create a file there")
        }
        /// Moves the log into place (kept on success and on failure); best effort.
        func keepLog() {
            try? logHandle.close()
            if rename(temporaryLog.path, log.path) != 0 { unlink(temporaryLog.path) }
        }

        let process = Process()
        process.executableURL = ffmpeg
        process.arguments = ffmpegArguments(width: width, height: height, fps: fps, output: temporary.path)
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = logHandle
        do {
            try process.run()
        } catch {
            keepLog()
            throw ViewSynthError(video, expected: "ffmpeg to start (\(ffmpeg.path))", found: "\(error.localizedDescription.prefix(120))")
        }
        // Feed the frames; a frame that cannot be read stops the encode (ffmpeg then sees the end of its input).
        var frameError: Error?
        var pipeBroken = false
        for frame in frames {
            do {
                let image = try ImageIO.read(frame)
                guard image.width == width, image.height == height else {
                    throw ViewSynthError(frame, expected: "a frame of the video's size \(width)×\(height)", found: "\(image.width)×\(image.height)")
                }
                let bytes = Data(image.channels == 3 ? image.quantized8() : image.rgb().quantized8())
                do { try input.fileHandleForWriting.write(contentsOf: bytes) } catch { pipeBroken = true }
            } catch {
                frameError = error
            }
            if frameError != nil || pipeBroken { break }
        }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        keepLog()
        let status = process.terminationStatus
        let exitedCleanly = process.terminationReason == .exit && status == 0
        if let frameError {
            unlink(temporary.path)
            throw frameError
        }
        guard exitedCleanly, !pipeBroken else {
            unlink(temporary.path)
            let how = process.terminationReason == .exit ? "exit status \(status)" : "signal \(status)"
            throw ViewSynthError(video, expected: "ffmpeg to encode \(frames.count) frames",
                                 found: "\(how) (see \(log.lastPathComponent): \(lastLine(of: log).prefix(100)))")
        }
        let staged = try AtomicFile.adopt(temporary, for: video)
        do { try staged.commit() } catch { staged.discard(); throw error }
        let padded = paddedSize(width: width, height: height)
        return Result(url: video, log: log, frames: frames.count, width: padded.width, height: padded.height)
    }

    /// The video of a render job's frames (`records` in path order, files in `outDir`) at `video`, and with
    /// `depth` the video of their depth previews at `depthVideoURL(for: video)`.
    public static func writeVideos(records: [RenderRecord], outDir: URL, video: URL, fps: Int, depth: Bool,
                                   searchPath: String? = ProcessInfo.processInfo.environment["PATH"]) throws -> [Result] {
        let ffmpeg = try requireFFmpeg(for: video, searchPath: searchPath)
        var results = [try encode(frames: records.map { outDir.appendingPathComponent($0.file) }, to: video, fps: fps, ffmpeg: ffmpeg)]
        if depth {
            let previews = try records.map { r -> URL in
                guard let p = r.depthPreviewFile else {
                    throw ViewSynthError(outDir, expected: "a depth preview for every frame of the depth video", found: "none for \(r.name.prefix(80))")
                }
                return outDir.appendingPathComponent(p)
            }
            results.append(try encode(frames: previews, to: depthVideoURL(for: video), fps: fps, ffmpeg: ffmpeg))
        }
        return results
    }

    /// The last non-empty line of a (small) log file, one line, or "no output".
    static func lastLine(of url: URL) -> String {
        guard let data = try? InputFile.read(url, expected: "a log") else { return "no output" }
        let text = String(decoding: data.suffix(4096), as: UTF8.self)
        let line = text.split(whereSeparator: \.isNewline).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return line.isEmpty ? "no output" : ViewSynthError.oneLine(line)
    }
}
