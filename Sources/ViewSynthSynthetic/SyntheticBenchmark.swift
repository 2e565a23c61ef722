// Speed of the ray tracer: seconds per 400×300 view at 4 samples per pixel, with 1 and 2 threads.

import Foundation
import ViewSynthCore

public enum SyntheticBenchmark {
    public struct Measurement: Sendable {
        public var threads: Int
        /// Median wall-clock seconds per rendered view.
        public var secondsPerView: Double
        public var views: Int
    }

    /// Renders `views` views of the forward layout (seed 1: the busier layout, every pixel hits a surface)
    /// once per thread count and returns the median seconds per view.
    public static func run(width: Int = 400, height: Int = 300, samplesPerPixel: Int = 4, views: Int = 3,
                           threadCounts: [Int] = [1, 2], seed: UInt64 = 1) -> [Measurement] {
        let gen = SyntheticSceneGenerator(seed: seed, layout: .forward, views: views, width: width, height: height,
                                          samplesPerPixel: samplesPerPixel)
        let world = gen.world, cameras = gen.cameras
        _ = world.render(camera: cameras[0], samplesPerPixel: 1, seed: seed, threads: 1)  // warm up
        return threadCounts.map { threads in
            var times: [Double] = []
            for (i, camera) in cameras.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = world.render(camera: camera, samplesPerPixel: samplesPerPixel, seed: seed, viewIndex: i,
                                 threads: threads)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
            }
            times.sort()
            return Measurement(threads: threads, secondsPerView: times[times.count / 2], views: views)
        }
    }

    /// Runs the benchmark and formats one line per thread count.
    public static func report(width: Int = 400, height: Int = 300, samplesPerPixel: Int = 4, views: Int = 3) -> String {
        let world = SyntheticWorld.random(seed: 1, layout: .forward)
        var lines = ["synthetic ray tracer: \(width)x\(height), \(samplesPerPixel) spp, forward layout seed 1 "
                     + "(\(world.primitiveCount) primitives), median of \(views) views"]
        for m in run(width: width, height: height, samplesPerPixel: samplesPerPixel, views: views) {
            lines.append(String(format: "  %d thread%@: %.3f s per view", m.threads, m.threads == 1 ? "" : "s",
                                m.secondsPerView))
        }
        return lines.joined(separator: "\n")
    }
}
