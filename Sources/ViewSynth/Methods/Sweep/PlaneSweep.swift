// `sweep`: a classical image-based renderer with no learning — the floor the transformer models must beat.
//
// Per target tile (plus a margin of `window/2` pixels):
//   1. D fronto-parallel planes in the target camera, uniform in inverse depth between near and far.
//   2. Each pixel's point on each plane is projected into the K nearest reference views (training split,
//      never the target view itself) and their colours sampled bilinearly. Behind-camera and out-of-image
//      projections are masked.
//   3. Photo-consistency cost per pixel and plane: the variance of the reference colours across views
//      (mean over RGB), aggregated over a window × window box; pixels seen by fewer than 2 views get a
//      high cost.
//   4. Depth = argmin of the aggregated cost, refined by a parabola through its neighbours (in inverse depth).
//   5. Colour = blend of the reference colours at that depth with unstructured-lumigraph weights: angle
//      between the target ray and each reference ray (smaller = better), multiplied by a robust term that
//      down-weights colours far from the consensus (occluded views).
// Shapes: R region pixels (tile + margin), K views, D planes.

import Foundation
import ViewSynthCore

public struct PlaneSweepConfig: Sendable, Codable, Equatable {
    public var planes = 64
    public var views = 8
    public var window = 5
    /// Angular scale (radians) of the lumigraph weights.
    public var angleScale: Double = 0.02
    /// Colour distance (RGB, 0–1) beyond which a reference colour is treated as occluded.
    public var colorSigma: Double = 0.1
    public init() {}
}

public struct PlaneSweep: RenderMethod {
    public var config: PlaneSweepConfig
    public init(config: PlaneSweepConfig = PlaneSweepConfig()) { self.config = config }

    public var name: String { "sweep" }
    public var settings: [String: String] {
        ["planes": "\(config.planes)", "views": "\(config.views)", "window": "\(config.window)",
         "angleScale": "\(config.angleScale)", "colorSigma": "\(config.colorSigma)", "version": "1"]
    }

    public struct Reference: Sendable {
        var image: Image
        var camera: Camera
        /// cameraFromWorld of the reference, composed with the target's worldFromCamera: refFromTarget.
        var refFromTarget: Rigid3
    }

    public struct ViewContext: Sendable {
        var refs: [Reference]
        /// Inverse depths of the planes, near (largest) to far.
        var inverseDepths: [Double]
    }

    public func prepare(target: Camera, excludingView: Int?, references: ReferenceImages) throws -> ViewContext {
        let chosen = ReferenceViewSelector(count: config.views).select(
            for: target, among: references.scene.views.map(\.camera), candidates: references.candidates,
            excluding: excludingView)
        let refs = try chosen.map { i -> Reference in
            let cam = references.scene.views[i].camera
            return Reference(image: try references.image(i), camera: cam,
                             refFromTarget: cam.cameraFromWorld * target.worldFromCamera)
        }
        let scene = references.scene
        let d = config.planes
        let inv = (0..<d).map { k -> Double in
            let t = d > 1 ? Double(k) / Double(d - 1) : 0
            return (1 / scene.near) * (1 - t) + (1 / scene.far) * t
        }
        return ViewContext(refs: refs, inverseDepths: inv)
    }

    public final class Scratch {
        var rayA: [Float] = []        // [K][R][3]: K_ref · R_refFromTarget · K_target⁻¹ · (u, v, 1)
        var sum: [Float] = []         // [R][3]
        var sumSq: [Float] = []       // [R]
        var count: [Float] = []       // [R]
        var cost: [Float] = []        // [R] per plane
        var rowSum: [Float] = []      // [R] box-filter temporary
        var costs: [Float] = []       // [D][inner] aggregated cost
        let sample = UnsafeMutablePointer<Float>.allocate(capacity: 4)   // one bilinear sample
        deinit { sample.deallocate() }
        init(maxRegion: Int, maxInner: Int, views: Int, planes: Int) {
            rayA = .init(repeating: 0, count: views * maxRegion * 3)
            sum = .init(repeating: 0, count: maxRegion * 3)
            sumSq = .init(repeating: 0, count: maxRegion)
            count = .init(repeating: 0, count: maxRegion)
            cost = .init(repeating: 0, count: maxRegion)
            rowSum = .init(repeating: 0, count: maxRegion)
            costs = .init(repeating: 0, count: planes * maxInner)
        }
    }

