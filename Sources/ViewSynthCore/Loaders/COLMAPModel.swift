// COLMAP sparse model files (cameras, images, points3D), text and binary: read and write.
// Raw COLMAP data only (cameraFromWorld quaternions, model parameter lists); COLMAPLoader converts to a Scene.
//
// Binary layout (little-endian): cameras.bin: u64 n; n × (i32 id, i32 model, u64 width, u64 height, f64 params[k]).
// images.bin: u64 n; n × (i32 id, f64 qw qx qy qz, f64 tx ty tz, i32 camera id, NUL-terminated name,
// u64 m, m × (f64 x, f64 y, i64 point3D id)). points3D.bin: u64 n; n × (u64 id, f64 x y z, u8 r g b, f64 error,
// u64 len, len × (i32 image id, i32 point2D index)).

import Foundation

struct COLMAPModel {
    struct Camera: Equatable {
        var id: Int, model: String, width: Int, height: Int, params: [Double]
    }
    struct Image: Equatable {
        var id: Int, qw: Double, qx: Double, qy: Double, qz: Double, t: Vec3, cameraID: Int, name: String
    }
    var cameras: [Int: Camera] = [:]
    var images: [Image] = []
    var points: [Vec3] = []
    /// Per point (parallel to `points` when read from a file): COLMAP's mean reprojection error in pixels (the
    /// ERROR field; NaN where a text line has none) and its track length (observations; 0 where unknown).
    var pointErrors: [Double] = []
    var trackLengths: [Int] = []

    /// Model names by COLMAP id, with their parameter counts.
    static let models: [(name: String, params: Int)] = [
        ("SIMPLE_PINHOLE", 3), ("PINHOLE", 4), ("SIMPLE_RADIAL", 4), ("RADIAL", 5), ("OPENCV", 8),
        ("OPENCV_FISHEYE", 8), ("FULL_OPENCV", 12), ("FOV", 5), ("SIMPLE_RADIAL_FISHEYE", 4),
        ("RADIAL_FISHEYE", 5), ("THIN_PRISM_FISHEYE", 12), ("RAD_TAN_THIN_PRISM_FISHEYE", 16),
    ]

    // MARK: reading

    /// Reads `folder`/{cameras,images,points3D}.bin if cameras.bin exists, else the .txt files.
    static func read(_ folder: URL) throws -> COLMAPModel {
        let fm = FileManager.default
        if fm.fileExists(atPath: folder.appendingPathComponent("cameras.bin").path) { return try readBinary(folder) }
        return try readText(folder)
    }

    static func dataLines(_ url: URL) throws -> [Substring] {
        try lines(InputFile.readText(url, expected: "a COLMAP text file"))
    }

    static func lines(_ text: String) -> [Substring] { text.split(separator: "\n", omittingEmptySubsequences: false) }

    static func readText(_ folder: URL) throws -> COLMAPModel {
        var m = COLMAPModel()
        let camURL = folder.appendingPathComponent("cameras.txt")
        m.cameras = try parseCameras(dataLines(camURL), file: camURL.path)
        let imgURL = folder.appendingPathComponent("images.txt")
        m.images = try parseImages(dataLines(imgURL), file: imgURL.path)
        let ptURL = folder.appendingPathComponent("points3D.txt")
        if FileManager.default.fileExists(atPath: ptURL.path) {
            (m.points, m.pointErrors, m.trackLengths) = parsePointsWithErrors(try dataLines(ptURL))
        }
        return m
    }

    /// Checks a camera's size (each side 1…maxImageSide, before any conversion) and that its id is new.
    static func addCamera<I: BinaryInteger>(id: Int, model: String, width: I, height: I, params: [Double],
                                            to cameras: inout [Int: Camera], file: String) throws {
        let side = 1...InputLimits.maxImageSide
        let w = try InputLimits.checkedInt(width, field: "the width of camera \(id)", file: file, range: side)
        let h = try InputLimits.checkedInt(height, field: "the height of camera \(id)", file: file, range: side)
        guard cameras[id] == nil else { throw ViewSynthError(file, expected: "distinct camera ids", found: "camera \(id) twice") }
        guard cameras.count < InputLimits.maxSceneViews else {
            throw ViewSynthError(file, expected: "at most \(InputLimits.maxSceneViews) cameras", found: "more")
        }
        cameras[id] = Camera(id: id, model: model, width: w, height: h, params: params)
    }

