// GPNR's inputs for a batch of rays: depth samples, epipolar projections, validity masks, canonical
// light-field encodings, relative poses and bilinear patches. No parameters; nothing here needs a gradient.
//
// Per ray b (target camera C, ray o + t·d through its pixel, scene near bound s):
//   * samples: P target-camera depths z_p between near and far (config.depthSpacing, the given placement);
//     t_p = z_p / ⟨d, C.forward⟩.
//   * canonical frame: `Ray.canonicalFromWorld(up: C.up)` — o ↦ 0, d ↦ +z, roll from the image up vector, a
//     proper rotation (the reference divides the axes by their squared norm, which scales and shears them).
//   * for view n and sample p: the reference ray through the sample point X_p, from the reference centre
//     c' (canonical coordinates) towards X'_p = (0, 0, t_p): Plücker (d', c' × d') with lengths divided by s,
//     encoded with `rayEncodingDegrees` octaves; the normalised disparity s / t_p with
//     `pointEncodingDegrees` octaves; the pose features of view n (ViewSet.poseFeatures, lengths / s).
//   * projection of X_p into view n (EpipolarProjector): valid when in front of the camera and inside the
//     image rectangle; invalid tokens get zero patches and are masked out of all attention.
//   * patch: k×k taps of unit spacing centred on the projected point, each bilinear over the 4 nearest pixel
//     centres, zero outside the image; rgb = the centre tap (edge-clamped within half a pixel of the border,
//     as the sweep samples colours, instead of mixing in the zeros outside).
// Masks: tokMask [B·P, N] (b, p, n); epiMask [B·N, P+1] with the query slot 0 always valid; viewMask
// [B, N+1], view n valid when any of its samples is.

import Foundation
import ViewSynthCore
import ViewSynthEngine

