// Writing a synthetic scene to disk: images + cameras in a chosen scene format (through Core's SceneWriter,
// so every loader reads it back), plus the exact depth maps and a metadata sidecar.
//
// Folder layout (DIR = the output folder):
//   images/view_000.png …        8-bit RGB (SceneWriter)
//   poses_bounds.npy | transforms_train.json + transforms_test.json | transforms.json | sparse/0/*.txt
//                                cameras in the chosen format; near/far = the exact scene bounds (COLMAP: given as
//                                3-D points lifted from the depth maps, so its loader derives near/far from them)
//   depth/view_000.png …         16-bit gray PNG: z-depth = value / scale (scene units), 0 = no surface (sky)
//     or depth/view_000.npy      float32 H×W z-depth, 0 = no surface
//   depth/depth.json             { "encoding", "scale", "definition" }
//   synthetic.json               the generator parameters (seed, layout, views, size, spp, shadows), near/far
// z-depth is the distance along the camera's +z axis (not the ray length), the same quantity as near/far.

import Foundation
import ViewSynthCore

/// How depth maps are stored.
public enum SyntheticDepthFormat: String, Sendable, CaseIterable, Codable {
    /// 16-bit gray PNG; depth = value / scale.
    case png16
    /// NumPy float32 H×W.
    case npy
}

extension SyntheticScene {
    /// Scale of the 16-bit depth encoding: the largest power of two s with s · (max depth) ≤ 65535, so the
    /// quantisation step is 1/s (≈ 2.4e-4 units for depths up to 16).
    public var depthScale: Double {
        let maxDepth = views.map { $0.depth.max() ?? 0 }.max() ?? 0
        guard maxDepth > 0 else { return 1 }
        return Double(1 << max(0, min(30, Int(log2(65535 / Double(maxDepth)).rounded(.down)))))
    }

    /// 16-bit depth values: round(depth · scale), clamped to 0…65535 (0 stays "no surface").
    public static func quantizeDepth(_ depth: [Float], scale: Double) -> [UInt16] {
        depth.map { UInt16(max(0, min(65535, (Double($0) * scale).rounded()))) }
    }

    /// Image file names ("view_000.png", …).
    public var imageNames: [String] { views.map { $0.name + ".png" } }

    /// The scene as Core's `SceneExport` (images in memory, exact near/far, the split, and for COLMAP about
    /// 8000 surface points lifted from the depth maps, at most 400 per view).
    public func export(pointsPerView: Int? = nil) -> SceneExport {
        let perView = pointsPerView ?? min(400, max(20, 8000 / max(1, views.count)))
        return SceneExport(names: imageNames, cameras: cameras, images: .images(views.map(\.image)),
                    near: near, far: far, testIndices: testIndices, points: surfacePoints(perView: perView))
    }

    /// World points of up to `perView` pixels per view on a regular pixel grid (surfaces only).
    public func surfacePoints(perView: Int) -> [Vec3] {
        var pts: [Vec3] = []
        for v in views {
            let k = v.camera.intrinsics
            let step = max(1, Int((Double(k.width * k.height) / Double(max(1, perView))).squareRoot().rounded(.up)))
            for y in stride(from: step / 2, to: k.height, by: step) {
                for x in stride(from: step / 2, to: k.width, by: step) {
                    let d = Double(v.depth[y * k.width + x])
                    if d <= 0 { continue }
                    pts.append(v.camera.unproject(pixel: Intrinsics.pixelCentre(x: x, y: y), depth: d))
                }
            }
        }
        return pts
    }

    /// Writes the scene into `dir` (created if needed): see the file header for the layout.
    public func write(to dir: URL, format: SceneFormat, depthFormat: SyntheticDepthFormat = .png16,
                      generator: SyntheticSceneGenerator? = nil) throws {
        guard format != .synthetic else {
            throw ViewSynthError(dir, expected: "an output format llff, blender, instant-ngp or colmap", found: "synthetic")
        }
        try SceneWriter.write(export(), format: format, to: dir)
        let depthDir = dir.appendingPathComponent("depth")
        try FileManager.default.createDirectory(at: depthDir, withIntermediateDirectories: true)
        let scale = depthScale
        for v in views {
            let k = v.camera.intrinsics
            switch depthFormat {
            case .png16:
                try ImageIO.writePNG16(gray: Self.quantizeDepth(v.depth, scale: scale), width: k.width, height: k.height,
                                       to: depthDir.appendingPathComponent(v.name + ".png"))
            case .npy:
                try NPY.write(v.depth, shape: [k.height, k.width], to: depthDir.appendingPathComponent(v.name + ".npy"))
            }
        }
        let definition = "z-depth: distance along the camera +z axis (OpenCV axes) to the surface seen through the pixel centre, in scene units; 0 = no surface"
        var depthDoc: [(String, String)] = [("encoding", "\"\(depthFormat.rawValue)\"")]
        if depthFormat == .png16 { depthDoc.append(("scale", "\(scale)")); depthDoc.append(("decode", "\"depth = value / scale\"")) }
        depthDoc.append(("definition", "\"\(definition)\""))
        try AtomicFile.write(Data(Self.json(depthDoc).utf8), to: depthDir.appendingPathComponent("depth.json"))

        var meta: [(String, String)] = [("generator", "\"viewsynth synth\""), ("name", "\"\(name)\""),
                                        ("layout", "\"\(layout.rawValue)\""), ("seed", "\(seed)"),
                                        ("views", "\(views.count)")]
        if let k = views.first?.camera.intrinsics { meta += [("width", "\(k.width)"), ("height", "\(k.height)")] }
        if let g = generator {
            meta += [("samples_per_pixel", "\(g.samplesPerPixel)"), ("shadows", g.shadows ? "true" : "false")]
        }
        meta += [("format", "\"\(format.rawValue)\""), ("near", "\(near)"), ("far", "\(far)"),
                 ("test_views", "[" + testIndices.map(String.init).joined(separator: ", ") + "]"),
                 ("depth_folder", "\"depth\""), ("depth_encoding", "\"\(depthFormat.rawValue)\"")]
        try AtomicFile.write(Data(Self.json(meta).utf8), to: dir.appendingPathComponent("synthetic.json"))
    }

    /// A flat JSON object from pre-rendered values, keys in order.
    static func json(_ pairs: [(String, String)]) -> String {
        "{\n" + pairs.map { "  \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }
}

extension SyntheticSceneGenerator {
    /// Renders every view and writes the scene (see SyntheticScene.write).
    /// Arguments and the output folder are checked before any rendering.
    public func write(to dir: URL, format: SceneFormat, depthFormat: SyntheticDepthFormat = .png16) throws {
        try validate()
        guard format != .synthetic else {
            throw ViewSynthError(dir, expected: "an output format llff, blender, instant-ngp or colmap", found: "synthetic")
        }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), !isDir.boolValue {
            throw ViewSynthError(dir, expected: "a folder (or a new path) for the scene", found: "an existing file")
        }
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw ViewSynthError(dir, expected: "a folder that can be created", found: "\(error.localizedDescription)")
        }
        try generate().write(to: dir, format: format, depthFormat: depthFormat, generator: self)
    }
}
