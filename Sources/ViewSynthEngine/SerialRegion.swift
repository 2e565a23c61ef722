import CKernels

extension Threading {
    /// Runs `body` with all engine parallelism started from this thread executed inline: it marks the
    /// calling thread as inside a parallel region (the same thread-local flag `parallelFor` sets on its
    /// workers), so parallelFor, parallelElements and split GEMMs run their chunks one after the other here.
    ///
    /// Why: a caller that already runs one independent job per core (the tiled renderer hands each worker
    /// its own tile; the model trainer one micro-batch per replica) gains nothing from splitting every GEMM
    /// again, only synchronisation cost and oversubscription. Results are unchanged: a split GEMM still runs
    /// the same chunks (the split depends only on the shape). Nesting is allowed.
    public static func serial<R>(_ body: () throws -> R) rethrows -> R {
        ensureConfigured()
        let previous = vs_thread_in_region()
        vs_thread_set_in_region(1)
        defer { vs_thread_set_in_region(previous) }
        return try body()
    }
}
