/// Patch projection: a k×k×C image patch around a sampled point, bilinearly interpolated, mapped linearly to
/// F features — a convolution evaluated only at the sampled points (GPNR's patch features).
///
/// Conventions: images [N, H, W, C] row-major (image n, row y, column x, channel c); continuous pixel
/// coordinates with pixel (x, y) centred at (x + 0.5, y + 0.5) and the top-left image corner at (0, 0).
/// A point (px, py) of image n yields taps at (px + oₓ, py + o_y) for o ∈ {−(k−1)/2, …, (k−1)/2}; each tap is
/// bilinear over the 4 nearest pixel centres, with pixels outside the image counting as 0 (zero padding).
/// Patch layout (the Linear's input): index (a·k + b)·C + c for row offset a, column offset b, channel c.
///
/// Shapes: imageIndex [M] (Int32 in 0..<N), positions [M, 2] (px, py), patches [M, k·k·C] (activation
/// arena), out [M, F]. Parameters: the Linear "<name>" with weight [k·k·C, F].
/// Backward gives gradients for the weights and, optionally, the images; not for the positions.
public struct PatchProjection: Sendable {
    public let patchSize: Int
    public let channels: Int
    public let linear: Linear

    public init(_ name: String, patchSize: Int, channels: Int, features: Int, layout: inout ParameterLayout) {
        self.patchSize = patchSize
        self.channels = channels
        linear = Linear(name, inFeatures: patchSize * patchSize * channels, outFeatures: features, layout: &layout)
    }

    public var patchWidth: Int { patchSize * patchSize * channels }
    public var features: Int { linear.outFeatures }

    public func initialize<T: EngineScalar, R: RandomNumberGenerator>(_ p: ParameterStore<T>, _ rng: inout R) {
        linear.initialize(p, &rng)
    }

    /// Bilinear gather of every patch: patches[m] ← the k×k×C patch at positions[m] of image imageIndex[m].
    /// Image indices outside 0..<N are a programming error (precondition).
    public func gather<T: EngineScalar>(images: Tensor<T>, imageIndex: UnsafePointer<Int32>, positions: Tensor<T>,
                                        patches: Tensor<T>) {
        precondition(images.shape.count == 4 && images.shape[3] == channels, "PatchProjection: images [N,H,W,C]")
        let N = images.shape[0], H = images.shape[1], W = images.shape[2], C = channels, k = patchSize
        let M = positions.rows
        precondition(positions.columns == 2 && patches.count == M * patchWidth, "PatchProjection.gather: shapes")
        for m in 0..<M { precondition(imageIndex[m] >= 0 && Int(imageIndex[m]) < N, "PatchProjection: image index out of range") }
        let img = images.constPointer, out = patches.pointer, pos = positions.constPointer
        Threading.parallelFor(M, minimumPerWorker: max(1, 4096 / max(1, k * k * C))) { r in
            T.kPatchGather(out, img, H, W, C, imageIndex, pos, r.lowerBound, r.upperBound, k)
        }
    }

    /// Scatter-add of patch gradients into image gradients (the adjoint of `gather`). Serial: patches of
    /// different points may overlap.
    public func scatter<T: EngineScalar>(dPatches: Tensor<T>, imageIndex: UnsafePointer<Int32>, positions: Tensor<T>,
                                         dImages: Tensor<T>) {
        let H = dImages.shape[1], W = dImages.shape[2]
        T.kPatchScatter(dImages.pointer, dPatches.constPointer, H, W, channels, imageIndex, positions.constPointer,
                        0, positions.rows, patchSize)
    }

    /// out = gather(...) · W + b. `patches` is kept for backward.
    public func forward<T: EngineScalar>(images: Tensor<T>, imageIndex: UnsafePointer<Int32>, positions: Tensor<T>,
                                         patches: Tensor<T>, out: Tensor<T>, _ p: ParameterStore<T>) {
        gather(images: images, imageIndex: imageIndex, positions: positions, patches: patches)
        linear.forward(patches, out, p)
    }

    /// Accumulates the weight/bias gradients and, when `dImages` is given, the image gradients
    /// (`dPatchesScratch` [M, k·k·C] is then required; it is overwritten).
    public func backward<T: EngineScalar>(patches: Tensor<T>, dOut: Tensor<T>, _ p: ParameterStore<T>,
                                          imageIndex: UnsafePointer<Int32>? = nil, positions: Tensor<T>? = nil,
                                          dPatchesScratch: Tensor<T>? = nil, dImages: Tensor<T>? = nil) {
        if let dImages {
            guard let imageIndex, let positions, let scratch = dPatchesScratch else {
                preconditionFailure("PatchProjection.backward: image gradients need imageIndex, positions, scratch")
            }
            scratch.zero()
            linear.backward(patches, dOut, scratch, p)
            scatter(dPatches: scratch, imageIndex: imageIndex, positions: positions, dImages: dImages)
        } else {
            linear.backward(patches, dOut, nil, p)
        }
    }
}
