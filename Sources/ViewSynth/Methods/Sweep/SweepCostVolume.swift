// The sweep's cost volume for one tile: for each of the D planes, sample the K reference views at every
// region pixel (tile + a margin of half the largest window on each side), score photo-consistency per pixel
// and aggregate it over the windows, writing costs[plane][inner pixel].
//
// Tile independence: every region value is computed from the absolute target pixel alone, and every window
// sum is a direct sum in a fixed order (no running sums), so a pixel's cost is the same bytes whatever tile
// it falls in.
//
// Shapes: R = rw × rh region pixels, n = tile pixels, K views, D planes.

import ViewSynthCore

extension PlaneSweep {
    /// Per-worker buffers, allocated once (raw pointers: no bounds or exclusivity checks in the hot loops).
    public final class Scratch {
        private(set) var capacity: (region: Int, inner: Int, box: Int) = (0, 0, 0)
        let k: Int, d: Int
        var rayA = Buf()       // [K][R][3]: K_ref · R_refFromTarget · K_target⁻¹ · (u, v, 1)
        var samp = Buf()       // [K][R][3] reference colours at the current plane
        var valid = Buf()      // [K][R] 1 when the projection is in front of and inside the view
        var mean = Buf()       // [R][3]
        var count = Buf()      // [R]
        var pixCost = Buf()    // [R] per-pixel cost before aggregation
        var greyMean = Buf(), greyMean2 = Buf()      // [R]
        var regA = Buf(), regB = Buf(), regC = Buf(), regD = Buf(), regE = Buf() // [R]
        var boxTmp = Buf()     // [rh × tile width]
        var inA = Buf(), inB = Buf(), inC = Buf(), inM = Buf(), inM2 = Buf()   // [n]
        var nccSum = Buf(), nccCount = Buf()         // [n]
        var costs = Buf()      // [D][n]
        var errs = Buf()       // [K] per-pixel temporary
        var blendColors: [SIMD3<Float>]   // [K]
        var blendWeights: [Double]        // [K]

        init(maxRegion r: Int, maxInner n: Int, maxBox b: Int, views k: Int, planes d: Int) {
            self.k = k; self.d = d
            blendColors = .init(repeating: .zero, count: max(k, 1))
            blendWeights = .init(repeating: 0, count: max(k, 1))
            errs = Buf(max(k, 1))
            reserve(region: r, inner: n, box: b)
        }

        /// (Re)allocates the buffers when a tile needs more than they hold.
        func reserve(region r: Int, inner n: Int, box b: Int) {
            if r > capacity.region {
                for buf in [rayA, samp, valid, mean, count, pixCost, greyMean, greyMean2, regA, regB, regC, regD, regE] { buf.free() }
                rayA = Buf(k * r * 3); samp = Buf(k * r * 3); valid = Buf(k * r); mean = Buf(r * 3)
                count = Buf(r); pixCost = Buf(r); greyMean = Buf(r); greyMean2 = Buf(r)
                regA = Buf(r); regB = Buf(r); regC = Buf(r); regD = Buf(r); regE = Buf(r)
                capacity.region = r
            }
            if n > capacity.inner {
                for buf in [inA, inB, inC, inM, inM2, nccSum, nccCount, costs] { buf.free() }
                inA = Buf(n); inB = Buf(n); inC = Buf(n); inM = Buf(n); inM2 = Buf(n)
                nccSum = Buf(n); nccCount = Buf(n); costs = Buf(d * n)
                capacity.inner = n
            }
            if b > capacity.box { boxTmp.free(); boxTmp = Buf(b); capacity.box = b }
        }

        deinit {
            for buf in [rayA, samp, valid, mean, count, pixCost, greyMean, greyMean2, regA, regB, regC, regD, regE, boxTmp,
                        inA, inB, inC, inM, inM2, nccSum, nccCount, costs, errs] { buf.free() }
        }
    }

    public func makeScratch(maxPixels: Int) -> Scratch {
        // Tiles are at most `side` wide and tall (TiledRenderer makes square-ish tiles; a strip would be
        // narrower in one direction, so bound both sides by maxPixels itself when small).
        let side = min(maxPixels, Int(Double(maxPixels).squareRoot()) + 2)
        let m = config.margin
        let rows = max(side, 1) + 2 * m
        return Scratch(maxRegion: rows * rows, maxInner: maxPixels, maxBox: rows * rows,
                       views: config.views, planes: config.planes)
    }

