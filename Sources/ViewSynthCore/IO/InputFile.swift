// Opening and reading input files safely: every file ViewSynth reads (images, JSON, .npy, COLMAP models,
// checkpoints, camera paths, configs) goes through here, so a hostile path gives a clear one-line error instead
// of a hang or an unbounded read:
//   * the file is opened with O_NONBLOCK and must be a regular file (fstat), so a FIFO named like an image
//     cannot block; folders, devices (/dev/zero), sockets are refused by kind;
//   * a self-looping symlink, a permission problem or a name that is not valid UTF-8 are said as such
//     (not "no such file");
//   * a file larger than InputLimits.maxInputFileBytes is refused before it is read.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum InputFile {
    /// Why `open(2)` failed, in words.
    static func describeOpenFailure(_ err: Int32, path: String) -> String {
        switch err {
        case ENOENT:
            return path.contains("\u{FFFD}") ? "a file name that is not valid UTF-8 (such names are not supported)" : "no such file"
        case ELOOP: return "a symbolic link loop"
        case EACCES, EPERM: return "permission denied"
        case ENOTDIR: return "a path through something that is not a folder"
        default: return AtomicFile.describe(errno: err)
        }
    }

    /// The kind of a non-regular file, in words.
    static func describeKind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a FIFO (named pipe), not a regular file"
        case S_IFCHR, S_IFBLK: return "a device, not a regular file"
        case S_IFSOCK: return "a socket, not a regular file"
        default: return "not a regular file"
        }
    }

    /// Opens a regular file for reading; the descriptor is blocking again when returned. `expected` says what
    /// the file should be ("a PNG or JPEG image"), for the error message.
    public static func open(_ path: String, expected: String) throws -> Int32 {
        try openRegular(path, expected: expected).fd
    }

    /// `open`, with the file's size from the same fstat.
    static func openRegular(_ path: String, expected: String) throws -> (fd: Int32, size: Int) {
        guard !path.isEmpty else { throw ViewSynthError("''", expected: expected, found: "an empty path") }
        let fd = posixOpen(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let err = errno
            throw ViewSynthError(path, expected: expected, found: describeOpenFailure(err, path: path))
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let err = errno
            close(fd)
            throw ViewSynthError(path, expected: expected, found: "cannot stat it (\(AtomicFile.describe(errno: err)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw ViewSynthError(path, expected: expected, found: describeKind(st.st_mode))
        }
        guard Int64(st.st_size) <= InputLimits.maxInputFileBytes else {
            close(fd)
            throw ViewSynthError(path, expected: "\(expected) of at most \(InputLimits.maxInputFileBytes) bytes", found: "\(st.st_size) bytes")
        }
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        return (fd, max(Int(st.st_size), 0))
    }

    /// The whole regular file at `path` (see `open`), at most InputLimits.maxInputFileBytes.
    public static func read(_ path: String, expected: String) throws -> Data {
        let (fd, expectedSize) = try openRegular(path, expected: expected)
        defer { close(fd) }
        var data = Data()
        data.reserveCapacity(expectedSize)
        while true {   // the size, then more while the file grows (a whole read ends with a short one)
            let want = max(65536, expectedSize - data.count + 1)
            let chunk = try read(fd, offset: data.count, count: want, path: path, expected: expected)
            data.append(contentsOf: chunk)
            if chunk.count < want { return data }
            guard Int64(data.count) < InputLimits.maxInputFileBytes else {
                throw ViewSynthError(path, expected: "\(expected) of at most \(InputLimits.maxInputFileBytes) bytes", found: "more")
            }
        }
    }

    public static func read(_ url: URL, expected: String) throws -> Data { try read(url.path, expected: expected) }

    /// Up to `count` bytes at `offset` of an open file (fewer at its end), e.g. an image header.
    static func read(_ fd: Int32, offset: Int, count: Int, path: String, expected: String) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, count - got, off_t(offset + got)) }
            if n < 0 {
                let err = errno
                if err == EINTR { continue }
                throw ViewSynthError(path, expected: expected, found: "a read error (\(AtomicFile.describe(errno: err)))")
            }
            if n == 0 { break }
            got += n
        }
        out.removeLast(count - got)
        return out
    }

    /// The whole file as UTF-8 text.
    public static func readText(_ url: URL, expected: String) throws -> String {
        let data = try read(url.path, expected: expected)
        guard let text = String(data: data, encoding: .utf8) else {
            throw ViewSynthError(url, expected: expected, found: "\(data.count) bytes that are not UTF-8 text")
        }
        return text
    }
}
