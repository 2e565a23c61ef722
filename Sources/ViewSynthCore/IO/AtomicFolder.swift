// Atomic folder output: a result made of many files (a posed scene: images/, sparse/0/, a log) is built in a
// temporary folder beside its destination and renamed into place only when it is complete, so a failed or
// killed run never leaves a half-made folder under the final name, and never damages an earlier result.
//
// Protocol: `stage(for:)` creates ".<name>.tmp-<pid>-<8 hex>" in the destination's parent (same file system, so
// the rename is atomic; the name is an AtomicFile temporary name, so a killed run's leftover is recognised and
// removed by `removeStale`). `commit` renames it to the destination: directly when the destination is missing
// or an empty folder; with `replacing` over a non-empty folder by first renaming that aside (to another
// temporary name), then renaming the new one in, then deleting the old one — if the second rename fails the old
// folder is put back.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum AtomicFolder {
    /// What is at a destination path now.
    public enum Occupant: Equatable, Sendable {
        case nothing, emptyFolder, folder, notAFolder
    }

    public static func occupant(_ url: URL) -> Occupant {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            // A dangling symbolic link is "something" too: never replace it silently.
            return (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) != nil ? .notAFolder : .nothing
        }
        guard isDir.boolValue else { return .notAFolder }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? ["?"]
        return entries.isEmpty ? .emptyFolder : .folder
    }

    /// A complete folder under a temporary name beside `destination`, not yet renamed.
    public struct Staged: Sendable {
        public let destination: URL
        public let temporary: URL

        /// Renames the staged folder to `destination`. A non-empty destination folder is replaced only when
        /// `replacing` (else, and for a destination that is not a folder, it throws and changes nothing).
        /// - Throws: `ViewSynthError` naming the destination; the staged folder is then left as it is (discard it).
        public func commit(replacing: Bool) throws {
            let fm = FileManager.default
            switch AtomicFolder.occupant(destination) {
            case .nothing: break
            case .emptyFolder:
                _ = rmdir(destination.path)   // a file created there meanwhile makes the rename fail below
            case .notAFolder:
                throw ViewSynthError(destination, expected: "a folder to write (or nothing there)", found: "a file that is not a folder")
            case .folder:
                guard replacing else {
                    throw ViewSynthError(destination, expected: "an empty or missing folder (or --overwrite)", found: "a folder with files")
                }
                let parent = destination.deletingLastPathComponent()
                let aside = parent.appendingPathComponent(AtomicFile.temporaryName(for: destination.lastPathComponent + ".old"))
                guard rename(destination.path, aside.path) == 0 else {
                    let err = errno
                    throw ViewSynthError(destination, expected: "a folder that can be replaced",
                                         found: "cannot move it aside (\(AtomicFile.describe(errno: err)))")
                }
                guard rename(temporary.path, destination.path) == 0 else {
                    let err = errno
                    _ = rename(aside.path, destination.path)   // put the old result back
                    throw ViewSynthError(destination, expected: "the new folder to be renamed into place",
                                         found: "rename failed (\(AtomicFile.describe(errno: err)))")
                }
                try? fm.removeItem(at: aside)
                syncFolder(parent)
                return
            }
            guard rename(temporary.path, destination.path) == 0 else {
                let err = errno
                throw ViewSynthError(destination, expected: "the new folder to be renamed into place",
                                     found: "rename failed (\(AtomicFile.describe(errno: err)))")
            }
            syncFolder(destination.deletingLastPathComponent())
        }

        /// Deletes the staged folder and everything in it; the destination is untouched.
        public func discard() { try? FileManager.default.removeItem(at: temporary) }
    }

    /// Creates an empty temporary folder beside `destination` (creating the parent folders if needed).
    /// - Throws: `ViewSynthError` naming the destination when the parent cannot be created or written.
    public static func stage(for destination: URL) throws -> Staged {
        let name = destination.lastPathComponent
        guard !name.isEmpty, name != "/", name != ".", name != ".." else {
            throw ViewSynthError(destination.path, expected: "a folder path with a name", found: "\(destination.path.prefix(120))")
        }
        let parent = destination.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw ViewSynthError(destination, expected: "a parent folder that exists or can be created",
                                 found: "cannot create \(parent.path) (\(error.localizedDescription.prefix(100)))")
        }
        let temporary = parent.appendingPathComponent(AtomicFile.temporaryName(for: name))
        guard mkdir(temporary.path, 0o755) == 0 else {
            let err = errno
            throw ViewSynthError(destination, expected: "a writable parent folder \(parent.path)",
                                 found: "cannot create a folder there (\(AtomicFile.describe(errno: err)))")
        }
        return Staged(destination: destination, temporary: temporary)
    }

    /// Removes temporary folders (and files) in `parent` left by runs that no longer exist; returns their names.
    @discardableResult
    public static func removeStale(in parent: URL) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { return [] }
        var removed: [String] = []
        for name in names.sorted() {
            guard let pid = AtomicFile.temporaryOwner(name) else { continue }
            if pid == getpid() || kill(pid, 0) == 0 || errno == EPERM { continue }   // its writer still runs
            if (try? FileManager.default.removeItem(at: parent.appendingPathComponent(name))) != nil { removed.append(name) }
        }
        return removed
    }

    static func syncFolder(_ folder: URL) {
        let fd = open(folder.path.isEmpty ? "." : folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { _ = fsync(fd); close(fd) }
    }
}
