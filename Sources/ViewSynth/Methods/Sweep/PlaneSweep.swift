// `sweep`: a classical image-based renderer with no learning — the floor the transformer models must beat.
//
// Algorithm (defaults in PlaneSweepConfig; every step is per target pixel, computed over a tile plus a margin
// of half the largest window so the output does not depend on tiling or thread count):
//   1. References: the K = 8 training views nearest to the target by camera centre (never the target itself).
//   2. Depth hypotheses: D = 64 fronto-parallel planes in the target camera, uniform in inverse depth between
//      the scene's near and far.
//   3. Sampling: each pixel's point on each plane is projected into every reference and its colour sampled
//      bilinearly from a copy of the reference blurred with a σ = 1 px Gaussian (plane steps are several pixels
//      in the far references; the blur keeps fine texture from aliasing between planes). Behind-camera and
//      out-of-image projections do not count.
//   4. Photo-consistency cost of plane d at pixel p, two terms:
//        variance: the unbiased colour variance across the views that see the point (mean over RGB; 1 when
//                  fewer than 2 do), box-averaged over a 9 × 9 window;
//        texture:  1 − NCC, where NCC = (1/K) Σ_v ncc_v and ncc_v is the 9 × 9 normalised cross-correlation
//                  of view v's grey patch with the mean grey patch of the *other* views (leave-one-out),
//                  regularised by ε = 0.02² so textureless patches score 0; a view that does not see the
//                  point contributes 0.
//        cost = variance + 0.1 · (1 − NCC).
//      Why both: with white or black backgrounds (DTU, Blender scenes) a wrong depth whose projections all land
//      on the background has zero colour variance and beats the true, textured surface, erasing the object.
//      NCC gives textured surfaces their evidence and gives uniform agreement none; variance still decides
//      in textureless areas. Leave-one-out and the 1/K average stop depths seen by only 2–3 views (image
//      borders) from looking consistent by construction.
//   5. Depth: argmin over planes, refined by a parabola through the neighbouring costs (in inverse depth).
//   6. Colour: unstructured-lumigraph blend of the (unblurred) reference colours at that depth: weight
//      exp(−angle(target ray, reference ray) / 0.02 rad) — in practice the one or two references closest in
//      direction dominate — times a loose robust term exp(−|c − consensus|² / 0.4²) that only discounts
//      views whose colour is far from the unweighted mean (gross occlusions; a tighter σ pulled colours
//      toward the mean: σ = 0.1 lost 0.3 dB on DTU and 1.3 dB on lego). No view sees the point: mid grey.
// Options not on by default (measured, see the README table): soft depth (blend of neighbouring planes
// weighted by cost), robust best-k variance, pure NCC or pure variance costs, selection by viewing angle.
//
// Shapes: R region pixels (tile + margin), K views, D planes, n tile pixels.

import Foundation
import ViewSynthCore

public struct PlaneSweep: RenderMethod {
    public var config: PlaneSweepConfig
    public init(config: PlaneSweepConfig = PlaneSweepConfig()) { self.config = config }

    public var name: String { "sweep" }
    public var settings: [String: String] {
        var s = config.settings
        s["version"] = "2"
        return s
    }

    public struct Reference: Sendable {
        var camera: Camera
        /// cameraFromWorld of the reference composed with the target's worldFromCamera: refFromTarget.
        var refFromTarget: Rigid3
    }

    public struct ViewContext: Sendable {
        var refs: [Reference]
        /// Padded reference images for the cost (blurred when costBlur > 0) and for the blend.
        var costImages: [SweepImage]
        var blendImages: [SweepImage]
        /// Inverse depths of the planes, near (largest) to far.
        var inverseDepths: [Double]
    }

    public func prepare(target: Camera, excludingView: Int?, references: ReferenceImages) throws -> ViewContext {
        if let problem = config.problem {
            throw ViewSynthError(references.scene.root, expected: "usable sweep settings", found: problem)
        }
        let chosen = ReferenceViewSelector(count: config.views, criterion: config.criterion).select(
            for: target, among: references.scene.views.map(\.camera), candidates: references.candidates,
            excluding: excludingView)
        let scene = references.scene
        return PlaneSweep.context(target: target, references: chosen.map { scene.views[$0].camera },
                                  images: try chosen.map { try references.image($0) }, near: scene.near, far: scene.far,
                                  config: config)
    }

    public func render(tile: PixelTile, target: Camera, context: ViewContext, scratch s: inout Scratch, output: TileOutput) {
        let n = tile.pixelCount
        let d = context.inverseDepths.count
        guard !context.refs.isEmpty else {
            for i in 0..<(3 * n) { output.rgb[i] = 0.5 }
            if let depth = output.depth { for i in 0..<n { depth[i] = Float(1 / context.inverseDepths[d / 2]) } }
            return
        }
        computeCosts(tile: tile, target: target, context: context, scratch: s)
        let ti = target.intrinsics
        let soft = config.softPlanes
        for y in 0..<tile.height {
            for x in 0..<tile.width {
                let p = y * tile.width + x
                var bi = 0
                var bc = Float.infinity
                for plane in 0..<d where s.costs[plane * n + p] < bc { bc = s.costs[plane * n + p]; bi = plane }
                var invDepth = context.inverseDepths[bi]
                if bi > 0 && bi < d - 1 {
                    let c0 = Double(s.costs[(bi - 1) * n + p]), c1 = Double(bc), c2 = Double(s.costs[(bi + 1) * n + p])
                    let den = c0 - 2 * c1 + c2
                    if den > 1e-12 {
                        let off = max(-0.5, min(0.5, 0.5 * (c0 - c2) / den))
                        invDepth += off * (context.inverseDepths[bi + 1] - context.inverseDepths[bi])
                    }
                }
                let u = Double(tile.x0 + x) + 0.5, w = Double(tile.y0 + y) + 0.5
                let dirCam = Vec3((u - ti.cx) / ti.fx, (w - ti.cy) / ti.fy, 1)
                var rgb = blend(point: target.worldFromCamera.apply(dirCam / invDepth), target: target,
                                context: context, scratch: s)
                if soft > 0 {
                    let temp = config.softTemperature
                    var acc = SIMD3<Double>(Double(rgb.x), Double(rgb.y), Double(rgb.z)), tot = 1.0
                    for plane in max(0, bi - soft)...min(d - 1, bi + soft) where plane != bi {
                        let wgt = exp(-Double(s.costs[plane * n + p] - bc) / temp)
                        guard wgt > 1e-4 else { continue }
                        let c = blend(point: target.worldFromCamera.apply(dirCam / context.inverseDepths[plane]),
                                      target: target, context: context, scratch: s)
                        acc += wgt * SIMD3<Double>(Double(c.x), Double(c.y), Double(c.z)); tot += wgt
                    }
                    let m = acc / tot
                    rgb = SIMD3<Float>(Float(m.x), Float(m.y), Float(m.z))
                }
                output.rgb[3 * p] = rgb.x; output.rgb[3 * p + 1] = rgb.y; output.rgb[3 * p + 2] = rgb.z
                output.depth?[p] = Float(1 / invDepth)
            }
        }
    }
}
