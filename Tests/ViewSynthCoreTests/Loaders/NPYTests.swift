import Foundation
import Testing
@testable import ViewSynthCore

struct NPYTests {
    /// Bytes of an .npy file with a hand-written header (any version, any dict text).
    static func handmade(version: UInt8, header: String, payload: [UInt8]) -> Data {
        var h = header
        let prefix = version == 1 ? 10 : 12
        while (prefix + h.utf8.count + 1) % 64 != 0 { h += " " }
        h += "\n"
        var d = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0])
        let n = h.utf8.count
        if version == 1 { d.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8)]) }
        else { d.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8), 0, 0]) }
        d.append(contentsOf: Array(h.utf8))
        d.append(contentsOf: payload)
        return d
    }
    static func f8(_ v: [Double]) -> [UInt8] { v.flatMap { x in withUnsafeBytes(of: x.bitPattern.littleEndian) { Array($0) } } }

    @Test func roundTripFloat64AndFloat32() throws {
        let vals = (0..<12).map { Double($0) * 0.37 - 1.5 }
        let a = try NPY.decode(NPY.encode(vals, shape: [3, 4]), path: "x.npy")
        #expect(a.shape == [3, 4] && a.values == vals && a.dtype == "<f8")
        let b = try NPY.decode(NPY.encode(vals, shape: [12], dtype: .float32), path: "x.npy")
        #expect(b.shape == [12] && b.dtype == "<f4")
        #expect(zip(b.values, vals).allSatisfy { abs($0 - $1) < 1e-6 })
        // header is padded so that the data starts at a multiple of 64
        let enc = [UInt8](NPY.encode(vals, shape: [3, 4]))
        #expect((10 + Int(enc[8]) + Int(enc[9]) << 8) % 64 == 0)
    }

    @Test func readsVersions2And3AndOddSpacing() throws {
        let vals: [Double] = [1, 2, 3, 4, 5, 6]
        for v: UInt8 in [1, 2, 3] {
            let d = Self.handmade(version: v, header: "{\"descr\":'<f8','fortran_order':False,'shape':(2,3)}", payload: Self.f8(vals))
            let a = try NPY.decode(d, path: "v.npy")
            #expect(a.shape == [2, 3] && a.values == vals)
        }
        let scalar = try NPY.decode(Self.handmade(version: 1, header: "{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
                                                  payload: Self.f8([7])), path: "s.npy")
        #expect(scalar.shape == [] && scalar.values == [7])
    }

    @Test func rejectsFortranOrderOtherDtypesAndTruncation() {
        let payload = Self.f8([1, 2, 3, 4])
        LoaderFixtures.expectError(file: "f.npy", mentions: ["C-order", "fortran_order: True"]) {
            _ = try NPY.decode(Self.handmade(version: 1, header: "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", payload: payload), path: "f.npy")
        }
        LoaderFixtures.expectError(file: "i.npy", mentions: ["'<f8' or '<f4'", "'<i8'"]) {
            _ = try NPY.decode(Self.handmade(version: 1, header: "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }", payload: payload), path: "i.npy")
        }
        LoaderFixtures.expectError(file: "b.npy", mentions: ["'>f8'"]) {
            _ = try NPY.decode(Self.handmade(version: 1, header: "{'descr': '>f8', 'fortran_order': False, 'shape': (2, 2), }", payload: payload), path: "b.npy")
        }
        LoaderFixtures.expectError(file: "t.npy", mentions: ["data bytes"]) {
            _ = try NPY.decode(Self.handmade(version: 1, header: "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", payload: payload), path: "t.npy")
        }
        LoaderFixtures.expectError(file: "m.npy", mentions: ["NUMPY"]) {
            _ = try NPY.decode(Data("hello world, not numpy".utf8), path: "m.npy")
        }
        LoaderFixtures.expectError(file: "v.npy", mentions: ["version"]) {
            _ = try NPY.decode(Self.handmade(version: 9, header: "{}", payload: []), path: "v.npy")
        }
    }

    @Test func writesAtomicallyToDisk() throws {
        let dir = try LoaderFixtures.tempDir()
        defer { LoaderFixtures.cleanup(dir) }
        let u = dir.appendingPathComponent("depth.npy")
        try NPY.write([Float](repeating: 0.5, count: 6), shape: [2, 3], to: u)
        let a = try NPY.read(u)
        #expect(a.shape == [2, 3] && a.dtype == "<f4" && a.values.allSatisfy { $0 == 0.5 })
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(leftovers == ["depth.npy"])
    }
}