enum EpipolarGeometry {
    static func build<T: EngineScalar>(model: EpipolarModel<T>, rays input: UnsafeBufferPointer<ModelRay>,
                                       viewSets: [ViewSet<T>], placement: DepthPlacement, guidance: GuidanceBatch?,
                                       ws: EpipolarWorkspace<T>, _ params: ParameterStore<T>) {
        let c = model.config, cols = model.columns
        let N = c.views, P = c.samples, K = cols.width, k = c.patchSize
        let Lr = c.rayEncodingDegrees, Lp = c.pointEncodingDegrees
        let samplers = viewSets.map { vs in
            try! DepthSampler(near: vs.near, far: vs.far, count: P, spacing: c.depthSpacing, placement: placement)
        }
        let count = input.count
        let keyIn = ws.keyIn.pointer, patches = ws.patches.pointer
        let tokMask = ws.tokMask.baseAddress!, epiMask = ws.epiMask.baseAddress!, viewMask = ws.viewMask.baseAddress!
        let patchWidth = k * k * 3
        let lfnr = model.kind == .lfnr, slab = cols.rayValues == 4
        let E = cols.E, V = model.config.lfnr.viewEmbeddings
        let emb = model.embedding.map { params.value($0).constPointer }
        let qEnc = ws.qEnc.pointer, Q = cols.queryWidth
        let dw = cols.disparityWidth
        let gs = c.guidance
        precondition(gs == nil || guidance?.samples == P, "EpipolarGeometry: a guided model needs a GuidanceBatch of \(P) samples")
        let summaryQuery = cols.summaryQuery, sweepInit = gs?.sweepInit ?? false
        let cs = T(gs?.costScale ?? 1)
        let sweepDefaults = PlaneSweepConfig()
        let angleScale = sweepDefaults.angleScale, sigma2 = sweepDefaults.colorSigma * sweepDefaults.colorSigma
        Threading.parallelFor(ws.B, minimumPerWorker: 4) { range in
            // Per-chunk scratch: encoder inputs, the disparity encodings of one ray's samples (GPNR: the same
            // for all N views), the pose features of the N views.
            withUnsafeTemporaryAllocation(of: Double.self, capacity: 12) { encBuf in
            withUnsafeTemporaryAllocation(of: T.self, capacity: P * dw + 12 * N) { tbuf in
            let e = encBuf.baseAddress!, dispEnc = tbuf.baseAddress!, pose = tbuf.baseAddress! + P * dw
            for b in range {
                let mr = input[min(b, count - 1)]
                let vs = viewSets[mr.viewSet]
                let cam = vs.target
                let ray = cam.ray(throughPixel: Vec2(mr.x, mr.y))
                ws.rays[b] = ray
                let canon = ray.canonicalFromWorld(up: cam.up)
                let zrow = ws.depths + b * P
                let grow = Int(mr.guide)
                if let guidance {
                    precondition(grow >= 0 && grow < guidance.capacity, "EpipolarGeometry: ray without a guidance row")
                    zrow.update(from: guidance.depths + grow * P, count: P)
                } else {
                    samplers[mr.viewSet].fill(zrow, rayKey: mr.key)
                }
                let cosT = dot(ray.direction, cam.forward)
                withUnsafePointer(to: ray) { rp in
                    vs.projector.project(rays: UnsafeBufferPointer(start: rp, count: 1),
                                         depths: UnsafeBufferPointer(start: zrow, count: P), samplesPerRay: P,
                                         along: .cameraZ(forward: cam.forward),
                                         pixels: UnsafeMutableBufferPointer(start: ws.pixels + b * N * P * 2, count: N * P * 2),
                                         valid: UnsafeMutableBufferPointer(start: ws.valid + b * N * P, count: N * P))
                }
                let s = vs.near
                let nRefs = vs.references.count
                let origin = ray.origin / s, direction = ray.direction
                if summaryQuery, let guidance {
                    // The cost curve's summary ends the query encoding (GPNR: it is the whole encoding).
                    let sm = guidance.summary + grow * GuidanceSettings.summaryWidth, q = qEnc + b * Q + Q - GuidanceSettings.summaryWidth
                    q[0] = cs * T(sm[0]); q[1] = cs * T(sm[1]); q[2] = T(sm[2]); q[3] = T(sm[3])
                }
                if lfnr {
                    // Query: the target ray's light-field encoding (world frame, lengths / near).
                    lightField(origin: origin, direction: direction, slab: slab, into: e)
                    encodeSinCos(UnsafePointer(e), cols.rayValues, degrees: Lr, into: qEnc + b * Q)
                } else {
                    for p in 0..<P {
                        e[0] = cosT > 0 ? s * cosT / zrow[p] : 0       // near / t
                        encodeSinCos(UnsafePointer(e), 1, degrees: Lp, into: dispEnc + p * dw)
                    }
                }
                viewMask[b * (N + 1)] = 1
                for n in 0..<N {
                    let line = (b * N + n) * (P + 1)
                    epiMask[line] = 1
                    ws.viewIDs[b * N + n] = n < nRefs ? Int32(clamping: vs.referenceIDs[n]) : -1
                    let id = Int(ws.viewIDs[b * N + n])
                    var any = false
                    let refCam = n < nRefs ? vs.references[n] : vs.target
                    let cn = (lfnr ? refCam.center : canon.apply(refCam.center)) / s
                    let image = n < nRefs ? UnsafePointer(vs.images[n].pointer) : nil
                    let W = refCam.intrinsics.width, H = refCam.intrinsics.height
                    if !lfnr && n < nRefs {
                        for i in 0..<12 {
                            let v = vs.poseFeatures[n * 12 + i]
                            pose[i] = T(i >= 9 ? v / s : v)
                        }
                    }
                    let validRow = ws.valid + (b * N + n) * P, pixRow = ws.pixels + (b * N + n) * P * 2
                    for p in 0..<P {
                        let ok = n < nRefs && cosT > 0 && validRow[p]
                        let tok = (b * P + p) * N + n
                        tokMask[tok] = ok ? 1 : 0
                        epiMask[line + 1 + p] = ok ? 1 : 0
                        any = any || ok
                        let row = keyIn + tok * K
                        guard ok, let image else {
                            row.update(repeating: 0, count: cols.width)
                            (patches + tok * patchWidth).update(repeating: 0, count: patchWidth)
                            continue
                        }
                        let t = zrow[p] / cosT / s
                        if lfnr {
                            // World frame: the reference ray from the centre through X, and X itself.
                            let x = origin + t * direction
                            lightField(origin: cn, direction: normalize(x - cn), slab: slab, into: e)
                            e[6] = x.x; e[7] = x.y; e[8] = x.z
                            encodeSinCos(UnsafePointer(e), cols.rayValues, degrees: Lr, into: row + cols.ray)
                            encodeSinCos(UnsafePointer(e + 6), 3, degrees: Lp, into: row + cols.disparity)
                            if let emb, id >= 0, id < V {
                                (row + cols.embed).update(from: emb + id * E, count: E)
                            } else if E > 0 {
                                (row + cols.embed).update(repeating: 0, count: E)
                            }
                        } else {
                            // Canonical frame: the sample is (0, 0, t); the reference ray runs from cn through it.
                            let dir = normalize(Vec3(-cn.x, -cn.y, t - cn.z))
                            let m = cross(cn, dir)
                            e[0] = dir.x; e[1] = dir.y; e[2] = dir.z; e[3] = m.x; e[4] = m.y; e[5] = m.z
                            encodeSinCos(UnsafePointer(e), 6, degrees: Lr, into: row + cols.ray)
                            (row + cols.disparity).update(from: dispEnc + p * dw, count: dw)
                            (row + cols.pose).update(from: pose, count: 12)
                        }
                        gatherPatch(image, width: W, height: H, u: pixRow[2 * p], v: pixRow[2 * p + 1], k: k,
                                    into: patches + tok * patchWidth)
                        // rgb: the centre tap, except within half a pixel of the border, where it is sampled
                        // edge-clamped (as the sweep samples colours) instead of blending in the zeros outside.
                        let centre = patches + tok * patchWidth + ((k / 2) * k + k / 2) * 3
                        let u = pixRow[2 * p], v = pixRow[2 * p + 1]
                        if u >= 0.5 && v >= 0.5 && u <= Double(W) - 0.5 && v <= Double(H) - 0.5 {
                            row[cols.rgb] = centre[0]; row[cols.rgb + 1] = centre[1]; row[cols.rgb + 2] = centre[2]
                        } else {
                            clampedColour(image, width: W, height: H, u: u, v: v, into: row + cols.rgb)
                        }
                        if cols.guideCosts, let guidance {
                            // Cost columns: the sweep's cost at this depth, relative to the curve's minimum, the
                            // signed distance to the nearest minimum (squashed) and the guided flag.
                            let o = grow * P + p, g = row + cols.guide
                            let cmin = guidance.summary[grow * GuidanceSettings.summaryWidth]
                            g[0] = cs * T(guidance.cost[o]); g[1] = cs * T(guidance.cost[o] - cmin)
                            g[2] = T(Foundation.tanh(Double(guidance.offset[o]) / 2)); g[3] = T(guidance.guided[o])
                        }
                    }
                    viewMask[b * (N + 1) + 1 + n] = any ? 1 : 0
                }
                if sweepInit, let guidance {
                    // Priors: epipolar −cost at each sample (the same for every view); views: the sweep's blend
                    // weights at its own depth (the lowest-cost sample pb): lumigraph −angle/angleScale, robust
                    // −|c − consensus|²/σ², and −30 for a view that does not see that point.
                    for n in 0..<N {
                        let pr = ws.epiPrior.pointer + (b * N + n) * P
                        for p in 0..<P { pr[p] = -T(guidance.cost[grow * P + p]) }
                    }
                    let pb = Int(guidance.best[grow])
                    let x = ray.origin + (zrow[pb] / max(cosT, 1e-12)) * ray.direction
                    let toTarget = normalize(ray.origin - x)
                    var m0: T = 0, m1: T = 0, m2: T = 0, seen = 0
                    for n in 0..<N where tokMask[(b * P + pb) * N + n] != 0 {
                        let r = keyIn + ((b * P + pb) * N + n) * K + cols.rgb
                        m0 += r[0]; m1 += r[1]; m2 += r[2]; seen += 1
                    }
                    if seen > 0 { m0 /= T(seen); m1 /= T(seen); m2 /= T(seen) }
                    for n in 0..<N {
                        let vp = ws.viewPrior.pointer + (b * N + n) * 3
                        guard n < nRefs else { vp[0] = 0; vp[1] = 0; vp[2] = -30; continue }
                        vp[0] = -T(ReferenceViewSelector.angle(toTarget, vs.references[n].center - x) / angleScale)
                        let tok = (b * P + pb) * N + n
                        if tokMask[tok] != 0 {
                            let r = keyIn + tok * K + cols.rgb
                            let d0 = r[0] - m0, d1 = r[1] - m1, d2 = r[2] - m2
                            vp[1] = -(d0 * d0 + d1 * d1 + d2 * d2) / T(sigma2)
                            vp[2] = 0
                        } else {
                            vp[1] = 0
                            vp[2] = seen > 0 ? -30 : 0
                        }
                    }
                }
                if cols.costs {
                    for p in 0..<P {
                        let g = b * P + p
                        photoConsistency(patches: UnsafePointer(patches + g * N * patchWidth), mask: tokMask + g * N, N: N,
                                         patchWidth: patchWidth, rows: keyIn + g * N * K, rowStride: K, column: cols.cost)
                    }
                }
            }
            }
            }
        }
    }

