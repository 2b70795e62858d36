import Foundation
import HatoFuzzTargets
import Testing

/// Every seed of every target through every target, on each `swift test`: a target that traps
/// (a parser crash, a failed invariant) crashes this test. The seeds include every input a
/// campaign found and that was fixed (Fuzz/HatoFuzz/README.md).
@Suite struct SeedReplayTests {
    static let seedsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("seeds").path

    static let seeds: [[UInt8]] = SeedFiles.files(at: seedsDirectory).compactMap { path in
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everySeedRunsThrough(_ target: FuzzTarget) async {
        let own = SeedFiles.files(at: Self.seedsDirectory + "/" + target.rawValue)
        #expect(Self.seeds.count >= 3 * FuzzTarget.allCases.count)
        #expect(own.count >= 3, "each target keeps a handful of seeds in seeds/\(target.rawValue)")
        for seed in Self.seeds { await target.run(seed) }
    }
}
