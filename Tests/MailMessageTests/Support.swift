// Shared helpers for the MailMessage tests.
import Foundation
import Testing
@testable import MailMessage

enum Fixture {
    /// The Fixtures folder inside the test bundle.
    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    }

    /// The Fixtures folder in the source tree (for regenerating golden files).
    static var sourceDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    }

    static func corpusNames() throws -> [String] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("corpus").path)
        return files.filter { $0.hasSuffix(".eml") }.sorted()
    }

    static func bytes(_ corpusName: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent("corpus").appendingPathComponent(corpusName)))
    }
}

func crlf(_ s: String) -> [UInt8] {
    Array(s.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
}

/// CRLF line endings turned into LF, for the LF variant of corpus messages.
func toLF(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = 0
    while i < bytes.count {
        if bytes[i] == 0x0D, i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 1; continue }
        out.append(bytes[i])
        i += 1
    }
    return out
}
