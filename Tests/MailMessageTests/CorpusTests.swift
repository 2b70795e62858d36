// Golden corpus: every .eml under Fixtures/corpus parsed as CRLF and as LF, checked for
// internal consistency and against Fixtures/expected/<name>.json (the stored MessageSummary).
// Regenerate the goldens with HATO_UPDATE_GOLDEN=1 swift test --filter CorpusTests, then review.
import Foundation
import Testing
@testable import MailMessage

@Suite struct CorpusTests {
    static let names: [String] = (try? Fixture.corpusNames()) ?? []

    @Test func corpusIsNotEmpty() throws {
        #expect(CorpusTests.names.count >= 20, "the corpus must have run cases")
    }

    static func summaryJSON(_ summary: MessageSummary) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .secondsSince1970
        return String(decoding: try encoder.encode(summary), as: UTF8.self) + "\n"
    }

    @Test(arguments: CorpusTests.names)
    func matchesGolden(name: String) throws {
        let bytes = try Fixture.bytes(name)
        let json = try CorpusTests.summaryJSON(MessageSummary(parsing: bytes))
        let goldenName = name.replacingOccurrences(of: ".eml", with: ".json")
        if ProcessInfo.processInfo.environment["HATO_UPDATE_GOLDEN"] == "1" {
            let dir = Fixture.sourceDirectory.appendingPathComponent("expected")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try json.write(to: dir.appendingPathComponent(goldenName), atomically: true, encoding: .utf8)
            return
        }
        let golden = try String(contentsOf: Fixture.directory.appendingPathComponent("expected").appendingPathComponent(goldenName), encoding: .utf8)
        #expect(json == golden, "\(name): summary differs from expected/\(goldenName)")
        // and the JSON the store keeps decodes back to the same value
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        let back = try decoder.decode(MessageSummary.self, from: Data(json.utf8))
        #expect(try CorpusTests.summaryJSON(back) == json)
    }

    @Test(arguments: CorpusTests.names)
    func rangesAreConsistent(name: String) throws {
        for bytes in [try Fixture.bytes(name), toLF(try Fixture.bytes(name))] {
            let message = MIMEMessage(parsing: bytes)
            for part in message.root.allParts {
                #expect(part.headerRange.offset >= 0 && part.headerRange.end <= bytes.count)
                #expect(part.bodyRange.offset >= part.headerRange.end - 0 || part.bodyRange.length == 0)
                #expect(part.bodyRange.end <= bytes.count)
                #expect(part.headerRange.end <= part.bodyRange.offset)
                for child in part.parts {
                    #expect(child.headerRange.offset >= part.bodyRange.offset)
                    #expect(child.bodyRange.end <= part.bodyRange.end)
                }
                if let first = part.header.fields.first {
                    // raw field bytes are exactly the original bytes at their offsets
                    #expect(Array(bytes[first.range.range]) == Array(first.raw))
                }
            }
            let summary = MessageSummary(message)
            #expect(summary.location(of: []) != nil)
            for location in summary.sections {
                #expect(location.body.end <= bytes.count && location.header.end <= bytes.count)
                #expect(message.part(at: location.section) != nil, "\(name): section \(location.section) not resolvable")
            }
        }
    }

    @Test(arguments: CorpusTests.names)
    func lfVariantReadsTheSame(name: String) throws {
        let crlfMessage = MIMEMessage(parsing: try Fixture.bytes(name))
        let lfMessage = MIMEMessage(parsing: toLF(try Fixture.bytes(name)))
        let a = crlfMessage.root.allParts, b = lfMessage.root.allParts
        #expect(a.map(\.section) == b.map(\.section))
        #expect(a.map(\.contentType) == b.map(\.contentType))
        #expect(a.map(\.filename) == b.map(\.filename))
        #expect(crlfMessage.header.subject == lfMessage.header.subject)
        #expect(crlfMessage.header.from == lfMessage.header.from)
        let normalize = { (s: String) in s.replacingOccurrences(of: "\r\n", with: "\n") }
        #expect(normalize(crlfMessage.decodedText) == normalize(lfMessage.decodedText))
    }
}
