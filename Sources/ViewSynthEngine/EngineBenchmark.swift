import COpenBLAS
import Foundation

/// `viewsynth bench engine`: raw sgemm GFLOP/s at the engine's shapes, and a transformer layer's forward and
/// forward+backward GFLOP/s at several widths and sequence lengths, as a fraction of the sgemm peak
/// measured in the same run. Speed is never asserted anywhere; the figures are for notes and tuning.
public struct EngineBenchmarkOptions: Sendable, Codable, Hashable {
    public var widths: [Int] = [64, 128, 256]
    public var lengths: [Int] = [8, 33, 128]
    /// Tokens per batch (S·L); S = tokens / L.
    public var tokens: Int = 8192
    public var heads: Int = 1
    /// MLP width as a multiple of the width (the GPNR paper config uses 1).
    public var mlpRatio: Int = 1
    public var preNorm: Bool = true
    /// Minimum wall time per measurement (best of the repetitions is reported).
    public var secondsPerMeasurement: Double = 0.5
    /// Also time the two attention algorithms alone (the data behind `SelfAttention.Algorithm.automatic`).
    public var compareAttentionAlgorithms: Bool = true

    public init() {}
    /// Small and fast, for smoke tests.
    public static var quick: EngineBenchmarkOptions {
        var o = EngineBenchmarkOptions()
        o.widths = [16]; o.lengths = [4, 9]; o.tokens = 72; o.secondsPerMeasurement = 0.001
        return o
    }
}

public struct EngineBenchmarkReport: Sendable, Codable {
    public struct GEMM: Sendable, Codable {
        public var label: String
        public var m: Int, n: Int, k: Int
        public var transA: Bool, transB: Bool
        public var gflops: Double
        /// GFLOP per core-second, from process CPU time (see `EngineBenchmark.time`).
        public var cpuGFLOPS: Double
    }
    public struct Layer: Sendable, Codable {
        public var width: Int, length: Int, sequences: Int, heads: Int, mlpWidth: Int
        public var forwardGFLOP: Double
        public var forwardSeconds: Double, forwardGFLOPS: Double, forwardFraction: Double
        public var trainSeconds: Double, trainGFLOPS: Double, trainFraction: Double
        /// GFLOP per core-second (process CPU time), as fractions of the same measure for sgemm.
        public var cpuForwardGFLOPS: Double, cpuForwardFraction: Double, cpuTrainGFLOPS: Double, cpuTrainFraction: Double
        public var attentionAlgorithm: String
    }
    public struct Attention: Sendable, Codable {
        public var width: Int, length: Int, sequences: Int
        public var kernelCPUSeconds: Double, gemmCPUSeconds: Double
    }
    public var coreName: String
    public var coreTypeVariable: String?
    public var blasThreads: Int
    public var workers: Int
    public var cpuFeatures: String
    public var options: EngineBenchmarkOptions
    public var sgemm: [GEMM]
    public var sgemmPeakGFLOPS: Double
    public var cpuSgemmPeakGFLOPS: Double
    public var layers: [Layer]
    public var attention: [Attention]

    public var json: String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? String(decoding: enc.encode(self), as: UTF8.self)) ?? "{}"
    }

    public var text: String {
        func f(_ x: Double, _ d: Int = 1) -> String { String(format: "%.\(d)f", x) }
        var s = "Engine benchmark — OpenBLAS core \(coreName)"
        s += coreTypeVariable.map { " (OPENBLAS_CORETYPE=\($0))" } ?? ""
        s += ", BLAS threads \(blasThreads), workers \(workers), CPU: \(cpuFeatures)\n"
        s += "sgemm (C = op(A)·op(B), M×N×K):\n"
        for g in sgemm {
            s += "  \(g.label.padding(toLength: 26, withPad: " ", startingAt: 0)) \(g.m)×\(g.n)×\(g.k)"
            s += "\(g.transA ? " Aᵀ" : "")\(g.transB ? " Bᵀ" : ""): \(f(g.gflops)) GFLOP/s (per core: \(f(g.cpuGFLOPS)))\n"
        }
        s += "sgemm peak: \(f(sgemmPeakGFLOPS)) GFLOP/s wall-clock, \(f(cpuSgemmPeakGFLOPS)) GFLOP per core-second\n"
        s += "(wall-clock: best repetition, all workers; per core: flops ÷ process CPU seconds, robust to other load)\n"
        s += "transformer layer (\(options.preNorm ? "pre" : "post")-norm, \(options.heads) head(s), MLP \(options.mlpRatio)×, \(options.tokens) tokens):\n"
        s += "  width  L    S     fwd GFLOP/s (of peak)   fwd+bwd GFLOP/s (of peak)   per core fwd / fwd+bwd (of peak)    attention\n"
        for l in layers {
            s += "  " + "\(l.width)".padding(toLength: 7, withPad: " ", startingAt: 0)
            s += "\(l.length)".padding(toLength: 5, withPad: " ", startingAt: 0)
            s += "\(l.sequences)".padding(toLength: 6, withPad: " ", startingAt: 0)
            s += "\(f(l.forwardGFLOPS)) (\(f(100 * l.forwardFraction, 0)) %)".padding(toLength: 24, withPad: " ", startingAt: 0)
            s += "\(f(l.trainGFLOPS)) (\(f(100 * l.trainFraction, 0)) %)".padding(toLength: 28, withPad: " ", startingAt: 0)
            s += "\(f(l.cpuForwardGFLOPS)) (\(f(100 * l.cpuForwardFraction, 0)) %) / \(f(l.cpuTrainGFLOPS)) (\(f(100 * l.cpuTrainFraction, 0)) %)".padding(toLength: 35, withPad: " ", startingAt: 0)
            s += l.attentionAlgorithm + "\n"
        }
        if !attention.isEmpty {
            s += "attention alone, forward+backward, CPU ms (kernel vs per-sequence GEMM):\n"
            for a in attention {
                s += "  width \(a.width) L \(a.length) S \(a.sequences): kernel \(f(1000 * a.kernelCPUSeconds, 2)), gemm \(f(1000 * a.gemmCPUSeconds, 2))\n"
            }
        }
        return s
    }
}

