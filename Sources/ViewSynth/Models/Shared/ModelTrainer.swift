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
// Distributed (`comm`, MPI ranks, R = max(2, ranks) replicas): rank q computes only the micro-batches of
// replica q (serially), then one Allgather per step exchanges every replica's gradient buffer(s) and chunk
// losses; every rank then combines them in the same fixed order as a single process with R replicas, so all
// ranks take the same AdamW step, bit-identical to the single-process run (R = 2: the default one). Each
// rank draws the whole batch itself (batches are pure functions of (seed, step)).
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
    /// Data-parallel over MPI ranks (file head); nil: one process.
    public let comm: MPIComm?
    /// This rank's wish to stop, shared with the other ranks in each step's gather (distributed only).
    public var stopRequested = false
    /// Some rank asked to stop in the last step's gather (distributed only), so all ranks stop together.
    public private(set) var anyStopRequested = false
    /// Bytes each rank contributes to the last step's Allgather (distributed only).
    public private(set) var gatherBytesPerRank = 0

    public struct StepResult: Sendable {
        public var losses: EpipolarModel<Float>.Losses
        public var update: AdamW<Float>.StepInfo?
    }

    public init(model: EpipolarModel<Float>, optimizer: AdamW<Float>.Configuration, microBatch: Int = 16, replicas: Int = 2,
                comm: MPIComm? = nil) {
        let replicas = comm.map { max(replicas, $0.size) } ?? replicas
        precondition(comm.map { $0.size == 1 || $0.size == max(1, replicas) } ?? true, "ModelTrainer: one replica per rank")
        self.comm = comm
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
        precondition(!rays.isEmpty && targets.count == rays.count * 3, "ModelTrainer: 3 targets per ray")
        let n = rays.count, m = microBatch, R = replicas.count
        let g = model.parameters.gradients
        if !balanceViewSets {
            // Micro-batch i = rays [i·m, (i+1)·m) on replica i mod R.
            let chunks = (0..<((n + m - 1) / m)).map { Chunk(lo: $0 * m, hi: min(n, ($0 + 1) * m), set: 0) }
            for r in replicas { r.values.pointer.update(from: model.parameters.values.pointer, count: model.layout.count); r.zeroGradients() }
            let partial = run(chunks, stores: replicas.map { [$0] }, rays: rays, targets: targets, viewSets: viewSets,
                              placement: placement, guidance: guidance, depthTargets: depthTargets, depthWeight: depthWeight)
            g.pointer.update(from: replicas[0].gradients.pointer, count: g.count)
            for r in replicas.dropFirst() { Float.kAccumulate(g.pointer, r.gradients.pointer, g.count) }
            return Self.mean(partial, chunks, n)
        }
        // Balanced (file head): micro-batches of at most m rays that never straddle two view sets; each
        // (replica, view set) accumulates into its own buffer, combined with the weights c_v.
        let V = max(1, viewSets.count)
        var chunks: [Chunk] = []
        var lo = 0
        while lo < n {
            let v = rays[lo].viewSet
            var hi = lo + 1
            while hi < n && hi - lo < m && rays[hi].viewSet == v { hi += 1 }
            chunks.append(Chunk(lo: lo, hi: hi, set: min(max(v, 0), V - 1)))
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
        let partial = run(chunks, stores: balanceStores, rays: rays, targets: targets, viewSets: viewSets,
                          placement: placement, guidance: guidance, depthTargets: depthTargets, depthWeight: depthWeight)
        // Per-view-set loss sums (rgb + coarse) and ray counts → the weights c_v.
        var sum = [Double](repeating: 0, count: V), count = [Int](repeating: 0, count: V)
        for (i, l) in partial.enumerated() {
            let k = chunks[i].hi - chunks[i].lo
            sum[chunks[i].set] += Double(k) * (l.rgb + l.coarse); count[chunks[i].set] += k
        }
        let weights = ModelTrainer.balanceWeights(sums: sum, counts: count)
        let size = model.layout.count
        g.pointer.update(repeating: 0, count: size)
        for v in 0..<V where count[v] > 0 {
            let c = weights[v]
            for r in 0..<R {
                let src = balanceStores[r][v].gradients.pointer
                for j in 0..<size { g.pointer[j] += c * src[j] }
            }
        }
        return Self.mean(partial, chunks, n)
    }

    /// A micro-batch: rays [lo, hi), accumulated into store `set` of its replica.
    struct Chunk { let lo: Int, hi: Int, set: Int }

    /// Forward + backward of every chunk: chunk i on replica i mod R (replicas in parallel, each serial),
    /// into `stores[replica][chunk.set]` (values already copied, gradients zeroed), with the weight
    /// (hi − lo)/n of the whole batch's mean. Returns each chunk's (unweighted) losses.
    private func run(_ chunks: [Chunk], stores: [[ParameterStore<Float>]], rays: [ModelRay], targets: [Float],
                     viewSets: [ViewSet<Float>], placement: DepthPlacement, guidance: GuidanceBatch?,
                     depthTargets: [Float]?, depthWeight: Float) -> [EpipolarModel<Float>.Losses] {
        let n = rays.count, R = replicas.count
        // A stable copy the workers read (no pointer escapes a closure).
        nonisolated(unsafe) let depthBuffer: UnsafeMutableBufferPointer<Float>? = depthTargets.map { d in
            let b = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, d.count))
            _ = b.initialize(from: d)
            return b
        }
        defer { depthBuffer?.deallocate() }
        var partial = [EpipolarModel<Float>.Losses](repeating: .init(total: 0, rgb: 0, coarse: 0), count: chunks.count)
        // Distributed: this rank's replicas only (one per rank when there are several ranks).
        let ranks = comm?.size ?? 1, rank = comm?.rank ?? 0
        let owned = (0..<R).filter { $0 % ranks == rank }
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
            if Threading.workerCount > 1 && owned.count > 1 {
                nonisolated(unsafe) let run = work
                DispatchQueue.concurrentPerform(iterations: owned.count) { run(owned[$0]) }
            } else {
                for r in owned { work(r) }
            }
        }
        if let comm, comm.size > 1 { exchange(comm, owned: owned[0], stores: stores, partial: &partial) }
        return partial
    }

    /// Distributed: one Allgather of [this rank's replica's gradient buffers | its chunks' losses | stop flag];
    /// afterwards every replica's buffers and every chunk's losses are as if computed here.
    private func exchange(_ comm: MPIComm, owned q: Int, stores: [[ParameterStore<Float>]], partial: inout [EpipolarModel<Float>.Losses]) {
        let size = model.layout.count, S = stores[q].count, C = partial.count, R = replicas.count
        var send = [UInt8](repeating: 0, count: 4 * size * S + 8 * (4 * C + 1))
        send.withUnsafeMutableBytes { b in
            for s in 0..<S { (b.baseAddress! + 4 * size * s).copyMemory(from: stores[q][s].gradients.pointer, byteCount: 4 * size) }
            let l = b.baseAddress! + 4 * size * S
            func put(_ k: Int, _ v: Double) { l.storeBytes(of: v, toByteOffset: 8 * k, as: Double.self) }
            for i in stride(from: q, to: C, by: R) {
                put(4 * i, partial[i].total); put(4 * i + 1, partial[i].rgb); put(4 * i + 2, partial[i].coarse); put(4 * i + 3, partial[i].depth)
            }
            put(4 * C, stopRequested ? 1 : 0)
        }
        gatherBytesPerRank = send.count
        let all = send.withUnsafeBytes { comm.allgather($0) }
        var stop = false
        all.withUnsafeBytes { b in
            for r in 0..<comm.size {
                let base = b.baseAddress! + r * send.count
                if r != q {
                    for s in 0..<S { UnsafeMutableRawPointer(stores[r][s].gradients.pointer).copyMemory(from: base + 4 * size * s, byteCount: 4 * size) }
                }
                let l = UnsafeRawPointer(base + 4 * size * S)
                func d(_ k: Int) -> Double { l.loadUnaligned(fromByteOffset: 8 * k, as: Double.self) }
                for i in stride(from: r, to: C, by: R) {
                    partial[i] = .init(total: d(4 * i), rgb: d(4 * i + 1), coarse: d(4 * i + 2), depth: d(4 * i + 3))
                }
                if d(4 * C) != 0 { stop = true }
            }
        }
        anyStopRequested = stop
    }

    /// The batch's mean losses from the chunks' (each weighted by its share of the n rays).
    private static func mean(_ partial: [EpipolarModel<Float>.Losses], _ chunks: [Chunk], _ n: Int) -> EpipolarModel<Float>.Losses {
        var total = EpipolarModel<Float>.Losses(total: 0, rgb: 0, coarse: 0)
        for (i, l) in partial.enumerated() {
            let w = Double(chunks[i].hi - chunks[i].lo) / Double(n)
            total.total += w * l.total; total.rgb += w * l.rgb; total.coarse += w * l.coarse; total.depth += w * l.depth
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
