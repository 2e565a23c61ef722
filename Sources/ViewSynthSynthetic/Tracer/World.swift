// The content of a synthetic scene (primitives, materials, lights, sky) and the shading of one ray.
//
// Shading model: albedo · (ambient + Σ_lights visible · max(0, n·l) · colour) + Σ_lights visible · colour ·
// specular · max(0, n·h)^shininess (Blinn-Phong; h = normalise(l − ray direction)), so colour depends on the
// viewing direction. Lights are directional; the first may cast hard shadows. Rays that hit nothing take a
// vertical sky gradient. All radiance is linear; the renderer averages samples and then applies the display
// gamma.

import ViewSynthCore

/// A directional light: unit direction toward the light, linear RGB intensity.
struct Light: Sendable {
    var direction: V3
    var color: V3
    var castsShadows: Bool
}

/// The world of one synthetic scene. Build one with `SyntheticWorld.random(seed:layout:)`; render it with
/// `render(camera:…)` (see Renderer.swift).
public struct SyntheticWorld: Sendable {
    var primitives: [Primitive]
    var materials: [Material]
    var lights: [Light]
    var ambient: V3
    /// Sky colours at the horizon and straight up (`up` is the world up axis).
    var skyHorizon: V3, skyZenith: V3, up: V3

    /// Number of primitives (objects, floor and walls).
    public var primitiveCount: Int { primitives.count }

    /// Nearest hit along origin + t·direction for t in (tMin, tMax): (t, primitive index) or nil.
    @inline(__always) func nearestHit(origin o: V3, direction d: V3, tMin: R = 0, tMax: R = .infinity) -> (t: R, index: Int)? {
        var best = tMax, bestIndex = -1
        primitives.withUnsafeBufferPointer { prims in
            for i in 0..<prims.count {
                let t = prims[i].intersect(origin: o, direction: d, tMin: tMin, tMax: best)
                if t < best { best = t; bestIndex = i }
            }
        }
        return bestIndex < 0 ? nil : (best, bestIndex)
    }

    /// Whether anything lies along origin + t·direction for t in (tMin, tMax).
    @inline(__always) func occluded(origin o: V3, direction d: V3, tMin: R, tMax: R) -> Bool {
        primitives.withUnsafeBufferPointer { prims in
            for i in 0..<prims.count where prims[i].intersect(origin: o, direction: d, tMin: tMin, tMax: tMax) < tMax {
                return true
            }
            return false
        }
    }

    /// Linear radiance arriving along the ray (direction need not be unit length). `pixelScale` = 1/f: with a
    /// camera ray (t = z-depth) the pixel footprint at the hit is t · pixelScale (texture prefiltering).
    @inline(__always) func radiance(origin o: V3, direction d: V3, shadows: Bool, pixelScale: R) -> V3 {
        let dn = normalized(d)
        guard let hit = nearestHit(origin: o, direction: d) else {
            let s = max(0, min(1, dot(dn, up)))
            return mix(skyHorizon, skyZenith, s.squareRoot())
        }
        let prim = primitives[hit.index]
        let p = o + d * hit.t
        var (n, local, localNormal) = prim.surface(at: p)
        if dot(n, dn) > 0 { n = -n }  // two-sided: face the viewer
        let m = materials[prim.material]
        let albedo = m.albedo(local, localNormal, footprint: hit.t * pixelScale)
        var c = albedo * ambient
        // Offset shadow-ray origins along the normal, relative to the scene scale (units ~1–10).
        let shadowOrigin = p + n * 1e-6 * max(1, hit.t)
        for light in lights {
            let ndl = dot(n, light.direction)
            if ndl <= 0 { continue }
            if shadows && light.castsShadows
                && occluded(origin: shadowOrigin, direction: light.direction, tMin: 1e-9, tMax: .infinity) { continue }
            c += albedo * light.color * ndl
            let h = normalized(light.direction - dn)
            let nh = dot(n, h)
            if nh > 0 { c += light.color * (m.specular * powR(nh, m.shininess)) }
        }
        return c
    }
}
