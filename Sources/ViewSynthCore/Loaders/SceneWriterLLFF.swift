// LLFF writer: poses_bounds.npy (see SceneWriter.swift for the rules).

import Foundation

extension SceneWriter {
    static func writeLLFF(_ s: SceneExport, to dir: URL) throws {
        let k = s.cameras[0].intrinsics
        let npy = dir.appendingPathComponent("poses_bounds.npy")
        for (i, c) in s.cameras.enumerated() {
            let ki = c.intrinsics
            guard ki == k, ki.fx == ki.fy, ki.cx == Double(ki.width) / 2, ki.cy == Double(ki.height) / 2, s.distortion(i) == nil else {
                throw ViewSynthError(npy, expected: "one shared undistorted camera with fx = fy and a centred principal point (LLFF)",
                                     found: "view \(i) (\(s.names[i])): \(ki)")
            }
        }
        for i in 1..<max(1, s.names.count) where !SceneLoader.nameOrder(s.names[i - 1], s.names[i]) {
            throw ViewSynthError(npy, expected: "image names in sorted order (LLFF pairs poses with sorted names)",
                                 found: "\(s.names[i - 1]) before \(s.names[i])")
        }
        let b = bounds(s)
        var values: [Double] = []
        values.reserveCapacity(17 * s.cameras.count)
        let hwf = [Double(k.height), Double(k.width), k.fx]
        for c in s.cameras {
            let (r, t) = CameraConventions.toLLFF(c.worldFromCamera)
            for row in 0..<3 { values += [r[row, 0], r[row, 1], r[row, 2], t[row], hwf[row]] }
            values += [b.near, b.far]
        }
        try NPY.write(values, shape: [s.cameras.count, 17], to: npy)
    }
}
