/// Where one named parameter tensor lives inside the flat parameter buffer.
public struct ParameterHandle: Sendable, Hashable {
    public let index: Int
    public let offset: Int
    public let shape: [Int]
    public var count: Int { shape.reduce(1, *) }
}

/// One entry of a `ParameterLayout`: a named tensor, its place in the flat buffer, and whether AdamW applies
/// weight decay to it (by convention: matrices yes; biases, LayerNorm scales/offsets and embeddings no),
/// and the factor AdamW applies to its learning rate (1 for almost every tensor).
public struct ParameterEntry: Sendable, Hashable {
    public let name: String
    public let shape: [Int]
    public let offset: Int
    public let decay: Bool
    public var rateScale: Double = 1
    public var count: Int { shape.reduce(1, *) }
}

/// The list of a model's parameters, built once by the layers' initialisers (`Linear(..., layout: &layout)`).
/// Each tensor starts on a 16-element boundary (64-byte aligned for Float), so the flat buffer may have
/// small gaps; gaps stay zero in values, gradients and optimiser moments.
public struct ParameterLayout: Sendable {
    public private(set) var entries: [ParameterEntry] = []
    /// Total elements of the flat buffer (including alignment gaps).
    public private(set) var count = 0
    private var names: Set<String> = []

    public init() {}

    public mutating func add(_ name: String, _ shape: [Int], decay: Bool, rateScale: Double = 1) -> ParameterHandle {
        precondition(!names.contains(name), "ParameterLayout: duplicate parameter name \(name)")
        precondition(shape.allSatisfy { $0 > 0 }, "ParameterLayout: bad shape \(shape) for \(name)")
        precondition(rateScale > 0 && rateScale.isFinite, "ParameterLayout: bad rate scale \(rateScale) for \(name)")
        names.insert(name)
        let offset = (count + 15) / 16 * 16
        entries.append(ParameterEntry(name: name, shape: shape, offset: offset, decay: decay, rateScale: rateScale))
        count = offset + shape.reduce(1, *)
        return ParameterHandle(index: entries.count - 1, offset: offset, shape: shape)
    }

    /// Number of real parameters (without gaps).
    public var parameterCount: Int { entries.reduce(0) { $0 + $1.count } }
    public func entry(named name: String) -> ParameterEntry? { entries.first { $0.name == name } }
}

/// All parameters of a model in ONE flat aligned buffer, and their gradients in a second one of the same
/// layout (as in llm.c): AdamW is one pass over the buffers, a checkpoint one write, zeroing one memset.
public final class ParameterStore<T: EngineScalar>: @unchecked Sendable {
    public let layout: ParameterLayout
    public let values: AlignedBuffer<T>
    public let gradients: AlignedBuffer<T>

    public init(layout: ParameterLayout) {
        self.layout = layout
        values = AlignedBuffer(count: layout.count)
        gradients = AlignedBuffer(count: layout.count)
    }

    public func value(_ h: ParameterHandle) -> Tensor<T> { Tensor(pointer: values.pointer + h.offset, shape: h.shape) }
    public func grad(_ h: ParameterHandle) -> Tensor<T> { Tensor(pointer: gradients.pointer + h.offset, shape: h.shape) }
    public func value(_ e: ParameterEntry) -> Tensor<T> { Tensor(pointer: values.pointer + e.offset, shape: e.shape) }
    public func grad(_ e: ParameterEntry) -> Tensor<T> { Tensor(pointer: gradients.pointer + e.offset, shape: e.shape) }

    public func zeroGradients() { gradients.zero() }

    /// Euclidean norm of the whole gradient, accumulated in Double.
    public func gradientNorm() -> Double { T.kSumSquares(gradients.pointer, gradients.count).squareRoot() }

    /// Copies values (same layout) from a store of another precision (e.g. Double → Float for comparisons).
    public func copyValues<U: EngineScalar>(from other: ParameterStore<U>) {
        precondition(other.layout.count == layout.count, "ParameterStore.copyValues: layouts differ")
        for i in 0..<layout.count { values.pointer[i] = T(other.values.pointer[i]) }
    }
}