public enum EngineBenchmark {
    /// Process CPU time (user + system) in seconds.
    public static func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6
    }

    /// Best wall seconds per call of `body` over repetitions lasting at least `minSeconds` in total
    /// (≥ 3 calls), and the mean process-CPU seconds per call (core-seconds actually spent: robust when other
    /// programs share the machine, blind to idle waiting).
    public static func time(_ minSeconds: Double, minCalls: Int = 3, _ body: () -> Void) -> (wall: Double, cpu: Double) {
        body()  // warm-up
        var best = Double.infinity, total = 0.0, n = 0
        let c0 = cpuSeconds()
        while total < minSeconds || n < minCalls {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
            best = min(best, dt)
            total += dt
            n += 1
        }
        let cpu = (cpuSeconds() - c0) / Double(n)
        return (best, cpu > 0 ? cpu : best * Double(Threading.workerCount))
    }

    public static func run(_ o: EngineBenchmarkOptions = EngineBenchmarkOptions()) -> EngineBenchmarkReport {
        Threading.ensureConfigured()
        var rng = EngineRNG(seed: 1)
        var gemms: [EngineBenchmarkReport.GEMM] = []
        /// `blasThreads` > 0: one OpenBLAS call with that many OpenBLAS threads (its own threading);
        /// otherwise the engine's path (`Threading.gemm`: split over our workers, BLAS single-threaded).
        func sgemm(_ label: String, _ m: Int, _ n: Int, _ k: Int, _ ta: Bool, _ tb: Bool, blasThreads: Int = 0) {
            let a = AlignedBuffer<Float>(count: m * k), b = AlignedBuffer<Float>(count: k * n)
            let c = AlignedBuffer<Float>(count: m * n)
            EngineRandom.fillNormal(Tensor(pointer: a.pointer, shape: [m * k]), std: 1, &rng)
            EngineRandom.fillNormal(Tensor(pointer: b.pointer, shape: [k * n]), std: 1, &rng)
            if blasThreads > 0 { openblas_set_num_threads(Int32(blasThreads)) }
            let t = time(o.secondsPerMeasurement) {
                if blasThreads > 0 {
                    Float.gemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1, a: a.pointer, lda: ta ? m : k,
                               b: b.pointer, ldb: tb ? k : n, beta: 0, c: c.pointer, ldc: n)
                } else {
                    Threading.gemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1, a: a.pointer, lda: ta ? m : k,
                                   b: b.pointer, ldb: tb ? k : n, beta: 0, c: c.pointer, ldc: n)
                }
            }
            if blasThreads > 0 { openblas_set_num_threads(1) }
            let f = 2 * Double(m * n * k)
            gemms.append(.init(label: label, m: m, n: n, k: k, transA: ta, transB: tb, gflops: f / t.wall * 1e-9,
                               cpuGFLOPS: f / t.cpu * 1e-9))
        }
        let big = o.tokens >= 1024 ? 1024 : 64
        sgemm("square, OpenBLAS threads", big, big, big, false, false, blasThreads: Threading.workerCount)
        sgemm("square, engine split", big, big, big, false, false)
        for d in o.widths {
            let mw = d * o.mlpRatio
            sgemm("qkv forward (D=\(d))", o.tokens, 3 * d, d, false, false)
            sgemm("mlp forward (D=\(d))", o.tokens, mw, d, false, false)
            sgemm("weight grad (D=\(d))", d, 3 * d, o.tokens, true, false)
            sgemm("input grad (D=\(d))", o.tokens, d, 3 * d, false, true)
        }
        let peak = gemms.map(\.gflops).max() ?? 1
        let cpuPeak = gemms.map(\.cpuGFLOPS).max() ?? 1

        var layers: [EngineBenchmarkReport.Layer] = []
        var attention: [EngineBenchmarkReport.Attention] = []
        for d in o.widths {
            for L in o.lengths {
                let S = max(1, o.tokens / L)
                let cfg = TransformerConfig(width: d, heads: o.heads, mlpWidth: d * o.mlpRatio, preNorm: o.preNorm)
                var layout = ParameterLayout()
                let (ls, _) = TransformerStack<Float>.declare("bench", config: cfg, count: 1, finalNorm: false, layout: &layout)
                let p = ParameterStore<Float>(layout: layout)
                for l in ls { l.initialize(p, &rng) }
                let stack = TransformerStack<Float>(layers: ls, finalNorm: nil, sequences: S, length: L)
                let x = AlignedBuffer<Float>(count: S * L * d), y = AlignedBuffer<Float>(count: S * L * d)
                let dx = AlignedBuffer<Float>(count: S * L * d)
                let xt = Tensor(pointer: x.pointer, shape: [S * L, d]), yt = Tensor(pointer: y.pointer, shape: [S * L, d])
                let dxt = Tensor(pointer: dx.pointer, shape: [S * L, d])
                EngineRandom.fillNormal(xt, std: 1, &rng)
                let flops = cfg.forwardFLOPs(sequences: S, length: L)
                let tf = time(o.secondsPerMeasurement) { stack.forward(xt, yt, keyMask: nil, p) }
                let tt = time(o.secondsPerMeasurement) {
                    stack.forward(xt, yt, keyMask: nil, p)
                    p.zeroGradients()
                    dxt.zero()
                    stack.backward(xt, yt, dxt, p)
                }
                let alg = ls[0].attention.resolved(L).rawValue
                layers.append(.init(width: d, length: L, sequences: S, heads: o.heads, mlpWidth: cfg.mlpWidth,
                                    forwardGFLOP: flops * 1e-9, forwardSeconds: tf.wall, forwardGFLOPS: flops / tf.wall * 1e-9,
                                    forwardFraction: flops / tf.wall * 1e-9 / peak, trainSeconds: tt.wall,
                                    trainGFLOPS: 3 * flops / tt.wall * 1e-9, trainFraction: 3 * flops / tt.wall * 1e-9 / peak,
                                    cpuForwardGFLOPS: flops / tf.cpu * 1e-9, cpuForwardFraction: flops / tf.cpu * 1e-9 / cpuPeak,
                                    cpuTrainGFLOPS: 3 * flops / tt.cpu * 1e-9, cpuTrainFraction: 3 * flops / tt.cpu * 1e-9 / cpuPeak,
                                    attentionAlgorithm: alg))
                if o.compareAttentionAlgorithms {
                    let qkv = AlignedBuffer<Float>(count: S * L * 3 * d), dq = AlignedBuffer<Float>(count: S * L * 3 * d)
                    let out = AlignedBuffer<Float>(count: S * L * d), pr = AlignedBuffer<Float>(count: S * o.heads * L * L)
                    let sc = AlignedBuffer<Float>(count: S * o.heads * L * L)
                    let qt = Tensor(pointer: qkv.pointer, shape: [S * L, 3 * d]), dqt = Tensor(pointer: dq.pointer, shape: [S * L, 3 * d])
                    let ot = Tensor(pointer: out.pointer, shape: [S * L, d]), pt = Tensor(pointer: pr.pointer, shape: [S * o.heads * L * L])
                    let st = Tensor(pointer: sc.pointer, shape: [S * o.heads * L * L])
                    EngineRandom.fillNormal(qt, std: 1, &rng)
                    var secs: [Double] = []  // CPU-time based
                    for alg in [SelfAttention.Algorithm.kernel, .gemm] {
                        let att = SelfAttention(width: d, heads: o.heads, algorithm: alg)
                        secs.append(time(o.secondsPerMeasurement) {
                            att.forward(qkv: qt, keyMask: nil, out: ot, probs: pt, sequences: S, length: L)
                            att.backward(qkv: qt, probs: pt, dout: ot, dqkv: dqt, scratch: st, sequences: S, length: L)
                        }.cpu)
                    }
                    attention.append(.init(width: d, length: L, sequences: S, kernelCPUSeconds: secs[0], gemmCPUSeconds: secs[1]))
                }
            }
        }
        return EngineBenchmarkReport(
            coreName: BLASSetup.coreName, coreTypeVariable: ProcessInfo.processInfo.environment[BLASSetup.coreTypeVariable],
            blasThreads: Threading.blasThreads, workers: Threading.workerCount, cpuFeatures: BLASSetup.cpuFeatures.description,
            options: o, sgemm: gemms, sgemmPeakGFLOPS: peak, cpuSgemmPeakGFLOPS: cpuPeak, layers: layers,
            attention: attention)
    }
}
