// A float image: `height × width × channels`, interleaved, row-major from the top-left pixel,
// values nominally in [0, 1]. Pixel (x, y) covers [x, x+1) × [y, y+1) in pixel coordinates; its centre
// is (x + 0.5, y + 0.5) (see Geometry/ for the one place this convention is used).

public struct Image: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var pixels: [Float]

    public init(width: Int, height: Int, channels: Int, pixels: [Float]) {
        precondition(width >= 0 && height >= 0 && (1...4).contains(channels))
        precondition(pixels.count == width * height * channels, "pixel count \(pixels.count) ≠ \(width)×\(height)×\(channels)")
        self.width = width; self.height = height; self.channels = channels; self.pixels = pixels
    }
    public init(width: Int, height: Int, channels: Int, fill: Float = 0) {
        self.init(width: width, height: height, channels: channels,
                  pixels: [Float](repeating: fill, count: width * height * channels))
    }

    @inlinable public func index(x: Int, y: Int, c: Int = 0) -> Int { (y * width + x) * channels + c }
    @inlinable public subscript(x: Int, y: Int, c: Int) -> Float {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }

    /// RGB copy: gray is replicated, alpha is composited over `background` (RGB in [0,1]).
    public func rgb(background: SIMD3<Float> = SIMD3(1, 1, 1)) -> Image {
        if channels == 3 { return self }
        var out = [Float](repeating: 0, count: width * height * 3)
        for p in 0..<(width * height) {
            let s = p * channels
            var c: SIMD3<Float>
            var a: Float = 1
            switch channels {
            case 1: c = SIMD3(repeating: pixels[s])
            case 2: c = SIMD3(repeating: pixels[s]); a = pixels[s + 1]
            default: c = SIMD3(pixels[s], pixels[s + 1], pixels[s + 2]); a = pixels[s + 3]
            }
            c = c * a + background * (1 - a)
            out[p * 3] = c.x; out[p * 3 + 1] = c.y; out[p * 3 + 2] = c.z
        }
        return Image(width: width, height: height, channels: 3, pixels: out)
    }

    /// The samples as 8-bit values: clamped to [0, 1], rounded to the nearest of 0…255; NaN becomes 0.
    /// The one quantisation every 8-bit encoder (PNG, JPEG) uses.
    public func quantized8() -> [UInt8] {
        let n = pixels.count
        return [UInt8](unsafeUninitializedCapacity: n) { dst, initialized in
            pixels.withUnsafeBufferPointer { src in
                for i in 0..<n {
                    let v = src[i]
                    let c: Float = v > 0 ? (v < 1 ? v : 1) : 0   // NaN → 0
                    dst[i] = UInt8(c * 255 + 0.5)
                }
            }
            initialized = n
        }
    }
}
