// Throughput measurement of a rendering method on held-out views, for `viewsynth bench …` (a command that
// prints figures, not a timed test). Rendering time is measured around the tiled renderer only; `prepare`
// (reference selection, image loading) is timed separately. Peak memory is measured by the caller, which runs
// each configuration in a fresh process (see the CLI's bench command).

import Foundation
import ViewSynthCore

/// Figures of one benchmark run (one method, one thread count, K views).
public struct RenderBenchmarkRun: Codable, Sendable {
    public var threads: Int
    public var chunkRays: Int
    public var views: [String]
    public var width: Int
    public var height: Int
    public var rays: Int
    /// Time in the tiled renderer, summed over views.
    public var renderSeconds: Double
    /// Time in `prepare` (reference selection, image decoding), summed over views.
    public var prepareSeconds: Double
    public var raysPerSecond: Double
    /// FNV-1a 64 of the rendered RGB floats of every view, in order (equal across thread counts).
    public var outputHash: String
    /// Peak resident memory of the process that ran this configuration (filled in by the caller).
    public var peakRSSBytes: Int?
    /// CPU time (user + system) of that process, all threads, including scene loading (filled in by the caller).
    /// On a busy machine cpuSeconds / wall time shows how many cores the run actually got.
    public var cpuSeconds: Double?
}

public enum RenderBenchmark {
    /// Renders the first `count` held-out views of `scene` (all views when there are no held-out ones).
    public static func run<M: RenderMethod>(method: M, scene: Scene, count: Int, options: RenderOptions) throws -> RenderBenchmarkRun {
        var targets = CameraPath.testViews(scene)
        if targets.isEmpty { targets = CameraPath.allViews(scene) }
        targets = Array(targets.prefix(max(count, 1)))
        let refs = ReferenceImages(scene: scene)
        var renderSeconds = 0.0, prepareSeconds = 0.0, rays = 0
        var hashText = ""
        for t in targets {
            let p0 = Date()
            let context = try method.prepare(target: t.camera, excludingView: t.sceneView, references: refs)
            prepareSeconds += Date().timeIntervalSince(p0)
            let view = TiledRenderer.render(method: method, target: t.camera, context: context, options: options)
            renderSeconds += view.seconds
            rays += view.rgb.width * view.rgb.height
            hashText += view.rgb.pixels.withUnsafeBytes { fnv1a64Hex(Data($0)) }
        }
        let first = targets[0].camera.intrinsics
        return RenderBenchmarkRun(
            threads: options.threads, chunkRays: options.chunkRays, views: targets.map(\.name),
            width: first.width, height: first.height, rays: rays, renderSeconds: renderSeconds,
            prepareSeconds: prepareSeconds, raysPerSecond: Double(rays) / max(renderSeconds, 1e-9),
            outputHash: fnv1a64Hex(hashText), peakRSSBytes: nil)
    }
}
