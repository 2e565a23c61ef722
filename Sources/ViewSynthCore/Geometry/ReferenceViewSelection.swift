// Choosing the K reference views a target camera is rendered from.
//
// Conventions:
//   * Candidates are indices into the caller's camera list (normally `Scene.trainIndices`); the result is a
//     subset of them, best first. Indices out of range, duplicates and the excluded index (the target view
//     itself when it belongs to the scene) are skipped.
//   * Scores (smaller is better):
//       `.centreDistance`           ‖c_i − c_target‖ (Euclidean distance of camera centres, scene units);
//       `.viewingAngle`             angle in radians between the forward (+z) axes;
//       `.combined(angleWeight: w)` ‖c_i − c_target‖ + w · angle (w in scene units per radian).
//   * Ties (equal scores) are broken by the smaller index, so the choice is deterministic; a NaN score sorts last.

/// How candidate reference views are ranked.
public enum ReferenceViewCriterion: Equatable, Sendable {
    case centreDistance
    case viewingAngle
    case combined(angleWeight: Double)
}

/// Picks the K best reference views for a target camera.
public struct ReferenceViewSelector: Equatable, Sendable {
    public var count: Int
    public var criterion: ReferenceViewCriterion

    public init(count: Int, criterion: ReferenceViewCriterion = .centreDistance) {
        self.count = count; self.criterion = criterion
    }

    /// Score of camera `c` as a reference for `target` (smaller is better).
    public func score(_ c: Camera, for target: Camera) -> Double {
        switch criterion {
        case .centreDistance: return length(c.center - target.center)
        case .viewingAngle: return ReferenceViewSelector.angle(c.forward, target.forward)
        case .combined(let w):
            return length(c.center - target.center) + w * ReferenceViewSelector.angle(c.forward, target.forward)
        }
    }

    /// The angle in [0, π] between two vectors (robust near 0 and π: atan2 of |a×b| and a·b).
    public static func angle(_ a: Vec3, _ b: Vec3) -> Double {
        atan2(length(cross(a, b)), dot(a, b))
    }

    /// Up to `count` indices from `candidates` (best first) for rendering `target`.
    /// - Parameters:
    ///   - cameras: all cameras of the scene (the candidates index into it).
    ///   - candidates: allowed indices (e.g. the training split).
    ///   - excluding: an index never returned (the target's own view), or nil for a novel camera.
    public func select(for target: Camera, among cameras: [Camera], candidates: [Int],
                       excluding: Int? = nil) -> [Int] {
        var seen = Set<Int>()
        var scored: [(score: Double, index: Int)] = []
        scored.reserveCapacity(candidates.count)
        for i in candidates where i >= 0 && i < cameras.count && i != excluding && seen.insert(i).inserted {
            scored.append((score(cameras[i], for: target), i))
        }
        scored.sort { a, b in
            if a.score.isNaN != b.score.isNaN { return b.score.isNaN }
            if a.score != b.score && !a.score.isNaN { return a.score < b.score }
            return a.index < b.index
        }
        return scored.prefix(max(count, 0)).map(\.index)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
