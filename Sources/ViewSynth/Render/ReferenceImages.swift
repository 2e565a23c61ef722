// Lazily loaded, shared reference images of a scene (training views only), with a memory bound.
// Thread-safe: render workers and `prepare` calls may ask for images concurrently.

import Foundation
import ViewSynthCore

public final class ReferenceImages: @unchecked Sendable {
    public let scene: Scene
    /// Views a method may use as references (the training split).
    public let candidates: [Int]
    private let lock = NSLock()
    private var cache: [Int: Image] = [:]
    private var order: [Int] = []          // least recently used first
    private var bytes = 0
    /// Upper bound on cached pixel memory; least recently used images are evicted beyond it.
    public let maxBytes: Int

    public init(scene: Scene, candidates: [Int]? = nil, maxBytes: Int = 1 << 30) {
        self.scene = scene
        self.candidates = candidates ?? scene.trainIndices
        self.maxBytes = maxBytes
    }

    /// The RGB image of view `index` (undistorted, alpha composited), loaded on first use.
    public func image(_ index: Int) throws -> Image {
        lock.lock()
        if let img = cache[index] {
            order.removeAll { $0 == index }; order.append(index)
            lock.unlock()
            return img
        }
        lock.unlock()
        let img = try scene.loadImage(index)
        lock.lock(); defer { lock.unlock() }
        if cache[index] == nil {
            cache[index] = img
            order.append(index)
            bytes += img.pixels.count * MemoryLayout<Float>.size
            while bytes > maxBytes, order.count > 1 {
                let victim = order.removeFirst()
                if let v = cache.removeValue(forKey: victim) { bytes -= v.pixels.count * MemoryLayout<Float>.size }
            }
        }
        return img
    }
}
