import ArgumentParser
import ViewSynth

struct ViewSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "viewsynth",
        abstract: "Novel-view synthesis from posed photos on an ordinary CPU.",
        subcommands: [])
}
ViewSynthCommand.main()
