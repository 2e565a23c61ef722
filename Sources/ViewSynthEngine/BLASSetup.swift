import CKernels
import COpenBLAS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The OpenBLAS core-type trap and its fix.
///
/// Debian 12's OpenBLAS 0.3.21 (DYNAMIC_ARCH) does not recognise recent CPUs (e.g. AMD Zen 5, recent Intel)
/// and falls back to its "Prescott" (SSE3) kernels, ~5× slower than its SkylakeX (AVX-512) kernels, which
/// are correct on any CPU with AVX-512 F/CD/BW/DQ/VL (fixed upstream in 0.3.25). OpenBLAS reads
/// `OPENBLAS_CORETYPE` only while it loads — before `main` — so `setenv` in `main` is too late; the only
/// in-process fix is to re-execute the program with the variable set.
///
/// - The CLI calls `BLASSetup.reexecIfNeeded(arguments:)` first thing in `main`. When OpenBLAS runs a core
///   weaker than the CPU supports (SkylakeX with AVX-512, Haswell with AVX2+FMA), it sets
///   `OPENBLAS_CORETYPE` and re-executes `/proc/self/exe` with the same argv, once (the marker variable
///   `VIEWSYNTH_BLAS_REEXEC_DONE` prevents loops). It does nothing when the user already set
///   `OPENBLAS_CORETYPE`, or set `VIEWSYNTH_NO_BLAS_REEXEC=1` (opt-out), or on non-Linux systems.
/// - Library users (who own `main`) should set `OPENBLAS_CORETYPE` themselves before starting the process,
///   e.g. `OPENBLAS_CORETYPE=SkylakeX` on AVX-512 machines; `BLASSetup.checkCoreType()` tells what to set
///   and `BLASSetup.diagnostics` what is running.
public enum BLASSetup {
    /// Environment variables read by `reexecIfNeeded`.
    public static let optOutVariable = "VIEWSYNTH_NO_BLAS_REEXEC"
    public static let markerVariable = "VIEWSYNTH_BLAS_REEXEC_DONE"
    public static let coreTypeVariable = "OPENBLAS_CORETYPE"

    /// CPU features that matter for the OpenBLAS kernel choice (cpuid + OS support, via the C helper).
    public struct CPUFeatures: Sendable, Equatable, CustomStringConvertible {
        public var avx2: Bool, fma: Bool
        public var avx512f: Bool, avx512cd: Bool, avx512bw: Bool, avx512dq: Bool, avx512vl: Bool

        public init(avx2: Bool = false, fma: Bool = false, avx512f: Bool = false, avx512cd: Bool = false,
                    avx512bw: Bool = false, avx512dq: Bool = false, avx512vl: Bool = false) {
            self.avx2 = avx2; self.fma = fma
            self.avx512f = avx512f; self.avx512cd = avx512cd; self.avx512bw = avx512bw
            self.avx512dq = avx512dq; self.avx512vl = avx512vl
        }
        /// Everything OpenBLAS's SkylakeX kernels may use.
        public var skylakeXCapable: Bool { avx512f && avx512cd && avx512bw && avx512dq && avx512vl && avx2 && fma }
        public var haswellCapable: Bool { avx2 && fma }
        public var description: String {
            let names = [("avx2", avx2), ("fma", fma), ("avx512f", avx512f), ("avx512cd", avx512cd),
                         ("avx512bw", avx512bw), ("avx512dq", avx512dq), ("avx512vl", avx512vl)]
            let on = names.filter { $0.1 }.map { $0.0 }
            return on.isEmpty ? "none of avx2/fma/avx512" : on.joined(separator: " ")
        }
    }

    public static let cpuFeatures: CPUFeatures = {
        func has(_ f: String) -> Bool { vs_cpu_supports(f) != 0 }
        return CPUFeatures(avx2: has("avx2"), fma: has("fma"), avx512f: has("avx512f"), avx512cd: has("avx512cd"),
                           avx512bw: has("avx512bw"), avx512dq: has("avx512dq"), avx512vl: has("avx512vl"))
    }()

