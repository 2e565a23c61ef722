@testable import ViewSynthCore

/// Random cameras and rigid motions for the geometry property tests (all seeded).
enum GeometryFixtures {
    static func randomUnit(_ rng: inout SplitMix64) -> Vec3 {
        while true {
            let v = Vec3(rng.normal(), rng.normal(), rng.normal())
            let l = length(v)
            if l > 1e-3 { return v / l }
        }
    }

    static func randomRotation(_ rng: inout SplitMix64) -> Mat3 {
        Mat3(quaternion: (rng.normal(), rng.normal(), rng.normal(), rng.normal()))
    }

    static func randomRigid(_ rng: inout SplitMix64, translationScale: Double = 5) -> Rigid3 {
        Rigid3(rotation: randomRotation(&rng),
               translation: Vec3(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)) * translationScale)
    }

    /// OpenCV `worldFromCamera` for a camera at `centre` looking at `target`, image up ≈ `worldUp`.
    static func lookAt(centre: Vec3, target: Vec3, worldUp: Vec3 = Vec3(0, 0, 1)) -> Rigid3 {
        let z = normalize(target - centre)
        let x = normalize(cross(z, worldUp))      // right = forward × up
        let y = cross(z, x)                       // down
        return Rigid3(rotation: Mat3(columns: x, y, z), translation: centre)
    }

    static func randomIntrinsics(_ rng: inout SplitMix64) -> Intrinsics {
        let w = 40 + Int(rng.uniform() * 60), h = 30 + Int(rng.uniform() * 50)
        let f = rng.uniform(0.8, 1.5) * Double(w)
        return Intrinsics(fx: f, fy: f * rng.uniform(0.95, 1.05),
                          cx: Double(w) / 2 + rng.uniform(-3, 3), cy: Double(h) / 2 + rng.uniform(-3, 3),
                          width: w, height: h)
    }

    /// A camera somewhere on a shell of radius 3…5 around the origin, looking near the origin.
    static func randomCamera(_ rng: inout SplitMix64) -> Camera {
        let centre = randomUnit(&rng) * rng.uniform(3, 5)
        let target = Vec3(rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5))
        var up = randomUnit(&rng)
        if length(cross(up, normalize(target - centre))) < 0.2 { up = normalize(cross(up, Vec3(1, 2, 3))) }
        return Camera(intrinsics: randomIntrinsics(&rng), worldFromCamera: lookAt(centre: centre, target: target, worldUp: up))
    }

    /// A random continuous pixel coordinate inside the image.
    static func randomPixel(_ rng: inout SplitMix64, _ k: Intrinsics) -> Vec2 {
        Vec2(rng.uniform(0, Double(k.width)), rng.uniform(0, Double(k.height)))
    }

    /// The camera moved by the world motion `m` (world' = m · world).
    static func moved(_ c: Camera, by m: Rigid3) -> Camera {
        Camera(intrinsics: c.intrinsics, worldFromCamera: m * c.worldFromCamera)
    }
}

/// Euclidean length of a 2-D vector (pixel distances in tests).
func length(_ v: Vec2) -> Double { (v * v).sum().squareRoot() }
