#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs engine work on the calling thread only: inside `Threading.serial { … }`, every `Threading`
/// region started from this thread (parallelFor, parallelElements, split GEMMs) runs inline.
///
/// Why: a caller that already runs one independent job per core (the tiled renderer hands each worker
/// its own tile) gets no benefit from splitting each GEMM again, only synchronisation cost and
/// oversubscription. Results are unchanged: a split GEMM still runs the same chunks (the split depends
/// only on the shape), just one after the other, so output bytes do not depend on this mode.
/// The flag is per thread (a pthread key), so other threads are unaffected. Nesting is allowed.
public enum SerialRegion {
    nonisolated(unsafe) private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    /// Whether the calling thread is inside `Threading.serial`.
    @inline(__always) public static var isActive: Bool { pthread_getspecific(key) != nil }

    static func run<R>(_ body: () throws -> R) rethrows -> R {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(key, previous) }
        return try body()
    }
}

extension Threading {
    /// Runs `body` with all engine parallelism started from this thread executed inline (see `SerialRegion`).
    public static func serial<R>(_ body: () throws -> R) rethrows -> R {
        ensureConfigured()
        return try SerialRegion.run(body)
    }
}