    /// Checks that an image's id and name are new (duplicates would give views overwriting each other's outputs).
    static func addImage(_ im: Image, to images: inout [Image], seen: inout (ids: Set<Int>, names: Set<String>), file: String) throws {
        guard seen.ids.insert(im.id).inserted else { throw ViewSynthError(file, expected: "distinct image ids", found: "image id \(im.id) twice") }
        guard seen.names.insert(im.name).inserted else {
            throw ViewSynthError(file, expected: "distinct image names", found: "\(im.name.prefix(80)) twice")
        }
        guard images.count < InputLimits.maxSceneViews else {
            throw ViewSynthError(file, expected: "at most \(InputLimits.maxSceneViews) images", found: "more")
        }
        images.append(im)
    }

    /// cameras.txt: CAMERA_ID MODEL WIDTH HEIGHT PARAMS[] per line.
    static func parseCameras(_ lines: [Substring], file: String) throws -> [Int: Camera] {
        var cameras: [Int: Camera] = [:]
        for (ln, line) in lines.enumerated() {
            let s = line.trimmingCharacters(in: .whitespaces)
            if s.isEmpty || s.hasPrefix("#") { continue }
            let f = s.split(separator: " ")
            guard f.count >= 4, let id = Int(f[0]), let w = Int(f[2]), let h = Int(f[3]) else {
                throw ViewSynthError(file, expected: "CAMERA_ID MODEL WIDTH HEIGHT PARAMS[] on line \(ln + 1)", found: "\"\(s.prefix(60))\"")
            }
            guard f.count <= 4 + 16 else { throw ViewSynthError(file, expected: "at most 16 parameters on line \(ln + 1)", found: "\(f.count - 4)") }
            let params = try f[4...].map { t -> Double in
                guard let v = Double(t) else { throw ViewSynthError(file, expected: "numeric parameters on line \(ln + 1)", found: "\"\(t.prefix(30))\"") }
                return v
            }
            try addCamera(id: id, model: String(f[1].prefix(40)), width: w, height: h, params: params, to: &cameras, file: file)
        }
        return cameras
    }

    /// Whether an images.txt line is a POINTS2D line: numbers only, in (X, Y, POINT3D_ID) triples (an empty
    /// line is one with no points). An image line has 10 fields, never a multiple of 3 when all are numbers,
    /// so a file without its POINTS2D lines still parses every image.
    static func isPointsLine(_ s: String) -> Bool {
        let f = s.split(separator: " ")
        return f.count % 3 == 0 && f.allSatisfy { Double($0) != nil }
    }

    /// images.txt: IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME per image, each followed by its POINTS2D line
    /// (which may be empty, or missing altogether).
    static func parseImages(_ lines: [Substring], file: String) throws -> [Image] {
        var images: [Image] = []
        var seen: (ids: Set<Int>, names: Set<String>) = ([], [])
        var expectPoints = false
        for (ln, line) in lines.enumerated() {
            let s = line.trimmingCharacters(in: CharacterSet(charactersIn: " \r"))
            if s.hasPrefix("#") { continue }
            if expectPoints {
                expectPoints = false
                if isPointsLine(s) { continue }
            }
            if s.isEmpty { continue }
            let f = s.split(separator: " ", maxSplits: 9)
            guard f.count == 10, let id = Int(f[0]), let cam = Int(f[8]) else {
                throw ViewSynthError(file, expected: "IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME on line \(ln + 1)", found: "\"\(s.prefix(60))\"")
            }
            let v = f[1...7].map { Double($0) }
            guard v.allSatisfy({ $0 != nil }) else {
                throw ViewSynthError(file, expected: "numeric pose on line \(ln + 1)", found: "\"\(s.prefix(60))\"")
            }
            try addImage(Image(id: id, qw: v[0]!, qx: v[1]!, qy: v[2]!, qz: v[3]!, t: Vec3(v[4]!, v[5]!, v[6]!),
                               cameraID: cam, name: String(f[9])), to: &images, seen: &seen, file: file)
            expectPoints = true
        }
        return images
    }

    /// points3D.txt: POINT3D_ID X Y Z … per line (lines that do not parse are skipped: points only bound depth).
    static func parsePoints(_ lines: [Substring]) -> [Vec3] { parsePointsWithErrors(lines).points }

    /// points3D.txt: POINT3D_ID X Y Z R G B ERROR TRACK[] per line: the points, their ERROR fields (NaN when
    /// missing or not a number) and track lengths (pairs after ERROR). Lines without X Y Z are skipped.
    static func parsePointsWithErrors(_ lines: [Substring]) -> (points: [Vec3], errors: [Double], tracks: [Int]) {
        var points: [Vec3] = [], errors: [Double] = [], tracks: [Int] = []
        for line in lines {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let f = line.split(separator: " ", maxSplits: 8)
            guard f.count >= 4, let x = Double(f[1]), let y = Double(f[2]), let z = Double(f[3]) else { continue }
            points.append(Vec3(x, y, z))
            errors.append(f.count >= 8 ? Double(f[7]) ?? .nan : .nan)
            tracks.append(f.count >= 9 ? f[8].split(separator: " ").count / 2 : 0)
        }
        return (points, errors, tracks)
    }

