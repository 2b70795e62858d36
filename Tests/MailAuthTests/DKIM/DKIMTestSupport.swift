import DNSMessage
import Foundation
import HatoTesting
@testable import MailAuth

/// A message with "\n" line ends written as CRLF.
func crlf(_ text: String) -> [UInt8] {
    Array(text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
}

/// A resolver holding TXT records (key record text, split into 255-byte strings) by owner name.
func keyResolver(_ records: [String: String], failures: [String: StaticResolver.Failure] = [:]) throws -> StaticResolver {
    var zone = DNSZone()
    for (name, text) in records {
        let bytes = Array(text.utf8)
        let chunks = stride(from: 0, to: max(bytes.count, 1), by: 255).map { Array(bytes[$0..<min($0 + 255, bytes.count)]) }
        zone.add(try DNSName(name), .txt(chunks))
    }
    var failureMap: [StaticResolver.Query: StaticResolver.Failure] = [:]
    for (name, failure) in failures { failureMap[try StaticResolver.Query(name, .txt)] = failure }
    return StaticResolver(zone: zone, failures: failureMap)
}

func verify(_ message: [UInt8], records: [String: String], now: Date = Date(),
            configuration: DKIMVerifierConfiguration = DKIMVerifierConfiguration()) async throws -> [DKIMSignatureResult] {
    let verifier = DKIMVerifier(resolver: try keyResolver(records), configuration: configuration)
    return await verifier.verify(message, now: now)
}

/// The message of RFC 6376 Appendix A.1 (also the one RFC 8463 Appendix A signs).
let rfcExampleMessage = """
    From: Joe SixPack <joe@football.example.com>
    To: Suzie Q <suzie@shopping.example.net>
    Subject: Is dinner ready?
    Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)
    Message-ID: <20030712040037.46341.5F8J@football.example.com>

    Hi.

    We lost the game.  Are you hungry yet?

    Joe.

    """

/// A message of about `size` bytes with a few MIME headers, for signing tests and benchmarks.
func sampleMessage(bodyLines: Int = 40) -> [UInt8] {
    var text = """
        From: Alice Example <alice@example.com>
        To: Bob <bob@example.net>
        Cc: carol@example.org
        Subject: Quarterly numbers
        Date: Mon, 23 Nov 2026 10:00:00 +0000
        Message-ID: <q3.numbers@example.com>
        MIME-Version: 1.0
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: 7bit


        """
    for line in 0..<bodyLines { text += "Line \(line) of the report,  with  some   spaces and a tab\there.\n" }
    return crlf(text)
}

/// Runs a Python script that needs dkimpy; returns stdout, failing the test with stderr otherwise.
func runPython(_ script: String, arguments: [String] = []) async throws -> String {
    let (status, stdout, stderr) = try await Python.run(script, arguments: arguments, timeout: 120)
    guard status == 0 else { throw PythonFailure(message: "python exited \(status): \(stderr)") }
    return stdout
}

struct PythonFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
