// Random synthetic worlds. The world depends only on (seed, layout): view count and image size do not
// change it, so a scene can be re-rendered at another size or with more cameras.

import ViewSynthCore
#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

extension SyntheticWorld {
    /// A random world for `layout`, fixed by `seed`.
    public static func random(seed: UInt64, layout: SyntheticLayout) -> SyntheticWorld {
        var b = WorldBuilder(rng: SplitMix64(seed: latticeHash(layout == .forward ? 1 : 2, 0x776F_726C_64, 0, seed)))
        switch layout {
        case .forward: b.buildForward()
        case .object: b.buildObject()
        }
        return b.world
    }
}

/// Builds a world step by step from one RNG stream.
private struct WorldBuilder {
    var rng: SplitMix64
    var world = SyntheticWorld(primitives: [], materials: [], lights: [], ambient: V3(0.2, 0.2, 0.2),
                               skyHorizon: V3(0.78, 0.82, 0.9), skyZenith: V3(0.3, 0.45, 0.8), up: V3(0, 0, 1))

    init(rng: SplitMix64) { self.rng = rng }

    mutating func u(_ lo: R, _ hi: R) -> R { R(rng.uniform(Double(lo), Double(hi))) }
    mutating func chance(_ p: R) -> Bool { rng.uniform() < Double(p) }