    /// Little-endian cursor over a binary file; every read past the end throws naming the file.
    struct Reader {
        let bytes: [UInt8], url: URL
        var pos = 0
        init(_ url: URL) throws {
            try self.init(bytes: InputFile.read(url, expected: "a COLMAP binary file"), url: url)
        }
        init(bytes: Data, url: URL) {
            self.bytes = [UInt8](bytes); self.url = url
        }
        mutating func raw<T: FixedWidthInteger>(_: T.Type) throws -> T {
            let n = MemoryLayout<T>.size
            guard pos + n <= bytes.count else {
                throw ViewSynthError(url, expected: "\(n) more bytes at offset \(pos)", found: "end of file (truncated)")
            }
            let v = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: pos, as: T.self) }
            pos += n
            return T(littleEndian: v)
        }
        mutating func f64() throws -> Double { Double(bitPattern: try raw(UInt64.self)) }
        mutating func count(_ what: String) throws -> Int {
            let n = try raw(UInt64.self)
            guard n < UInt64(bytes.count) else { throw ViewSynthError(url, expected: "a plausible \(what) count", found: "\(n)") }
            return Int(n)
        }
        mutating func cString() throws -> String {
            guard let end = bytes[pos...].firstIndex(of: 0) else {
                throw ViewSynthError(url, expected: "a NUL-terminated image name at offset \(pos)", found: "end of file")
            }
            let s = String(decoding: bytes[pos..<end], as: UTF8.self)
            pos = end + 1
            return s
        }
    }

    static func readBinary(_ folder: URL) throws -> COLMAPModel {
        var m = COLMAPModel()
        var r = try Reader(folder.appendingPathComponent("cameras.bin"))
        m.cameras = try parseBinaryCameras(&r)
        r = try Reader(folder.appendingPathComponent("images.bin"))
        m.images = try parseBinaryImages(&r)
        let pURL = folder.appendingPathComponent("points3D.bin")
        if FileManager.default.fileExists(atPath: pURL.path) {
            r = try Reader(pURL)
            (m.points, m.pointErrors, m.trackLengths) = try parseBinaryPointsWithErrors(&r)
        }
        return m
    }

    static func parseBinaryCameras(_ r: inout Reader) throws -> [Int: Camera] {
        var cameras: [Int: Camera] = [:]
        for _ in 0..<(try r.count("camera")) {
            let id = Int(try r.raw(Int32.self)), modelID = Int(try r.raw(Int32.self))
            let w = try r.raw(UInt64.self), h = try r.raw(UInt64.self)
            guard modelID >= 0, modelID < models.count else {
                throw ViewSynthError(r.url, expected: "a COLMAP camera model id 0–\(models.count - 1) for camera \(id)", found: "\(modelID)")
            }
            let params = try (0..<models[modelID].params).map { _ in try r.f64() }
            try addCamera(id: id, model: models[modelID].name, width: w, height: h, params: params, to: &cameras, file: r.url.path)
        }
        return cameras
    }

    static func parseBinaryImages(_ r: inout Reader) throws -> [Image] {
        var images: [Image] = []
        var seen: (ids: Set<Int>, names: Set<String>) = ([], [])
        for _ in 0..<(try r.count("image")) {
            let id = Int(try r.raw(Int32.self))
            let q = try (0..<4).map { _ in try r.f64() }, t = try (0..<3).map { _ in try r.f64() }
            let cam = Int(try r.raw(Int32.self))
            let name = try r.cString()
            let np = try r.count("point2D")   // < file size, so × 24 cannot overflow
            let skip = np * 24
            guard r.pos + skip <= r.bytes.count else {
                throw ViewSynthError(r.url, expected: "\(np) 2D points for image \(name.prefix(80))", found: "end of file (truncated)")
            }
            r.pos += skip
            try addImage(Image(id: id, qw: q[0], qx: q[1], qy: q[2], qz: q[3], t: Vec3(t[0], t[1], t[2]), cameraID: cam, name: name),
                         to: &images, seen: &seen, file: r.url.path)
        }
        return images
    }

    static func parseBinaryPoints(_ r: inout Reader) throws -> [Vec3] { try parseBinaryPointsWithErrors(&r).points }

    /// points3D.bin: the points, their error fields and track lengths.
    static func parseBinaryPointsWithErrors(_ r: inout Reader) throws -> (points: [Vec3], errors: [Double], tracks: [Int]) {
        var points: [Vec3] = [], errors: [Double] = [], tracks: [Int] = []
        for _ in 0..<(try r.count("point")) {
            _ = try r.raw(UInt64.self)
            let p = Vec3(try r.f64(), try r.f64(), try r.f64())
            guard r.pos + 3 <= r.bytes.count else { throw ViewSynthError(r.url, expected: "a point colour", found: "end of file (truncated)") }
            r.pos += 3
            errors.append(try r.f64())
            let len = try r.count("track")
            guard r.pos + len * 8 <= r.bytes.count else {
                throw ViewSynthError(r.url, expected: "a track of \(len) entries", found: "end of file (truncated)")
            }
            r.pos += len * 8
            points.append(p)
            tracks.append(len)
        }
        return (points, errors, tracks)
    }

    // MARK: writing

    /// Point k's error and track length as written: from `pointErrors` / `trackLengths` when they hold it, else
    /// 0 (an unknown error; no track). Written tracks name the first image (observation indices 0, 1, …).
    func pointError(_ k: Int) -> Double { k < pointErrors.count && pointErrors[k].isFinite ? pointErrors[k] : 0 }
    func trackLength(_ k: Int) -> Int { k < trackLengths.count ? max(0, trackLengths[k]) : 0 }

    func writeText(to folder: URL) throws {
        var cams = "# Camera list with one line of data per camera:\n#   CAMERA_ID, MODEL, WIDTH, HEIGHT, PARAMS[]\n"
        for c in cameras.values.sorted(by: { $0.id < $1.id }) {
            cams += "\(c.id) \(c.model) \(c.width) \(c.height) " + c.params.map { "\($0)" }.joined(separator: " ") + "\n"
        }
        var imgs = "# Image list with two lines of data per image:\n#   IMAGE_ID, QW, QX, QY, QZ, TX, TY, TZ, CAMERA_ID, NAME\n#   POINTS2D[] as (X, Y, POINT3D_ID)\n"
        for i in images {
            imgs += "\(i.id) \(i.qw) \(i.qx) \(i.qy) \(i.qz) \(i.t.x) \(i.t.y) \(i.t.z) \(i.cameraID) \(i.name)\n\n"
        }
        var pts = "# 3D point list with one line of data per point:\n#   POINT3D_ID, X, Y, Z, R, G, B, ERROR, TRACK[] as (IMAGE_ID, POINT2D_IDX)\n"
        for (k, p) in points.enumerated() {
            pts += "\(k + 1) \(p.x) \(p.y) \(p.z) 128 128 128 \(pointError(k))"
            for j in 0..<trackLength(k) { pts += " \(images.first?.id ?? 1) \(j)" }
            pts += "\n"
        }
        try AtomicFile.write(Data(cams.utf8), to: folder.appendingPathComponent("cameras.txt"))
        try AtomicFile.write(Data(imgs.utf8), to: folder.appendingPathComponent("images.txt"))
        try AtomicFile.write(Data(pts.utf8), to: folder.appendingPathComponent("points3D.txt"))
    }

    func writeBinary(to folder: URL) throws {
        var d = Data()
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func putF(_ v: Double) { put(v.bitPattern) }
        put(UInt64(cameras.count))
        for c in cameras.values.sorted(by: { $0.id < $1.id }) {
            guard let mid = COLMAPModel.models.firstIndex(where: { $0.name == c.model }), COLMAPModel.models[mid].params == c.params.count else {
                throw ViewSynthError(folder, expected: "a known COLMAP model with matching parameters", found: "\(c.model) with \(c.params.count)")
            }
            put(Int32(c.id)); put(Int32(mid)); put(UInt64(c.width)); put(UInt64(c.height))
            c.params.forEach(putF)
        }
        try AtomicFile.write(d, to: folder.appendingPathComponent("cameras.bin"))
        d = Data()
        put(UInt64(images.count))
        for i in images {
            put(Int32(i.id)); [i.qw, i.qx, i.qy, i.qz, i.t.x, i.t.y, i.t.z].forEach(putF); put(Int32(i.cameraID))
            d.append(contentsOf: Array(i.name.utf8)); d.append(0)
            put(UInt64(0))
        }
        try AtomicFile.write(d, to: folder.appendingPathComponent("images.bin"))
        d = Data()
        put(UInt64(points.count))
        for (k, p) in points.enumerated() {
            put(UInt64(k + 1)); putF(p.x); putF(p.y); putF(p.z); d.append(contentsOf: [128, 128, 128]); putF(pointError(k))
            put(UInt64(trackLength(k)))
            for j in 0..<trackLength(k) { put(Int32(images.first?.id ?? 1)); put(Int32(j)) }
        }
        try AtomicFile.write(d, to: folder.appendingPathComponent("points3D.bin"))
    }
}
