import CKernels
import COpenBLAS
import Dispatch
import Foundation

/// The ONE place that decides how the cores are shared between OpenBLAS and our own workers.
///
/// Policy: OpenBLAS always runs single-threaded, and all parallelism is ours. A large GEMM is split into
/// `gemmChunks` independent sub-products (row blocks of C, or column blocks when C is wide) that our
/// workers run concurrently, each a single-threaded BLAS call; sequence-parallel kernels (attention) and
/// row-parallel elementwise kernels use the same workers. So there is never a second thread pool (OpenBLAS
/// worker threads spin after each call and would steal a core from our workers on a 2-core machine).
///
/// Determinism: the split of a GEMM depends only on its shape and on `gemmChunks` = max(2, workerCount),
/// never on which worker runs which chunk; elementwise and attention kernels split by whole rows/sequences,
/// never inside a reduction. So 1 and 2 workers give the same bytes. (OpenBLAS itself does not: its
/// results change in the last bits between its own thread counts, and between different splits.)
///
/// `workerCount` defaults to the number of active processors, or `VIEWSYNTH_THREADS` when set (≥ 1).
public enum Threading {
    nonisolated(unsafe) private static var _workers: Int = {
        if let s = ProcessInfo.processInfo.environment["VIEWSYNTH_THREADS"], let n = Int(s), n >= 1 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()
    nonisolated(unsafe) private static var configured = false

    /// Our worker count.
    public static var workerCount: Int { _workers }

    /// Independent sub-products a large GEMM is split into (fixed for 1 and 2 workers, for determinism).
    public static var gemmChunks: Int { max(2, _workers) }

    /// A GEMM with fewer FLOPs than this runs as one BLAS call (on the calling thread).
    public static let gemmSplitFLOPs = 4_000_000.0

    /// Sets the worker count (and OpenBLAS to 1 thread). Call from the main thread, outside parallel work.
    public static func configure(workers: Int) {
        _workers = max(1, workers)
        openblas_set_num_threads(1)
        configured = true
    }

    /// Makes sure OpenBLAS runs single-threaded (cheap after the first call).
    @inline(__always) public static func ensureConfigured() {
        if !configured { configure(workers: _workers) }
    }

    /// BLAS threads right now (as OpenBLAS reports them; 1 once configured).
    public static var blasThreads: Int { Int(openblas_get_num_threads()) }

    /// Runs `body` on `0..<n` split into at most `workerCount` contiguous chunks, in parallel. With
    /// `n < 2 · minimumPerWorker` (or one worker, or when called from inside another region on this
    /// thread) it runs inline. `body` must only write data owned by its chunk. Callers that parallelise
    /// their own outer loops (e.g. render tiles) should use this too, so nested engine work runs inline
    /// instead of oversubscribing the cores.
    public static func parallelFor(_ n: Int, minimumPerWorker: Int = 1, _ body: (Range<Int>) -> Void) {
        ensureConfigured()
        let w = min(_workers, max(1, n / max(1, minimumPerWorker)))
        if w <= 1 || vs_thread_in_region() != 0 {
            if n > 0 { body(0..<n) }
            return
        }
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let run = body
            DispatchQueue.concurrentPerform(iterations: w) { t in
                let lo = n * t / w, hi = n * (t + 1) / w
                guard hi > lo else { return }
                let previous = vs_thread_in_region()
                vs_thread_set_in_region(1)
                run(lo..<hi)
                vs_thread_set_in_region(previous)
            }
        }
    }

    /// Runs `chunks` independent tasks on the workers (task i in 0..<chunks, in any order).
    public static func parallelTasks(_ chunks: Int, _ body: (Int) -> Void) {
        parallelFor(chunks) { r in for i in r { body(i) } }
    }

    /// Elementwise work over `count` elements in chunks of whole 16-element blocks (results independent
    /// of the split). Inline below `minimum` elements.
    public static func parallelElements(_ count: Int, minimum: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
        if count < minimum || _workers == 1 { body(0..<count); return }
        let blocks = (count + 15) / 16
        parallelFor(blocks) { r in body(r.lowerBound * 16..<min(count, r.upperBound * 16)) }
    }

    /// Row-parallel work whose per-row results are reduced into `width` shared accumulators (e.g. bias and
    /// LayerNorm parameter gradients): rows are split into a number of chunks that depends only on `rows`
    /// (`gemmChunks` for ≥ 1024 rows, else 1), each chunk accumulates into its own zeroed partial buffer,
    /// and the partials are added to `into` in chunk order — the same bytes for any worker count.
    /// `body(rowRange, partial)` must accumulate its rows' contributions into `partial` (width elements).
    public static func reduceRows<T: EngineScalar>(_ rows: Int, width: Int, into: UnsafeMutablePointer<T>,
                                                   _ body: (Range<Int>, UnsafeMutablePointer<T>) -> Void) {
        let chunks = rows >= 1024 ? gemmChunks : 1
        if chunks == 1 { body(0..<rows, into); return }
        withUnsafeTemporaryAllocation(of: T.self, capacity: chunks * width) { buf in
            let partials = buf.baseAddress!
            memset(partials, 0, chunks * width * MemoryLayout<T>.stride)
            parallelTasks(chunks) { c in
                body((rows * c / chunks)..<(rows * (c + 1) / chunks), partials + c * width)
            }
            for c in 0..<chunks { T.kAccumulate(into, partials + c * width, width) }
        }
    }

    /// The engine's GEMM (same contract as `EngineScalar.gemm`): large products are split into
    /// `gemmChunks` row blocks of C (or column blocks when N > M), run concurrently as single-threaded
    /// BLAS calls. Block boundaries are multiples of 16 and depend only on the shape.
    public static func gemm<T: EngineScalar>(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T,
                                             a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
                                             beta: T, c: UnsafeMutablePointer<T>, ldc: Int) {
        ensureConfigured()
        let chunks = gemmChunks
        let flops = 2 * Double(m) * Double(n) * Double(k)
        let splitRows = m >= n
        let extent = splitRows ? m : n
        if flops < gemmSplitFLOPs || extent < 32 * chunks {
            T.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                   beta: beta, c: c, ldc: ldc)
            return
        }
        func bound(_ i: Int) -> Int { i == chunks ? extent : (extent * i / chunks) / 16 * 16 }
        parallelTasks(chunks) { i in
            let lo = bound(i), hi = bound(i + 1)
            guard hi > lo else { return }
            if splitRows {
                T.gemm(transA: transA, transB: transB, m: hi - lo, n: n, k: k, alpha: alpha,
                       a: transA ? a + lo : a + lo * lda, lda: lda, b: b, ldb: ldb, beta: beta,
                       c: c + lo * ldc, ldc: ldc)
            } else {
                T.gemm(transA: transA, transB: transB, m: m, n: hi - lo, k: k, alpha: alpha, a: a, lda: lda,
                       b: transB ? b + lo * ldb : b + lo, ldb: ldb, beta: beta, c: c + lo, ldc: ldc)
            }
        }
    }
}
