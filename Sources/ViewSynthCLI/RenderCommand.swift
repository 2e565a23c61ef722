import ArgumentParser
import Foundation
import ViewSynth

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render novel views of a scene into Renders/<scene>/<method>/.",
        discussion: """
        --views picks the cameras: test (held-out views, default), all (every view, each rendered from the \
        others), spiral (LLFF-style spiral; an orbit for object-centric scenes), interpolate (between training \
        views), or a nerfstudio camera_path.json file. A rerun skips views already rendered with identical \
        settings (and unchanged cameras and files), so an interrupted or killed run resumes when the same command \
        is run again; --force re-renders. The progress bar (stderr) shows only on a terminal; --quiet hides it.
        Example: viewsynth render Scenes/demo-forward --views spiral --frames 30 --depth
        """)

    @OptionGroup var sceneOptions: SceneOptions
    @OptionGroup var rendering: RenderingOptions

    @Option(help: ArgumentHelp("Cameras: test, all, spiral, interpolate, or a camera_path.json file.", valueName: "views"))
    var views: String = "test"

    @Option(help: "Frames for spiral/interpolate paths.") var frames: Int = 60
    @Flag(help: "Also write depth maps (16-bit PNG + colour preview) under depth/.") var depth = false

    func validate() throws {
        _ = try checkOption("--frames", frames, 1...InputLimits.maxFrames)
    }

    func run() throws {
        let scene = try sceneOptions.load()
        let targets: [TargetView]
        /// Paths built from the training views need enough of them (else NaN cameras, or nothing to render).
        func requireTrainingViews(_ n: Int) throws {
            guard scene.trainIndices.count >= n else {
                throw ViewSynthError(scene.root, expected: "at least \(n) training views for --views \(views)",
                                     found: "\(scene.trainIndices.count)")
            }
        }
        switch views {
        case "test": targets = CameraPath.testViews(scene)
        case "all": targets = CameraPath.allViews(scene)
        case "spiral":
            try requireTrainingViews(1)
            targets = CameraPath.isObjectCentric(scene) ? CameraPath.orbit(scene, frames: frames) : CameraPath.spiral(scene, frames: frames)
        case "interpolate":
            try requireTrainingViews(2)
            targets = CameraPath.interpolate(scene, frames: frames)
        default:
            // A missing file is bad input (one line naming it), not a usage error.
            guard FileManager.default.fileExists(atPath: views) else {
                throw ViewSynthError(views, expected: "--views test, all, spiral, interpolate or a camera_path.json file",
                                     found: "no such file")
            }
            targets = try CameraPath.nerfstudio(URL(fileURLWithPath: views))
        }
        guard !targets.isEmpty else {
            throw ViewSynthError(scene.root, expected: "cameras to render for --views \(views)", found: "none (an empty \(views) split)")
        }
        let method = try rendering.makeMethod()
        let options = rendering.jobOptions(scene: scene, wantDepth: depth)
        let refs = ReferenceImages(scene: scene)
        let records = try RenderJob.run(method: method, targets: targets, references: refs, options: options, log: printErr)
        printErr("wrote \(records.count) views to \(options.outDir.path)")
    }
}
