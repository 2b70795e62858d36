// The entry point of DNSMessageFuzz (kept in its own file: SwiftPM treats a one-file executable
// target as a script with top-level code).
//
// SwiftPM links an executable target with `--defsym main=<Module>_main`. Built with -DFUZZING
// (and -sanitize=fuzzer) this hands control to libFuzzer; otherwise it replays the files named on
// the command line, so the target also builds and runs in an ordinary `swift build`.
#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("DNSMessageFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzDNSMessage)
}
#else
import Foundation

@_cdecl("DNSMessageFuzz_main")
public func replayMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    for path in CommandLine.arguments.dropFirst() {
        guard let data = FileManager.default.contents(atPath: path) else { continue }
        let bytes = [UInt8](data)
        _ = bytes.withUnsafeBufferPointer { buffer in
            fuzzDNSMessage(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!, buffer.count)
        }
    }
    return 0
}
#endif
