// Entry point of the `viewsynth` tool. Subcommands are thin: they parse and validate options, then call
// the library (`import ViewSynth`), which does all the work.
import ArgumentParser
import ViewSynth

struct ViewSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "viewsynth",
        abstract: "Novel-view synthesis from posed photos on an ordinary CPU.",
        discussion: """
        Reads LLFF, Blender/NeRF, instant-ngp/nerfstudio and COLMAP scene folders (format detected from the
        folder contents). Start with `viewsynth info <scene>`, then `viewsynth render <scene>` or
        `viewsynth eval <scene>`. Outputs go to Renders/<scene>/<method>/ by default.
        """,
        subcommands: [InfoCommand.self, RenderCommand.self, EvalCommand.self])
}

ViewSynthCommand.main()
