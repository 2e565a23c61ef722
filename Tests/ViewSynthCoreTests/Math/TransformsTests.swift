import Testing
@testable import ViewSynthCore

struct TransformsTests {
    @Test func quaternionRoundTrip() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let q = (w: rng.uniform(-1, 1), x: rng.uniform(-1, 1), y: rng.uniform(-1, 1), z: rng.uniform(-1, 1))
            let r = Mat3(quaternion: q)
            #expect(r.rotationError < 1e-12)
            let r2 = Mat3(quaternion: r.quaternion)
            for i in 0..<3 { for j in 0..<3 { #expect(abs(r[i, j] - r2[i, j]) < 1e-12) } }
        }
    }

    @Test func rigidInverseAndComposition() {
        var rng = SplitMix64(seed: 3)
        let a = Rigid3(rotation: Mat3(quaternion: (0.3, -0.2, 0.9, 0.1)), translation: Vec3(1, -2, 3))
        let b = Rigid3(rotation: Mat3(quaternion: (0.7, 0.1, -0.4, 0.5)), translation: Vec3(-0.5, 0.25, 4))
        for _ in 0..<50 {
            let p = Vec3(rng.uniform(-5, 5), rng.uniform(-5, 5), rng.uniform(-5, 5))
            #expect(length(a.inverse.apply(a.apply(p)) - p) < 1e-12)
            #expect(length((a * b).apply(p) - a.apply(b.apply(p))) < 1e-12)
        }
        #expect(abs(a.rotation.inverse[0, 1] - a.rotation.transposed[0, 1]) < 1e-12)
    }
}
