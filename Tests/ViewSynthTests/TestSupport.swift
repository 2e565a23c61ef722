import Foundation

/// Paths shared by the ViewSynth test suites.
enum TestPaths {
    /// The package root (the folder holding Package.swift), found from this file's path.
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url = url.deletingLastPathComponent()
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// ../shared/scenes beside the package, or nil when absent (tests using it skip).
    static let sharedScenes: URL? = {
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/scenes")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }()

    /// The `viewsynth` binary built alongside this test bundle.
    static let cli: URL = {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("viewsynth")
    }()

    static func temporaryDirectory(_ label: String = "viewsynth-test") -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the CLI with arguments; stdin is closed. `environment` replaces the inherited one when given.
func runCLI(_ args: [String], cwd: URL? = nil, environment: [String: String]? = nil) throws -> ProcessResult {
    let p = Process()
    p.executableURL = TestPaths.cli
    p.arguments = args
    if let cwd { p.currentDirectoryURL = cwd }
    if let environment { p.environment = environment }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out; p.standardError = err
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return ProcessResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}
