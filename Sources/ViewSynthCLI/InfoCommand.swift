import ArgumentParser
import Foundation
import ViewSynth

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a scene: format, views, resolution, split, near/far, cameras.",
        discussion: "Example: viewsynth info Scenes/demo-forward --json")

    @OptionGroup var sceneOptions: SceneOptions
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() throws {
        let scene = try sceneOptions.load()
        let summary = scene.summary()
        if json {
            print(String(decoding: try JSONCoding.encode(summary), as: UTF8.self), terminator: "")
        } else {
            print(summary.text)
        }
    }
}