    /// Photo-consistency of one depth sample's N patches (width W = k·k·3, valid where mask ≠ 0), written to
    /// columns [column, column + 5) of each valid token's row (invalid rows keep their zeros):
    ///   0: own raw cost  squash(‖x_n − x̄‖² / W),     x̄ = mean over valid views of the patches x_n;
    ///   1: group raw cost squash(mean over valid n of column 0's argument);
    ///   2: own normalised cost ‖z_n − z̄‖² / W,       z_n = (x_n − mean(x_n)) / √(var(x_n) + 0.02²);
    ///   3: group normalised cost (mean over valid n of column 2);
    ///   4: fraction of the N views that are valid.
    /// squash(c) = (ln(c + 1e-4) + 5) / 3 maps typical colour variances (1e-4…1) to about −1…1.7.
    /// With one valid view the costs are 0 (no evidence) and column 4 says so.
    static func photoConsistency<T: EngineScalar>(patches: UnsafePointer<T>, mask: UnsafePointer<UInt8>, N: Int,
                                                  patchWidth W: Int, rows: UnsafeMutablePointer<T>, rowStride K: Int,
                                                  column: Int) {
        var V = 0
        for n in 0..<N where mask[n] != 0 { V += 1 }
        guard V > 0 else { return }
        func squash(_ c: T) -> T { (T.elementaryLog(c + T(1e-4)) + 5) / 3 }
        withUnsafeTemporaryAllocation(of: T.self, capacity: 2 * W + N * W + 2 * N) { buf in
            let mean = buf.baseAddress!, zmean = mean + W, z = zmean + W, raw = z + N * W, nrm = raw + N
            mean.update(repeating: 0, count: 2 * W)
            for n in 0..<N where mask[n] != 0 {
                let x = patches + n * W, zn = z + n * W
                var s: T = 0, s2: T = 0
                for i in 0..<W { s += x[i]; s2 += x[i] * x[i] }
                let m = s / T(W)
                let inv = 1 / (max(0, s2 / T(W) - m * m) + T(0.02 * 0.02)).squareRoot()
                for i in 0..<W {
                    mean[i] += x[i]
                    zn[i] = (x[i] - m) * inv
                    zmean[i] += zn[i]
                }
            }
            let invV = 1 / T(V)
            for i in 0..<(2 * W) { mean[i] *= invV }
            var groupRaw: T = 0, groupNrm: T = 0
            for n in 0..<N where mask[n] != 0 {
                let x = patches + n * W, zn = z + n * W
                var a: T = 0, c: T = 0
                for i in 0..<W {
                    let d = x[i] - mean[i], e = zn[i] - zmean[i]
                    a += d * d; c += e * e
                }
                raw[n] = a / T(W); nrm[n] = c / T(W)
                groupRaw += raw[n]; groupNrm += nrm[n]
            }
            groupRaw *= invV; groupNrm *= invV
            let one = V > 1
            for n in 0..<N where mask[n] != 0 {
                let r = rows + n * K + column
                r[0] = one ? squash(raw[n]) : 0
                r[1] = one ? squash(groupRaw) : 0
                r[2] = one ? nrm[n] : 0
                r[3] = one ? groupNrm : 0
                r[4] = T(V) / T(N)
            }
        }
    }

