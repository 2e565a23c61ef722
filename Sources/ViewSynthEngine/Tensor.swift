#if canImport(Glibc)
import Glibc
#endif

/// A 64-byte-aligned, zero-initialised, fixed-size buffer of `count` elements. Owns its memory.
public final class AlignedBuffer<T: BitwiseCopyable>: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<T>

    public init(count: Int) {
        precondition(count >= 0, "AlignedBuffer: negative count")
        self.count = count
        let bytes = max(64, (count * MemoryLayout<T>.stride + 63) / 64 * 64)
        var raw: UnsafeMutableRawPointer?
        let rc = posix_memalign(&raw, 64, bytes)
        precondition(rc == 0 && raw != nil, "AlignedBuffer: out of memory (\(bytes) bytes)")
        memset(raw!, 0, bytes)
        pointer = raw!.bindMemory(to: T.self, capacity: max(count, 1))
    }
    deinit { free(pointer) }

    public var buffer: UnsafeMutableBufferPointer<T> { UnsafeMutableBufferPointer(start: pointer, count: count) }
    public func zero() { memset(pointer, 0, count * MemoryLayout<T>.stride) }
}

/// A view of `shape.reduce(1, *)` contiguous row-major elements owned by someone else (an `Arena`, a
/// `ParameterStore`, an `AlignedBuffer`). Tensors are made once per (config, batch) — never in a hot loop —
/// and passed to ops, which read/write through `pointer`. The owner must outlive the tensor.
public struct Tensor<T: EngineScalar>: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<T>
    public let shape: [Int]
    public let count: Int

    public init(pointer: UnsafeMutablePointer<T>, shape: [Int]) {
        self.pointer = pointer
        self.shape = shape
        self.count = shape.reduce(1, *)
    }
    /// Rows × columns when the tensor is seen as a matrix whose columns are its last axis.
    public var rows: Int { shape.isEmpty ? 1 : count / max(shape[shape.count - 1], 1) }
    public var columns: Int { shape.last ?? 1 }
    public var buffer: UnsafeMutableBufferPointer<T> { UnsafeMutableBufferPointer(start: pointer, count: count) }
    public var constPointer: UnsafePointer<T> { UnsafePointer(pointer) }
    public subscript(i: Int) -> T {
        get { pointer[i] }
        nonmutating set { pointer[i] = newValue }
    }
    /// memset/memcpy: generic element-wise updates would go through value witnesses (unspecialised
    /// generics across modules), measured as 17 % of a training step before this.
    public func zero() { memset(pointer, 0, count * MemoryLayout<T>.stride) }
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func fill(_ v: T) { for i in 0..<count { pointer[i] = v } }
    public func copy(from other: Tensor<T>) {
        precondition(other.count == count, "Tensor.copy: \(other.shape) into \(shape)")
        memcpy(pointer, other.pointer, count * MemoryLayout<T>.stride)
    }
    /// The same memory seen with another shape of the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor<T> {
        let t = Tensor(pointer: pointer, shape: newShape)
        precondition(t.count == count, "Tensor.reshaped: \(shape) to \(newShape)")
        return t
    }
    public func toArray() -> [T] { Array(buffer) }
    /// The first `n` entries along the first axis (same memory).
    public func prefix(first n: Int) -> Tensor<T> {
        precondition(!shape.isEmpty && n >= 0 && n <= shape[0], "Tensor.prefix: \(n) of \(shape)")
        return Tensor(pointer: pointer, shape: [n] + shape.dropFirst())
    }
}

/// Counts the elements an `Arena` needs for a list of tensors (each allocation rounded up to 64 bytes).
public struct ArenaPlan: Sendable {
    public private(set) var elements = 0
    public let elementSize: Int
    public init<T: EngineScalar>(_: T.Type) { elementSize = MemoryLayout<T>.stride }
    public mutating func add(_ shape: [Int]) { elements += Self.rounded(shape.reduce(1, *), elementSize) }
    static func rounded(_ n: Int, _ size: Int) -> Int {
        let per = max(1, 64 / size)
        return (n + per - 1) / per * per
    }
}

/// One allocation holding many tensors (activations or their gradients), sized once per (config, batch) and
/// handed out by bumping an offset. `reset()` makes the whole arena available again (tensors handed out
/// before become invalid to use). Over-allocation is a programming error (precondition), not a user error.
public final class Arena<T: EngineScalar>: @unchecked Sendable {
    public let storage: AlignedBuffer<T>
    public private(set) var used = 0

    public init(capacity: Int) { storage = AlignedBuffer(count: capacity) }
    public convenience init(plan: ArenaPlan) { self.init(capacity: plan.elements) }

    public var capacity: Int { storage.count }

    public func allocate(_ shape: [Int]) -> Tensor<T> {
        let n = shape.reduce(1, *)
        let size = ArenaPlan.rounded(n, MemoryLayout<T>.stride)
        precondition(used + size <= capacity, "Arena: capacity \(capacity) exceeded allocating \(shape)")
        let t = Tensor(pointer: storage.pointer + used, shape: shape)
        used += size
        return t
    }
    public func reset() { used = 0 }
    /// Zeroes every element handed out so far (e.g. the gradient arena before a backward pass).
    public func zeroUsed() { memset(storage.pointer, 0, used * MemoryLayout<T>.stride) }
}

/// Standard normal and uniform draws for weight initialisation, from any seeded generator
/// (e.g. ViewSynthCore's SplitMix64).
public enum EngineRandom {
    /// Uniform in [0, 1) with 53 random bits.
    public static func uniform<R: RandomNumberGenerator>(_ rng: inout R) -> Double {
        Double(rng.next() >> 11) * 0x1p-53
    }
    /// Standard normal (Box–Muller).
    public static func normal<R: RandomNumberGenerator>(_ rng: inout R) -> Double {
        let u1 = max(uniform(&rng), 0x1p-60), u2 = uniform(&rng)
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
    @_specialize(where T == Float, R == EngineRNG)
    @_specialize(where T == Double, R == EngineRNG)
    public static func fillNormal<T: EngineScalar, R: RandomNumberGenerator>(_ t: Tensor<T>, std: Double, _ rng: inout R) {
        for i in 0..<t.count { t[i] = T(normal(&rng) * std) }
    }
    public static func fillUniform<T: EngineScalar, R: RandomNumberGenerator>(_ t: Tensor<T>, _ lo: Double, _ hi: Double, _ rng: inout R) {
        for i in 0..<t.count { t[i] = T(lo + (hi - lo) * uniform(&rng)) }
    }
}

/// Copies `count` elements (memcpy; the ranges must not overlap).
@inline(__always) func copyElements<T: EngineScalar>(_ dst: UnsafeMutablePointer<T>, _ src: UnsafePointer<T>, _ count: Int) {
    memcpy(dst, src, count * MemoryLayout<T>.stride)
}

/// SplitMix64, duplicated here so the engine has no dependency on ViewSynthCore (same algorithm and stream).
public struct EngineRNG: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
