import Testing
import ViewSynthEngine

@Suite("OpenBLAS core-type decision")
struct BLASSetupTests {
    let zen5 = BLASSetup.CPUFeatures(avx2: true, fma: true, avx512f: true, avx512cd: true, avx512bw: true,
                                     avx512dq: true, avx512vl: true)
    let avx2Only = BLASSetup.CPUFeatures(avx2: true, fma: true)

    @Test func prescottOnAVX512UpgradesToSkylakeX() {
        #expect(BLASSetup.decide(core: "Prescott", features: zen5, environment: [:])
                == .upgrade(core: "Prescott", recommended: "SkylakeX"))
        // a Haswell/Zen core on an AVX-512 CPU also gains from SkylakeX
        #expect(BLASSetup.decide(core: "Zen", features: zen5, environment: [:])
                == .upgrade(core: "Zen", recommended: "SkylakeX"))
    }

    @Test func prescottOnAVX2UpgradesToHaswell() {
        #expect(BLASSetup.decide(core: "Prescott", features: avx2Only, environment: [:])
                == .upgrade(core: "Prescott", recommended: "Haswell"))
        #expect(BLASSetup.decide(core: "Haswell", features: avx2Only, environment: [:]) == .keep(core: "Haswell"))
        #expect(BLASSetup.decide(core: "Zen", features: avx2Only, environment: [:]) == .keep(core: "Zen"))
    }

    @Test func goodCoresAndOldCPUsAreKept() {
        #expect(BLASSetup.decide(core: "SkylakeX", features: zen5, environment: [:]) == .keep(core: "SkylakeX"))
        #expect(BLASSetup.decide(core: "Prescott", features: .init(), environment: [:]) == .keep(core: "Prescott"))
        // AVX-512F without BW/DQ/VL (Knights Landing) is not enough for SkylakeX kernels
        var knl = avx2Only
        knl.avx512f = true
        knl.avx512cd = true
        #expect(BLASSetup.decide(core: "Prescott", features: knl, environment: [:])
                == .upgrade(core: "Prescott", recommended: "Haswell"))
    }

    @Test func environmentControls() {
        #expect(BLASSetup.decide(core: "Prescott", features: zen5, environment: ["OPENBLAS_CORETYPE": "Haswell"])
                == .userChoice("Haswell"))
        #expect(BLASSetup.decide(core: "Prescott", features: zen5, environment: ["VIEWSYNTH_NO_BLAS_REEXEC": "1"])
                == .optedOut)
        // the re-executed process never re-executes again, whatever OpenBLAS now runs
        #expect(BLASSetup.decide(core: "Prescott", features: zen5,
                                 environment: ["VIEWSYNTH_BLAS_REEXEC_DONE": "1", "OPENBLAS_CORETYPE": "SkylakeX"])
                == .reexecuted(core: "Prescott"))
        #expect(BLASSetup.decide(core: "SkylakeX", features: zen5,
                                 environment: ["VIEWSYNTH_BLAS_REEXEC_DONE": "1", "OPENBLAS_CORETYPE": "SkylakeX"])
                == .reexecuted(core: "SkylakeX"))
    }

    @Test func weakCoreHint() {
        #expect(BLASSetup.weakCoreHint(core: "Haswell", features: zen5)?.contains("OPENBLAS_CORETYPE=SkylakeX") == true)
        #expect(BLASSetup.weakCoreHint(core: "SkylakeX", features: zen5) == nil)
        #expect(BLASSetup.weakCoreHint(core: "Prescott", features: avx2Only)?.contains("Haswell") == true)
        #expect(BLASSetup.weakCoreHint(core: "Prescott", features: .init()) == nil)
    }

    @Test func liveDiagnosticsNameTheCore() {
        let d = BLASSetup.diagnostics
        #expect(d.contains("OpenBLAS core: \(BLASSetup.coreName)"))
        #expect(!BLASSetup.coreName.isEmpty)
    }
}
