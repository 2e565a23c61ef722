// The one table of limits on everything ViewSynth reads from a file or a command-line option, and the checked
// conversions every loader uses before a number from a file becomes an `Int`, is multiplied or sizes an
// allocation. A value outside its range is a `ViewSynthError` naming the file (or option), the field, the
// range expected and the value found, in one line; no input can trap on an integer conversion or overflow,
// or ask for an allocation beyond these bounds.
//
//   limit                    value          applies to
//   maxImageSide             32 768         image width / height: PNG/JPEG headers, w/h of transforms JSON,
//                                           LLFF hwf, COLMAP camera sizes, camera_path.json render sizes
//   maxImageSamples          2^28           width × height × max(channels, 3): samples after the RGB expansion
//                                           every consumer applies (1 GiB of Float)
//   maxSceneViews            100 000        views of a scene (LLFF rows, frames, COLMAP images and cameras)
//   maxFrames                100 000        cameras of a render (--frames, camera_path.json entries)
//   maxPlanes                1 024          plane-sweep depth planes (--planes, sweep config `planes`)
//   maxReferenceViews        64             reference views per target (--ref-views, sweep `views`, model `views`)
//   maxWindow                101            sweep aggregation / NCC window side (--window, `window`, `nccWindow`)
//   maxThreads               1 024          --threads
//   maxChunkRays             2^20           --chunk (rays per tile)
//   maxArrayElements         2^28           elements of an .npy array
//   maxInputFileBytes        2^32           any file read whole (images, JSON, .npy, COLMAP, checkpoints)
//   model config             ModelConfig.validate(): width ≤ 4096, layers ≤ 64 per transformer, samples ≤ 1024,
//                                           views ≤ 64, patchSize ≤ 31, plus a parameter and activation budget
//   safetensors              SafeTensors.parseHeader (engine): header ≤ 100 MB, offsets within the file,
//                                           shape × dtype size = byte range (checked arithmetic)

import Foundation

public enum InputLimits {
    public static let maxImageSide = 32_768
    public static let maxImageSamples = 1 << 28
    public static let maxSceneViews = 100_000
    public static let maxFrames = 100_000
    public static let maxPlanes = 1_024
    public static let maxReferenceViews = 64
    public static let maxWindow = 101
    public static let maxThreads = 1_024
    public static let maxChunkRays = 1 << 20
    public static let maxArrayElements = 1 << 28
    public static let maxInputFileBytes: Int64 = 1 << 32

    /// "1…32768" style text for a range.
    static func describe(_ range: ClosedRange<Int>) -> String { "\(range.lowerBound)…\(range.upperBound)" }

    /// A short rendering of a number found in a file (never a whole input).
    public static func describe(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x < 0 ? "-infinity" : "infinity" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return String(format: "%.6g", x)
    }

    /// `x` as an Int when it is an integer (within 1e-6, so 640.0000001 from a JSON writer passes) inside
    /// `range`; otherwise a ViewSynthError "<file>: expected <field> an integer in a…b, found x". The check
    /// happens on the Double, before any conversion, so no value can trap.
    public static func checkedInt(_ x: Double, field: String, file: String, range: ClosedRange<Int>) throws -> Int {
        let r = x.rounded()
        guard x.isFinite, abs(x - r) <= 1e-6, r >= Double(range.lowerBound), r <= Double(range.upperBound) else {
            throw ViewSynthError(file, expected: "\(field) an integer in \(describe(range))", found: describe(x))
        }
        return Int(r)
    }

    /// An integer of any width (UInt64 from a binary file, Int from a parse) checked against `range` before
    /// it becomes an Int.
    public static func checkedInt<T: BinaryInteger>(_ x: T, field: String, file: String, range: ClosedRange<Int>) throws -> Int {
        guard let v = Int(exactly: x), range.contains(v) else {
            throw ViewSynthError(file, expected: "\(field) in \(describe(range))", found: "\(x)")
        }
        return v
    }

    /// A finite Double in `range` (e.g. a field of view in degrees).
    public static func checkedDouble(_ x: Double, field: String, file: String, open range: ClosedRange<Double>,
                                     expected: String) throws -> Double {
        guard x.isFinite, x > range.lowerBound, x < range.upperBound else {
            throw ViewSynthError(file, expected: "\(field) \(expected)", found: describe(x))
        }
        return x
    }

    /// Throws unless a `width × height` image with `channels` channels fits: each side in 1…maxImageSide and
    /// width × height × max(channels, 3) ≤ maxImageSamples (the RGB copy every consumer makes). Call before
    /// allocating pixels.
    public static func checkImageSize(width: Int, height: Int, channels: Int = 3, file: String,
                                      what: String = "an image") throws {
        let side = 1...maxImageSide
        guard side.contains(width), side.contains(height) else {
            throw ViewSynthError(file, expected: "\(what) with sides in \(describe(side)) pixels", found: "\(width)×\(height)")
        }
        let samples = width * height * max(channels, 3)   // ≤ 2^15 · 2^15 · 4: cannot overflow
        guard samples <= maxImageSamples else {
            throw ViewSynthError(file, expected: "\(what) of at most \(maxImageSamples) samples (width × height × \(max(channels, 3)))",
                                 found: "\(width)×\(height) (\(samples) samples)")
        }
    }

    /// `a × b` or a ViewSynthError naming `field` when the product overflows or exceeds `limit`.
    public static func checkedProduct(_ factors: [Int], limit: Int, field: String, file: String) throws -> Int {
        var p = 1
        for f in factors {
            let (r, o) = p.multipliedReportingOverflow(by: f)
            guard f >= 0, !o, r <= limit else {
                throw ViewSynthError(file, expected: "\(field) of at most \(limit)", found: "\(factors.map(String.init).joined(separator: " × "))")
            }
            p = r
        }
        return p
    }
}