    /// Fills scratch.costs[plane][inner] for every plane.
    func computeCosts(tile: PixelTile, target: Camera, context: ViewContext, scratch s: Scratch) {
        let m = config.margin, mv = config.window / 2
        let rw = tile.width + 2 * m, rh = tile.height + 2 * m, region = rw * rh
        let n = tile.pixelCount, k = context.refs.count
        let ti = target.intrinsics
        s.reserve(region: region, inner: n, box: rh * tile.width)
        // Per reference, the homogeneous direction of each region pixel's ray in reference pixels.
        for v in 0..<k {
            let ref = context.refs[v]
            let ri = ref.camera.intrinsics
            let rot = ref.refFromTarget.rotation
            for y in 0..<rh {
                for x in 0..<rw {
                    let u = Double(tile.x0 - m + x) + 0.5, w = Double(tile.y0 - m + y) + 0.5
                    let c = rot * Vec3((u - ti.cx) / ti.fx, (w - ti.cy) / ti.fy, 1)
                    let o = ((v * region) + y * rw + x) * 3
                    s.rayA[o] = Float(ri.fx * c.x + ri.cx * c.z)
                    s.rayA[o + 1] = Float(ri.fy * c.y + ri.cy * c.z)
                    s.rayA[o + 2] = Float(c.z)
                }
            }
        }
        for plane in 0..<context.inverseDepths.count {
            sampleViews(plane: plane, region: region, context: context, scratch: s)
            pixelCosts(region: region, views: k, scratch: s)
            boxMean(s.pixCost.p + (m - mv) * (rw + 1), rw: rw, rh: tile.height + 2 * mv, m: mv, tw: tile.width,
                    th: tile.height, tmp: s.boxTmp.p, dst: s.costs.p + plane * n)
            if config.cost != .variance {
                nccCosts(tile: tile, region: region, views: k, scratch: s)
                let w: Float = config.cost == .ncc ? 1 : Float(config.nccWeight)
                let keepVariance: Float = config.cost == .ncc ? 0 : 1
                for p in 0..<n {
                    let cnt = s.nccCount[p]
                    let ncc = cnt >= 2 ? s.nccSum[p] / (config.nccOverAllViews ? Float(k) : cnt) : 0
                    s.costs[plane * n + p] = keepVariance * s.costs[plane * n + p] + w * (1 - ncc)
                }
            }
        }
    }

    /// Projects every region pixel's point on `plane` into each view and samples its colour.
    func sampleViews(plane: Int, region: Int, context: ViewContext, scratch s: Scratch) {
        let zf = Float(1 / context.inverseDepths[plane])
        for v in context.refs.indices {
            let ref = context.refs[v]
            let t = ref.refFromTarget.translation
            let ri = ref.camera.intrinsics
            let bx = Float(ri.fx * t.x + ri.cx * t.z), by = Float(ri.fy * t.y + ri.cy * t.z), bz = Float(t.z)
            let img = context.costImages[v]
            let wmax = Float(img.width), hmax = Float(img.height)
            let base = v * region
            let ray = s.rayA.p, out = s.samp.p, ok = s.valid.p
            img.pixels.withUnsafeBufferPointer { pbuf in
                let p = pbuf.baseAddress!
                for i in 0..<region {
                    let a = (base + i) * 3
                    let hz = zf * ray[a + 2] + bz
                    let px = (zf * ray[a] + bx) / hz, py = (zf * ray[a + 1] + by) / hz
                    if hz > 1e-6, px >= 0, py >= 0, px <= wmax, py <= hmax {
                        let c = sweepSample(p, stride: img.stride, u: px, v: py)
                        out[a] = c.0; out[a + 1] = c.1; out[a + 2] = c.2
                        ok[base + i] = 1
                    } else {
                        out[a] = 0; out[a + 1] = 0; out[a + 2] = 0
                        ok[base + i] = 0
                    }
                }
            }
        }
    }

    /// Per region pixel: consensus colour, grey mean, and the colour-variance cost (1 when < 2 views see it).
    func pixelCosts(region: Int, views k: Int, scratch s: Scratch) {
        let robust = config.robustViews > 0 && config.robustViews < k ? config.robustViews : 0
        let unbiased = config.unbiasedVariance
        for i in 0..<region {
            var sr: Float = 0, sg: Float = 0, sb: Float = 0, sq: Float = 0, cnt: Float = 0
            for v in 0..<k where s.valid[v * region + i] > 0 {
                let a = (v * region + i) * 3
                let r = s.samp[a], g = s.samp[a + 1], b = s.samp[a + 2]
                sr += r; sg += g; sb += b; sq += r * r + g * g + b * b; cnt += 1
            }
            s.count[i] = cnt
            guard cnt >= 2 else {
                s.pixCost[i] = 1
                let g = cnt > 0 ? (sr + sg + sb) / (3 * cnt) : 0
                s.mean[3 * i] = sr; s.mean[3 * i + 1] = sg; s.mean[3 * i + 2] = sb
                s.greyMean[i] = g; s.greyMean2[i] = g * g
                continue
            }
            let mr = sr / cnt, mg = sg / cnt, mb = sb / cnt
            s.mean[3 * i] = mr; s.mean[3 * i + 1] = mg; s.mean[3 * i + 2] = mb
            let g = (mr + mg + mb) / 3
            s.greyMean[i] = g; s.greyMean2[i] = g * g
            if robust == 0 {
                s.pixCost[i] = max(0, sq / cnt - (mr * mr + mg * mg + mb * mb)) / 3 * (unbiased ? cnt / (cnt - 1) : 1)
            } else {
                // Mean squared deviation over the `robust` views closest to the consensus (insertion sort).
                var e = 0
                for v in 0..<k where s.valid[v * region + i] > 0 {
                    let a = (v * region + i) * 3
                    let dr = s.samp[a] - mr, dg = s.samp[a + 1] - mg, db = s.samp[a + 2] - mb
                    var x = (dr * dr + dg * dg + db * db) / 3
                    var j = 0
                    while j < e { let t = s.errs[j]; if x < t { s.errs[j] = x; x = t }; j += 1 }
                    s.errs[e] = x; e += 1
                }
                let keep = min(robust, e)
                var acc: Float = 0
                for j in 0..<keep { acc += s.errs[j] }
                s.pixCost[i] = acc / Float(keep)
            }
        }
    }

