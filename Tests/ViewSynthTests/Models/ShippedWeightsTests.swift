import Foundation
import Testing
@testable import ViewSynth

struct ShippedWeightsTests {
    /// Lookup order: the environment override, then the resource folder beside each executable path.
    @Test func lookupOrder() {
        let c = ShippedWeights.candidates(environment: ["VIEWSYNTH_GPNR_WEIGHTS": "/w/mine.safetensors"],
                                          executables: ["/opt/bin/viewsynth", "", "/opt/bin/viewsynth", "/real/viewsynth"])
        #expect(c.map(\.path) == ["/w/mine.safetensors",
                                  "/opt/bin/ViewSynth_ViewSynth.resources/gpnr.safetensors",
                                  "/real/ViewSynth_ViewSynth.resources/gpnr.safetensors"])
        let none = ShippedWeights.candidates(environment: ["VIEWSYNTH_GPNR_WEIGHTS": ""], executables: ["/a/b"])
        #expect(none.map(\.path) == ["/a/ViewSynth_ViewSynth.resources/gpnr.safetensors"])
    }

    /// The package ships GPNR weights as a resource: found from the test binary, ≤ 20 MB, a GPNR checkpoint
    /// that loads, with a trained step count.
    @Test func shippedWeightsAreBundled() throws {
        let url = try ShippedWeights.gpnr()
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! Int
        #expect(size <= 20 << 20)
        let d = try ModelCheckpoint.describe(url)
        #expect(d.kind == .gpnr)
        #expect(d.step > 0)
        let method = try ModelMethod.shipped()
        #expect(method.model.config == d.config)
    }

    /// The shipped weights are of the `guided-p16` preset, which is the configuration the ablation row
    /// `guided-p16` was trained with (`.training/ablation/guided-p16.json`: `guided` with 16 samples).
    @Test func shippedConfigIsTheGuidedP16Preset() throws {
        let d = try ModelCheckpoint.describe(try ShippedWeights.gpnr())
        #expect(d.config == ModelConfig.guidedP16)
        let json = #"{"base": "guided", "samples": 16, "guidance": {"minima": 2, "offsets": [0, -0.5, 0.5, 1.5]}}"#
        var file = try ModelConfig.decode(Data(json.utf8), path: URL(fileURLWithPath: "guided-p16.json"))
        let guided = file.guidance?.guidedSamples ?? 0
        #expect(file.samples == 16)
        #expect(guided == 8)
        file.name = ModelConfig.guidedP16.name
        #expect(file == ModelConfig.guidedP16)
        #expect(ModelConfig.preset("guided-p16") == ModelConfig.guidedP16)
    }
}
