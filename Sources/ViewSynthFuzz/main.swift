// libFuzzer driver for every parser of untrusted input (FuzzEntry): `ViewSynthFuzz <target> [libFuzzer
// options] [corpus folders]`, e.g. `ViewSynthFuzz npy -max_total_time=60 corpus/npy`. Built only when
// VIEWSYNTH_FUZZ=1 (see Package.swift and README "Reliability"; .ci/fuzz runs every target).
// The target may also be given as VIEWSYNTH_FUZZ_TARGET (used when libFuzzer's own main runs instead of ours).

import Foundation
import ViewSynth

typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: FuzzCallback) -> Int32

nonisolated(unsafe) var selectedTarget = ProcessInfo.processInfo.environment["VIEWSYNTH_FUZZ_TARGET"] ?? ""

func fuzzOne(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    FuzzEntry.run(selectedTarget, data)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
func LLVMFuzzerTestOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 { fuzzOne(bytes, count) }

var args = CommandLine.arguments
if args.count > 1, FuzzEntry.parser(named: args[1]) != nil {
    selectedTarget = args.remove(at: 1)
}
guard FuzzEntry.parser(named: selectedTarget) != nil else {
    FileHandle.standardError.write(Data("usage: ViewSynthFuzz <target> [libFuzzer options] [corpus…]; targets: \(FuzzEntry.names.joined(separator: ", "))\n".utf8))
    exit(2)
}
// libFuzzer keeps pointers into argv for the whole run: leak the copies on purpose.
var cArgs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
var argc = Int32(args.count)
let status = cArgs.withUnsafeMutableBufferPointer { buf -> Int32 in
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buf.baseAddress
    return LLVMFuzzerRunDriver(&argc, &argv) { fuzzOne($0, $1) }
}
exit(status)
