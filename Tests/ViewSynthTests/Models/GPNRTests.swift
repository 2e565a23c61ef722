import Foundation
import Testing
@testable import ViewSynth
import ViewSynthEngine

struct GPNRTests {
    @Test func configPresetsAndJSON() throws {
        for n in ModelConfig.presetNames { try ModelConfig.preset(n)!.validate() }
        #expect(ModelConfig.paper.width == 256 && ModelConfig.paper.samples == 127 && ModelConfig.paper.views == 10)
        let url = URL(fileURLWithPath: "/tmp/x.json")
        let c = try ModelConfig.decode(Data(#"{"base": "paper", "samples": 64, "lfnr": {"embeddingWidth": 7}}"#.utf8), path: url)
        #expect(c.samples == 64 && c.width == 256 && c.lfnr.embeddingWidth == 7 && c.lfnr.parameterisation == "plucker")
        #expect(throws: ViewSynthError.self) { try ModelConfig.decode(Data(#"{"widht": 3}"#.utf8), path: url) }
        #expect(throws: ViewSynthError.self) { try ModelConfig.decode(Data(#"{"patchSize": 4}"#.utf8), path: url) }
        #expect(throws: ViewSynthError.self) { try ModelConfig.decode(Data("[1]".utf8), path: url) }
        // Round trip through the checkpoint JSON.
        let back = try JSONDecoder().decode(ModelConfig.self, from: Data(ModelConfig.paper.json.utf8))
        #expect(back == ModelConfig.paper)
    }

    /// Moving every camera (and the scene) by one rigid motion leaves the outputs unchanged.
    @Test func rigidMotionInvariance() {
        let model = EpipolarModel<Float>(config: .tiny, seed: 7)
        let ws = model.makeWorkspace(batch: 40, training: false)
        let (rays, _) = TinyScene.raysAndTargets(Float.self, step: 2)
        let n = min(40, rays.count)
        let batch = Array(rays[0..<n])
        model.run(batch, [TinyScene.viewSet(Float.self, views: 3)], ws)
        let rgb = Array(ws.rgb.buffer.prefix(3 * n)), coarse = Array(ws.coarse.buffer.prefix(3 * n))
        let depth = Array(ws.depth.buffer.prefix(n))
        model.run(batch, [TinyScene.viewSet(Float.self, views: 3, motion: TinyScene.motion)], ws)
        var worst: Float = 0
        for i in 0..<(3 * n) {
            worst = max(worst, abs(ws.rgb[i] - rgb[i]), abs(ws.coarse[i] - coarse[i]))
        }
        #expect(worst <= 1e-5, "max colour change \(worst)")
        // Depth is camera-z of the target: also invariant.
        for i in 0..<n { #expect(abs(ws.depth[i] - depth[i]) <= 1e-5 * max(1, depth[i])) }
        #expect(rgb.contains { $0 != rgb[0] }, "outputs should vary across rays")
    }

    /// With zero pooling scores the attention is uniform over valid samples and views, so the coarse
    /// output equals the plain average of the bilinearly sampled reference colours (computed here with
    /// ViewSynthCore's sampler and projection, independently of the model), and the depth output the
    /// same average of the samples' depths.
    @Test func coarseIsTheAttentionBlend() {
        let model = EpipolarModel<Double>(config: .tiny, seed: 3)
        let p = model.parameters
        for h in [model.epipolarPool.score, model.viewPool.score] { p.value(h.weight).zero(); p.value(h.bias!).zero() }
        let vs = TinyScene.viewSet(Double.self, views: 3)
        let (rays, _) = TinyScene.raysAndTargets(Double.self, step: 3)
        let ws = model.makeWorkspace(batch: rays.count, training: false)
        model.run(rays, [vs], ws)
        let P = model.config.samples
        var checked = 0
        for (b, r) in rays.enumerated() {
            let ray = vs.target.ray(throughPixel: Vec2(r.x, r.y))
            var total = SIMD3<Double>.zero, views = 0, interior = true, depthTotal = 0.0
            for (n, cam) in vs.references.enumerated() {
                var sum = SIMD3<Double>.zero, count = 0, depthSum = 0.0
                for s in 0..<P {
                    let z = ws.depths[b * P + s]
                    let x = ray.point(at: z / dot(ray.direction, vs.target.forward))
                    let (px, d) = cam.project(x)
                    guard d > 1e-6, cam.intrinsics.contains(px) else { continue }
                    if !cam.intrinsics.contains(px, margin: 0.5) { interior = false }
                    let img = TinyScene.images[vs.referenceIDs[n]]
                    let v = img.sampleBilinear(at: px).value
                    sum += SIMD3(Double(v[0]), Double(v[1]), Double(v[2]))
                    depthSum += z
                    count += 1
                }
                if count > 0 { total += sum / Double(count); depthTotal += depthSum / Double(count); views += 1 }
            }
            guard interior, views > 0 else { continue }
            let expected = total / Double(views)
            for c in 0..<3 { #expect(abs(ws.coarse[3 * b + c] - expected[c]) < 1e-5) }
            // Depth from attention: the same blend of the samples' target-camera depths.
            #expect(abs(ws.depth[b] - depthTotal / Double(views)) < 1e-9)
            checked += 1
        }
        #expect(checked >= 5)
    }

    /// Samples behind a reference camera or outside its image, and missing views, get zero attention.
    @Test func maskedSamplesGetZeroAttention() {
        var config = ModelConfig.tiny
        config.views = 4
        config.samples = 12
        let model = EpipolarModel<Float>(config: config, seed: 11)
        // Only 3 references for 4 view slots; one reference turned around (everything behind it).
        var refs = [TinyScene.camera(0), TinyScene.camera(1), TinyScene.camera(3)]
        let flip = Rigid3(rotation: Mat3(rows: [[-1, 0, 0], [0, 1, 0], [0, 0, -1]]), translation: .zero)
        refs[1].worldFromCamera = refs[1].worldFromCamera * flip
        let vs = try! ViewSet<Float>(target: TinyScene.camera(2), references: refs,
                                     images: [TinyScene.images[0], TinyScene.images[1], TinyScene.images[3]],
                                     near: 0.5, far: 30)
        let (rays, _) = TinyScene.raysAndTargets(Float.self, step: 2)
        let ws = model.makeWorkspace(batch: rays.count, training: false)
        model.run(rays, [vs], ws)
        let N = 4, P = 12
        var maskedOutside = 0, validCount = 0
        for b in 0..<rays.count {
            #expect(ws.viewW[b * N + 1] == 0 && ws.viewW[b * N + 3] == 0)
            for n in 0..<N {
                for s in 0..<P {
                    let valid = ws.tokMask.baseAddress![(b * P + s) * N + n] != 0
                    if !valid {
                        #expect(ws.epiW[(b * N + n) * P + s] == 0)
                        if n == 0 || n == 2 { maskedOutside += 1 }
                    } else { validCount += 1 }
                }
            }
            let wsum = (0..<N).map { ws.viewW[b * N + $0] }.reduce(0, +)
            #expect(abs(wsum - 1) < 1e-5)
        }
        #expect(maskedOutside > 0, "the far samples should leave the narrow reference images")
        #expect(validCount > 0)
    }

    /// Full-model gradient check in Double on `tiny`: central differences of the loss on a sample of
    /// parameters from every tensor.
    @Test(arguments: [(ModelKind.gpnr, "plucker", false), (.gpnr, "plucker", true), (.lfnr, "plucker", false),
                      (.lfnr, "lightslab", false)])
    func gradientCheckTiny(kind: ModelKind, parameterisation: String, photoConsistency: Bool) {
        var config = ModelConfig.tiny
        config.lfnr.parameterisation = parameterisation
        config.photoConsistency = photoConsistency
        for pre in [false, true] {
            config.preNorm = pre
            let model = EpipolarModel<Double>(config: config, seed: 5, kind: kind)
            let vs = TinyScene.viewSet(Double.self, views: 3)
            let (all, _) = TinyScene.raysAndTargets(Double.self, step: 3)
            let rays = Array(all.prefix(6))
            var rng = EngineRNG(seed: 99)
            let targets = (0..<(rays.count * 3)).map { _ in EngineRandom.uniform(&rng) }
            let ws = model.makeWorkspace(batch: rays.count, training: true)
            func loss() -> Double {
                model.run(rays, [vs], ws)
                var l = 0.0
                for i in 0..<targets.count {
                    let a = ws.rgb[i] - targets[i], b = ws.coarse[i] - targets[i]
                    l += a * a + b * b
                }
                return l / Double(targets.count)
            }
            model.parameters.zeroGradients()
            model.run(rays, [vs], ws)
            let reported = targets.withUnsafeBufferPointer { model.backward(targets: $0.baseAddress!, workspace: ws) }
            #expect(abs(reported.total - loss()) < 1e-12)
            let g = model.parameters.gradients
            let (worst, checked) = centralDifferenceCheck(model, label: "\(kind) (preNorm \(pre))", rng: &rng,
                                                          analytic: { g.pointer[$0] }, loss: loss)
            #expect(checked > 100)
            #expect(worst <= 1e-5)
        }
    }

    /// The blended colour near the border is edge-clamped (the sweep's sampling), not darkened by the zeros
    /// outside; inside it is the patch's centre tap.
    @Test func borderColourIsEdgeClamped() {
        let W = 4, H = 3
        var rng = EngineRNG(seed: 9)
        let img = (0..<(W * H * 3)).map { _ in 0.2 + 0.8 * (EngineRandom.uniform(&rng) as Double) }
        var out = [Double](repeating: 0, count: 3)
        img.withUnsafeBufferPointer { ip in
            // The corner of the image: exactly the corner pixel (zero padding would give a quarter of it).
            EpipolarGeometry.clampedColour(ip.baseAddress!, width: W, height: H, u: 0, v: 0, into: &out)
            for c in 0..<3 { #expect(abs(out[c] - img[c]) < 1e-12) }
            // Half a pixel outside the right edge, between rows 1 and 2: the mean of the two edge pixels.
            EpipolarGeometry.clampedColour(ip.baseAddress!, width: W, height: H, u: Double(W), v: 2, into: &out)
            for c in 0..<3 {
                let a = img[(1 * W + W - 1) * 3 + c], b = img[(2 * W + W - 1) * 3 + c]
                #expect(abs(out[c] - (a + b) / 2) < 1e-12)
            }
            // Inside: the same value as the patch's centre tap.
            var patch = [Double](repeating: 0, count: 3 * 3 * 3)
            EpipolarGeometry.gatherPatch(ip.baseAddress!, width: W, height: H, u: 1.7, v: 1.3, k: 3, into: &patch)
            EpipolarGeometry.clampedColour(ip.baseAddress!, width: W, height: H, u: 1.7, v: 1.3, into: &out)
            for c in 0..<3 { #expect(abs(out[c] - patch[4 * 3 + c]) < 1e-12) }
        }
    }

    /// The photo-consistency columns: zero cost where all views see the same patch, the odd view out has
    /// the largest own cost, the normalised cost ignores a gain and offset, invalid views are skipped.
    @Test func photoConsistencyColumns() {
        let N = 4, W = 27, K = 7
        var rng = EngineRNG(seed: 5)
        let base = (0..<W).map { _ in EngineRandom.uniform(&rng) as Double }
        var patches = [Double](repeating: 0, count: N * W)
        for n in 0..<N { for i in 0..<W { patches[n * W + i] = base[i] } }
        var mask: [UInt8] = [1, 1, 1, 0]
        var rows = [Double](repeating: 0, count: N * K)
        func run() {
            rows = [Double](repeating: 0, count: N * K)
            EpipolarGeometry.photoConsistency(patches: &patches, mask: &mask, N: N, patchWidth: W, rows: &rows,
                                              rowStride: K, column: 2)
        }
        run()
        let zero = (log(1e-4) + 5) / 3
        for n in 0..<3 {
            #expect(abs(rows[n * K + 2] - zero) < 1e-9 && abs(rows[n * K + 3] - zero) < 1e-9)
            #expect(abs(rows[n * K + 4]) < 1e-9 && abs(rows[n * K + 5]) < 1e-9)
            #expect(rows[n * K + 6] == 0.75)
        }
        #expect(rows[3 * K ..< 4 * K].allSatisfy { $0 == 0 }, "invalid view untouched")
        // View 1 sees the patch with a gain and offset: raw cost grows (most for view 1), normalised stays ~0.
        for i in 0..<W { patches[W + i] = 0.5 * base[i] + 0.2 }
        run()
        #expect(rows[K + 2] > rows[2] && rows[K + 2] > rows[2 * K + 2] && rows[3] > zero + 0.1)
        #expect(rows[K + 4] < 1e-3 && rows[5] < 1e-3)
        // A different patch: the normalised cost rises too.
        for i in 0..<W { patches[W + i] = base[(i * 7) % W] }
        run()
        #expect(rows[K + 4] > 0.1 && rows[K + 4] > rows[4])
        // One valid view: no evidence.
        mask = [0, 1, 0, 0]
        run()
        #expect(rows[K + 2] == 0 && rows[K + 5] == 0 && rows[K + 6] == 0.25)
    }

    @Test func checkpointRoundTrip() throws {
        let model = EpipolarModel<Float>(config: .tiny, seed: 21)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gpnr-ckpt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("w.safetensors")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try model.save(to: url, step: 12, provenance: "test")
        let back = try EpipolarModel<Float>.load(from: url)
        #expect(back.config == model.config)
        #expect(Array(back.parameters.values.buffer) == Array(model.parameters.values.buffer))
        let d = try ModelCheckpoint.describe(url)
        #expect(d.kind == .gpnr && d.step == 12)
        // LFNR files name their kind; asking for GPNR weights from one fails.
        let lfnr = LFNRModel<Float>(config: .tiny, seed: 2, kind: .lfnr)
        let lurl = dir.appendingPathComponent("l.safetensors")
        try lfnr.save(to: lurl)
        #expect(try LFNRModel<Float>.load(from: lurl).kind == .lfnr)
        #expect(throws: ViewSynthError.self) { try ModelMethod(weights: lurl, kind: .gpnr) }
        #expect(try ModelMethod(weights: lurl).name == "lfnr")
        var other = ModelConfig.tiny
        other.width = 16
        #expect(throws: ViewSynthError.self) { try EpipolarModel<Float>(config: other, seed: 1).load(from: url) }
    }
}

struct GPNRTrainingTests {
    /// A `tiny` model overfits one small synthetic view: the loss falls at least 10×.
    @Test(arguments: [ModelKind.gpnr, .lfnr])
    func tinyOverfitsSyntheticScene(kind: ModelKind) {
        var config = ModelConfig.tiny
        config.width = 16; config.mlpWidth = 32
        let model = EpipolarModel<Float>(config: config, seed: 1, kind: kind)
        let vs = TinyScene.viewSet(Float.self, views: 3)
        let (rays, targets) = TinyScene.raysAndTargets(Float.self, step: 2)
        let ws = model.makeWorkspace(batch: rays.count, training: true)
        let opt = AdamW<Float>(layout: model.layout, configuration: .init(
            schedule: LearningRateSchedule(peak: 3e-3, warmupSteps: 20, totalSteps: 400, decay: .cosine, finalFraction: 0.1)))
        var first = 0.0, last = 0.0
        for step in 0..<400 {
            model.parameters.zeroGradients()
            model.run(rays, [vs], ws)
            let l = targets.withUnsafeBufferPointer { model.backward(targets: $0.baseAddress!, workspace: ws) }
            _ = opt.update(model.parameters)
            if step == 0 { first = l.total }
            last = l.total
        }
        #expect(last * 10 <= first, "\(kind) loss \(first) → \(last)")
    }
}

struct GPNRRenderTests {
    /// GPNR renders through the tiled renderer (same bytes with 1 or 2 threads and any chunk size) and
    /// evaluates through `Evaluation.run` on a scene written to disk.
    @Test(arguments: [ModelKind.gpnr, .lfnr])
    func rendersAndEvaluatesThroughThePipeline(kind: ModelKind) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gpnr-eval-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let export = SceneExport(names: (0..<TinyScene.cameraCount).map { "v\($0).png" },
                                 cameras: (0..<TinyScene.cameraCount).map { TinyScene.camera($0) },
                                 images: .images(TinyScene.images), near: 2, far: 5, testIndices: [2])
        try SceneWriter.write(export, format: .transforms, to: dir.appendingPathComponent("scene"))
        let scene = try SceneLoader.load(dir.appendingPathComponent("scene"))
        let method = ModelMethod(config: .tiny, seed: 4, kind: kind)
        let refs = ReferenceImages(scene: scene)
        let target = scene.views[scene.testIndices[0]].camera
        let ctx = try method.prepare(target: target, excludingView: scene.testIndices[0], references: refs)
        #expect(!ctx.referenceIDs.contains(scene.testIndices[0]))
        let a = TiledRenderer.render(method: method, target: target, context: ctx,
                                     options: RenderOptions(chunkRays: 50, threads: 1, wantDepth: true))
        let b = TiledRenderer.render(method: method, target: target, context: ctx,
                                     options: RenderOptions(chunkRays: 50, threads: 2, wantDepth: true))
        #expect(a.rgb.pixels == b.rgb.pixels)
        #expect(a.depth! == b.depth!)
        // Another tiling batches rays differently: BLAS may round the last bit differently, nothing more.
        let c = TiledRenderer.render(method: method, target: target, context: ctx,
                                     options: RenderOptions(chunkRays: 77, threads: 2, wantDepth: true))
        #expect(zip(a.rgb.pixels, c.rgb.pixels).allSatisfy { abs($0 - $1) <= 1e-5 })
        #expect(a.depth!.allSatisfy { $0 >= Float(scene.near) - 1e-3 && $0 <= Float(scene.far) + 1e-3 })
        let report = try Evaluation.run(method: method, scene: scene, references: refs,
                                        options: RenderJobOptions(outDir: dir.appendingPathComponent("out"), quiet: true))
        #expect(report.images.count == scene.testIndices.count)
        #expect(report.meanPSNR.isFinite && report.method == kind.rawValue)
    }
}

struct ModelTrainerTests {
    /// The data-parallel trainer gives the gradient of the whole batch's loss (micro-batches on two
    /// replicas, summed) and the same bytes whatever the thread count.
    @Test func trainerMatchesFullBatchGradient() {
        let model = EpipolarModel<Float>(config: .tiny, seed: 8)
        let vs = TinyScene.viewSet(Float.self, views: 3)
        let (all, targetsAll) = TinyScene.raysAndTargets(Float.self, step: 3)
        let rays = Array(all.prefix(23)), targets = Array(targetsAll.prefix(69))
        let ws = model.makeWorkspace(batch: rays.count, training: true)
        model.parameters.zeroGradients()
        model.run(rays, [vs], ws)
        let full = targets.withUnsafeBufferPointer { model.backward(targets: $0.baseAddress!, workspace: ws) }
        let reference = Array(model.parameters.gradients.buffer)
        let trainer = ModelTrainer(model: model, optimizer: .init(schedule: LearningRateSchedule(peak: 1e-3)), microBatch: 5)
        let l = trainer.computeGradients(rays: rays, targets: targets, viewSets: [vs])
        #expect(abs(l.total - full.total) < 1e-5 * full.total)
        let g = Array(model.parameters.gradients.buffer)
        let scale = reference.map { abs($0) }.max()!
        #expect(zip(g, reference).allSatisfy { abs($0 - $1) <= 1e-4 * scale })
        // Bytes do not depend on the worker count.
        let before = Threading.workerCount
        defer { Threading.configure(workers: before) }
        Threading.configure(workers: 1)
        _ = trainer.computeGradients(rays: rays, targets: targets, viewSets: [vs])
        let g1 = Array(model.parameters.gradients.buffer)
        Threading.configure(workers: 2)
        _ = trainer.computeGradients(rays: rays, targets: targets, viewSets: [vs])
        #expect(g1 == Array(model.parameters.gradients.buffer))
        #expect(g1 == g)
    }

    /// The balanced loss: Σ_v c_v · (n_v/n) · ∇M_v with c_v = clamp(M̄ / M_v, 1/10, 10) from the view sets'
    /// own mean losses (here two view sets whose losses differ), the same bytes with 1 or 2 workers, and the
    /// plain gradient when there is one view set.
    @Test func balancedViewSetsWeightEachViewSetByItsLoss() {
        let model = EpipolarModel<Float>(config: .tiny, seed: 8)
        let vs = TinyScene.viewSet(Float.self, views: 3)
        let (all, targetsAll) = TinyScene.raysAndTargets(Float.self, step: 3)
        var rays = Array(all.prefix(22)), targets = Array(targetsAll.prefix(66))
        for i in 9..<22 { rays[i].viewSet = 1 }                      // rays 9…21: view set 1, a worse fit
        for i in 27..<66 { targets[i] += 1.5 }
        let trainer = ModelTrainer(model: model, optimizer: .init(schedule: LearningRateSchedule(peak: 1e-3)), microBatch: 4)
        func subset(_ r: Range<Int>) -> (EpipolarModel<Float>.Losses, [Float]) {
            let l = trainer.computeGradients(rays: Array(rays[r]), targets: Array(targets[(3 * r.lowerBound)..<(3 * r.upperBound)]),
                                             viewSets: [vs, vs])
            return (l, Array(model.parameters.gradients.buffer))
        }
        let (l0, g0) = subset(0..<9), (l1, g1) = subset(9..<22)
        let m0 = l0.rgb + l0.coarse, m1 = l1.rgb + l1.coarse
        #expect(m1 > 3 * m0)
        let mean = (9 * m0 + 13 * m1) / 22
        let c = ModelTrainer.balanceWeights(sums: [9 * m0, 13 * m1], counts: [9, 13])
        #expect(abs(Double(c[0]) - min(10, mean / m0)) < 1e-5 && abs(Double(c[1]) - mean / m1) < 1e-5)
        let expected = zip(g0, g1).map { c[0] * 9 / 22 * $0 + c[1] * 13 / 22 * $1 }
        let l = trainer.computeGradients(rays: rays, targets: targets, viewSets: [vs, vs], balanceViewSets: true)
        #expect(abs(l.rgb + l.coarse - mean) < 1e-5 * mean)
        let g = Array(model.parameters.gradients.buffer)
        let scale = expected.map { abs($0) }.max()!
        #expect(scale > 0 && zip(g, expected).allSatisfy { abs($0 - $1) <= 1e-4 * scale })
        // Not the plain gradient (the weights matter here).
        _ = trainer.computeGradients(rays: rays, targets: targets, viewSets: [vs, vs])
        let plain = Array(model.parameters.gradients.buffer)
        #expect(zip(g, plain).contains { abs($0 - $1) > 1e-2 * scale })
        // Bytes do not depend on the worker count.
        let before = Threading.workerCount
        defer { Threading.configure(workers: before) }
        var runs: [[Float]] = []
        for w in [1, 2] {
            Threading.configure(workers: w)
            _ = trainer.computeGradients(rays: rays, targets: targets, viewSets: [vs, vs], balanceViewSets: true)
            runs.append(Array(model.parameters.gradients.buffer))
        }
        #expect(runs[0] == runs[1] && runs[0] == g)
        // One view set: exactly the plain gradient.
        let one = Array(rays.prefix(9)), oneT = Array(targets.prefix(27))
        _ = trainer.computeGradients(rays: one, targets: oneT, viewSets: [vs], balanceViewSets: true)
        let b1 = Array(model.parameters.gradients.buffer)
        _ = trainer.computeGradients(rays: one, targets: oneT, viewSets: [vs])
        #expect(b1 == Array(model.parameters.gradients.buffer))
    }

    @Test func fastSinCosMatchesLibm() {
        var worst = 0.0
        var x = -2000.0
        while x < 2000 {
            let (s, c) = sinCos(x)
            worst = max(worst, abs(s - sin(x)), abs(c - cos(x)))
            x += 0.0137
        }
        #expect(worst < 1e-12)
        #expect(sinCos(0) == (0, 1))
    }
}

struct LFNRTests {
    /// LFNR's per-view embeddings: changing the embedding of a view that is not a reference changes
    /// nothing; changing that of a reference changes the colours.
    @Test func viewEmbeddingsSelectByReferenceView() {
        let model = LFNRModel<Float>(config: .tiny, seed: 9, kind: .lfnr)
        let vs = TinyScene.viewSet(Float.self, views: 3)   // references: scene views 0, 1, 3
        let (all, _) = TinyScene.raysAndTargets(Float.self, step: 4)
        let ws = model.makeWorkspace(batch: all.count, training: false)
        model.run(all, [vs], ws)
        let base = Array(ws.rgb.buffer.prefix(3 * all.count))
        let emb = model.parameters.value(model.embedding!)
        let E = model.columns.E
        for c in 0..<E { emb[5 * E + c] += 1 }   // view 5: not a reference
        model.run(all, [vs], ws)
        #expect(Array(ws.rgb.buffer.prefix(3 * all.count)) == base)
        for c in 0..<E { emb[3 * E + c] += 1 }   // view 3: a reference
        model.run(all, [vs], ws)
        #expect(Array(ws.rgb.buffer.prefix(3 * all.count)) != base)
        #expect(model.crossView.isEmpty && model.query1 == nil)
    }
}
