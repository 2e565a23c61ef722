// Atomic file output: every file ViewSynth writes (images, checkpoints, reports) goes through here, so a
// crash, a full disk or a failed encoder never leaves a half-written file under the final name.
//
// Protocol: write the bytes to a uniquely named temporary file in the destination folder (same file system,
// so the rename is atomic), fsync it, rename it over the destination, then fsync the folder (best effort).
// On any failure the temporary file is removed and an existing destination is left untouched.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum AtomicFile {
    /// Writes `data` to `url` atomically (temp file in the same folder + fsync + rename).
    /// New files get mode 0644 minus the process umask.
    /// - Throws: `ViewSynthError` naming `url.path` (e.g. a missing or unwritable folder, a full disk).
    public static func write(_ data: Data, to url: URL) throws {
        try write(data, to: url, beforeRename: nil)
    }

    /// Same as `write(_:to:)`, with a hook run after the temporary file is complete and synced but before the
    /// rename; tests use it to simulate a failure at the last moment. The hook receives the temporary file's URL.
    static func write(_ data: Data, to url: URL, beforeRename: ((URL) throws -> Void)?) throws {
        let staged = try stage(data, for: url)
        do {
            if let hook = beforeRename { try hook(staged.temporary) }
            try staged.commit()
        } catch {
            staged.discard()
            throw error
        }
    }

    /// A file written completely (and synced) under a temporary name beside its destination, not yet renamed.
    /// Several files of one result are staged first and committed only when all of them are complete, so a
    /// failure part-way leaves every earlier result untouched. A staged file that is neither committed nor
    /// discarded is a temporary that `removeStaleTemporaries` cleans up after the process ends.
    public struct Staged: Sendable {
        public let destination: URL
        public let temporary: URL

        /// Renames the temporary file over the destination (atomic), then syncs the folder (best effort).
        public func commit() throws {
            if rename(temporary.path, destination.path) != 0 {
                let err = errno
                throw ViewSynthError(destination.path, expected: "a replaceable destination file",
                                     found: "rename failed (\(describe(errno: err)))")
            }
            let folder = destination.deletingLastPathComponent().path
            let dirFD = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dirFD >= 0 { _ = fsync(dirFD); close(dirFD) }
        }

        /// Removes the temporary file; the destination is untouched.
        public func discard() { unlink(temporary.path) }
    }

    /// Writes `data` to a new temporary file in `url`'s folder (same file system, so `commit` is atomic) and
    /// fsyncs it. On failure nothing is left behind and the destination is untouched.
    /// - Throws: `ViewSynthError` naming `url.path`.
    public static func stage(_ data: Data, for url: URL) throws -> Staged {
        let path = url.path
        let folder = url.deletingLastPathComponent().path
        let name = url.lastPathComponent
        guard !name.isEmpty, name != "/" else {
            throw ViewSynthError(path, expected: "a file path to write", found: "a path without a file name")
        }
        let tempPath = (folder as NSString).appendingPathComponent(temporaryName(for: name))

        let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let err = errno
            throw ViewSynthError(path, expected: "a writable folder \(folder)",
                                 found: "cannot create a file there (\(describe(errno: err)))")
        }
        var fdOpen = true
        var complete = false
        defer {
            if fdOpen { close(fd) }
            if !complete { unlink(tempPath) }
        }

        // Write everything, tolerating short writes and EINTR.
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let n = posixWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    let err = errno
                    if err == EINTR { continue }
                    throw ViewSynthError(path, expected: "the file to be written completely",
                                         found: "a write error after \(offset) of \(raw.count) bytes (\(describe(errno: err)))")
                }
                offset += n
            }
        }
        if fsync(fd) != 0 {
            let err = errno
            throw ViewSynthError(path, expected: "the file to be flushed to disk", found: "fsync failed (\(describe(errno: err)))")
        }
        fdOpen = false
        if close(fd) != 0 {
            let err = errno
            throw ViewSynthError(path, expected: "the file to be closed cleanly", found: "close failed (\(describe(errno: err)))")
        }
        complete = true
        return Staged(destination: url, temporary: URL(fileURLWithPath: tempPath))
    }

    /// Adopts a file another program wrote completely at `temporary` (a name from `temporaryName(for:)` in
    /// `url`'s folder, e.g. an encoder's output): syncs it and returns it staged for `commit` over `url`.
    /// - Throws: `ViewSynthError` naming `url.path`; the temporary file is then removed.
    public static func adopt(_ temporary: URL, for url: URL) throws -> Staged {
        let staged = Staged(destination: url, temporary: temporary)
        let fd = open(temporary.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let err = errno
            staged.discard()
            throw ViewSynthError(url.path, expected: "the finished file at \(temporary.path)", found: "cannot open it (\(describe(errno: err)))")
        }
        defer { close(fd) }
        if fsync(fd) != 0 {
            let err = errno
            staged.discard()
            throw ViewSynthError(url.path, expected: "the file to be flushed to disk", found: "fsync failed (\(describe(errno: err)))")
        }
        return staged
    }

    /// Temporary-file name for `name` written by process `pid`: ".<name>.tmp-<pid>-<8 hex>-<host tag>". The host
    /// tag (8 hex digits of the host name's hash) tells writers on other machines sharing the folder (cluster
    /// shards on a network file system, pods whose process ids overlap) apart from this machine's.
    public static func temporaryName(for name: String, pid: Int32 = getpid()) -> String {
        ".\(name).tmp-\(pid)-\(UUID().uuidString.prefix(8))-\(hostTag)"
    }

    /// 8 hex digits of FNV-1a 64 of this machine's host name.
    public static let hostTag: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        let host = gethostname(&buffer, buffer.count - 1) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "unknown"
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in host.utf8 { h ^= UInt64(b); h &*= 0x100_0000_01b3 }
        let hex = String(h >> 32, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }()

    /// The writer's process id if `name` is one of our temporary names, else nil.
    static func temporaryOwner(_ name: String) -> Int32? { temporaryWriter(name)?.pid }

    /// The writer's process id and host tag (nil: a name from before host tags, taken as this machine's) if
    /// `name` is one of our temporary names.
    static func temporaryWriter(_ name: String) -> (pid: Int32, host: String?)? {
        guard name.hasPrefix("."), let r = name.range(of: ".tmp-", options: .backwards) else { return nil }
        let parts = name[r.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, parts[1].count == 8, let pid = Int32(parts[0]), pid > 0 else { return nil }
        if parts.count == 3 {
            guard parts[2].count == 8, parts[2].allSatisfy(\.isHexDigit) else { return nil }
            return (pid, String(parts[2]))
        }
        return (pid, nil)
    }

    /// How old another machine's temporary must be before it is taken as left by a killed writer (its process
    /// cannot be asked from here).
    public static let foreignTemporaryAge: TimeInterval = 24 * 3600

    /// Removes temporary files in `folder` (not recursive) left by writers that no longer run (a killed
    /// process leaves its temporary file behind; it is never mistaken for a result, but it wastes space).
    /// Files of live processes (including this one) are kept, and so are those of other machines (by host tag)
    /// younger than `foreignTemporaryAge`. Returns the names removed.
    @discardableResult
    public static func removeStaleTemporaries(in folder: URL) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        var removed: [String] = []
        for name in names.sorted() {
            guard let writer = temporaryWriter(name) else { continue }
            let path = folder.appendingPathComponent(name).path
            if let host = writer.host, host != hostTag {
                guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                      Date().timeIntervalSince(modified) > foreignTemporaryAge else { continue }
            } else {
                let pid = writer.pid
                if pid == getpid() || kill(pid, 0) == 0 || errno == EPERM { continue }   // writer still alive
            }
            if unlink(path) == 0 { removed.append(name) }
        }
        return removed
    }

    /// "no such file or directory" style text for an errno value.
    static func describe(errno err: Int32) -> String {
        guard let s = strerror(err) else { return "errno \(err)" }
        return String(cString: s).lowercased()
    }
}
