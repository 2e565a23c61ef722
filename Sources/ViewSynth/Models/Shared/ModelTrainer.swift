// One GPNR training step over a batch of rays (possibly from several view sets / scenes), data-parallel:
// the batch is cut into micro-batches of `microBatch` rays; micro-batch i runs on replica i mod R (R = 2,
// fixed), each replica a copy of the parameters with its own gradient buffer and workspace, replicas in
// parallel on the workers, each single-threaded (small micro-batches stay in cache; no fine-grained
// synchronisation). The model's gradient is then the sum of the replicas' in a fixed order, so a step gives
// the same bytes with 1 or 2 threads. Loss: mean over the batch of MSE(rgb) + MSE(coarse).
//
// Memory: R × (parameter copy + gradients + a training workspace of `microBatch` rays).

import Dispatch
import Foundation
import ViewSynthCore
import ViewSynthEngine

public final class ModelTrainer: @unchecked Sendable {
    public let model: EpipolarModel<Float>
    public let optimizer: AdamW<Float>
    public let microBatch: Int
    let replicas: [ParameterStore<Float>]
    let workspaces: [EpipolarWorkspace<Float>]

    public struct StepResult: Sendable {
        public var losses: EpipolarModel<Float>.Losses
        public var update: AdamW<Float>.StepInfo?
    }

    public init(model: EpipolarModel<Float>, optimizer: AdamW<Float>.Configuration, microBatch: Int = 16, replicas: Int = 2) {
        self.model = model
        self.optimizer = AdamW(layout: model.layout, configuration: optimizer)
        self.microBatch = max(1, microBatch)
        self.replicas = (0..<max(1, replicas)).map { _ in ParameterStore<Float>(layout: model.layout) }
        workspaces = self.replicas.map { _ in model.makeWorkspace(batch: max(1, microBatch), training: true) }
    }

    /// About 4096 key tokens per micro-batch (measured on `small`: 16 rays per micro-batch ran at 1.3× the
    /// per-core throughput of 64; activations of larger batches fall out of the caches).
    public static func defaultMicroBatch(_ c: ModelConfig) -> Int { max(1, 4096 / max(1, c.views * c.samples)) }

    /// Bytes held by replicas and workspaces.
    public var bytes: Int {
        replicas.count * 2 * model.layout.count * 4 + workspaces.map(\.bytes).reduce(0, +)
    }

    /// Gradients of the batch loss into `model.parameters.gradients` (overwritten), no update.
    /// `targets` holds 3 values per ray.
    public func computeGradients(rays: [ModelRay], targets: [Float], viewSets: [ViewSet<Float>],
                                 placement: DepthPlacement = .endpoints, guidance: GuidanceBatch? = nil,
                                 depthTargets: [Float]? = nil, depthWeight: Float = 0) -> EpipolarModel<Float>.Losses {
        precondition(depthTargets.map { $0.count == rays.count } ?? true, "ModelTrainer: one depth target per ray")
        // A stable copy the workers read (no pointer escapes a closure).
        nonisolated(unsafe) let depthBuffer: UnsafeMutableBufferPointer<Float>? = depthTargets.map { d in
            let b = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, d.count))
            _ = b.initialize(from: d)
            return b
        }
        defer { depthBuffer?.deallocate() }
        precondition(!rays.isEmpty && targets.count == rays.count * 3, "ModelTrainer: 3 targets per ray")
        let n = rays.count, m = microBatch, R = replicas.count
        let chunks = (n + m - 1) / m
        for r in replicas {
            r.values.pointer.update(from: model.parameters.values.pointer, count: model.layout.count)
            r.zeroGradients()
        }
        var partial = [EpipolarModel<Float>.Losses](repeating: .init(total: 0, rgb: 0, coarse: 0), count: chunks)
        partial.withUnsafeMutableBufferPointer { out in
            let outP = out.baseAddress!
            nonisolated(unsafe) let results = outP
            let work: (Int) -> Void = { r in
                Threading.serial {
                    var i = r
                    while i < chunks {
                        let lo = i * m, hi = min(n, lo + m)
                        let ws = self.workspaces[r]
                        rays.withUnsafeBufferPointer { rp in
                            self.model.forward(rays: UnsafeBufferPointer(rebasing: rp[lo..<hi]), viewSets: viewSets,
                                               placement: placement, guidance: guidance, workspace: ws,
                                               store: self.replicas[r])
                        }
                        let l = targets.withUnsafeBufferPointer { tp in
                            let dp = depthBuffer.map { UnsafePointer($0.baseAddress! + lo) }
                            return self.model.backward(targets: tp.baseAddress! + 3 * lo, workspace: ws,
                                                       weight: Float(hi - lo) / Float(n), depthTargets: dp,
                                                       depthWeight: depthWeight, store: self.replicas[r])
                        }
                        results[i] = l
                        i += R
                    }
                }
            }
            if Threading.workerCount > 1 && R > 1 {
                nonisolated(unsafe) let run = work
                DispatchQueue.concurrentPerform(iterations: R) { run($0) }
            } else {
                for r in 0..<R { work(r) }
            }
        }
        let g = model.parameters.gradients
        g.pointer.update(from: replicas[0].gradients.pointer, count: g.count)
        for r in replicas.dropFirst() { Float.kAccumulate(g.pointer, r.gradients.pointer, g.count) }
        var total = EpipolarModel<Float>.Losses(total: 0, rgb: 0, coarse: 0)
        for (i, l) in partial.enumerated() {
            let w = Double(min(n, (i + 1) * m) - i * m) / Double(n)
            total.total += w * l.total; total.rgb += w * l.rgb; total.coarse += w * l.coarse; total.depth += w * l.depth
        }
        return total
    }

    /// Gradients then one AdamW update of the model's parameters.
    @discardableResult
    public func step(rays: [ModelRay], targets: [Float], viewSets: [ViewSet<Float>],
                     placement: DepthPlacement = .endpoints, guidance: GuidanceBatch? = nil,
                     depthTargets: [Float]? = nil, depthWeight: Float = 0) -> StepResult {
        let l = computeGradients(rays: rays, targets: targets, viewSets: viewSets, placement: placement, guidance: guidance,
                                 depthTargets: depthTargets, depthWeight: depthWeight)
        let info = optimizer.update(model.parameters)
        return StepResult(losses: l, update: info)
    }
}
