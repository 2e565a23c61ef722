import COpenBLAS
import Dispatch
import Foundation

/// The ONE place that decides how the 2 (or more) cores are shared between OpenBLAS and our own workers,
/// so they never oversubscribe:
///
/// - Outside a parallel region, BLAS may use `workerCount` threads (a big GEMM over all B·L tokens of a
///   layer gets every core).
/// - `parallelFor` splits work over `workerCount` of our own workers and drops BLAS to 1 thread for the
///   duration (a GEMM called inside a region runs on the calling worker only), then restores it.
///
/// `workerCount` defaults to the number of active processors, or `VIEWSYNTH_THREADS` when set (≥ 1).
///
/// Determinism: our own kernels split work by whole sequences/rows, never inside a reduction, so they give
/// the same bytes with any worker count. OpenBLAS does NOT: measured on this machine, sgemm results change
/// in the last bits between 1 and 2 BLAS threads (always with the Prescott kernels, for some shapes with
/// SkylakeX), and even between row splits of one product. Runs with the same thread counts are bit-identical.
/// For bit-identical results across worker counts choose `blasPolicy = .singleThreaded` (BLAS always on
/// 1 thread; GEMM-heavy work gets up to ~2× slower on 2 cores).
public enum Threading {
    public enum BLASPolicy: String, Sendable, Codable {
        /// BLAS uses `workerCount` threads outside parallel regions (fastest).
        case allWorkers
        /// BLAS always uses 1 thread (bit-identical results for any `workerCount`).
        case singleThreaded
    }
    nonisolated(unsafe) private static var _policy: BLASPolicy = .allWorkers
    public static var blasPolicy: BLASPolicy { _policy }
    static var blasThreadsOutsideRegions: Int32 { _policy == .singleThreaded ? 1 : Int32(_workers) }

    nonisolated(unsafe) private static var _workers: Int = {
        if let s = ProcessInfo.processInfo.environment["VIEWSYNTH_THREADS"], let n = Int(s), n >= 1 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()
    nonisolated(unsafe) private static var configured = false
    nonisolated(unsafe) private static var inRegion = false

    /// Our worker count (= BLAS threads outside parallel regions with the default policy).
    public static var workerCount: Int { _workers }

    /// Sets the worker count and the BLAS thread count to match. Call from the main thread, outside regions.
    public static func configure(workers: Int, blasPolicy: BLASPolicy? = nil) {
        _workers = max(1, workers)
        if let blasPolicy { _policy = blasPolicy }
        openblas_set_num_threads(blasThreadsOutsideRegions)
        configured = true
    }

    /// Makes sure BLAS uses `workerCount` threads (called by the ops before big GEMMs; cheap after the first).
    @inline(__always) public static func ensureConfigured() {
        if !configured { configure(workers: _workers) }
    }

    /// BLAS threads right now (as OpenBLAS reports them).
    public static var blasThreads: Int { Int(openblas_get_num_threads()) }

    /// Runs `body` on `0..<n` split into at most `workerCount` contiguous chunks, in parallel. BLAS runs on
    /// 1 thread inside. With `n < minimumPerWorker * 2` (or one worker, or when nested) it runs inline.
    public static func parallelFor(_ n: Int, minimumPerWorker: Int = 1, _ body: (Range<Int>) -> Void) {
        ensureConfigured()
        let w = min(_workers, max(1, n / max(1, minimumPerWorker)))
        if w <= 1 || inRegion {
            if n > 0 { body(0..<n) }
            return
        }
        inRegion = true
        openblas_set_num_threads(1)
        withoutActuallyEscaping(body) { body in
            // The chunks are disjoint; callers guarantee their closures only write their own chunk.
            nonisolated(unsafe) let run = body
            DispatchQueue.concurrentPerform(iterations: w) { t in
                let lo = n * t / w, hi = n * (t + 1) / w
                if hi > lo { run(lo..<hi) }
            }
        }
        openblas_set_num_threads(blasThreadsOutsideRegions)
        inRegion = false
    }
}
