// The contract between the tiled renderer and a rendering method (sweep, GPNR, LFNR).
// The renderer does not care which method it drives: it hands out tiles of target pixels, one per call,
// on any worker thread, with a per-worker scratch arena allocated once.
//
// Determinism: a method's output for a pixel may depend only on (scene, target camera, pixel, settings) —
// never on tile order, thread count or previous calls — so renders are byte-identical with 1 or 2 threads.

import Foundation
import ViewSynthCore

/// A rectangular block of target pixels [x0, x0+width) × [y0, y0+height).
public struct PixelTile: Sendable, Equatable {
    public var x0: Int, y0: Int, width: Int, height: Int
    public init(x0: Int, y0: Int, width: Int, height: Int) { self.x0 = x0; self.y0 = y0; self.width = width; self.height = height }
    public var pixelCount: Int { width * height }
}

/// Output buffers for one tile: `rgb` is tile.height × tile.width × 3 (row-major), `depth` is
/// tile.height × tile.width camera-z depth (when the caller wants depth).
public struct TileOutput {
    public var rgb: UnsafeMutableBufferPointer<Float>
    public var depth: UnsafeMutableBufferPointer<Float>?
    public init(rgb: UnsafeMutableBufferPointer<Float>, depth: UnsafeMutableBufferPointer<Float>?) { self.rgb = rgb; self.depth = depth }
}

public protocol RenderMethod: Sendable {
    /// Everything needed to render one target camera (chosen reference views, their images, …).
    associatedtype ViewContext: Sendable
    /// Per-worker scratch memory, allocated once per render and reused for every tile.
    associatedtype Scratch

    /// Short name, used in output paths ("sweep", "gpnr").
    var name: String { get }
    /// Every setting that changes output bytes (used for resume hashes and metrics.json).
    var settings: [String: String] { get }
    /// Render options besides `settings` that can change this method's output bytes (e.g. the model methods'
    /// ray batching follows the tiles, so --chunk may change a last bit); part of an eval's fingerprint, so
    /// `merge` refuses views rendered with others. Default: none (the plane sweep's bytes depend on no option).
    func outputOptions(_ options: RenderOptions) -> [String: String]

    /// Prepares a target camera. `excludingView` is the scene view being re-rendered (held-out evaluation),
    /// which must never serve as a reference.
    func prepare(target: Camera, excludingView: Int?, references: ReferenceImages) throws -> ViewContext
    /// Scratch big enough for tiles of at most `maxPixels` pixels.
    func makeScratch(maxPixels: Int) -> Scratch
    /// Renders one tile.
    func render(tile: PixelTile, target: Camera, context: ViewContext, scratch: inout Scratch, output: TileOutput)
}

extension RenderMethod {
    public func outputOptions(_ options: RenderOptions) -> [String: String] { [:] }

    /// A stable hash of name + settings (FNV-1a over the sorted "key=value" lines), for resume checks.
    public var settingsHash: String {
        let text = ([name] + settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: "\n")
        return fnv1a64Hex(text)
    }
}

/// FNV-1a 64-bit hash of a string's UTF-8 bytes, as 16 hex digits.
public func fnv1a64Hex(_ text: String) -> String { fnv1a64Hex(bytes: text.utf8) }

/// FNV-1a 64-bit hash of bytes (used to check output files before skipping them), as 16 hex digits.
public func fnv1a64Hex(_ data: Data) -> String {
    data.withUnsafeBytes { fnv1a64Hex(bytes: $0) }
}

func fnv1a64Hex<S: Sequence>(bytes: S) -> String where S.Element == UInt8 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { h ^= UInt64(b); h &*= 0x100_0000_01b3 }
    return String(h, radix: 16).leftPadded(to: 16)
}

extension String {
    func leftPadded(to n: Int, with c: Character = "0") -> String {
        count >= n ? self : String(repeating: c, count: n - count) + self
    }
}
