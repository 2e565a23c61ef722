import Foundation
import Testing
@testable import ViewSynth
import ViewSynthEngine

/// A tiny procedural scene for model tests: a textured plane z = planeDepth (world) seen by a row of
/// cameras looking along +z; colours are smooth sinusoids of the plane point, so every image is an exact
/// function of the geometry.
enum TinyScene {
    static let width = 20, height = 16

    static func color(_ p: Vec3) -> SIMD3<Float> {
        SIMD3(Float(0.5 + 0.4 * sin(3.1 * p.x + 0.7)), Float(0.5 + 0.4 * cos(2.3 * p.y - 0.4)),
              Float(0.5 + 0.3 * sin(1.7 * p.x + 2.9 * p.y)))
    }

    static func camera(_ i: Int, motion: Rigid3 = .identity) -> Camera {
        let angle = 0.06 * Double(i - 2)
        let rot = Mat3(rows: [[cos(angle), 0, sin(angle)], [0, 1, 0], [-sin(angle), 0, cos(angle)]])
        let pose = Rigid3(rotation: rot, translation: Vec3(0.25 * Double(i - 2), 0.08 * Double(i % 2), 0))
        return Camera(intrinsics: Intrinsics(fx: 18, fy: 18, cx: Double(width) / 2, cy: Double(height) / 2,
                                             width: width, height: height),
                      worldFromCamera: motion * pose)
    }

    /// Image of camera i (rendered before any motion; the motion moves the plane too).
    static func image(_ i: Int, planeDepth: Double = 3) -> Image {
        let cam = camera(i)
        var px = [Float](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let r = cam.rayThroughPixelCentre(x: x, y: y)
                let t = (planeDepth - r.origin.z) / r.direction.z
                let c = color(r.point(at: t))
                px[(y * width + x) * 3] = c.x; px[(y * width + x) * 3 + 1] = c.y; px[(y * width + x) * 3 + 2] = c.z
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: px)
    }

    static let cameraCount = 6
    static let images: [Image] = (0..<cameraCount).map { image($0) }

    /// A view set: target camera `target`, references = the other cameras (the first `views` of them).
    static func viewSet<T: EngineScalar>(_: T.Type, target: Int = 2, views: Int, motion: Rigid3 = .identity) -> ViewSet<T> {
        let refs = (0..<cameraCount).filter { $0 != target }.prefix(views)
        return try! ViewSet<T>(target: camera(target, motion: motion), references: refs.map { camera($0, motion: motion) },
                               images: refs.map { images[$0] }, referenceIDs: Array(refs), near: 2, far: 5)
    }

    /// All pixel centres of the target as rays, and their true colours [count·3].
    static func raysAndTargets<T: EngineScalar>(_: T.Type, target: Int = 2, step: Int = 1) -> ([ModelRay], [T]) {
        var rays: [ModelRay] = [], colours: [T] = []
        let img = images[target]
        for y in stride(from: 0, to: height, by: step) {
            for x in stride(from: 0, to: width, by: step) {
                rays.append(ModelRay(viewSet: 0, x: Double(x) + 0.5, y: Double(y) + 0.5))
                for c in 0..<3 { colours.append(T(img[x, y, c])) }
            }
        }
        return (rays, colours)
    }

    /// A small rotation + translation.
    static let motion: Rigid3 = {
        let q = Mat3(quaternion: (w: 0.9, x: 0.2, y: -0.3, z: 0.25))
        return Rigid3(rotation: q, translation: Vec3(1.5, -0.7, 2.2))
    }()
}

extension EpipolarModel {
    /// Forward on an array of rays (convenience for tests).
    func run(_ rays: [ModelRay], _ viewSets: [ViewSet<T>], _ ws: EpipolarWorkspace<T>) {
        rays.withUnsafeBufferPointer { forward(rays: $0, viewSets: viewSets, workspace: ws) }
    }
}

extension ModelConfig {
    /// `tiny` with every sweep-guidance lever (8 planes; 2 global + 4 guided samples around 1 minimum).
    static var tinyGuided: ModelConfig {
        var c = ModelConfig.tiny
        c.name = "tiny-guided"
        var g = GuidanceSettings()
        g.planes = 8; g.minima = 1; g.offsets = [0, -1, 1, 2]; g.priorSharpness = 50
        g.adaptiveSharpness = true
        c.guidance = g
        return c
    }
}

extension TinyScene {
    /// Guidance for every pixel of the target (one tile of the whole image; row = y·width + x), and the
    /// rays of `raysAndTargets(step:)` pointing at their rows.
    static func guided<T: EngineScalar>(_ config: ModelConfig, _ vs: ViewSet<T>, step: Int,
                                        placement: DepthPlacement = .binCentres) -> ([ModelRay], [T], GuidanceBatch) {
        let guide = SweepGuide(settings: config.guidance!, views: config.views, samples: config.samples, maxPixels: width * height)
        let batch = GuidanceBatch(capacity: width * height, samples: config.samples)
        guide.fill(tile: PixelTile(x0: 0, y0: 0, width: width, height: height), viewSet: vs, placement: placement, keyView: 2,
                   into: batch, row0: 0)
        var (rays, targets) = raysAndTargets(T.self, step: step)
        for i in rays.indices { rays[i].guide = Int32(Int(rays[i].y) * width + Int(rays[i].x)) }
        return (rays, targets, batch)
    }
}

/// Central differences of `loss` on a sample of parameters of every tensor (first, middle, last and one
/// random element) against `analytic(i)`; records each relative error above 1e-5 (with an absolute floor
/// for true zeros, e.g. biases a softmax ignores). Returns (worst relative error, elements checked).
func centralDifferenceCheck(_ model: EpipolarModel<Double>, label: String, rng: inout EngineRNG,
                            analytic: (Int) -> Double, loss: () -> Double) -> (worst: Double, checked: Int) {
    let v = model.parameters.values
    var worst = 0.0, checked = 0
    for e in model.layout.entries {
        for j in Set([0, e.count / 2, e.count - 1, Int(rng.next() % UInt64(e.count))]) {
            let i = e.offset + j
            let old = v.pointer[i], h = 1e-6
            v.pointer[i] = old + h; let lp = loss()
            v.pointer[i] = old - h; let lm = loss()
            v.pointer[i] = old
            let numeric = (lp - lm) / (2 * h), a = analytic(i)
            let err = abs(numeric - a) / max(1e-4, abs(numeric) + abs(a))
            if err > 1e-5 { Issue.record("\(label) \(e.name)[\(j)]: analytic \(a), numeric \(numeric)") }
            worst = max(worst, err)
            checked += 1
        }
    }
    return (worst, checked)
}
