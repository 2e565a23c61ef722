// Similarity alignment of two point sets (Umeyama 1991 / Horn 1987): the scale s, rotation R and translation t
// minimising Σ |yᵢ − (s R xᵢ + t)|² over corresponding points xᵢ (source) and yᵢ (target).
//
// A structure-from-motion reconstruction is known only up to such a similarity (gauge freedom), so comparing
// its cameras with others (ground truth, another run) first maps one frame onto the other with this.
//
// Method: centre both sets; the optimal proper rotation is Horn's unit quaternion, the eigenvector of the
// largest eigenvalue of the symmetric 4×4 matrix built from the cross-covariance M = Σ x̃ᵢ ỹᵢᵀ (x̃, ỹ centred),
// found by cyclic Jacobi rotations. That is the rotation of Umeyama's SVD solution with its reflection guard
// (det R = +1 always), without a 3×3 SVD. Then s = Σ ỹᵢ · R x̃ᵢ / Σ |x̃ᵢ|² and t = ȳ − s R x̄.
// Needs at least 3 points not all on one line (else the rotation about that line is undetermined).

import Foundation

/// p ↦ scale · rotation · p + translation (a `targetFromSource` transform).
public struct Similarity3: Equatable, Sendable {
    public var scale: Double
    public var rotation: Mat3
    public var translation: Vec3

    public init(scale: Double, rotation: Mat3, translation: Vec3) {
        self.scale = scale; self.rotation = rotation; self.translation = translation
    }
    public static let identity = Similarity3(scale: 1, rotation: .identity, translation: .zero)

    @inlinable public func apply(_ p: Vec3) -> Vec3 { scale * (rotation * p) + translation }

    /// The same camera expressed in the target frame: centre mapped, axes rotated (scale does not change a pose's
    /// rotation). `worldFromCamera` of the source frame → of the target frame.
    public func apply(pose: Rigid3) -> Rigid3 {
        Rigid3(rotation: rotation * pose.rotation, translation: apply(pose.translation))
    }

    public var inverse: Similarity3 {
        let rt = rotation.transposed
        return Similarity3(scale: 1 / scale, rotation: rt, translation: -(rt * translation) / scale)
    }
}

public enum SimilarityAlignment {
    /// The least-squares similarity mapping `source[i]` onto `target[i]`, or nil when there are fewer than 3
    /// pairs, the counts differ, a coordinate is not finite, or the source points are (nearly) collinear or
    /// coincident (the rotation is then not determined).
    public static func align(source: [Vec3], target: [Vec3]) -> Similarity3? {
        let n = source.count
        guard n >= 3, target.count == n,
              source.allSatisfy({ $0.x.isFinite && $0.y.isFinite && $0.z.isFinite }),
              target.allSatisfy({ $0.x.isFinite && $0.y.isFinite && $0.z.isFinite }) else { return nil }
        let mx = source.reduce(Vec3.zero, +) / Double(n), my = target.reduce(Vec3.zero, +) / Double(n)
        var m = [[Double]](repeating: [0, 0, 0], count: 3)   // m[a][b] = Σ x̃_a ỹ_b
        var sxx = 0.0, syy = 0.0
        for i in 0..<n {
            let x = source[i] - mx, y = target[i] - my
            sxx += dot(x, x); syy += dot(y, y)
            for a in 0..<3 { for b in 0..<3 { m[a][b] += x[a] * y[b] } }
        }
        // Degenerate source: coincident points, or all on one line (the second moment has rank < 2).
        guard sxx > 0, syy > 0, secondMomentRank(source, mean: mx, total: sxx) >= 2 else { return nil }
        let (xx, xy, xz) = (m[0][0], m[0][1], m[0][2])
        let (yx, yy, yz) = (m[1][0], m[1][1], m[1][2])
        let (zx, zy, zz) = (m[2][0], m[2][1], m[2][2])
        let horn: [[Double]] = [
            [xx + yy + zz, yz - zy, zx - xz, xy - yx],
            [yz - zy, xx - yy - zz, xy + yx, zx + xz],
            [zx - xz, xy + yx, -xx + yy - zz, yz + zy],
            [xy - yx, zx + xz, yz + zy, -xx - yy + zz],
        ]
        let (values, vectors) = symmetricEigen(horn)
        let best = values.indices.max { values[$0] < values[$1] }!
        let q = vectors[best]
        let r = Mat3(quaternion: (q[0], q[1], q[2], q[3]))
        var cross = 0.0
        for i in 0..<n { cross += dot(target[i] - my, r * (source[i] - mx)) }
        let s = cross / sxx
        guard s > 0, s.isFinite, r.isFinite else { return nil }
        return Similarity3(scale: s, rotation: r, translation: my - s * (r * mx))
    }

    /// Numerical rank (0…3) of the source points' second-moment matrix: eigenvalues above 1e-12 of the largest
    /// (the trace `total`) count.
    static func secondMomentRank(_ points: [Vec3], mean: Vec3, total: Double) -> Int {
        var c = [[Double]](repeating: [0, 0, 0], count: 3)
        for p in points {
            let d = p - mean
            for a in 0..<3 { for b in 0..<3 { c[a][b] += d[a] * d[b] } }
        }
        return symmetricEigen(c).values.filter { $0 > 1e-12 * total }.count
    }

    /// Eigenvalues and unit eigenvectors (vectors[k] belongs to values[k]) of a small symmetric matrix, by
    /// cyclic Jacobi rotations (converges quadratically; 64 sweeps bound it).
    public static func symmetricEigen(_ matrix: [[Double]]) -> (values: [Double], vectors: [[Double]]) {
        let n = matrix.count
        var a = matrix
        var v = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }   // columns are the eigenvectors
        for _ in 0..<64 {
            var off = 0.0, diag = 0.0
            for i in 0..<n {
                diag += a[i][i] * a[i][i]
                for j in 0..<n where j != i { off += a[i][j] * a[i][j] }
            }
            if off <= 1e-30 * max(diag, 1e-300) { break }
            for p in 0..<(n - 1) {
                for q in (p + 1)..<n where a[p][q] != 0 {
                    // The rotation in the (p, q) plane that zeroes a[p][q] (Numerical Recipes' stable form).
                    let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {   // a ← a·J
                        let akp = a[k][p], akq = a[k][q]
                        a[k][p] = c * akp - s * akq
                        a[k][q] = s * akp + c * akq
                    }
                    for k in 0..<n {   // a ← Jᵀ·a
                        let apk = a[p][k], aqk = a[q][k]
                        a[p][k] = c * apk - s * aqk
                        a[q][k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k][p], vkq = v[k][q]
                        v[k][p] = c * vkp - s * vkq
                        v[k][q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let values = (0..<n).map { a[$0][$0] }
        let vectors = (0..<n).map { k in (0..<n).map { v[$0][k] } }
        return (values, vectors)
    }
}
