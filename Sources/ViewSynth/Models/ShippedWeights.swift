// The GPNR weights shipped inside the package (a SwiftPM resource of the ViewSynth target), so that
// `viewsynth render --method gpnr` and `ModelMethod.shipped()` work with no training. How they were trained
// (command, data, time) is in README.md ("Shipped GPNR weights").
//
// Lookup, first hit wins:
//   1. $VIEWSYNTH_GPNR_WEIGHTS (a safetensors file; for installs that moved the binary away from its
//      resource folder);
//   2. the SwiftPM resource folder `ViewSynth_ViewSynth.resources/` beside the running executable (where
//      `swift build`/`swift run`/`swift test` put it, also for other packages' executables that depend on
//      ViewSynth);
//   3. the same folder beside the executable's real path (when the executable was reached by a symlink).
// SwiftPM's generated `Bundle.module` is not used: on Linux it stops the process when the folder has moved.

import Foundation
import ViewSynthCore

public enum ShippedWeights {
    /// File name of the shipped GPNR weights in the resource folder.
    public static let gpnrFileName = "gpnr.safetensors"
    /// The resource folder name SwiftPM gives the ViewSynth target's resources.
    static let resourceFolder = "ViewSynth_ViewSynth.resources"

    /// Places searched, in order (see the file head).
    public static var gpnrCandidates: [URL] {
        candidates(environment: ProcessInfo.processInfo.environment,
                   executables: [CommandLine.arguments.first ?? "",
                                 (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""])
    }

    /// The lookup order for a given environment and executable paths (empty paths are skipped).
    static func candidates(environment: [String: String], executables: [String]) -> [URL] {
        var out: [URL] = []
        if let env = environment["VIEWSYNTH_GPNR_WEIGHTS"], !env.isEmpty {
            out.append(URL(fileURLWithPath: env))
        }
        for e in executables where !e.isEmpty {
            let d = URL(fileURLWithPath: e).standardizedFileURL.deletingLastPathComponent()
            let u = d.appendingPathComponent(resourceFolder).appendingPathComponent(gpnrFileName)
            if !out.contains(u) { out.append(u) }
        }
        return out
    }

    /// The shipped GPNR weights, or a `ViewSynthError` naming the places searched.
    public static func gpnr() throws -> URL {
        let candidates = gpnrCandidates
        if let hit = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) { return hit }
        throw ViewSynthError(candidates.first ?? URL(fileURLWithPath: gpnrFileName),
                             expected: "the shipped GPNR weights (searched \(candidates.map(\.path).joined(separator: ", ")); set VIEWSYNTH_GPNR_WEIGHTS or pass --weights FILE)",
                             found: "no such file")
    }
}

extension ModelMethod {
    /// GPNR with the shipped weights (see `ShippedWeights`).
    public static func shipped() throws -> ModelMethod {
        try ModelMethod(weights: ShippedWeights.gpnr(), kind: .gpnr)
    }
}
