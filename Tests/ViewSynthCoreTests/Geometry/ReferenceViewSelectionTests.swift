import Testing
@testable import ViewSynthCore

struct ReferenceViewSelectionTests {
    static let k = Intrinsics(fx: 50, fy: 50, cx: 20, cy: 15, width: 40, height: 30)

    static func camera(at c: Vec3, lookingAt target: Vec3 = .zero) -> Camera {
        Camera(intrinsics: k, worldFromCamera: GeometryFixtures.lookAt(centre: c, target: target, worldUp: Vec3(0, 1, 0)))
    }

    @Test func nearestByCentreDistanceMatchesBruteForce() {
        var rng = SplitMix64(seed: 50)
        for _ in 0..<50 {
            let cams = (0..<30).map { _ in GeometryFixtures.randomCamera(&rng) }
            let targetIndex = Int(rng.uniform() * 30)
            let candidates = (0..<30).filter { $0 % 8 != 0 }         // an LLFF-style training split
            let sel = ReferenceViewSelector(count: 6).select(for: cams[targetIndex], among: cams,
                                                             candidates: candidates, excluding: targetIndex)
            let expected = candidates.filter { $0 != targetIndex }
                .sorted { length(cams[$0].center - cams[targetIndex].center) < length(cams[$1].center - cams[targetIndex].center) }
                .prefix(6)
            #expect(sel == Array(expected))
            #expect(!sel.contains(targetIndex) && sel.allSatisfy { $0 % 8 != 0 })
        }
    }

    @Test func tiesAreBrokenByIndex() {
        // Four cameras at distance 2 from the target (a symmetric cross), one at distance 1 (index 5).
        let target = Self.camera(at: Vec3(0, 0, 5))
        let cams = [Vec3(2, 0, 5), Vec3(0, 2, 5), Vec3(-2, 0, 5), Vec3(0, -2, 5), Vec3(0, 0, 3), Vec3(0, 0, 4)]
            .map { Self.camera(at: $0) }
        let sel = ReferenceViewSelector(count: 3).select(for: target, among: cams, candidates: [3, 2, 1, 0, 5])
        #expect(sel == [5, 0, 1])
        // Same answer whatever the candidate order.
        #expect(ReferenceViewSelector(count: 3).select(for: target, among: cams, candidates: [0, 5, 1, 3, 2]) == sel)
    }

    @Test func viewingAngleAndCombined() {
        // All cameras share the target's centre area; only their orientations differ.
        let target = Self.camera(at: Vec3(0, 0, 5))           // looks along −z
        let cams = [
            Self.camera(at: Vec3(0.1, 0, 5), lookingAt: Vec3(3, 0, 0)),    // turned ~31°
            Self.camera(at: Vec3(3, 0, 5), lookingAt: Vec3(3, 0, 0)),      // same direction, 3 away
            Self.camera(at: Vec3(0, 0.2, 5), lookingAt: Vec3(0, 1, 0)),    // turned ~11°
        ]
        let byAngle = ReferenceViewSelector(count: 3, criterion: .viewingAngle).select(for: target, among: cams, candidates: [0, 1, 2])
        #expect(byAngle == [1, 2, 0])
        let byDistance = ReferenceViewSelector(count: 3).select(for: target, among: cams, candidates: [0, 1, 2])
        #expect(byDistance == [0, 2, 1])
        // Combined with a large angle weight behaves like the angle; with weight 0 like the distance.
        let heavy = ReferenceViewSelector(count: 3, criterion: .combined(angleWeight: 100))
        #expect(heavy.select(for: target, among: cams, candidates: [0, 1, 2]) == byAngle)
        let light = ReferenceViewSelector(count: 3, criterion: .combined(angleWeight: 0))
        #expect(light.select(for: target, among: cams, candidates: [0, 1, 2]) == byDistance)
        #expect(abs(ReferenceViewSelector.angle(Vec3(1, 0, 0), Vec3(0, 1, 0)) - Double.pi / 2) < 1e-15)
        #expect(ReferenceViewSelector.angle(Vec3(1, 0, 0), Vec3(2, 0, 0)) == 0)
    }

    @Test func fewCandidatesDuplicatesAndOutOfRange() {
        let target = Self.camera(at: Vec3(0, 0, 5))
        let cams = [Vec3(1, 0, 5), Vec3(2, 0, 5), Vec3(3, 0, 5)].map { Self.camera(at: $0) }
        let sel = ReferenceViewSelector(count: 10).select(for: target, among: cams, candidates: [2, 2, 7, -1, 0, 1], excluding: 1)
        #expect(sel == [0, 2])
        #expect(ReferenceViewSelector(count: 0).select(for: target, among: cams, candidates: [0, 1]).isEmpty)
    }
}
