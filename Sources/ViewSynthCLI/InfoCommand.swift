import ArgumentParser
import Foundation
import ViewSynth

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a scene: format, views, resolution, split, near/far, cameras.",
        discussion: """
        Loading a scene reads only the image headers. --check also decodes every image (and mask) in full, as \
        render and eval will, and ends with a one-line error naming the first one that is truncated, corrupt or of \
        the wrong size (exit status 1); eval does the same for its ground-truth images before it renders.
        Example: viewsynth info Scenes/demo-forward --json
        """)

    @OptionGroup var sceneOptions: SceneOptions
    @Flag(help: "Print JSON instead of text.") var json = false
    @Flag(help: "Decode every image of the scene; report the first bad one.") var check = false

    func run() throws {
        let scene = try sceneOptions.load()
        if check {
            let start = Date()
            let files = try scene.checkImages()
            printErr(String(format: "check: decoded %d image files of %d views in %.1f s: all good", files, scene.views.count,
                            Date().timeIntervalSince(start)))
        }
        let summary = scene.summary()
        if json {
            print(String(decoding: try JSONCoding.encode(summary), as: UTF8.self), terminator: "")
        } else {
            print(summary.text)
        }
    }
}
