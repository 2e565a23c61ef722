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

    /// Calls body(pixelOffset, weight) for the ≤ 4 in-image pixels of the bilinear tap at (x, y) of an
    /// H×W image (pixelOffset = row·W + column, in pixels).
    @inline(__always)
    static func taps<T: EngineScalar>(_ x: T, _ y: T, _ W: Int, _ H: Int, _ body: (Int, T) -> Void) {
        let fx = x - 0.5, fy = y - 0.5
        let x0f = fx.rounded(.down), y0f = fy.rounded(.down)
        let wx = fx - x0f, wy = fy - y0f
        guard x0f > -2, y0f > -2, x0f < T(W), y0f < T(H) else { return }
        let x0 = Int(x0f), y0 = Int(y0f)
        let x0ok = x0 >= 0, x1ok = x0 + 1 < W, y0ok = y0 >= 0, y1ok = y0 + 1 < H
        if y0ok {
            if x0ok { body(y0 * W + x0, (1 - wy) * (1 - wx)) }
            if x1ok { body(y0 * W + x0 + 1, (1 - wy) * wx) }
        }
        if y1ok {
            if x0ok { body((y0 + 1) * W + x0, wy * (1 - wx)) }
            if x1ok { body((y0 + 1) * W + x0 + 1, wy * wx) }
        }
    }

    /// Bilinear gather of every patch: patches[m] ← the k×k×C patch at positions[m] of image imageIndex[m].
    public func gather<T: EngineScalar>(images: Tensor<T>, imageIndex: UnsafePointer<Int32>, positions: Tensor<T>,
                                        patches: Tensor<T>) {
        precondition(images.shape.count == 4 && images.shape[3] == channels, "PatchProjection: images [N,H,W,C]")
        let N = images.shape[0], H = images.shape[1], W = images.shape[2], C = channels, k = patchSize
        let M = positions.rows
        precondition(positions.columns == 2 && patches.count == M * patchWidth, "PatchProjection.gather: shapes")
        let half = T(k - 1) / 2
        let img = images.constPointer, out = patches.pointer, pos = positions.constPointer
        Threading.parallelFor(M, minimumPerWorker: 64) { range in
            for m in range {
                let n = Int(imageIndex[m])
                precondition(n >= 0 && n < N, "PatchProjection: image index \(n) out of 0..<\(N)")
                let base = img + n * H * W * C
                let dst = out + m * k * k * C
                dst.update(repeating: 0, count: k * k * C)
                let px = pos[2 * m], py = pos[2 * m + 1]
                for a in 0..<k {
                    let y = py + T(a) - half
                    for b in 0..<k {
                        let x = px + T(b) - half
                        let d = dst + (a * k + b) * C
                        Self.taps(x, y, W, H) { pix, w in
                            let s = base + pix * C
                            for c in 0..<C { d[c] += w * s[c] }
                        }
                    }
                }
            }
        }
    }

    /// Scatter-add of patch gradients into image gradients (the adjoint of `gather`). Serial: patches of
    /// different points may overlap.
    public func scatter<T: EngineScalar>(dPatches: Tensor<T>, imageIndex: UnsafePointer<Int32>, positions: Tensor<T>,
                                         dImages: Tensor<T>) {
        let H = dImages.shape[1], W = dImages.shape[2], C = channels, k = patchSize
        let M = positions.rows
        let half = T(k - 1) / 2
        let pos = positions.constPointer
        for m in 0..<M {
            let n = Int(imageIndex[m])
            let base = dImages.pointer + n * H * W * C
            let src = dPatches.constPointer + m * k * k * C
            let px = pos[2 * m], py = pos[2 * m + 1]
            for a in 0..<k {
                let y = py + T(a) - half
                for b in 0..<k {
                    let x = px + T(b) - half
                    let g = src + (a * k + b) * C
                    Self.taps(x, y, W, H) { pix, w in
                        let d = base + pix * C
                        for c in 0..<C { d[c] += w * g[c] }
                    }
                }
            }
        }
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
