import Testing
import ViewSynthEngine

/// Gradient checks in Double for every op: central differences of ⟨out, R⟩, random R, rel. error ≤ 1e-6.
@Suite("Op gradient checks (Double)")
struct OpsGradientTests {
    let tolerance = 1e-6

    @Test func linear() {
        var rng = EngineRNG(seed: 1)
        var layout = ParameterLayout()
        let lin = Linear("fc", inFeatures: 4, outFeatures: 3, layout: &layout)
        let p = ParameterStore<Double>(layout: layout)
        lin.initialize(p, &rng)
        EngineRandom.fillNormal(p.value(lin.bias!), std: 0.5, &rng)
        let x = TestTensor<Double>([5, 4], normal: 1, &rng), dx = TestTensor<Double>([5, 4])
        let y = TestTensor<Double>([5, 3])
        let errs = gradientErrors([GradInput(name: "x", value: x.t, grad: dx.t), p.asGradInput], output: y.t,
                                  forward: { lin.forward(x.t, y.t, p) },
                                  backward: { r in lin.backward(x.t, r, dx.t, p) })
        for (k, e) in errs { #expect(e <= tolerance, "\(k): \(e)") }
    }

    @Test func layerNorm() {
        var rng = EngineRNG(seed: 2)
        var layout = ParameterLayout()
        let ln = LayerNorm("ln", features: 6, layout: &layout)
        let p = ParameterStore<Double>(layout: layout)
        EngineRandom.fillNormal(p.value(ln.scale), std: 1, &rng)
        EngineRandom.fillNormal(p.value(ln.bias), std: 1, &rng)
        let x = TestTensor<Double>([4, 6], normal: 2, &rng), dx = TestTensor<Double>([4, 6])
        let y = TestTensor<Double>([4, 6]), m = TestTensor<Double>([4]), s = TestTensor<Double>([4])
        let errs = gradientErrors([GradInput(name: "x", value: x.t, grad: dx.t), p.asGradInput], output: y.t,
                                  forward: { ln.forward(x.t, y.t, mean: m.t, rstd: s.t, p) },
                                  backward: { r in ln.backward(x.t, r, dx.t, mean: m.t, rstd: s.t, p) })
        for (k, e) in errs { #expect(e <= tolerance, "\(k): \(e)") }
    }

    @Test(arguments: ActivationKind.allCases) func activation(kind: ActivationKind) {
        var rng = EngineRNG(seed: 3)
        let x = TestTensor<Double>([3, 7], normal: 1.5, &rng), dx = TestTensor<Double>([3, 7])
        // Keep inputs away from ReLU/ELU kinks at 0 so finite differences are smooth.
        for i in 0..<x.t.count where abs(x.t[i]) < 0.05 { x.t[i] = 0.1 }
        let y = TestTensor<Double>([3, 7])
        let errs = gradientErrors([GradInput(name: "x", value: x.t, grad: dx.t)], output: y.t,
                                  forward: { Activation.forward(kind, x.t, y.t) },
                                  backward: { r in Activation.backward(kind, x: x.t, y: y.t, r, dx.t) })
        #expect(errs["x"]! <= tolerance, "\(kind): \(errs["x"]!)")
    }

    @Test func softmaxWithMask() {
        var rng = EngineRNG(seed: 4)
        let x = TestTensor<Double>([3, 5], normal: 2, &rng), dx = TestTensor<Double>([3, 5])
        let y = TestTensor<Double>([3, 5])
        let mask: [UInt8] = [1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0]
        let errs = mask.withUnsafeBufferPointer { m in
            gradientErrors([GradInput(name: "x", value: x.t, grad: dx.t)], output: y.t,
                           forward: { Softmax.forward(x.t, y.t, mask: m.baseAddress) },
                           backward: { r in Softmax.backward(y: y.t, r, dx.t) })
        }
        #expect(errs["x"]! <= tolerance)
        // masked entries and the fully masked row are exactly zero; other rows sum to 1
        #expect(y.t[6] == 0 && y.t[8] == 0)
        #expect((10..<15).allSatisfy { y.t[$0] == 0 })
        #expect(abs((0..<5).map { y.t[$0] }.reduce(0, +) - 1) < 1e-12)
    }

    /// dh = 3 runs the plain C kernel, dh = 16 the register-tiled one (used when dh is a multiple of 16).
    @Test(arguments: [(SelfAttention.Algorithm.kernel, 3), (.gemm, 3), (.kernel, 16), (.gemm, 16)])
    func attention(algorithm: SelfAttention.Algorithm, dh: Int) {
        var rng = EngineRNG(seed: 5)
        let S = 3, L = 5, H = 2, D = H * dh
        let att = SelfAttention(width: D, heads: H, algorithm: algorithm)
        let qkv = TestTensor<Double>([S * L, 3 * D], normal: 1, &rng), dqkv = TestTensor<Double>([S * L, 3 * D])
        let out = TestTensor<Double>([S * L, D]), probs = TestTensor<Double>([S, H, L, L])
        let scratch = TestTensor<Double>([S, H, L, L])
        // sequence 0: all keys valid; 1: two keys masked; 2: only one valid key
        let mask: [UInt8] = [1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0]
        let errs = mask.withUnsafeBufferPointer { m in
            gradientErrors([GradInput(name: "qkv", value: qkv.t, grad: dqkv.t)], output: out.t,
                           forward: {
                               att.forward(qkv: qkv.t, keyMask: m.baseAddress, out: out.t, probs: probs.t,
                                           sequences: S, length: L)
                           },
                           backward: { r in
                               att.backward(qkv: qkv.t, probs: probs.t, dout: r, dqkv: dqkv.t, scratch: scratch.t,
                                            sequences: S, length: L)
                           })
        }
        #expect(errs["qkv"]! <= tolerance, "\(algorithm): \(errs["qkv"]!)")
        // masked keys get zero attention
        for h in 0..<H { for i in 0..<L { #expect(probs.t[((1 * H + h) * L + i) * L + 1] == 0) } }
    }

    @Test func patchProjection() {
        var rng = EngineRNG(seed: 6)
        var layout = ParameterLayout()
        let pp = PatchProjection("patch", patchSize: 3, channels: 2, features: 4, layout: &layout)
        let p = ParameterStore<Double>(layout: layout)
        pp.initialize(p, &rng)
        EngineRandom.fillNormal(p.value(pp.linear.bias!), std: 0.3, &rng)
        let images = TestTensor<Double>([2, 6, 7, 2], normal: 1, &rng), dImages = TestTensor<Double>([2, 6, 7, 2])
        // interior, near the border, partly outside, half-pixel aligned
        let pos = TestTensor<Double>([4, 2], values: [3.3, 2.7, 0.2, 5.9, 7.4, -0.6, 2.5, 3.5])
        let index: [Int32] = [0, 1, 1, 0]
        let patches = TestTensor<Double>([4, 18]), dPatches = TestTensor<Double>([4, 18])
        let out = TestTensor<Double>([4, 4])
        let errs = index.withUnsafeBufferPointer { idx in
            gradientErrors([GradInput(name: "images", value: images.t, grad: dImages.t), p.asGradInput],
                           output: out.t,
                           forward: {
                               pp.forward(images: images.t, imageIndex: idx.baseAddress!, positions: pos.t,
                                          patches: patches.t, out: out.t, p)
                           },
                           backward: { r in
                               pp.backward(patches: patches.t, dOut: r, p, imageIndex: idx.baseAddress!,
                                           positions: pos.t, dPatchesScratch: dPatches.t, dImages: dImages.t)
                           })
        }
        for (k, e) in errs { #expect(e <= tolerance, "\(k): \(e)") }
    }

    @Test func patchGatherMatchesHandComputedBilinear() {
        var layout = ParameterLayout()
        let pp = PatchProjection("patch", patchSize: 1, channels: 1, features: 1, layout: &layout)
        // 2×2 image [[1, 2], [3, 4]]; point (1, 1) is the centre between the 4 pixel centres → 2.5
        let img = TestTensor<Double>([1, 2, 2, 1], values: [1, 2, 3, 4])
        // points: centre of 4 pixels, two pixel centres, outside (zero padding), NaN (zeros), on the edge
        let pos = TestTensor<Double>([6, 2], values: [1, 1, 0.5, 0.5, 1.5, 0.5, 5, 5, .nan, 1, 0, 0.5])
        let patches = TestTensor<Double>([6, 1])
        let index: [Int32] = [0, 0, 0, 0, 0, 0]
        index.withUnsafeBufferPointer { pp.gather(images: img.t, imageIndex: $0.baseAddress!, positions: pos.t, patches: patches.t) }
        #expect(abs(patches.t[0] - 2.5) < 1e-15)
        #expect(patches.t[1] == 1)  // exactly a pixel centre
        #expect(patches.t[2] == 2)
        #expect(patches.t[3] == 0 && patches.t[4] == 0)
        #expect(patches.t[5] == 0.5)  // half of pixel (0,0), half of the zero padding
    }

    @Test func positionalEncoding() {
        var rng = EngineRNG(seed: 7)
        let pe = PositionalEncoding(minDegree: 0, maxDegree: 3, includeInput: true)
        let x = TestTensor<Double>([3, 2], normal: 1, &rng), dx = TestTensor<Double>([3, 2])
        let y = TestTensor<Double>([3, pe.outputWidth(2)])
        #expect(pe.outputWidth(2) == 2 + 2 * 3 * 2)
        let errs = gradientErrors([GradInput(name: "x", value: x.t, grad: dx.t)], output: y.t,
                                  forward: { pe.forward(x.t, y.t) }, backward: { r in pe.backward(x.t, r, dx.t) })
        #expect(errs["x"]! <= tolerance)
        // layout: [x, sin(2^l x) l-major, cos(2^l x)]
        #expect(abs(y.t[2 + 1 * 2 + 1] - Foundation_sin(2 * x.t[1])) < 1e-15)
        #expect(abs(y.t[2 + 6 + 2 * 2] - Foundation_cos(4 * x.t[0])) < 1e-15)
    }

    @Test func weightedSum() {
        var rng = EngineRNG(seed: 8)
        let x = TestTensor<Double>([2, 3, 4], normal: 1, &rng), dx = TestTensor<Double>([2, 3, 4])
        let w = TestTensor<Double>([2, 3], normal: 1, &rng), dw = TestTensor<Double>([2, 3])
        let y = TestTensor<Double>([2, 4])
        let errs = gradientErrors([GradInput(name: "x", value: x.t, grad: dx.t), GradInput(name: "w", value: w.t, grad: dw.t)],
                                  output: y.t, forward: { WeightedSum.forward(x.t, weights: w.t, y.t) },
                                  backward: { r in WeightedSum.backward(x.t, weights: w.t, r, dx: dx.t, dWeights: dw.t) })
        for (k, e) in errs { #expect(e <= tolerance, "\(k): \(e)") }
    }

    @Test func mseLoss() {
        var rng = EngineRNG(seed: 9)
        let pred = TestTensor<Double>([7], normal: 1, &rng), dpred = TestTensor<Double>([7])
        let target = TestTensor<Double>([7], normal: 1, &rng)
        let loss = TestTensor<Double>([1])
        let errs = gradientErrors([GradInput(name: "pred", value: pred.t, grad: dpred.t)], output: loss.t,
                                  forward: { loss.t[0] = MSELoss.forward(pred.t, target.t) },
                                  backward: { r in MSELoss.backward(pred.t, target.t, dpred.t, scale: r[0]) })
        #expect(errs["pred"]! <= tolerance)
        let expected = (0..<7).map { (pred.t[$0] - target.t[$0]) * (pred.t[$0] - target.t[$0]) }.reduce(0, +) / 7
        #expect(abs(MSELoss.forward(pred.t, target.t) - expected) < 1e-14)
    }
}

import Foundation
func Foundation_sin(_ x: Double) -> Double { sin(x) }
func Foundation_cos(_ x: Double) -> Double { cos(x) }

@Suite("Reshaping op gradient checks (Double)")
struct ReshapingGradientTests {
    @Test func swapAxes() {
        var rng = EngineRNG(seed: 31)
        let (A, B, C, D) = (2, 3, 4, 5)
        let x = TestTensor<Double>([A, B, C, D], normal: 1, &rng), dx = TestTensor<Double>([A, B, C, D])
        let y = TestTensor<Double>([A, C, B, D])
        let errs = gradientErrors([GradInput(name: "x", value: x.t, grad: dx.t)], output: y.t,
                                  forward: { SwapAxes.forward(x.t, y.t, outer: A, B, C, inner: D) },
                                  backward: { r in SwapAxes.backward(r, dx.t, outer: A, B, C, inner: D) })
        #expect(errs["x"]! <= 1e-6)
        #expect(y.t[((1 * C + 2) * B + 1) * D + 3] == x.t[((1 * B + 1) * C + 2) * D + 3])
    }

    @Test func concatAndEmbedding() {
        var rng = EngineRNG(seed: 32)
        var layout = ParameterLayout()
        let emb = Embedding("view", count: 4, width: 3, layout: &layout)
        let p = ParameterStore<Double>(layout: layout)
        emb.initialize(p, &rng, std: 1)
        let a = TestTensor<Double>([5, 2], normal: 1, &rng), da = TestTensor<Double>([5, 2])
        let e = TestTensor<Double>([5, 3]), de = TestTensor<Double>([5, 3])
        let y = TestTensor<Double>([5, 5])
        let idx: [Int32] = [3, 0, 3, 1, 2]
        let errs = idx.withUnsafeBufferPointer { ip in
            gradientErrors([GradInput(name: "a", value: a.t, grad: da.t), p.asGradInput], output: y.t,
                           forward: {
                               emb.forward(indices: ip.baseAddress!, e.t, p)
                               Concat.forward([a.t, e.t], y.t)
                           },
                           backward: { r in
                               de.t.zero()
                               Concat.backward(r, [da.t, de.t], widths: [2, 3])
                               emb.backward(indices: ip.baseAddress!, de.t, p)
                           })
        }
        for (k, v) in errs { #expect(v <= 1e-6, "\(k): \(v)") }
        #expect(y.t[1 * 5 + 2] == p.value(emb.table)[0 * 3 + 0])
    }
}
