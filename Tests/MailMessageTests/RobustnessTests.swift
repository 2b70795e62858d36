// Hostile and damaged input: parsing never crashes, stays within the input, and terminates.
import Foundation
import Testing
@testable import MailMessage

@Suite struct RobustnessTests {
    /// A small deterministic generator so failures reproduce.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    func exercise(_ bytes: [UInt8]) {
        let m = MIMEMessage(parsing: bytes)
        let s = MessageSummary(m)
        #expect(s.size == bytes.count)
        for part in m.root.allParts {
            #expect(part.bodyRange.end <= bytes.count && part.headerRange.end <= bytes.count)
            _ = m.text(of: part)
            _ = part.filename
        }
        _ = m.decodedText
        _ = m.header.from
        _ = m.header.date
    }

    @Test func mutatedCorpusNeverCrashes() throws {
        var rng = SplitMix(state: 0x4861_746F)
        let interesting: [[UInt8]] = ["\r\n", "\n", "--", "=?", "?=", "\"", "(", ")", "<", ">", ";", ":", "=", "*0*", "%", "\u{1B}$B", "boundary=", "Content-Type: multipart/mixed; boundary=x\r\n"].map { Array($0.utf8) }
        for name in try Fixture.corpusNames() {
            let original = try Fixture.bytes(name)
            for _ in 0..<40 {
                var b = original
                for _ in 0..<Int.random(in: 1...8, using: &rng) where !b.isEmpty {
                    let at = Int.random(in: 0..<b.count, using: &rng)
                    switch Int.random(in: 0..<4, using: &rng) {
                    case 0: b[at] = UInt8.random(in: 0...255, using: &rng)
                    case 1: b.removeSubrange(at..<min(b.count, at + Int.random(in: 1...50, using: &rng)))
                    case 2: b.insert(contentsOf: interesting.randomElement(using: &rng)!, at: at)
                    default: b = Array(b[..<at])
                    }
                }
                exercise(b)
            }
        }
    }

    @Test func pathologicalShapes() {
        // deep nesting, many tiny parts, one giant header line, unterminated constructs
        var deep = ""
        for k in 0..<500 { deep += "Content-Type: multipart/mixed; boundary=\"b\(k)\"\r\n\r\n--b\(k)\r\n" }
        exercise(Array(deep.utf8))
        exercise(Array(("Content-Type: multipart/mixed; boundary=x\r\n\r\n" + String(repeating: "--x\r\n\r\n", count: 20_000)).utf8))
        exercise(Array(("Subject: " + String(repeating: "=?UTF-8?B?", count: 5000) + "\r\n\r\n").utf8))
        exercise(Array(("From: " + String(repeating: "(", count: 10_000) + "\r\nTo: " + String(repeating: "\"", count: 9999) + "\r\n\r\n").utf8))
        exercise(Array(("Content-Type: text/plain; " + String(repeating: "a*9999*=x; ", count: 2000) + "\r\n\r\n").utf8))
        var messages = "Subject: x\r\n"
        for _ in 0..<200 { messages += "Content-Type: message/rfc822\r\n\r\n" }
        exercise(Array(messages.utf8))
    }

    @Test func largeAttachmentIsNotCopiedAndParsesFast() {
        var raw = Array("Content-Type: multipart/mixed; boundary=big\r\n\r\n--big\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n".utf8)
        let line = Array(String(repeating: "QUJD", count: 19).utf8) + [0x0D, 0x0A]
        for _ in 0..<(10_000_000 / line.count) { raw += line }
        raw += Array("--big--\r\n".utf8)
        let start = Date()
        let s = MessageSummary(parsing: raw)
        let seconds = Date().timeIntervalSince(start)
        #expect(s.sections.count == 2)
        // generous bound for debug builds on a small machine; release throughput is in docs/mime.md
        #expect(seconds < 10, "parsing 10 MB took \(seconds)s")
    }
}