    /// Light-field coordinates of the line through `origin` along the unit `direction`: Plücker
    /// (d, o × d) into out[0..<6], or the light slab (x, y) at z = 0 and at z = 1 into out[0..<4] (a direction
    /// parallel to the planes is nudged to |d_z| = 1e-9).
    @inline(__always)
    static func lightField(origin o: Vec3, direction d: Vec3, slab: Bool, into out: UnsafeMutablePointer<Double>) {
        if slab {
            let dz = abs(d.z) < 1e-9 ? (d.z < 0 ? -1e-9 : 1e-9) : d.z
            let t0 = -o.z / dz, t1 = (1 - o.z) / dz
            out[0] = o.x + t0 * d.x; out[1] = o.y + t0 * d.y
            out[2] = o.x + t1 * d.x; out[3] = o.y + t1 * d.y
        } else {
            let m = cross(o, d)
            out[0] = d.x; out[1] = d.y; out[2] = d.z; out[3] = m.x; out[4] = m.y; out[5] = m.z
        }
    }

    /// The bilinear colour at (u, v) of an H×W×3 image with its border replicated outside (the sweep's
    /// sampling, `sweepSample`): the model's colour input for points within half a pixel of the border.
    @inline(__always)
    static func clampedColour<T: EngineScalar>(_ img: UnsafePointer<T>, width W: Int, height H: Int, u: Double, v: Double,
                                               into out: UnsafeMutablePointer<T>) {
        let fx = min(max(u - 0.5, 0), Double(W - 1)), fy = min(max(v - 0.5, 0), Double(H - 1))
        let x0 = min(Int(fx), max(W - 2, 0)), y0 = min(Int(fy), max(H - 2, 0))
        let x1 = min(x0 + 1, W - 1), y1 = min(y0 + 1, H - 1)
        let wx = T(fx - Double(x0)), wy = T(fy - Double(y0))
        let a = img + (y0 * W + x0) * 3, b = img + (y0 * W + x1) * 3
        let c = img + (y1 * W + x0) * 3, d = img + (y1 * W + x1) * 3
        for i in 0..<3 {
            let top = a[i] + wx * (b[i] - a[i]), bottom = c[i] + wx * (d[i] - c[i])
            out[i] = top + wy * (bottom - top)
        }
    }

