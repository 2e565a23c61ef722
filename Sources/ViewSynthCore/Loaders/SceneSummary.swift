// A printable / JSON-encodable description of a loaded scene (what `viewsynth info` shows).

import Foundation

public struct SceneSummary: Codable, Sendable, Equatable {
    public struct Resolution: Codable, Sendable, Equatable {
        public var width: Int, height: Int, views: Int
    }
    public struct CameraSummary: Codable, Sendable, Equatable {
        /// Axis-aligned bounding box of the camera centres (world units).
        public var centerMin: [Double], centerMax: [Double]
        /// Mean over cameras of the distance to the nearest other camera centre.
        public var meanNeighborDistance: Double
        /// Range of fx and fy over all views (pixels).
        public var focalMin: Double, focalMax: Double
        /// Views whose files carry lens distortion (removed on load).
        public var distortedViews: Int
        /// Optical axes meet in front of the cameras (Bounds.Convergence.converges).
        public var converge: Bool
        /// Least-squares meeting point of the optical axes and the median angle (degrees) between each axis and
        /// that point; nil when the axes are (nearly) parallel.
        public var convergencePoint: [Double]?
        public var medianAxisAngleDegrees: Double?
    }

    public var name: String
    public var root: String
    public var format: SceneFormat
    public var views: Int
    public var resolutions: [Resolution]
    public var train: Int, test: Int, val: Int
    public var masks: Int
    public var near: Double, far: Double
    public var boundsSource: BoundsSource
    public var cameras: CameraSummary

    /// Multi-line human-readable text.
    public var text: String {
        func f(_ x: Double) -> String { String(format: "%.4g", x) }
        func v(_ a: [Double]) -> String { "(" + a.map(f).joined(separator: ", ") + ")" }
        var s = "scene       \(name)  (\(root))\n"
        s += "format      \(format.rawValue)\n"
        s += "views       \(views)  (train \(train), test \(test)" + (val > 0 ? ", val \(val)" : "") + ")\n"
        s += "resolution  " + resolutions.map { "\($0.width)×\($0.height) (\($0.views))" }.joined(separator: ", ") + "\n"
        if masks > 0 { s += "masks       \(masks)\n" }
        s += "near/far    \(f(near)) / \(f(far))  (from \(boundsSource.rawValue))\n"
        s += "focal       \(f(cameras.focalMin))–\(f(cameras.focalMax)) px"
            + (cameras.distortedViews > 0 ? ", \(cameras.distortedViews) views with lens distortion (undistorted on load)" : "") + "\n"
        s += "centres     box \(v(cameras.centerMin)) – \(v(cameras.centerMax)), mean neighbour distance \(f(cameras.meanNeighborDistance))\n"
        if let p = cameras.convergencePoint, let a = cameras.medianAxisAngleDegrees {
            s += "axes        \(cameras.converge ? "converge" : "do not converge") near \(v(p)) (median angle \(f(a))°)\n"
        } else {
            s += "axes        parallel (no meeting point)\n"
        }
        return s
    }
}

extension Scene {
    public func summary() -> SceneSummary {
        var res: [SceneSummary.Resolution] = []
        for v in views {
            let k = v.camera.intrinsics
            if let i = res.firstIndex(where: { $0.width == k.width && $0.height == k.height }) { res[i].views += 1 }
            else { res.append(.init(width: k.width, height: k.height, views: 1)) }
        }
        let cams = views.map(\.camera)
        var lo = Vec3(repeating: .infinity), hi = Vec3(repeating: -.infinity)
        for c in cams { lo = pointwiseMin(lo, c.center); hi = pointwiseMax(hi, c.center) }
        var nn = 0.0
        if cams.count > 1 {
            for (i, c) in cams.enumerated() {
                var best = Double.infinity
                for (j, o) in cams.enumerated() where j != i { best = min(best, length(c.center - o.center)) }
                nn += best
            }
            nn /= Double(cams.count)
        }
        let focals = cams.flatMap { [$0.intrinsics.fx, $0.intrinsics.fy] }
        let conv = Bounds.convergence(cams)
        let camSummary = SceneSummary.CameraSummary(
            centerMin: cams.isEmpty ? [] : [lo.x, lo.y, lo.z], centerMax: cams.isEmpty ? [] : [hi.x, hi.y, hi.z],
            meanNeighborDistance: nn, focalMin: focals.min() ?? 0, focalMax: focals.max() ?? 0,
            distortedViews: views.filter { !($0.distortion?.isZero ?? true) }.count,
            converge: conv?.converges ?? false,
            convergencePoint: conv.map { [$0.point.x, $0.point.y, $0.point.z] },
            medianAxisAngleDegrees: conv?.medianAngleDegrees)
        return SceneSummary(name: name, root: root.path, format: format, views: views.count, resolutions: res,
                            train: trainIndices.count, test: testIndices.count, val: valIndices.count,
                            masks: views.filter { $0.maskURL != nil }.count, near: near, far: far,
                            boundsSource: boundsSource, cameras: camSummary)
    }
}
