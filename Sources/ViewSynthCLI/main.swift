// Entry point of the `viewsynth` tool. Subcommands are thin: they parse and validate options, then call
// the library (`import ViewSynth`), which does all the work.
import ArgumentParser
import Foundation
import ViewSynth
#if canImport(Glibc)
import Glibc
#endif

struct ViewSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "viewsynth",
        abstract: "Novel-view synthesis from posed photos on an ordinary CPU.",
        discussion: """
        Reads LLFF, Blender/NeRF, instant-ngp/nerfstudio and COLMAP scene folders (format detected from the \
        folder contents). Start with `viewsynth info <scene>`, then `viewsynth render <scene>` or \
        `viewsynth eval <scene>`; `viewsynth pose <photos> --out <scene>` makes a scene from your own photos. Outputs go to Renders/<scene>/<method>/ by default.
        """,
        subcommands: [InfoCommand.self, PoseCommand.self, RenderCommand.self, EvalCommand.self, MergeCommand.self, SynthCommand.self, BenchCommand.self,
                      TrainCommand.self, FinetuneCommand.self, FitCommand.self])
}

// A file-size limit (ulimit -f) then makes write(2) fail with EFBIG, reported like a full disk (one line, no
// half-written file), instead of killing the process with SIGXFSZ.
signal(SIGXFSZ, SIG_IGN)
// Ctrl-C or SIGTERM mid-render: clear the progress bar's line, then die of the signal as usual (a killed run
// resumes on the next run; see RenderJob).
for sig in [SIGINT, SIGTERM] {
    signal(sig) { s in
        if isatty(2) == 1 { _ = write(2, "\r\u{1B}[K", 4) }   // an ASCII literal: no allocation
        signal(s, SIG_DFL)
        raise(s)
    }
}
// OpenBLAS picks its kernels when it loads, before main; on CPUs its 0.3.21 does not recognise it falls
// back to slow ones. Re-execute once with OPENBLAS_CORETYPE set (see BLASSetup), unless the user set a core
// type, set VIEWSYNTH_NO_BLAS_REEXEC=1, or passed --no-blas-reexec (accepted anywhere on the command line).
var arguments = CommandLine.arguments
if let i = arguments.firstIndex(of: "--no-blas-reexec") {
    arguments.remove(at: i)
} else {
    BLASSetup.reexecIfNeeded(arguments: arguments)
}
var commandLine = Array(arguments.dropFirst())
// `render --video` takes an optional file name (see VideoOptions).
if commandLine.first == "render" { commandLine = VideoOptions.attachingDefaultValue(commandLine) }
ViewSynthCommand.main(commandLine)