    /// The k×k×3 patch centred on (u, v) (continuous pixel coordinates) of an H×W×3 image, each tap
    /// bilinear over the 4 nearest pixel centres, zero outside. Layout (a·k + b)·3 + c for row offset a,
    /// column offset b.
    @inline(__always)
    static func gatherPatch<T: EngineScalar>(_ img: UnsafePointer<T>, width W: Int, height H: Int, u: Double, v: Double,
                                             k: Int, into out: UnsafeMutablePointer<T>) {
        let half = Double(k - 1) / 2
        let fx = u - 0.5 - half, fy = v - 0.5 - half
        let x0d = fx.rounded(.down), y0d = fy.rounded(.down)
        let wx = T(fx - x0d), wy = T(fy - y0d)
        let x0 = Int(x0d), y0 = Int(y0d)
        let w00 = (1 - wy) * (1 - wx), w01 = (1 - wy) * wx, w10 = wy * (1 - wx), w11 = wy * wx
        if x0 >= 0, y0 >= 0, x0 + k < W, y0 + k < H {
            for a in 0..<k {
                let r0 = img + ((y0 + a) * W + x0) * 3, r1 = r0 + W * 3
                let o = out + a * k * 3
                for b in 0..<k {
                    let i = b * 3
                    o[i] = w00 * r0[i] + w01 * r0[i + 3] + w10 * r1[i] + w11 * r1[i + 3]
                    o[i + 1] = w00 * r0[i + 1] + w01 * r0[i + 4] + w10 * r1[i + 1] + w11 * r1[i + 4]
                    o[i + 2] = w00 * r0[i + 2] + w01 * r0[i + 5] + w10 * r1[i + 2] + w11 * r1[i + 5]
                }
            }
            return
        }
        for a in 0..<k {
            for b in 0..<k {
                let o = out + (a * k + b) * 3
                o[0] = 0; o[1] = 0; o[2] = 0
                for dy in 0..<2 {
                    let y = y0 + a + dy
                    guard y >= 0 && y < H else { continue }
                    for dx in 0..<2 {
                        let x = x0 + b + dx
                        guard x >= 0 && x < W else { continue }
                        let w = (dy == 0 ? 1 - wy : wy) * (dx == 0 ? 1 - wx : wx)
                        let px = img + (y * W + x) * 3
                        o[0] += w * px[0]; o[1] += w * px[1]; o[2] += w * px[2]
                    }
                }
            }
        }
    }
}
