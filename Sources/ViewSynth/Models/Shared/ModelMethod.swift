// `--method gpnr` / `--method lfnr`: the transformer models as a RenderMethod the tiled renderer drives
// (`GPNRMethod` and `LFNRMethod` are this type; its name is the model's kind).
//
// prepare: chooses the N nearest training views of the target (never the target's own view), copies their
// images once (ViewSet). render: per tile, batches of `config.renderBatch` rays through the pixel centres
// go through the model in the worker's own workspace (allocated once per worker by `makeScratch`).
// Each tile runs on its worker's thread only (`Threading.serial`): the renderer already keeps every core
// busy with one tile each. Output per pixel depends only on (weights, config, camera, pixel, tiling), so
// renders are byte-identical with any thread count for a given --chunk; another chunk size batches rays
// differently and BLAS may then round the last bit of a few values differently (≤ 1e-6 here). Depth (render --depth) is the expected target-camera depth
// under the epipolar attention, weighted by the view attention.

import Foundation
import ViewSynthCore
import ViewSynthEngine

public struct ModelMethod: RenderMethod {
    public let model: EpipolarModel<Float>
    /// Identifies the weights in settings (a file hash, or "random:<seed>").
    public let weightsID: String

    public init(model: EpipolarModel<Float>, weightsID: String) {
        self.model = model
        self.weightsID = weightsID
        renderBatch = model.config.renderBatch
    }

    /// Untrained weights from a seed.
    public init(config: ModelConfig, seed: UInt64, kind: ModelKind = .gpnr) {
        self.init(model: EpipolarModel(config: config, seed: seed, kind: kind), weightsID: "random:\(seed)")
    }

    /// Weights from a checkpoint (of `kind` when given).
    public init(weights url: URL, kind: ModelKind? = nil) throws {
        self.init(model: try EpipolarModel<Float>.load(from: url, expecting: kind), weightsID: try ModelCheckpoint.fileHash(url))
    }

    /// Rays per batch per worker (the config's renderBatch unless changed).
    public var renderBatch: Int

    /// Which output becomes the image: the predicted colour, or the attention blend of the reference
    /// colours ("coarse"; meaningful even for untrained weights, useful to evaluate depth selection).
    public enum Output: String, Sendable, CaseIterable { case color, coarse }
    public var output: Output = .color

    /// The same method rendering `output`.
    public func withOutput(_ o: Output) -> ModelMethod {
        var m = self
        m.output = o
        return m
    }

    /// The same method with another batch size (output differs only in the last bits; see the file head).
    public func withRenderBatch(_ b: Int) -> ModelMethod {
        var m = self
        m.renderBatch = max(1, b)
        return m
    }

    public var name: String { model.kind.rawValue }
    public var settings: [String: String] {
        var s = ["config": model.config.json, "weights": weightsID, "version": "1"]
        if output != .color { s["output"] = output.rawValue }
        return s
    }

    /// Rays are batched within each tile, and another batching may round a last bit differently (file head).
    public func outputOptions(_ options: RenderOptions) -> [String: String] {
        ["chunk": "\(options.chunkRays)", "batch": "\(renderBatch)"]
    }

    public typealias ViewContext = ViewSet<Float>

    public final class Scratch {
        let workspace: EpipolarWorkspace<Float>
        var rays: [ModelRay]
        /// Sweep guidance of the current tile (guided configs).
        let guide: SweepGuide?
        let guidance: GuidanceBatch?
        init(_ ws: EpipolarWorkspace<Float>, config: ModelConfig, maxPixels: Int) {
            workspace = ws
            rays = .init(repeating: ModelRay(viewSet: 0, x: 0, y: 0), count: ws.B)
            if let g = config.guidance {
                guide = SweepGuide(settings: g, views: config.views, samples: config.samples, maxPixels: maxPixels)
                guidance = GuidanceBatch(capacity: maxPixels, samples: config.samples)
            } else {
                guide = nil; guidance = nil
            }
        }
    }

    public func prepare(target: Camera, excludingView: Int?, references: ReferenceImages) throws -> ViewSet<Float> {
        try ViewSet.forScene(references, target: target, count: model.config.views, excludingView: excludingView)
    }

    public func makeScratch(maxPixels: Int) -> Scratch {
        Scratch(model.makeWorkspace(batch: min(renderBatch, max(1, maxPixels)), training: false), config: model.config,
                maxPixels: max(1, maxPixels))
    }

    public func render(tile: PixelTile, target: Camera, context: ViewSet<Float>, scratch: inout Scratch, output: TileOutput) {
        let ws = scratch.workspace
        let B = ws.B, n = tile.pixelCount
        let viewSets = [context]
        if let guide = scratch.guide, let g = scratch.guidance {
            guide.fill(tile: tile, viewSet: context, placement: .binCentres, keyView: 0, into: g, row0: 0)
        }
        Threading.serial {
            var start = 0
            while start < n {
                let m = min(B, n - start)
                for i in 0..<m {
                    let p = start + i
                    scratch.rays[i] = ModelRay(viewSet: 0, x: Double(tile.x0 + p % tile.width) + 0.5,
                                               y: Double(tile.y0 + p / tile.width) + 0.5, guide: Int32(p))
                }
                scratch.rays.withUnsafeBufferPointer { r in
                    model.forward(rays: UnsafeBufferPointer(rebasing: r[0..<m]), viewSets: viewSets,
                                  guidance: scratch.guidance, workspace: ws)
                }
                let colours = self.output == .coarse ? ws.coarse : ws.rgb
                for i in 0..<m {
                    let p = start + i
                    for c in 0..<3 { output.rgb[3 * p + c] = min(1, max(0, colours[3 * i + c])) }
                    output.depth?[p] = ws.depth[i]
                }
                start += m
            }
        }
    }
}

