// HatoFuzz in an ordinary build: a corpus replayer.
//   HatoFuzz [--target NAME] PATH...   each file (or each file of a directory, recursively)
//                                      through the named target, or through every target.
// A finding traps here as it did under libFuzzer, so a saved crash input reproduces without
// sanitizers: `swift run HatoFuzz --target smtp-framing crash-1234`.
#if !FUZZING
import Foundation
import HatoFuzzTargets

@_cdecl("HatoFuzz_main")
public func replayMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var arguments = Array(CommandLine.arguments.dropFirst())
    var targets = FuzzTarget.allCases
    if arguments.first == "--target", arguments.count >= 2 {
        guard let target = FuzzTarget(rawValue: arguments[1]) else {
            print("unknown target \(arguments[1]); targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: " "))")
            return 2
        }
        targets = [target]
        arguments.removeFirst(2)
    }
    let verbose = ProcessInfo.processInfo.environment["HATO_FUZZ_VERBOSE"] != nil
    let files = arguments.flatMap(SeedFiles.files(at:))
    for file in files {
        guard let data = FileManager.default.contents(atPath: file) else { continue }
        for target in targets {
            if verbose { FileHandle.standardError.write(Data("\(target.rawValue) \(file)\n".utf8)) }
            target.runBlocking([UInt8](data))
        }
    }
    print("replayed \(files.count) inputs through \(targets.count) targets")
    return 0
}
#endif
