import Testing
@testable import ViewSynthCore

struct DepthSamplingTests {
    @Test func linearEndpoints() throws {
        let s = try DepthSampler(near: 2, far: 6, count: 5, spacing: .linear, placement: .endpoints)
        #expect(s.depths() == [2, 3, 4, 5, 6])
        let one = try DepthSampler(near: 2, far: 6, count: 1, spacing: .linear)
        #expect(one.depths() == [4])
    }

    @Test func inverseDepthIsUniformInDisparity() throws {
        let s = try DepthSampler(near: 1, far: 100, count: 33, spacing: .inverseDepth, placement: .endpoints)
        let d = s.depths()
        #expect(abs(d.first! - 1) < 1e-12 && abs(d.last! - 100) < 1e-9)
        let disparity = d.map { 1 / $0 }
        let step = disparity[1] - disparity[0]
        #expect(step < 0)
        for i in 1..<d.count {
            #expect(abs((disparity[i] - disparity[i - 1]) - step) < 1e-12)
            #expect(d[i] > d[i - 1])
        }
    }

    @Test func binCentres() throws {
        let s = try DepthSampler(near: 0, far: 4, count: 4, spacing: .linear, placement: .binCentres)
        #expect(s.depths() == [0.5, 1.5, 2.5, 3.5])
    }

    @Test func stratifiedSamplesStayInTheirBinsAndAreDeterministic() throws {
        for spacing in DepthSpacing.allCases {
            let p = 16
            let s = try DepthSampler(near: 0.5, far: 8, count: p, spacing: spacing, placement: .stratified(seed: 42))
            let lower = try DepthSampler(near: 0.5, far: 8, count: p + 1, spacing: spacing, placement: .endpoints).depths()
            var meanJitter = 0.0
            var rays = 0
            for y in 0..<20 {
                for x in 0..<20 {
                    let key = DepthSampler.rayKey(view: 3, x: x, y: y)
                    let d = s.depths(rayKey: key)
                    for i in 0..<p {
                        // Bin i spans [lower[i], lower[i+1]] (endpoints of P + 1 points).
                        #expect(d[i] >= lower[i] - 1e-12 && d[i] <= lower[i + 1] + 1e-12)
                        // Pure function of (seed, ray key, index).
                        #expect(s.depth(index: i, rayKey: key) == d[i])
                        meanJitter += DepthSampler.jitter(seed: 42, rayKey: key, index: i)
                    }
                    rays += 1
                }
            }
            meanJitter /= Double(rays * p)
            #expect(abs(meanJitter - 0.5) < 0.03)
        }
        // Different rays, seeds and indices get different jitter.
        let k1 = DepthSampler.rayKey(view: 0, x: 1, y: 2), k2 = DepthSampler.rayKey(view: 0, x: 2, y: 1)
        #expect(k1 != k2 && k1 != DepthSampler.rayKey(view: 1, x: 1, y: 2))
        #expect(DepthSampler.jitter(seed: 1, rayKey: k1, index: 0) != DepthSampler.jitter(seed: 1, rayKey: k2, index: 0))
        #expect(DepthSampler.jitter(seed: 1, rayKey: k1, index: 0) != DepthSampler.jitter(seed: 2, rayKey: k1, index: 0))
        #expect(DepthSampler.jitter(seed: 1, rayKey: k1, index: 0) != DepthSampler.jitter(seed: 1, rayKey: k1, index: 1))
    }

    @Test func fillMatchesDepths() throws {
        let s = try DepthSampler(near: 1, far: 5, count: 7, spacing: .inverseDepth, placement: .stratified(seed: 9))
        var d = [Double](repeating: 0, count: 7)
        var f = [Float](repeating: 0, count: 7)
        d.withUnsafeMutableBufferPointer { s.fill($0.baseAddress!, rayKey: 77) }
        f.withUnsafeMutableBufferPointer { s.fill($0.baseAddress!, rayKey: 77) }
        #expect(d == s.depths(rayKey: 77))
        #expect(f == d.map { Float($0) })
    }

    @Test func badBoundsThrow() {
        #expect(throws: ViewSynthError.self) { try DepthSampler(near: 0, far: 1, count: 4, spacing: .inverseDepth) }
        #expect(throws: ViewSynthError.self) { try DepthSampler(near: 2, far: 1, count: 4, spacing: .linear) }
        #expect(throws: ViewSynthError.self) { try DepthSampler(near: .nan, far: 1, count: 4, spacing: .linear) }
        #expect(throws: ViewSynthError.self) { try DepthSampler(near: 1, far: 2, count: 0) }
        #expect(throws: Never.self) { try DepthSampler(near: 0, far: 1, count: 4, spacing: .linear) }
    }
}
