// swift-tools-version:6.0
// ViewSynth: novel-view synthesis (GPNR, LFNR, plane sweep) on an ordinary CPU.
//
// Module graph (dependencies flow one way, top to bottom):
//
//   viewsynth (CLI, target ViewSynthCLI)
//     └─ ViewSynth            umbrella: render pipeline, methods (sweep, GPNR, LFNR); re-exports the rest
//          ├─ ViewSynthSynthetic  procedural scenes with exact ground truth (ray tracer)
//          │    └─ ViewSynthCore
//          ├─ ViewSynthCore   image I/O, scene model + loaders, camera geometry, metrics
//          │    ├─ CPNG, CTurboJPEG (system libraries)
//          └─ ViewSynthEngine neural-network engine (tensors, ops with backward passes, AdamW, safetensors)
//               ├─ COpenBLAS (system library)
//               └─ CKernels  (C: hot non-GEMM kernels, target_clones dispatch)
//
// No target uses unsafeFlags: a library user can depend on any of them. The one exception, the libFuzzer
// driver ViewSynthFuzz (-sanitize=fuzzer), exists only when VIEWSYNTH_FUZZ=1 is set (README "Reliability"),
// so a plain `swift build` / `swift test` neither builds nor needs it.
import Foundation
import PackageDescription

let package = Package(
    name: "ViewSynth",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "ViewSynth", targets: ["ViewSynth"]),
        .executable(name: "viewsynth", targets: ["ViewSynthCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries (Debian: apt-get install libpng-dev libturbojpeg0-dev libopenblas-dev).
        .systemLibrary(
            name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
        .systemLibrary(
            name: "CTurboJPEG", path: "Sources/CTurboJPEG", pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"]), .brew(["jpeg-turbo"])]),
        .systemLibrary(
            name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),

        .target(name: "ViewSynthCore", dependencies: ["CPNG", "CTurboJPEG"]),
        // Hot non-GEMM kernels of the engine, runtime-dispatched with target_clones (no unsafeFlags).
        .target(name: "CKernels", path: "Sources/CKernels"),
        .target(name: "ViewSynthEngine", dependencies: ["COpenBLAS", "CKernels"]),
        .target(name: "ViewSynthSynthetic", dependencies: ["ViewSynthCore"]),
        .target(
            name: "ViewSynth",
            dependencies: ["ViewSynthCore", "ViewSynthEngine", "ViewSynthSynthetic"],
            // The shipped GPNR weights (ShippedWeights.swift; README "Shipped GPNR weights").
            resources: [.copy("Resources/gpnr.safetensors")]),
        .executableTarget(
            name: "ViewSynthCLI",
            dependencies: [
                "ViewSynth",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .testTarget(
            name: "ViewSynthCoreTests", dependencies: ["ViewSynthCore"],
            exclude: ["Metrics/Fixtures/ssim_reference.py"]),  // provenance of the SSIM fixtures, not built
        .testTarget(name: "ViewSynthEngineTests", dependencies: ["ViewSynthEngine"]),
        .testTarget(name: "ViewSynthSyntheticTests", dependencies: ["ViewSynthSynthetic"]),
        .testTarget(name: "ViewSynthTests", dependencies: ["ViewSynth", "ViewSynthCLI"],
                    exclude: ["FuzzCorpus"]),  // replayed by FuzzCorpusTests from the source tree, not a resource
    ]
)

if ProcessInfo.processInfo.environment["VIEWSYNTH_FUZZ"] == "1" {
    package.targets.append(.executableTarget(
        name: "ViewSynthFuzz", dependencies: ["ViewSynth"],
        swiftSettings: [.unsafeFlags(["-sanitize=fuzzer"])],
        linkerSettings: [.unsafeFlags(["-sanitize=fuzzer"])]))
    package.products.append(.executable(name: "ViewSynthFuzz", targets: ["ViewSynthFuzz"]))
}
