import Foundation
import Testing
@testable import ViewSynth

/// A method whose pixel value is a fixed function of (pixel, camera): any scheduling bug shows up.
struct PatternMethod: RenderMethod {
    var name: String { "pattern" }
    var settings: [String: String] { ["k": "1"] }
    func prepare(target: Camera, excludingView: Int?, references: ReferenceImages) throws -> Int { 0 }
    func makeScratch(maxPixels: Int) -> [Float] { [Float](repeating: 0, count: maxPixels) }
    func render(tile: PixelTile, target: Camera, context: Int, scratch: inout [Float], output: TileOutput) {
        #expect(tile.pixelCount <= scratch.count)
        for y in 0..<tile.height {
            for x in 0..<tile.width {
                let p = y * tile.width + x
                let gx = Float(tile.x0 + x), gy = Float(tile.y0 + y)
                output.rgb[3 * p] = sin(gx * 0.37) * cos(gy * 0.11)
                output.rgb[3 * p + 1] = gx / 100
                output.rgb[3 * p + 2] = gy / 100
                output.depth?[p] = gx + 1000 * gy
            }
        }
    }
}

struct TiledRendererTests {
    static let camera = Camera(
        intrinsics: Intrinsics(fx: 50, fy: 50, cx: 37, cy: 21, width: 75, height: 43),
        worldFromCamera: .identity)

    @Test(arguments: [16, 100, 999, 5000])
    func tilesCoverEveryPixelOnce(chunk: Int) {
        let tiles = TiledRenderer.tiles(width: 75, height: 43, chunkRays: chunk)
        var hits = [Int](repeating: 0, count: 75 * 43)
        for t in tiles {
            #expect(t.pixelCount <= max(chunk, 1))
            for y in t.y0..<(t.y0 + t.height) { for x in t.x0..<(t.x0 + t.width) { hits[y * 75 + x] += 1 } }
        }
        #expect(hits.allSatisfy { $0 == 1 })
    }

    @Test func outputIndependentOfThreadsAndChunks() {
        func render(threads: Int, chunk: Int) -> RenderedView {
            TiledRenderer.render(method: PatternMethod(), target: Self.camera, context: 0,
                                 options: RenderOptions(chunkRays: chunk, threads: threads, wantDepth: true))
        }
        let a = render(threads: 1, chunk: 64)
        for (t, c) in [(2, 64), (2, 100), (1, 4096), (3, 17)] {
            let b = render(threads: t, chunk: c)
            #expect(a.rgb.pixels == b.rgb.pixels)
            #expect(a.depth! == b.depth!)
        }
        // And the pixels are where they belong.
        #expect(a.depth![10 * 75 + 7] == 7 + 1000 * 10)
        #expect(a.rgb[74, 42, 1] == Float(74) / 100)
    }

    @Test func settingsHashChangesWithSettings() {
        var a = PlaneSweepConfig(), b = PlaneSweepConfig()
        b.planes += 1
        #expect(PlaneSweep(config: a).settingsHash != PlaneSweep(config: b).settingsHash)
        a.planes += 1
        #expect(PlaneSweep(config: a).settingsHash == PlaneSweep(config: b).settingsHash)
    }
}

extension TiledRendererTests {
    /// Without depth the method gets no depth buffer (and nothing is written past the colour image).
    @Test func noDepthBufferWhenNotAsked() {
        struct Probe: RenderMethod {
            var name: String { "probe" }
            var settings: [String: String] { [:] }
            func prepare(target: Camera, excludingView: Int?, references: ReferenceImages) throws -> Int { 0 }
            func makeScratch(maxPixels: Int) -> Int { 0 }
            func render(tile: PixelTile, target: Camera, context: Int, scratch: inout Int, output: TileOutput) {
                #expect(output.depth == nil)
                for i in output.rgb.indices { output.rgb[i] = 0.5 }
            }
        }
        let view = TiledRenderer.render(method: Probe(), target: Self.camera, context: 0,
                                        options: RenderOptions(chunkRays: 64, threads: 2, wantDepth: false))
        #expect(view.depth == nil)
        #expect(view.rgb.pixels.allSatisfy { $0 == 0.5 })
    }
}