    /// The kernel set OpenBLAS is running (e.g. "Prescott", "Haswell", "SkylakeX").
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p).trimmingCharacters(in: .whitespaces)
    }

    /// OpenBLAS build configuration string.
    public static var configuration: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p).trimmingCharacters(in: .whitespaces)
    }

    public enum Decision: Sendable, Equatable, CustomStringConvertible {
        /// OpenBLAS already runs the best core this CPU supports (or no better one is known).
        case keep(core: String)
        /// The user chose `OPENBLAS_CORETYPE` (value); we never override it.
        case userChoice(String)
        /// `VIEWSYNTH_NO_BLAS_REEXEC=1`.
        case optedOut
        /// This process is the re-executed one (marker set); OpenBLAS now runs `core`. Never re-executes again.
        case reexecuted(core: String)
        /// Running `core`, but the CPU supports `recommended`: set OPENBLAS_CORETYPE=recommended.
        case upgrade(core: String, recommended: String)

        public var description: String {
            switch self {
            case .keep(let c): return "OpenBLAS core \(c) kept (best known for this CPU)"
            case .userChoice(let v): return "OPENBLAS_CORETYPE=\(v) set by the user"
            case .optedOut: return "\(BLASSetup.optOutVariable)=1: core type left as detected"
            case .reexecuted(let c): return "re-executed with OPENBLAS_CORETYPE set; OpenBLAS runs \(c)"
            case .upgrade(let c, let r): return "OpenBLAS runs \(c) but the CPU supports \(r): set OPENBLAS_CORETYPE=\(r)"
            }
        }
    }

    static let avx512Cores: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]
    static let avx2Cores: Set<String> = ["haswell", "zen"]

    /// The strongest OpenBLAS 0.3.21 core known to be correct on a CPU with these features.
    public static func bestCore(for features: CPUFeatures) -> String? {
        features.skylakeXCapable ? "SkylakeX" : features.haswellCapable ? "Haswell" : nil
    }

    /// 2 for AVX-512 cores, 1 for AVX2 cores, 0 otherwise.
    static func rank(_ core: String) -> Int {
        let c = core.lowercased()
        return avx512Cores.contains(c) ? 2 : avx2Cores.contains(c) ? 1 : 0
    }

    /// A one-line hint when OpenBLAS runs a weaker core than the CPU supports for a reason we do not
    /// override (the user's OPENBLAS_CORETYPE, the opt-out), else nil.
    public static func weakCoreHint(core: String, features: CPUFeatures) -> String? {
        guard let best = bestCore(for: features), rank(best) > rank(core) else { return nil }
        return "note: OpenBLAS runs \(core) but this CPU supports \(best) (~2× faster sgemm from Haswell, ~5× from Prescott); set OPENBLAS_CORETYPE=\(best)"
    }

    /// The pure decision (testable): what to do given OpenBLAS's core, the CPU and the environment.
    public static func decide(core: String, features: CPUFeatures, environment: [String: String]) -> Decision {
        if environment[markerVariable] != nil { return .reexecuted(core: core) }
        if let v = environment[coreTypeVariable], !v.isEmpty { return .userChoice(v) }
        if environment[optOutVariable] == "1" { return .optedOut }
        let c = core.lowercased()
        var recommended: String?
        if features.skylakeXCapable && !avx512Cores.contains(c) {
            recommended = "SkylakeX"
        } else if features.haswellCapable && !avx512Cores.contains(c) && !avx2Cores.contains(c) {
            recommended = "Haswell"
        }
        guard let recommended else { return .keep(core: core) }
        return .upgrade(core: core, recommended: recommended)
    }

    /// The decision for this process.
    public static func checkCoreType() -> Decision {
        decide(core: coreName, features: cpuFeatures, environment: ProcessInfo.processInfo.environment)
    }

    /// Call first thing in `main` (before any output or thread). On `.upgrade`, sets OPENBLAS_CORETYPE and
    /// the marker and replaces the process with `/proc/self/exe arguments…` (does not return). Otherwise, or
    /// if exec fails, returns the decision and the program continues with the current core.
    @discardableResult
    public static func reexecIfNeeded(arguments: [String] = CommandLine.arguments) -> Decision {
        let d = checkCoreType()
        if case .upgrade(_, let recommended) = d { reexec(coreType: recommended, arguments: arguments) }
        return d
    }

    /// Sets OPENBLAS_CORETYPE = `coreType` and the marker variable, then replaces the process with
    /// `/proc/self/exe arguments[1...]` (argv[0] kept). Returns only if exec fails (or off Linux), after
    /// restoring the environment.
    public static func reexec(coreType: String, arguments: [String]) {
        #if os(Linux)
        let previous = ProcessInfo.processInfo.environment[coreTypeVariable]
        setenv(coreTypeVariable, coreType, 1)
        setenv(markerVariable, "1", 1)
        fflush(nil)  // all output streams
        var argv: [UnsafeMutablePointer<CChar>?] = (arguments.isEmpty ? ["viewsynth"] : arguments).map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", argv)
        // exec failed: keep going with the current core.
        for p in argv { free(p) }
        if let previous { setenv(coreTypeVariable, previous, 1) } else { unsetenv(coreTypeVariable) }
        unsetenv(markerVariable)
        #endif
    }

    /// One line per fact: OpenBLAS core, threads, configuration, CPU flags, decision, worker threads.
    public static var diagnostics: String {
        Threading.ensureConfigured()
        let env = ProcessInfo.processInfo.environment
        return """
            OpenBLAS core: \(coreName)
            OpenBLAS config: \(configuration)
            OpenBLAS threads: \(Threading.blasThreads), engine workers: \(Threading.workerCount) (GEMMs split into \(Threading.gemmChunks) single-threaded BLAS calls)
            OPENBLAS_CORETYPE: \(env[coreTypeVariable] ?? "(unset)"), re-executed: \(env[markerVariable] != nil ? "yes" : "no")
            CPU features: \(cpuFeatures)
            Decision: \(checkCoreType())
            """ + (weakCoreHint(core: coreName, features: cpuFeatures).map { "\n" + $0 } ?? "")
    }
}