    public func makeScratch(maxPixels: Int) -> Scratch {
        let side = Int(Double(maxPixels).squareRoot()) + 2
        let margin = config.window / 2
        let region = (side + 2 * margin) * (side + 2 * margin)
        return Scratch(maxRegion: region, maxInner: maxPixels, views: config.views, planes: config.planes)
    }

    public func render(tile: PixelTile, target: Camera, context: ViewContext, scratch: inout Scratch, output: TileOutput) {
        let m = config.window / 2
        let rw = tile.width + 2 * m, rh = tile.height + 2 * m, region = rw * rh
        let d = context.inverseDepths.count
        let n = tile.pixelCount
        let ti = target.intrinsics
        // 1. Per reference, the homogeneous direction of each region pixel's ray in reference pixels.
        for v in context.refs.indices {
            let ref = context.refs[v]
            let ri = ref.camera.intrinsics
            let rot = ref.refFromTarget.rotation
            for y in 0..<rh {
                for x in 0..<rw {
                    let u = Double(tile.x0 - m + x) + 0.5, w = Double(tile.y0 - m + y) + 0.5
                    let dir = Vec3((u - ti.cx) / ti.fx, (w - ti.cy) / ti.fy, 1)   // target camera ray, z = 1
                    let c = rot * dir
                    let o = ((v * region) + y * rw + x) * 3
                    scratch.rayA[o] = Float(ri.fx * c.x + ri.cx * c.z)
                    scratch.rayA[o + 1] = Float(ri.fy * c.y + ri.cy * c.z)
                    scratch.rayA[o + 2] = Float(c.z)
                }
            }
        }
        // 2–3. Cost per plane, box-aggregated over the window, for the inner pixels.
        for plane in 0..<d {
            let z = 1 / context.inverseDepths[plane]
            for i in 0..<region { scratch.sum[3 * i] = 0; scratch.sum[3 * i + 1] = 0; scratch.sum[3 * i + 2] = 0; scratch.sumSq[i] = 0; scratch.count[i] = 0 }
            for v in context.refs.indices {
            let ref = context.refs[v]
                let t = ref.refFromTarget.translation
                let ri = ref.camera.intrinsics
                let b = SIMD3<Float>(Float(ri.fx * t.x + ri.cx * t.z), Float(ri.fy * t.y + ri.cy * t.z), Float(t.z))
                let zf = Float(z)
                let img = ref.image
                let base = v * region * 3
                let c = scratch.sample
                for i in 0..<region {
                    let hx = zf * scratch.rayA[base + 3 * i] + b.x
                    let hy = zf * scratch.rayA[base + 3 * i + 1] + b.y
                    let hz = zf * scratch.rayA[base + 3 * i + 2] + b.z
                    guard hz > 1e-6 else { continue }
                    let px = hx / hz, py = hy / hz
                    guard px >= 0, py >= 0, px <= Float(img.width), py <= Float(img.height) else { continue }
                    img.sampleBilinear(u: px, v: py, into: c)
                    scratch.sum[3 * i] += c[0]; scratch.sum[3 * i + 1] += c[1]; scratch.sum[3 * i + 2] += c[2]
                    scratch.sumSq[i] += c[0] * c[0] + c[1] * c[1] + c[2] * c[2]
                    scratch.count[i] += 1
                }
            }
            for i in 0..<region {
                let cnt = scratch.count[i]
                if cnt < 2 { scratch.cost[i] = 1; continue }
                let mx = scratch.sum[3 * i] / cnt, my = scratch.sum[3 * i + 1] / cnt, mz = scratch.sum[3 * i + 2] / cnt
                scratch.cost[i] = max(0, scratch.sumSq[i] / cnt - (mx * mx + my * my + mz * mz)) / 3
            }
            // Box filter: rows, then columns, writing the inner tile.
            for y in 0..<rh {
                for x in 0..<tile.width {
                    var acc: Float = 0
                    for dx in 0...(2 * m) { acc += scratch.cost[y * rw + x + dx] }
                    scratch.rowSum[y * tile.width + x] = acc
                }
            }
            let inv = 1 / Float((2 * m + 1) * (2 * m + 1))
            for y in 0..<tile.height {
                for x in 0..<tile.width {
                    var acc: Float = 0
                    for dy in 0...(2 * m) { acc += scratch.rowSum[(y + dy) * tile.width + x] }
                    scratch.costs[plane * n + y * tile.width + x] = acc * inv
                }
            }
        }
        // 4–5. Depth by argmin + parabola; colour by a lumigraph blend at that depth.
        for y in 0..<tile.height {
            for x in 0..<tile.width {
                let p = y * tile.width + x
                var bi = 0
                var bc = Float.infinity
                for plane in 0..<d where scratch.costs[plane * n + p] < bc { bc = scratch.costs[plane * n + p]; bi = plane }
                var invDepth = context.inverseDepths[bi]
                if bi > 0 && bi < d - 1 {
                    let c0 = Double(scratch.costs[(bi - 1) * n + p]), c1 = Double(bc), c2 = Double(scratch.costs[(bi + 1) * n + p])
                    let den = c0 - 2 * c1 + c2
                    if den > 1e-12 {
                        let off = max(-0.5, min(0.5, 0.5 * (c0 - c2) / den))
                        let step = context.inverseDepths[bi + 1] - context.inverseDepths[bi]
                        invDepth += off * step
                    }
                }
                let z = 1 / invDepth
                let u = Double(tile.x0 + x) + 0.5, w = Double(tile.y0 + y) + 0.5
                let dirCam = Vec3((u - ti.cx) / ti.fx, (w - ti.cy) / ti.fy, 1)
                let pointCam = dirCam * z
                let world = target.worldFromCamera.apply(pointCam)
                let toTarget = normalize(target.center - world)
                let rgb = blend(world: world, toTarget: toTarget, context: context, sample: scratch.sample)
                output.rgb[3 * p] = rgb.x; output.rgb[3 * p + 1] = rgb.y; output.rgb[3 * p + 2] = rgb.z
                output.depth?[p] = Float(z)
            }
        }
    }

