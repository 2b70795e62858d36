// The entry point of HatoFuzz (kept apart from the replayer: SwiftPM treats a one-file
// executable target as a script with top-level code).
//
// SwiftPM links an executable target with `--defsym main=<Module>_main`. Built with -DFUZZING
// (and -sanitize=fuzzer) this hands control to libFuzzer with the target named by the
// HATO_FUZZ_TARGET environment variable; otherwise it replays files (Replay.swift), so the
// target also builds and runs in an ordinary `swift build`.
#if FUZZING
import Foundation
import HatoFuzzTargets

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

/// Read once: the callback runs millions of times.
let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["HATO_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: " ")
        FileHandle.standardError.write(Data("HATO_FUZZ_TARGET must be one of: \(names)\n".utf8))
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    selectedTarget.runBlocking(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@_cdecl("HatoFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    _ = selectedTarget
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzOneInput)
}
#endif
