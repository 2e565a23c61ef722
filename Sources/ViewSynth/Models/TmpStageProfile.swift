import Foundation
import ViewSynthEngine
import ViewSynthCore

func tmpGPNRStageProfile() throws {
    let env = ProcessInfo.processInfo.environment
    let config = try ModelConfig.named(env["VS_STAGES"]!)
    let B = Int(env["VS_B"] ?? "16")!
    let model = EpipolarModel<Float>(config: config, seed: 1)
    let vs = ModelBenchmark.syntheticViewSet(Float.self, views: config.views, width: 252, height: 189)
    var rays: [ModelRay] = []
    for i in 0..<B { rays.append(ModelRay(viewSet: 0, x: Double((i * 37) % 252) + 0.5, y: Double((i * 11) % 189) + 0.5)) }
    let ws = model.makeWorkspace(batch: B, training: true)
    var t: [String: Double] = [:]
    func tick(_ name: String, _ body: () -> Void) {
        var a = timespec(), b = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a)
        body()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b)
        t[name, default: 0] += Double(b.tv_sec - a.tv_sec) + Double(b.tv_nsec - a.tv_nsec) * 1e-9
    }
    let p = model.parameters
    let reps = Int(env["VS_REPS"] ?? "30")!
    var targets = [Float](repeating: 0.5, count: 3 * B)
    func run() {
        for _ in 0..<reps {
            rays.withUnsafeBufferPointer { r in
                tick("geometry") { EpipolarGeometry.build(model: model, rays: r, viewSets: [vs], placement: .endpoints, ws: ws, p) }
            }
            ws.count = B
            tick("patch+features") { model.patch.forward(ws.patches, ws.featPre, p); model.writeFeatures(ws) }
            tick("key") { model.keyProjection.forward(ws.keyIn, ws.keyTok, p) }
            tick("cross") { ws.crossRunner.forward(ws.keyTok, ws.x1, keyMask: ws.tokMask.constPointer, p) }
            tick("epi") { ws.epiRunner.forward(ws.epiIn, ws.epiOut, keyMask: ws.epiMask.constPointer, p) }
            tick("full forward") { rays.withUnsafeBufferPointer { r in model.forward(rays: r, viewSets: [vs], workspace: ws) } }
            tick("backward") { _ = model.backward(targets: &targets, workspace: ws) }
        }
    }
    Threading.serial { run() }
    t = [:]
    Threading.serial { run() }
    for (k, v) in t.sorted(by: { $0.value > $1.value }) { print(String(format: "%-16@ %8.3f ms", k as NSString, 1000 * v / Double(reps))) }
    let fwd = model.forwardFLOPsPerRay * Double(B), tr = model.trainingFLOPsPerRay * Double(B)
    print(String(format: "forward %.1f GFLOP/s per core; training %.1f GFLOP/s per core", fwd / (t["full forward"]! / Double(reps)) * 1e-9,
                 tr / ((t["full forward"]! + t["backward"]!) / Double(reps)) * 1e-9))
}
