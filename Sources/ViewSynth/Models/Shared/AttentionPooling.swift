// Attention pooling of G groups of L key tokens by a learned scoring vector (GPNR's "correspondence"
// layers): score s[g, l] = ⟨w, x[g, l]⟩ + b, masked softmax over l, pooled[g] = Σ_l a[g, l] · x[g, l].
//
// Shapes: tokens are read from rows of a [G·stride, D] buffer: key l of group g is row g·stride + offset + l
// (so the query token at slot 0 of a [G, L+1] sequence is skipped with offset 1); mask [G, L] bytes
// (1 = valid) read from rows of a mask buffer with the same stride/offset; weights a [G, L]; pooled [G, D].
// Masked keys get weight exactly 0; a group with no valid key gets all-zero weights and a zero pooled vector.
//
// The reference concatenates the (refined) query token to each key before scoring; the query's term is the
// same for every key of a group and cancels in the softmax, so it is left out (same function, fewer FLOPs).
// Parameters: "<name>.weight" [D, 1] (a Linear D→1) and "<name>.bias".

import ViewSynthEngine

struct AttentionPooling: Sendable {
    let score: Linear

    init(_ name: String, width: Int, layout: inout ParameterLayout) {
        score = Linear(name, inFeatures: width, outFeatures: 1, layout: &layout)
    }

    struct Layout {
        var groups: Int, length: Int, stride: Int, offset: Int, width: Int
        @inline(__always) func row(_ g: Int, _ l: Int) -> Int { g * stride + offset + l }
    }

    /// Writes weights a [G, L] and pooled [G, D]. `offset` [G, L]: a constant added to each score (a prior;
    /// its gradient is the score gradient that `backward` leaves in its scratch).
    func forward<T: EngineScalar>(tokens x: UnsafePointer<T>, mask: UnsafePointer<UInt8>, _ lay: Layout,
                                  weights a: UnsafeMutablePointer<T>, pooled: UnsafeMutablePointer<T>,
                                  offset: UnsafePointer<T>? = nil, _ p: ParameterStore<T>) {
        let w = p.value(score.weight).constPointer, b = p.value(score.bias!)[0]
        let D = lay.width, L = lay.length
        Threading.parallelFor(lay.groups, minimumPerWorker: max(1, 4096 / max(1, L * D))) { r in
            for g in r {
                let ag = a + g * L
                var mx = -T.infinity
                for l in 0..<L {
                    let row = lay.row(g, l)
                    guard mask[row] != 0 else { ag[l] = 0; continue }
                    let xr = x + row * D
                    var s: T = 0
                    for c in 0..<D { s += w[c] * xr[c] }
                    s += b
                    if let offset { s += offset[g * L + l] }
                    ag[l] = s
                    if s > mx { mx = s }
                }
                let pg = pooled + g * D
                pg.update(repeating: 0, count: D)
                guard mx > -T.infinity else { continue }
                var total: T = 0
                for l in 0..<L where mask[lay.row(g, l)] != 0 {
                    let e = T.elementaryExp(ag[l] - mx)
                    ag[l] = e
                    total += e
                }
                let inv = 1 / total
                for l in 0..<L {
                    let row = lay.row(g, l)
                    guard mask[row] != 0 else { continue }
                    ag[l] *= inv
                    let wl = ag[l], xr = x + row * D
                    for c in 0..<D { pg[c] += wl * xr[c] }
                }
            }
        }
    }

    /// Backward. `dPooled` [G, D]; `dWeightsExtra` [G, L] an extra gradient on the weights (or nil);
    /// accumulates into dTokens (same row layout as the tokens) and the score parameters.
    /// `scratch` holds G·L elements; afterwards it holds the score gradients [G, L] (0 at masked keys).
    func backward<T: EngineScalar>(tokens x: UnsafePointer<T>, mask: UnsafePointer<UInt8>, _ lay: Layout,
                                   weights a: UnsafePointer<T>, dPooled: UnsafePointer<T>,
                                   dWeightsExtra: UnsafePointer<T>?, dTokens: UnsafeMutablePointer<T>,
                                   scratch ds: UnsafeMutablePointer<T>, _ p: ParameterStore<T>) {
        let w = p.value(score.weight).constPointer
        let D = lay.width, L = lay.length
        // ds[g, l] = a (da − Σ a da), with da = ⟨dPooled, x⟩ + extra.
        Threading.parallelFor(lay.groups, minimumPerWorker: max(1, 4096 / max(1, L * D))) { r in
            for g in r {
                let ag = a + g * L, dg = ds + g * L, gp = dPooled + g * D
                var dot: T = 0
                for l in 0..<L {
                    let row = lay.row(g, l)
                    guard mask[row] != 0 else { dg[l] = 0; continue }
                    let xr = x + row * D
                    var s: T = 0
                    for c in 0..<D { s += gp[c] * xr[c] }
                    if let e = dWeightsExtra { s += e[g * L + l] }
                    dg[l] = s
                    dot += ag[l] * s
                }
                for l in 0..<L {
                    let row = lay.row(g, l)
                    guard mask[row] != 0 else { continue }
                    let dsl = ag[l] * (dg[l] - dot)
                    dg[l] = dsl
                    let al = ag[l], dx = dTokens + row * D
                    for c in 0..<D { dx[c] += al * gp[c] + dsl * w[c] }
                }
            }
        }
        // Score parameters: dw = Σ ds·x, db = Σ ds (serial, deterministic).
        let dw = p.grad(score.weight).pointer, db = p.grad(score.bias!).pointer
        for g in 0..<lay.groups {
            for l in 0..<L {
                let row = lay.row(g, l)
                guard mask[row] != 0 else { continue }
                let s = ds[g * L + l], xr = x + row * D
                for c in 0..<D { dw[c] += s * xr[c] }
                db[0] += s
            }
        }
    }
}
