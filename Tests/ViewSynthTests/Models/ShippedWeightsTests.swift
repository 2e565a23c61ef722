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
}
