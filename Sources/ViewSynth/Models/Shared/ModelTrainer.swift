// One GPNR training step over a batch of rays (possibly from several view sets / scenes), data-parallel:
// the batch is cut into micro-batches of `microBatch` rays; micro-batch i runs on replica i mod R (R = 2,
// fixed), each replica a copy of the parameters with its own gradient buffer and workspace, replicas in
// parallel on the workers, each single-threaded (small micro-batches stay in cache; no fine-grained
// synchronisation). The model's gradient is then the sum of the replicas' in a fixed order, so a step gives
// the same bytes with 1 or 2 threads. Loss: mean over the batch of MSE(rgb) + MSE(coarse).
//
// Balanced view sets (`balanceViewSets`): a step's view sets come from different scenes whose errors differ
// by 10–100× (on the training mix the sweep's held-out PSNR ranges from 12.8 dB, giza_terrace, to 42.9 dB),
// so the plain mean is dominated by the worst scene, and largely by what no model can fix there (poses,
// exposure). The balanced loss gives each view set v the weight c_v = clamp(M̄ / M_v, 1/10, 10) on its
// mean loss M_v (M̄ = the batch's mean loss; c_v detached), i.e. the gradient of M̄ · Σ_v (n_v/n) ln M_v:
// the mean PSNR of the step's view sets (the metric), at the plain loss's scale. Micro-batches then never
// straddle two view sets, and each (replica, view set) accumulates into its own gradient buffer, combined
// once the M_v are known (view set outer, replica inner: the same bytes with 1 or 2 threads).
//
// Memory: R × (parameter copy + gradients + a training workspace of `microBatch` rays); balanced: R × V
// gradient buffers more (V = view sets per step).

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
    /// Balanced loss: weights c_v are clamped to [1/limit, limit].
    public static let balanceLimit: Float = 10
    /// Balanced loss: gradient buffers [replica][view set] (grown on demand).
    private var balanceStores: [[ParameterStore<Float>]] = []

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
                                 depthTargets: [Float]? = nil, depthWeight: Float = 0,
                                 balanceViewSets: Bool = false) -> EpipolarModel<Float>.Losses {
        precondition(depthTargets.map { $0.count == rays.count } ?? true, "ModelTrainer: one depth target per ray")
        if balanceViewSets {
            return balancedGradients(rays: rays, targets: targets, viewSets: viewSets, placement: placement,
                                     guidance: guidance, depthTargets: depthTargets, depthWeight: depthWeight)
        }
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

    /// The balanced loss's gradients (see the file head). Reported losses are the plain (unweighted) means.
    func balancedGradients(rays: [ModelRay], targets: [Float], viewSets: [ViewSet<Float>], placement: DepthPlacement,
                           guidance: GuidanceBatch?, depthTargets: [Float]?, depthWeight: Float) -> EpipolarModel<Float>.Losses {
        precondition(!rays.isEmpty && targets.count == rays.count * 3, "ModelTrainer: 3 targets per ray")
        let n = rays.count, m = microBatch, R = replicas.count, V = max(1, viewSets.count)
        // Micro-batches: at most m rays, never two view sets.
        var chunks: [(lo: Int, hi: Int, set: Int)] = []
        var lo = 0
        while lo < n {
            let v = rays[lo].viewSet
            var hi = lo + 1
            while hi < n && hi - lo < m && rays[hi].viewSet == v { hi += 1 }
            chunks.append((lo, hi, min(max(v, 0), V - 1)))
            lo = hi
        }
        while balanceStores.count < R { balanceStores.append([]) }
        for r in 0..<R {
            while balanceStores[r].count < V { balanceStores[r].append(ParameterStore<Float>(layout: model.layout)) }
            for v in 0..<V {
                balanceStores[r][v].values.pointer.update(from: model.parameters.values.pointer, count: model.layout.count)
                balanceStores[r][v].zeroGradients()
            }
        }
        nonisolated(unsafe) let depthBuffer: UnsafeMutableBufferPointer<Float>? = depthTargets.map { d in
            let b = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, d.count))
            _ = b.initialize(from: d)
            return b
        }
        defer { depthBuffer?.deallocate() }
        let stores = balanceStores
        var partial = [EpipolarModel<Float>.Losses](repeating: .init(total: 0, rgb: 0, coarse: 0), count: chunks.count)
        partial.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let results = out.baseAddress!
            let work: (Int) -> Void = { r in
                Threading.serial {
                    var i = r
                    while i < chunks.count {
                        let c = chunks[i], ws = self.workspaces[r], store = stores[r][c.set]
                        rays.withUnsafeBufferPointer { rp in
                            self.model.forward(rays: UnsafeBufferPointer(rebasing: rp[c.lo..<c.hi]), viewSets: viewSets,
                                               placement: placement, guidance: guidance, workspace: ws, store: store)
                        }
                        results[i] = targets.withUnsafeBufferPointer { tp in
                            let dp = depthBuffer.map { UnsafePointer($0.baseAddress! + c.lo) }
                            return self.model.backward(targets: tp.baseAddress! + 3 * c.lo, workspace: ws,
                                                       weight: Float(c.hi - c.lo) / Float(n), depthTargets: dp,
                                                       depthWeight: depthWeight, store: store)
                        }
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
        // Per-view-set mean loss M_v (rgb + coarse) and the weights c_v.
        var sum = [Double](repeating: 0, count: V), count = [Int](repeating: 0, count: V)
        var total = EpipolarModel<Float>.Losses(total: 0, rgb: 0, coarse: 0)
        for (i, l) in partial.enumerated() {
            let k = chunks[i].hi - chunks[i].lo, w = Double(k) / Double(n)
            sum[chunks[i].set] += Double(k) * (l.rgb + l.coarse); count[chunks[i].set] += k
            total.total += w * l.total; total.rgb += w * l.rgb; total.coarse += w * l.coarse; total.depth += w * l.depth
        }
        let weights = ModelTrainer.balanceWeights(sums: sum, counts: count)
        let g = model.parameters.gradients.pointer, size = model.layout.count
        g.update(repeating: 0, count: size)
        for v in 0..<V where count[v] > 0 {
            let c = weights[v]
            for r in 0..<R {
                let src = stores[r][v].gradients.pointer
                for j in 0..<size { g[j] += c * src[j] }
            }
        }
        return total
    }

    /// c_v = clamp(M̄ / M_v, 1/limit, limit) for view sets with rays (M_v = sums[v] / counts[v], M̄ = Σ sums /
    /// Σ counts; exactly 1 for a lone view set); 1 when M_v or M̄ is 0.
    public static func balanceWeights(sums: [Double], counts: [Int]) -> [Float] {
        let mean = sums.reduce(0, +) / Double(max(1, counts.reduce(0, +)))
        return zip(sums, counts).map { s, k in
            guard k > 0, s > 0, mean > 0 else { return 1 }
            let c = Float(mean / (s / Double(k)))
            return max(1 / balanceLimit, min(balanceLimit, c))
        }
    }

    /// Gradients then one AdamW update of the model's parameters.
    @discardableResult
    public func step(rays: [ModelRay], targets: [Float], viewSets: [ViewSet<Float>],
                     placement: DepthPlacement = .endpoints, guidance: GuidanceBatch? = nil,
                     depthTargets: [Float]? = nil, depthWeight: Float = 0, balanceViewSets: Bool = false) -> StepResult {
        let l = computeGradients(rays: rays, targets: targets, viewSets: viewSets, placement: placement, guidance: guidance,
                                 depthTargets: depthTargets, depthWeight: depthWeight, balanceViewSets: balanceViewSets)
        let info = optimizer.update(model.parameters)
        return StepResult(losses: l, update: info)
    }
}
