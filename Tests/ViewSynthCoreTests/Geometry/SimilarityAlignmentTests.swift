import Testing
@testable import ViewSynthCore

struct SimilarityAlignmentTests {
    static func maxDifference(_ a: Mat3, _ b: Mat3) -> Double {
        var e = 0.0
        for i in 0..<3 { for j in 0..<3 { e = max(e, abs(a[i, j] - b[i, j])) } }
        return e
    }

    @Test func recoversAKnownSimilarityExactly() throws {
        var rng = SplitMix64(seed: 11)
        for trial in 0..<50 {
            let truth = Similarity3(scale: rng.uniform(0.01, 100), rotation: GeometryFixtures.randomRotation(&rng),
                                    translation: Vec3(rng.uniform(-9, 9), rng.uniform(-9, 9), rng.uniform(-9, 9)))
            let n = 3 + trial % 20
            let source = (0..<n).map { _ in Vec3(rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-2, 2)) }
            let target = source.map(truth.apply)
            let found = try #require(SimilarityAlignment.align(source: source, target: target))
            #expect(abs(found.scale / truth.scale - 1) < 1e-9)
            #expect(Self.maxDifference(found.rotation, truth.rotation) < 1e-9)
            #expect(found.rotation.rotationError < 1e-12)
            for (s, t) in zip(source, target) { #expect(length(found.apply(s) - t) < 1e-8 * max(1, truth.scale)) }
        }
    }

    @Test func planarPointsLikeAForwardCameraGridAreEnough() throws {
        // Camera centres of an LLFF-style grid all lie in one plane: rank 2 still fixes the rotation.
        var rng = SplitMix64(seed: 5)
        let source = (0..<12).map { i in Vec3(Double(i % 4), Double(i / 4), 0) }
        let truth = Similarity3(scale: 2.5, rotation: GeometryFixtures.randomRotation(&rng), translation: Vec3(1, 2, 3))
        let found = try #require(SimilarityAlignment.align(source: source, target: source.map(truth.apply)))
        #expect(Self.maxDifference(found.rotation, truth.rotation) < 1e-9)
        #expect(abs(found.scale - 2.5) < 1e-9)
    }

    @Test func neverReturnsAReflection() throws {
        // A mirrored target has no proper similarity: the best one is still a rotation (det +1).
        let source = [Vec3(0, 0, 0), Vec3(1, 0, 0), Vec3(0, 1, 0), Vec3(0, 0, 1), Vec3(1, 1, 1)]
        let mirrored = source.map { Vec3(-$0.x, $0.y, $0.z) }
        let found = try #require(SimilarityAlignment.align(source: source, target: mirrored))
        #expect(abs(found.rotation.determinant - 1) < 1e-12)
    }

    @Test func leastSquaresWithNoiseAndMatchesTheClosedFormScale() throws {
        var rng = SplitMix64(seed: 9)
        let truth = Similarity3(scale: 0.3, rotation: GeometryFixtures.randomRotation(&rng), translation: Vec3(-4, 0.5, 2))
        let source = (0..<200).map { _ in Vec3(rng.uniform(-5, 5), rng.uniform(-5, 5), rng.uniform(-1, 1)) }
        let target = source.map { truth.apply($0) + Vec3(rng.normal(), rng.normal(), rng.normal()) * 0.01 }
        let found = try #require(SimilarityAlignment.align(source: source, target: target))
        #expect(abs(found.scale / 0.3 - 1) < 0.01)
        #expect(Self.maxDifference(found.rotation, truth.rotation) < 0.01)
        // Optimality: nudging the solution only increases the squared residual.
        func cost(_ s: Similarity3) -> Double { zip(source, target).map { let d = s.apply($0) - $1; return dot(d, d) }.reduce(0, +) }
        var worse = found; worse.scale *= 1.001
        #expect(cost(worse) > cost(found))
        worse = found; worse.translation.x += 0.001
        #expect(cost(worse) > cost(found))
    }

    @Test func posesMapWithTheirCentres() {
        let sim = Similarity3(scale: 2, rotation: Mat3(quaternion: (0.9, 0.1, -0.3, 0.2)), translation: Vec3(1, 1, 1))
        let pose = Rigid3(rotation: Mat3(quaternion: (0.5, 0.5, 0.1, -0.2)), translation: Vec3(3, -1, 2))
        let mapped = sim.apply(pose: pose)
        #expect(length(mapped.translation - sim.apply(pose.translation)) < 1e-12)
        #expect(Self.maxDifference(mapped.rotation, sim.rotation * pose.rotation) < 1e-12)
        let back = sim.inverse
        #expect(length(back.apply(sim.apply(Vec3(0.3, 0.2, -7))) - Vec3(0.3, 0.2, -7)) < 1e-12)
    }

    @Test func refusesDegenerateInput() {
        #expect(SimilarityAlignment.align(source: [Vec3(0, 0, 0), Vec3(1, 0, 0)], target: [Vec3(0, 0, 0), Vec3(1, 0, 0)]) == nil)
        let line = (0..<5).map { Vec3(Double($0), 0, 0) }
        #expect(SimilarityAlignment.align(source: line, target: line) == nil)
        let same = [Vec3](repeating: Vec3(1, 2, 3), count: 4)
        #expect(SimilarityAlignment.align(source: same, target: same) == nil)
        let pts = [Vec3(0, 0, 0), Vec3(1, 0, 0), Vec3(0, 1, 0)]
        #expect(SimilarityAlignment.align(source: pts, target: [Vec3(0, 0, 0), Vec3(1, 0, 0)]) == nil)
        #expect(SimilarityAlignment.align(source: pts, target: [Vec3(0, 0, .nan), Vec3(1, 0, 0), Vec3(0, 1, 0)]) == nil)
    }

    @Test func jacobiEigenDecomposesASymmetricMatrix() {
        let m: [[Double]] = [[4, 1, -2, 2], [1, 2, 0, 1], [-2, 0, 3, -2], [2, 1, -2, -1]]
        let (values, vectors) = SimilarityAlignment.symmetricEigen(m)
        for (l, v) in zip(values, vectors) {
            for i in 0..<4 {
                let mv = (0..<4).map { m[i][$0] * v[$0] }.reduce(0, +)
                #expect(abs(mv - l * v[i]) < 1e-10)
            }
            #expect(abs(v.map { $0 * $0 }.reduce(0, +) - 1) < 1e-12)
        }
        #expect(abs(values.reduce(0, +) - 8) < 1e-10)   // trace
    }
}
