// Multi-threaded rendering of one view of a `SyntheticWorld`: an anti-aliased colour image and the exact
// per-pixel depth.
//
// * Rays: pixel (i, j) has its centre at (i + 0.5, j + 0.5); the camera ray through image point (u, v) has
//   direction R·((u − cx)/fx, (v − cy)/fy, 1) (R = worldFromCamera rotation, OpenCV axes; the same ray as Core's
//   `Camera.ray(throughPixel:)`, left unnormalised), so its hit parameter t IS the z-depth (distance along the
//   camera +z axis; `Camera.unproject(pixel:depth:)` inverts it), the convention of near/far bounds.
// * Depth: one extra ray through the exact pixel centre; 0 where the ray hits nothing (sky).
// * Colour: `samplesPerPixel` jittered rays per pixel (stratified on a k×k grid when spp = k², otherwise uniform),
//   linear radiance averaged, then encoded with gamma 1/2.2 and clamped to [0, 1]. Textures are prefiltered to
//   the pixel footprint (Textures.swift), so supersampling only has to smooth geometric edges and shadows.
// * Determinism: every pixel draws its jitter from its own SplitMix64 seeded from (seed, view, pixel), and
//   writes only its own output slots, so the bytes are identical for any thread count.
// * Parallelism: rows are cut into bands of 4; worker w of T renders bands w, w+T, w+2T, … .

import Dispatch
import ViewSynthCore

/// Shares a raw output buffer between workers that write disjoint slots.
private struct SharedBuffer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
}

extension SyntheticWorld {
    /// Renders `camera`'s view. Returns an RGB image (H×W×3, display-encoded, [0, 1]) and a z-depth map
    /// (H×W row-major, scene units, 0 = nothing hit).
    /// - Parameters:
    ///   - seed: scene seed; with `viewIndex` it fixes the anti-aliasing jitter.
    ///   - threads: worker count (≥ 1); the result does not depend on it.
    public func render(camera: Camera, samplesPerPixel: Int = 4, shadows: Bool = true, seed: UInt64 = 0,
                       viewIndex: Int = 0, threads: Int = 2) -> (image: Image, depth: [Float]) {
        let k = camera.intrinsics
        let w = k.width, h = k.height
        let spp = max(1, samplesPerPixel)
        let strata = Int(Double(spp).squareRoot().rounded())
        let stratified = strata * strata == spp
        let rot = camera.worldFromCamera.rotation
        let rx = V3(rot.c0), ry = V3(rot.c1), rz = V3(rot.c2), origin = V3(camera.center)
        let fx = R(k.fx), fy = R(k.fy), cx = R(k.cx), cy = R(k.cy)
        let invGamma: R = 1 / 2.2
        let pixelScale = 1 / max(fx, fy)

        var rgb = [Float](repeating: 0, count: w * h * 3)
        var depth = [Float](repeating: 0, count: w * h)
        let bandRows = 4
        let bands = (h + bandRows - 1) / bandRows
        let workers = max(1, min(threads, bands))
        rgb.withUnsafeMutableBufferPointer { rgbBuf in
            depth.withUnsafeMutableBufferPointer { depthBuf in
                let rgbOut = SharedBuffer(base: rgbBuf.baseAddress!), depthOut = SharedBuffer(base: depthBuf.baseAddress!)
                let work: @Sendable (Int) -> Void = { worker in
                    var band = worker
                    while band < bands {
                        for y in (band * bandRows)..<min(h, (band + 1) * bandRows) {
                            for x in 0..<w {
                                let pixel = y * w + x
                                // Exact depth through the pixel centre.
                                let dc = rx * ((R(x) + 0.5 - cx) / fx) + ry * ((R(y) + 0.5 - cy) / fy) + rz
                                if let hit = self.nearestHit(origin: origin, direction: dc) {
                                    depthOut.base[pixel] = Float(hit.t)
                                }
                                // Anti-aliased colour.
                                var rng = SplitMix64(seed: latticeHash(viewIndex, pixel, 0x7069_7865, seed))
                                var sum = V3.zero
                                for s in 0..<spp {
                                    var jx = R(rng.uniform()), jy = R(rng.uniform())
                                    if stratified {
                                        jx = (R(s % strata) + jx) / R(strata); jy = (R(s / strata) + jy) / R(strata)
                                    }
                                    let d = rx * ((R(x) + jx - cx) / fx) + ry * ((R(y) + jy - cy) / fy) + rz
                                    sum += self.radiance(origin: origin, direction: d, shadows: shadows, pixelScale: pixelScale)
                                }
                                let c = sum * (1 / R(spp))
                                rgbOut.base[pixel * 3] = Float(min(1, powR(max(0, c.x), invGamma)))
                                rgbOut.base[pixel * 3 + 1] = Float(min(1, powR(max(0, c.y), invGamma)))
                                rgbOut.base[pixel * 3 + 2] = Float(min(1, powR(max(0, c.z), invGamma)))
                            }
                        }
                        band += workers
                    }
                }
                if workers == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: work) }
            }
        }
        return (Image(width: w, height: h, channels: 3, pixels: rgb), depth)
    }

    /// Exact z-depth of the first surface through the continuous image point (u, v) (pixel coordinates),
    /// or nil when the ray hits nothing. Used to check stored depth maps.
    public func depth(camera: Camera, u: Double, v: Double) -> Double? {
        let k = camera.intrinsics
        let rot = camera.worldFromCamera.rotation
        let xn = R((u - k.cx) / k.fx), yn = R((v - k.cy) / k.fy)
        let d = V3(rot.c0) * xn + V3(rot.c1) * yn + V3(rot.c2)
        return nearestHit(origin: V3(camera.center), direction: d).map { Double($0.t) }
    }
}