    /// nccSum/nccCount[inner]: sum and count over views (valid at the pixel) of the windowed NCC between the
    /// view's grey patch and the mean grey patch of the *other* views (leave-one-out: with the view itself in
    /// the mean, two views would always look correlated), regularised by ε = nccTextureSigma² so textureless
    /// patches score ≈ 0. Where a view does not see a region pixel, it and the mean take the full mean there.
    func nccCosts(tile: PixelTile, region: Int, views k: Int, scratch s: Scratch) {
        let m = config.margin, mn = config.effectiveNCCWindow / 2
        let rw = tile.width + 2 * m, n = tile.pixelCount
        let eps = Float(config.nccTextureSigma * config.nccTextureSigma)
        let loo = config.nccLeaveOneOut
        for p in 0..<n { s.nccSum[p] = 0; s.nccCount[p] = 0 }
        for v in 0..<k {
            for i in 0..<region {
                let gm = s.greyMean[i]
                var g = gm, other = gm
                if s.valid[v * region + i] > 0 {
                    let a = (v * region + i) * 3
                    g = (s.samp[a] + s.samp[a + 1] + s.samp[a + 2]) / 3
                    let cnt = s.count[i]
                    if loo && cnt >= 2 { other = (cnt * gm - g) / (cnt - 1) }
                }
                s.regA[i] = g; s.regB[i] = g * g; s.regC[i] = g * other; s.regD[i] = other; s.regE[i] = other * other
            }
            for (src, dst) in [(s.regA, s.inA), (s.regB, s.inB), (s.regC, s.inC), (s.regD, s.inM), (s.regE, s.inM2)] {
                boxMean(src.p + (m - mn) * (rw + 1), rw: rw, rh: tile.height + 2 * mn, m: mn, tw: tile.width,
                        th: tile.height, tmp: s.boxTmp.p, dst: dst.p)
            }
            for y in 0..<tile.height {
                for x in 0..<tile.width {
                    let p = y * tile.width + x
                    guard s.valid[v * region + (y + m) * rw + x + m] > 0 else { continue }
                    let a = s.inA[p], mm = s.inM[p]
                    let varV = max(0, s.inB[p] - a * a), varM = max(0, s.inM2[p] - mm * mm)
                    let cov = s.inC[p] - a * mm
                    s.nccSum[p] += cov / ((varV + eps) * (varM + eps)).squareRoot()
                    s.nccCount[p] += 1
                }
            }
        }
    }

}

/// Mean over the (2m+1)² window of a region array (rw × rh) for each inner pixel (tw × th, offset m):
/// rows then columns, each a direct sum in a fixed order (tile-independent bytes).
func boxMean(_ src: UnsafePointer<Float>, rw: Int, rh: Int, m: Int, tw: Int, th: Int,
             tmp t: UnsafeMutablePointer<Float>, dst: UnsafeMutablePointer<Float>) {
    let win = 2 * m + 1
    do {
        for y in 0..<rh {
            let row = src + y * rw
            for x in 0..<tw {
                var acc: Float = 0
                for dx in 0..<win { acc += row[x + dx] }
                t[y * tw + x] = acc
            }
        }
        let inv = 1 / Float(win * win)
        for y in 0..<th {
            for x in 0..<tw {
                var acc: Float = 0
                for dy in 0..<win { acc += t[(y + dy) * tw + x] }
                dst[y * tw + x] = acc * inv
            }
        }
    }
}

/// A raw Float buffer owned by a Scratch (freed by its deinit). Subscripts are unchecked.
struct Buf {
    var p: UnsafeMutablePointer<Float>
    var capacity: Int
    init(_ n: Int = 0) {
        capacity = n
        p = .allocate(capacity: max(n, 1))
        p.initialize(repeating: 0, count: max(n, 1))
    }
    func free() { p.deallocate() }
    @inline(__always) subscript(i: Int) -> Float {
        get { p[i] }
        nonmutating set { p[i] = newValue }
    }
}
