// Renders a whole target image by splitting it into tiles of at most `chunkRays` pixels, handed to
// `threads` workers. Memory is bounded by the chunk size (per-worker scratch) plus the output image,
// whatever the image size. Output is independent of the thread count: each tile writes its own pixels
// and a method's pixel depends only on (camera, pixel, settings) (see RenderMethod).

import Dispatch
import Foundation
import ViewSynthCore

public struct RenderOptions: Sendable {
    /// Maximum rays per tile (bounds scratch memory). Tiles are square-ish blocks of this many pixels.
    public var chunkRays: Int = 4096
    /// Worker threads (default: all cores).
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Also produce a depth map.
    public var wantDepth = false
    public init(chunkRays: Int = 4096, threads: Int = ProcessInfo.processInfo.activeProcessorCount, wantDepth: Bool = false) {
        self.chunkRays = chunkRays; self.threads = threads; self.wantDepth = wantDepth
    }
}

public struct RenderedView: Sendable {
    public var rgb: Image
    /// Camera-z depth per pixel (row-major), when asked for.
    public var depth: [Float]?
    public var seconds: Double
}

public enum TiledRenderer {
    /// Tiles covering width × height in row-major tile order, each at most `chunkRays` pixels.
    public static func tiles(width: Int, height: Int, chunkRays: Int) -> [PixelTile] {
        let side = max(1, Int(Double(max(chunkRays, 1)).squareRoot()))
        var out: [PixelTile] = []
        var y = 0
        while y < height {
            let h = min(side, height - y)
            var x = 0
            while x < width {
                let w = min(side, width - x)
                out.append(PixelTile(x0: x, y0: y, width: w, height: h))
                x += w
            }
            y += h
        }
        return out
    }

    public static func render<M: RenderMethod>(
        method: M, target: Camera, context: M.ViewContext, options: RenderOptions,
        progress: ProgressBar? = nil
    ) -> RenderedView {
        let start = Date()
        let w = target.intrinsics.width, h = target.intrinsics.height
        let tiles = tiles(width: w, height: h, chunkRays: options.chunkRays)
        let maxPixels = tiles.map(\.pixelCount).max() ?? 0
        var rgb = [Float](repeating: 0, count: w * h * 3)
        var depth = [Float](repeating: 0, count: options.wantDepth ? w * h : 0)
        let workers = max(1, min(options.threads, tiles.count))
        let next = TileCounter()
        rgb.withUnsafeMutableBufferPointer { rgbAll in
            depth.withUnsafeMutableBufferPointer { depthAll in
                let rgbOut = SendablePointer(rgbAll.baseAddress!)
                // (An empty array may still have a base address: decide by the option, never by the pointer.)
                let depthOut = options.wantDepth ? depthAll.baseAddress.map(SendablePointer.init) : nil
                DispatchQueue.concurrentPerform(iterations: workers) { _ in
                    var scratch = method.makeScratch(maxPixels: maxPixels)
                    let tileRGB = UnsafeMutableBufferPointer<Float>.allocate(capacity: maxPixels * 3)
                    let tileDepth = UnsafeMutableBufferPointer<Float>.allocate(capacity: maxPixels)
                    defer { tileRGB.deallocate(); tileDepth.deallocate() }
                    while let t = next.take(limit: tiles.count) {
                        let tile = tiles[t]
                        let n = tile.pixelCount
                        let out = TileOutput(
                            rgb: UnsafeMutableBufferPointer(rebasing: tileRGB[0..<(n * 3)]),
                            depth: depthOut == nil ? nil : UnsafeMutableBufferPointer(rebasing: tileDepth[0..<n]))
                        method.render(tile: tile, target: target, context: context, scratch: &scratch, output: out)
                        for row in 0..<tile.height {
                            let dst = ((tile.y0 + row) * w + tile.x0)
                            (rgbOut.p + dst * 3).update(from: tileRGB.baseAddress! + row * tile.width * 3, count: tile.width * 3)
                            if let d = depthOut {
                                (d.p + dst).update(from: tileDepth.baseAddress! + row * tile.width, count: tile.width)
                            }
                        }
                        progress?.advance(by: n)
                    }
                }
            }
        }
        return RenderedView(
            rgb: Image(width: w, height: h, channels: 3, pixels: rgb),
            depth: options.wantDepth ? depth : nil,
            seconds: Date().timeIntervalSince(start))
    }
}

/// A raw pointer shared by workers that write disjoint ranges.
struct SendablePointer<T>: @unchecked Sendable {
    let p: UnsafeMutablePointer<T>
    init(_ p: UnsafeMutablePointer<T>) { self.p = p }
}

/// Hands out tile indices 0, 1, 2, … to workers.
final class TileCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    func take(limit: Int) -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < limit else { return nil }
        next += 1
        return next - 1
    }
}
