// Differential tests against Python's stdlib `email` package (python3 on PATH) over the whole
// corpus: header values, address lists, the part tree, decoded bodies and decoded text.
// Where Python is known to read a message differently, the divergence is listed with its reason.
import Foundation
import HatoTesting
import Testing
@testable import MailMessage

enum Python {
    static let path: String? = {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = "\(dir)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    /// Runs tools/email_dump.py over the corpus and returns its JSON keyed by file name.
    static func dumpCorpus() async throws -> [String: Any] {
        // Python runs on a Dispatch thread: blocking Swift's cooperative pool would stall the
        // servers other test targets (same process) are talking to.
        let data: Data = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try dumpCorpusBlocking() }) }
        }
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    private static func dumpCorpusBlocking() throws -> Data {
        let corpus = Fixture.directory.appendingPathComponent("corpus")
        let arguments = [Fixture.directory.appendingPathComponent("tools/email_dump.py").path]
            + (try Fixture.corpusNames()).map { corpus.appendingPathComponent($0).path }
        let process = try ChildProcess(executable: URL(fileURLWithPath: path!), arguments: arguments)
        process.closeInput()
        guard process.wait() == 0 else { throw CocoaError(.executableLoad) }
        let data = process.outputData
        return data
    }
}

@Suite(.enabled(if: Python.path != nil, "python3 is not on PATH: differential tests against Python's email package skipped"))
struct DifferentialTests {
    /// Known, reviewed divergences: (file, what) -> why Hato's reading is the intended one.
    static let divergences: [String: String] = [
        "02-jp-newsletter-iso2022jp.eml subject": "Python decodes each encoded-word alone; the subject splits a character across two words",
        "02-jp-newsletter-iso2022jp.eml text 0": "Python's iso2022_jp lacks CP50220/50221 (①, ㈱, half-width kana)",
        "06-broken-mime.eml payload 2": "broken base64 has no right answer; Python's binascii drops different bytes",
        "06-broken-mime.eml payload 3": "Python keeps an invalid '=ZZ' escape with its trailing space; Hato drops the space before the soft break",
        "06-broken-mime.eml text 3": "as payload 3",
        "12-raw-8bit-header.eml subject": "raw Shift_JIS in a header: Python keeps surrogate escapes; Hato reads it as Windows-31J",
        "12-raw-8bit-header.eml from": "raw Shift_JIS display name, as the subject",
        "15-unknown-charset.eml subject": "unknown charset: Python leaves the encoded-word; Hato falls back to UTF-8 and reports it",
    ]

    static func diverges(_ key: String) -> Bool { divergences[key] != nil }

    @Test func agreesWithPythonEmail() async throws {
        let python = try await Python.dumpCorpus()
        var compared = 0
        for name in try Fixture.corpusNames() {
            guard let py = python[name] as? [String: Any] else {
                Issue.record("python gave nothing for \(name)")
                continue
            }
            let message = MIMEMessage(parsing: try Fixture.bytes(name))
            compared += 1

            // Subject: agreeing with either of Python's readings is agreement.
            if !DifferentialTests.diverges("\(name) subject") {
                let ours = message.header.subject
                let readings = [py["subject"] as? String, py["subject_legacy"] as? String]
                #expect(readings.contains(ours), "\(name): subject \(String(describing: ours)) vs python \(readings)")
            }
            for field in ["from", "to", "cc"] where !DifferentialTests.diverges("\(name) \(field)") {
                guard let pyList = py[field] as? [[String]] else { continue }
                let ours: [Mailbox]
                switch field {
                case "from": ours = message.header.from.mailboxes
                case "to": ours = message.header.to.mailboxes
                default: ours = message.header.cc.mailboxes
                }
                let oursPairs = ours.map { [$0.displayName ?? "", $0.address] }
                #expect(oursPairs == pyList, "\(name): \(field) \(oursPairs) vs python \(pyList)")
            }
            if let pyID = py["message_id"] as? String {
                #expect(message.header.messageID.map { "<\($0)>" } == pyID, "\(name): message-id")
            }
            if let pyDate = py["date"] as? Double {
                #expect(message.header.date.map { $0.date.timeIntervalSince1970 } == pyDate, "\(name): date")
            }

            // The part tree in walk() order: Python visits the message/rfc822 part and then the
            // encapsulated message, as MIMEPart.allParts does.
            let pyParts = py["parts"] as? [[String: Any]] ?? []
            let ourParts = message.root.allParts
            #expect(ourParts.count == pyParts.count, "\(name): \(ourParts.count) parts vs python \(pyParts.count)")
            for (k, (ours, theirs)) in zip(ourParts, pyParts).enumerated() {
                #expect(ours.contentType.mimeType == theirs["type"] as? String, "\(name) part \(k): type")
                if let pyCharset = theirs["charset"] as? String {
                    #expect(ours.contentType.charset?.lowercased() == pyCharset, "\(name) part \(k): charset")
                }
                let pyName = theirs["filename"] as? String
                #expect(ours.filename == pyName, "\(name) part \(k): filename \(String(describing: ours.filename)) vs \(String(describing: pyName))")
                if let payload = theirs["payload"] as? String, !DifferentialTests.diverges("\(name) payload \(k)") {
                    let pyBytes = Array(Data(base64Encoded: payload) ?? Data())
                    #expect(message.decodedBody(of: ours) == pyBytes, "\(name) part \(k): decoded body differs")
                }
                if let text = theirs["text"] as? String, !DifferentialTests.diverges("\(name) text \(k)") {
                    #expect(message.text(of: ours)?.text == text, "\(name) part \(k): text differs")
                }
            }
        }
        #expect(compared >= 20, "the differential test must compare the whole corpus")
    }
}
