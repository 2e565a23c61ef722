// The public entry point: a seeded procedural scene with exact ground truth.
//
//   let gen = SyntheticSceneGenerator(seed: 1, layout: .forward)
//   let scene = gen.generate()                 // cameras, images, exact depth, near/far (in memory)
//   try gen.write(to: dir, format: .llff)      // or scene.write(...); see SyntheticSceneWriter.swift
//
// Everything is fixed by (seed, layout, views, width, height, samplesPerPixel, shadows): the world by
// (seed, layout) alone, cameras additionally by views and size. Thread count never changes the output. (Across
// platforms, libm's sin/cos/pow may differ in the last bit, which can move a few 8-bit values.)

import Foundation
import ViewSynthCore

/// One rendered view with its exact depth.
public struct SyntheticView: Sendable {
    /// File stem, e.g. "view_007".
    public var name: String
    public var camera: Camera
    /// RGB, H×W×3, display-encoded (gamma 2.2) in [0, 1].
    public var image: Image
    /// z-depth (along the camera +z axis, scene units) of the surface seen through each pixel centre, H×W
    /// row-major; 0 where the ray hits nothing (sky, object layout only).
    public var depth: [Float]
}

/// A rendered synthetic scene held in memory.
public struct SyntheticScene: Sendable {
    public var name: String
    public var layout: SyntheticLayout
    public var seed: UInt64
    public var views: [SyntheticView]
    /// Scene depth bounds (z-depth) for all views: 0.95 × the smallest and 1.05 × the largest valid depth value.
    public var near: Double
    public var far: Double
    /// Hold-out split: every 8th view starting at 0 is a test view (the LLFF convention), the rest train.
    public var trainIndices: [Int]
    public var testIndices: [Int]
    /// Cameras of all views, in order.
    public var cameras: [Camera] { views.map(\.camera) }
}

/// Generates seeded synthetic scenes: see the file header.
public struct SyntheticSceneGenerator: Sendable {
    public var seed: UInt64
    public var layout: SyntheticLayout
    public var views: Int
    public var width: Int
    public var height: Int
    /// Anti-aliasing rays per pixel (a perfect square gives stratified jitter).
    public var samplesPerPixel: Int
    /// Hard shadows from the key light.
    public var shadows: Bool
    /// Render threads; the output does not depend on it.
    public var threads: Int

    /// Defaults: views and size from the layout (`defaultViews`, `defaultSize`), 4 samples per pixel, shadows on,
    /// all active cores.
    public init(seed: UInt64, layout: SyntheticLayout = .forward, views: Int? = nil, width: Int? = nil,
                height: Int? = nil, samplesPerPixel: Int = 4, shadows: Bool = true, threads: Int? = nil) {
        self.seed = seed; self.layout = layout
        self.views = views ?? layout.defaultViews
        self.width = width ?? layout.defaultSize.width
        self.height = height ?? layout.defaultSize.height
        self.samplesPerPixel = samplesPerPixel; self.shadows = shadows
        self.threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
    }

    /// Parses an image size "WxH" (e.g. "320x240"), as the CLI's --size takes it.
    public static func parseSize(_ text: String) throws -> (width: Int, height: Int) {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0 else {
            throw ViewSynthError("--size", expected: "WIDTHxHEIGHT, e.g. 320x240", found: "'\(text)'")
        }
        return (w, h)
    }

    /// Scene name used in files, e.g. "synth-forward-s1".
    public var name: String { "synth-\(layout.rawValue)-s\(seed)" }

    /// Rejects arguments that cannot make a scene (user input from the CLI).
    public func validate() throws {
        if views < 1 { throw ViewSynthError("--views", expected: "a view count ≥ 1", found: "\(views)") }
        if width < 8 || height < 8 || width > 8192 || height > 8192 {
            throw ViewSynthError("--size", expected: "a size between 8x8 and 8192x8192", found: "\(width)x\(height)")
        }
        if views > 10_000 || Double(views) * Double(width) * Double(height) > 4e8 {
            throw ViewSynthError("--views/--size", expected: "at most 10000 views and 4e8 pixels in all (the scene is held in memory)",
                                 found: "\(views) views of \(width)x\(height)")
        }
        if samplesPerPixel < 1 || samplesPerPixel > 1024 {
            throw ViewSynthError("--spp", expected: "1…1024 samples per pixel", found: "\(samplesPerPixel)")
        }
    }

    /// The random world (depends on seed and layout only).
    public var world: SyntheticWorld { SyntheticWorld.random(seed: seed, layout: layout) }

    /// The cameras, in view order.
    public var cameras: [Camera] {
        SyntheticRig.cameras(seed: seed, layout: layout, views: views, width: width, height: height)
    }

    /// File stem of view `i`.
    public static func viewName(_ i: Int) -> String { String(format: "view_%03d", i) }

    /// Test views: every 8th starting at 0 (needs ≥ 2 views; a single view is a train view).
    public static func split(count: Int) -> (train: [Int], test: [Int]) {
        let test = count < 2 ? [] : Array(stride(from: 0, to: count, by: 8))
        return ((0..<count).filter { !test.contains($0) }, test)
    }

    /// Renders view `i` of `world` (pass `world` to avoid rebuilding it per view).
    public func renderView(_ i: Int, world: SyntheticWorld, camera: Camera) -> SyntheticView {
        let r = world.render(camera: camera, samplesPerPixel: samplesPerPixel, shadows: shadows,
                             seed: seed, viewIndex: i, threads: threads)
        return SyntheticView(name: Self.viewName(i), camera: camera, image: r.image, depth: r.depth)
    }

    /// Renders every view into memory.
    public func generate() -> SyntheticScene {
        let world = self.world
        let rendered = cameras.enumerated().map { renderView($0.offset, world: world, camera: $0.element) }
        let (near, far) = Self.bounds(depths: rendered.map(\.depth))
        let split = Self.split(count: rendered.count)
        return SyntheticScene(name: name, layout: layout, seed: seed, views: rendered, near: near, far: far,
                              trainIndices: split.train, testIndices: split.test)
    }

    /// (near, far) = (0.95 × min, 1.05 × max) over the valid (> 0) depth values; (0.1, 100) if there are none.
    public static func bounds(depths: [[Float]]) -> (near: Double, far: Double) {
        var lo = Float.infinity, hi: Float = 0
        for d in depths { for v in d where v > 0 { lo = min(lo, v); hi = max(hi, v) } }
        if hi == 0 { return (0.1, 100) }
        return (0.95 * Double(lo), 1.05 * Double(hi))
    }
}
