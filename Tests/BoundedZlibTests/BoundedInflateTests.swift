import Foundation
import Testing
@testable import BoundedZlib

/// The output bound holds while inflating (bombs stop at the bound), and every way input can be
/// wrong has its own error: truncated, corrupt, trailing data. gzip(1) is the outside oracle.
@Suite struct BoundedInflateTests {
    static let text = Array(String(repeating: "<record><source_ip>192.0.2.1</source_ip></record>\n", count: 500).utf8)

    @Test(arguments: [ZlibFormat.gzip, .rawDeflate, .zlib])
    func roundTrips(_ format: ZlibFormat) throws {
        let compressed = BoundedDeflate.deflate(Self.text, format: format)
        #expect(compressed.count < Self.text.count / 10)
        #expect(try BoundedInflate.inflate(compressed, format: format, maxOutput: Self.text.count) == Self.text)
    }

    @Test func outputExactlyAtTheBoundIsAccepted() throws {
        let compressed = BoundedDeflate.deflate(Self.text, format: .gzip)
        #expect(try BoundedInflate.inflate(compressed, format: .gzip, maxOutput: Self.text.count).count == Self.text.count)
        #expect(throws: InflateError.outputLimitExceeded(limit: Self.text.count - 1)) {
            try BoundedInflate.inflate(compressed, format: .gzip, maxOutput: Self.text.count - 1)
        }
    }

    /// 64 MiB of zeros is about 64 KB of DEFLATE: the bound stops it at 1 MiB + 1 octet of output.
    @Test(arguments: [ZlibFormat.gzip, .rawDeflate])
    func bombStopsAtTheBound(_ format: ZlibFormat) throws {
        let bomb = BoundedDeflate.deflate([UInt8](repeating: 0, count: 64 << 20), format: format, level: 9)
        #expect(bomb.count < 100_000)
        #expect(throws: InflateError.outputLimitExceeded(limit: 1 << 20)) {
            try BoundedInflate.inflate(bomb, format: format, maxOutput: 1 << 20)
        }
        #expect(throws: InflateError.outputLimitExceeded(limit: 0)) { try BoundedInflate.inflate(bomb, format: format, maxOutput: 0) }
    }

    @Test(arguments: [ZlibFormat.gzip, .rawDeflate, .zlib])
    func truncatedInputIsTruncated(_ format: ZlibFormat) throws {
        let compressed = BoundedDeflate.deflate(Self.text, format: format)
        for cut in [1, 4, compressed.count / 2, compressed.count - 1] where cut < compressed.count {
            #expect(throws: InflateError.truncated) { try BoundedInflate.inflate(Array(compressed.prefix(cut)), format: format, maxOutput: 1 << 20) }
        }
        #expect(throws: InflateError.truncated) { try BoundedInflate.inflate([], format: format, maxOutput: 1 << 20) }
    }

    @Test func corruptInputIsCorrupt() throws {
        var compressed = BoundedDeflate.deflate(Self.text, format: .gzip)
        compressed[compressed.count - 5] ^= 0xFF  // the CRC-32 (RFC 1952 §2.3.1)
        #expect(throws: InflateError.corrupt("incorrect data check")) { try BoundedInflate.inflate(compressed, format: .gzip, maxOutput: 1 << 20) }
        #expect(throws: InflateError.corrupt("incorrect header check")) {
            try BoundedInflate.inflate(Array("plain text, not gzip".utf8), format: .gzip, maxOutput: 1 << 20)
        }
        #expect(throws: InflateError.corrupt("invalid block type")) { try BoundedInflate.inflate([0xFF, 0xFF, 0xFF], format: .rawDeflate, maxOutput: 64) }
    }

    /// RFC 1952 §2.2: members follow each other; anything else after the end is refused.
    @Test func concatenatedMembersAndTrailingData() throws {
        let first = BoundedDeflate.deflate(Array("one ".utf8), format: .gzip)
        let second = BoundedDeflate.deflate(Array("two".utf8), format: .gzip)
        #expect(try BoundedInflate.inflate(first + second, format: .gzip, maxOutput: 64) == Array("one two".utf8))
        #expect(throws: InflateError.outputLimitExceeded(limit: 5)) { try BoundedInflate.inflate(first + second, format: .gzip, maxOutput: 5) }
        #expect(throws: InflateError.trailingData) { try BoundedInflate.inflate(first + [0x00, 0x01], format: .gzip, maxOutput: 64) }
        let raw = BoundedDeflate.deflate(Array("one".utf8), format: .rawDeflate)
        #expect(throws: InflateError.trailingData) { try BoundedInflate.inflate(raw + [0x1F, 0x8B], format: .rawDeflate, maxOutput: 64) }
    }

    /// gzip(1) reads what BoundedDeflate writes, and BoundedInflate reads what gzip -9 writes.
    @Test func gzipCommandAgrees() throws {
        guard FileManager.default.isExecutableFile(atPath: "/bin/gzip") else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bounded-zlib-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ours = directory.appendingPathComponent("ours.gz")
        try Data(BoundedDeflate.deflate(Self.text, format: .gzip)).write(to: ours)
        #expect(try run("/bin/gzip", ["-dc", ours.path]) == Self.text)
        let plain = directory.appendingPathComponent("plain.xml")
        try Data(Self.text).write(to: plain)
        let theirs = try run("/bin/gzip", ["-9c", plain.path])
        #expect(try BoundedInflate.inflate(theirs, format: .gzip, maxOutput: Self.text.count) == Self.text)
    }

    func run(_ executable: String, _ arguments: [String]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return Array(data)
    }
}