    /// HSV (all in [0, 1]) → linear RGB.
    func hsv(_ h: R, _ s: R, _ v: R) -> V3 {
        let hh = (h - floorR(h)) * 6, i = Int(hh), f = hh - R(i)
        let p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f))
        switch i {
        case 0: return V3(v, t, p)
        case 1: return V3(q, v, p)
        case 2: return V3(p, v, t)
        case 3: return V3(p, q, v)
        case 4: return V3(t, p, v)
        default: return V3(v, p, q)
        }
    }

    /// A random textured material; `detail` scales all spatial frequencies (cycles per unit).
    mutating func addMaterial(detail: R, allowed: [Pattern] = Pattern.allCases) -> Int {
        let hue = u(0, 1)
        let v1 = u(0.25, 0.85), v2 = v1 > 0.55 ? u(0.06, v1 - 0.3) : u(v1 + 0.3, 0.9)
        let hue2 = chance(0.5) ? hue + u(-0.12, 0.12) : hue + 0.5
        let a = hsv(hue, u(0.2, 0.9), v1), b2 = hsv(hue2, u(0.1, 0.9), v2)
        let ink = chance(0.6) ? hsv(u(0, 1), u(0, 0.6), u(0.02, 0.12)) : hsv(u(0, 1), u(0, 0.3), u(0.75, 0.95))
        let pattern = allowed[Int(rng.next() % UInt64(allowed.count))]
        let theta = u(0, 2 * R.pi), phi = u(-0.6, 0.6)
        let dir = V3(cosR(theta) * cosR(phi), sinR(theta) * cosR(phi), sinR(phi))
        let patternFrequency: R
        switch pattern {
        case .none: patternFrequency = 1
        case .stripes: patternFrequency = detail * u(2, 7)
        case .checkers: patternFrequency = detail * u(1.5, 5)
        case .glyphs: patternFrequency = detail * u(3, 7)
        case .dots: patternFrequency = detail * u(3, 8)
        }
        let shiny = chance(0.5)
        world.materials.append(Material(
            colorA: a, colorB: b2, ink: ink,
            noiseFrequency: detail * u(0.6, 2), octaves: 5, noiseContrast: u(1.2, 2.2),
            pattern: pattern, patternFrequency: patternFrequency, patternDirection: dir,
            patternStrength: u(0.6, 0.95),
            grainFrequency: detail * u(15, 30), grainAmplitude: u(0.03, 0.08),
            specular: shiny ? u(0.25, 0.6) : u(0.02, 0.12), shininess: shiny ? u(24, 96) : u(4, 16),
            salt: rng.next()))
        return world.materials.count - 1
    }

    /// One random object (sphere, box or card) at ground position (x, y), scaled by `size`.
    mutating func addObject(x: R, y: R, size: R, maxHeight: R, detail: R, cardFacing: R? = nil) {
        let m = addMaterial(detail: detail)
        let kind = u(0, 1)
        let yaw = u(0, 2 * R.pi)
        let floating = chance(0.3)
        if kind < 0.35 {
            let r = size * u(0.25, 0.7)
            let z = floating ? u(r + 0.1 * size, max(r + 0.2 * size, maxHeight)) : r
            world.primitives.append(.sphere(center: V3(x, y, z), radius: r,
                                            frame: .rotation(yaw: yaw, tilt: u(-1.5, 1.5)), material: m))
        } else if kind < 0.75 {
            let half = V3(size * u(0.15, 0.6), size * u(0.15, 0.6), size * u(0.15, 0.7))
            let tilted = floating && chance(0.6)
            let frame = Frame3.rotation(yaw: yaw, tilt: tilted ? u(-0.8, 0.8) : 0, roll: tilted ? u(-0.8, 0.8) : 0)
            let lift = tilted ? (half.x * half.x + half.y * half.y + half.z * half.z).squareRoot() : half.z
            let z = floating ? u(lift + 0.1 * size, max(lift + 0.2 * size, maxHeight)) : half.z
            world.primitives.append(.box(center: V3(x, y, z), half: half, frame: frame, material: m))
        } else {
            // A card: an upright rectangle, roughly facing the cameras when `cardFacing` (yaw of its normal) is given.
            let hu = size * u(0.3, 0.8), hv = size * u(0.3, 0.9)
            let facing = (cardFacing ?? yaw) + u(-1.0, 1.0)
            let normal = V3(cosR(facing), sinR(facing), 0)
            let axisU = V3(-normal.y, normal.x, 0)  // horizontal, ⟂ normal
            let frame0 = Frame3(ax: axisU, ay: V3(0, 0, 1), az: cross(axisU, V3(0, 0, 1)))
            let lean = u(-0.25, 0.25)
            let frame = Frame3(ax: frame0.ax, ay: frame0.ay * cosR(lean) + frame0.az * sinR(lean),
                               az: frame0.az * cosR(lean) - frame0.ay * sinR(lean))
            let z = floating ? u(hv + 0.05, max(hv + 0.1, maxHeight)) : hv * cosR(lean)
            world.primitives.append(.quad(center: V3(x, y, z), halfU: hu, halfV: hv, frame: frame, material: m))
        }
    }

    mutating func addLights(sunAzimuth: R) {
        let e = u(0.6, 1.1), f = u(0.3, 0.6), fillAzimuth = sunAzimuth + R.pi + u(-0.8, 0.8)
        let warm = V3(1.0, u(0.9, 0.97), u(0.8, 0.92))
        world.lights = [
            Light(direction: V3(cosR(e) * cosR(sunAzimuth), cosR(e) * sinR(sunAzimuth), sinR(e)),
                  color: warm * u(0.8, 1.0), castsShadows: true),
            Light(direction: V3(cosR(f) * cosR(fillAzimuth), cosR(f) * sinR(fillAzimuth), sinR(f)),
                  color: V3(0.75, 0.82, 1.0) * u(0.2, 0.35), castsShadows: false),
        ]
        let a = u(0.15, 0.25)
        world.ambient = V3(a, a, a * 1.05)
    }

    /// Forward layout: floor z = 0, back wall y = 10 facing −y, objects at y ∈ [2.5, 8.5] in front of cameras
    /// near (0, 0, 1.2) looking along +y.
    mutating func buildForward() {
        let floorMaterial = addMaterial(detail: 1, allowed: [.checkers, .glyphs, .dots, .stripes])
        let wallMaterial = addMaterial(detail: 0.8, allowed: [.glyphs, .dots, .checkers])
        world.primitives.append(.quad(center: V3(0, 4.5, 0), halfU: 10, halfV: 6, frame: .identity, material: floorMaterial))
        world.primitives.append(.quad(center: V3(0, 10, 4.5), halfU: 10, halfV: 4.6,
                                      frame: Frame3(ax: V3(1, 0, 0), ay: V3(0, 0, 1), az: V3(0, -1, 0)),
                                      material: wallMaterial))
        let count = 14 + Int(rng.next() % 9)
        let tanHalf = R(tan(SyntheticLayout.forward.horizontalFOVDegrees * Double.pi / 360))
        for _ in 0..<count {
            let y = u(2.5, 8.5)
            let x = u(-0.85, 0.85) * y * tanHalf
            addObject(x: x, y: y, size: 0.45 + 0.1 * y, maxHeight: 0.4 + 0.35 * y, detail: 1.6, cardFacing: -R.pi / 2)
        }
        // Sun from the cameras' side (−y), so the wall and the objects' fronts are lit.
        addLights(sunAzimuth: -R.pi / 2 + u(-0.9, 0.9))
    }

    /// Object layout: floor tile (5.2 × 5.2) at z = 0 around the origin, objects within radius 1.3.
    mutating func buildObject() {
        let floorMaterial = addMaterial(detail: 1.5, allowed: [.checkers, .glyphs, .dots, .stripes])
        world.primitives.append(.quad(center: V3(0, 0, 0), halfU: 2.6, halfV: 2.6, frame: .identity, material: floorMaterial))
        let count = 6 + Int(rng.next() % 6)
        // The first object is a larger centre piece.
        addObject(x: u(-0.2, 0.2), y: u(-0.2, 0.2), size: 0.9, maxHeight: 1.0, detail: 3)
        for _ in 1..<count {
            let r = 1.3 * u(0.2, 1).squareRoot(), a = u(0, 2 * R.pi)
            addObject(x: r * cosR(a), y: r * sinR(a), size: 0.7, maxHeight: 1.0, detail: 3)
        }
        addLights(sunAzimuth: u(0, 2 * R.pi))
    }
}