    /// Unstructured-lumigraph blend of the reference colours of a world point.
    func blend(world: Vec3, toTarget: Vec3, context: ViewContext, sample: UnsafeMutablePointer<Float>) -> SIMD3<Float> {
        var colors: [SIMD3<Float>] = []
        var weights: [Double] = []
        colors.reserveCapacity(context.refs.count); weights.reserveCapacity(context.refs.count)
        for ref in context.refs {
            let pc = ref.camera.cameraFromWorld.apply(world)
            guard pc.z > 1e-6 else { continue }
            let ri = ref.camera.intrinsics
            let px = ri.fx * pc.x / pc.z + ri.cx, py = ri.fy * pc.y / pc.z + ri.cy
            guard px >= 0, py >= 0, px <= Double(ri.width), py <= Double(ri.height) else { continue }
            let angle = ReferenceViewSelector.angle(toTarget, ref.camera.center - world)
            ref.image.sampleBilinear(u: Float(px), v: Float(py), into: sample)
            colors.append(SIMD3(sample[0], sample[1], sample[2]))
            weights.append(exp(-angle / config.angleScale) + 1e-8)
        }
        guard !colors.isEmpty else { return SIMD3(repeating: 0.5) }
        func weightedMean(_ w: [Double]) -> SIMD3<Float> {
            var acc = SIMD3<Double>.zero, tot = 0.0
            for (c, wi) in zip(colors, w) { acc += SIMD3<Double>(Double(c.x), Double(c.y), Double(c.z)) * wi; tot += wi }
            let m = acc / tot
            return SIMD3<Float>(Float(m.x), Float(m.y), Float(m.z))
        }
        // Robust re-weighting: consensus from the unweighted median-ish mean, then penalise outliers.
        let consensus = weightedMean([Double](repeating: 1, count: colors.count))
        let s2 = config.colorSigma * config.colorSigma
        let robust = zip(colors, weights).map { c, w -> Double in
            let e = c - consensus
            return w * exp(-Double((e * e).sum()) / s2) + 1e-12
        }
        return weightedMean(robust)
    }
}
