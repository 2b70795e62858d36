import DNSMessage
import Foundation
import HatoTesting
@testable import MailAuth

/// An RSA-2048 key made by openssl (PKCS#1 PEM, the form dkimpy reads) and its DNS TXT record.
struct ARCTestKey {
    let pem: String
    let record: String

    static func make() async throws -> ARCTestKey {
        let output = try await Python.run("""
            import subprocess, base64
            pem = subprocess.run(["openssl", "genrsa", "-traditional", "2048"], capture_output=True, check=True).stdout
            der = subprocess.run(["openssl", "rsa", "-RSAPublicKey_in", "-pubout", "-outform", "DER"], input=pem, capture_output=True).stdout
            if not der:
                der = subprocess.run(["openssl", "rsa", "-pubout", "-outform", "DER"], input=pem, capture_output=True, check=True).stdout
            print(pem.decode().strip().replace("\\n", "|"))
            print(base64.b64encode(der).decode())
            """)
        let lines = output.stdout.split(separator: "\n").map(String.init)
        guard output.status == 0, lines.count == 2 else { throw ConformanceFailure("openssl key generation failed: \(output.stderr)") }
        return ARCTestKey(pem: lines[0].replacingOccurrences(of: "|", with: "\n") + "\n", record: "v=DKIM1; k=rsa; p=\(lines[1])")
    }

    /// The record as zone text: character-strings of at most 255 bytes (RFC 1035 §3.3.14).
    func zoneLine(_ name: String) -> String {
        var chunks: [String] = []
        var rest = Substring(record)
        while !rest.isEmpty {
            chunks.append("\"\(rest.prefix(200))\"")
            rest = rest.dropFirst(200)
        }
        return "\(name). TXT \(chunks.joined(separator: " "))\n"
    }
}

let arcSampleMessage = Array("""
    From: Jane <jane@origin.example>\r
    To: list@forwarder.example\r
    Subject: ARC test\r
    Date: Mon, 23 Nov 2026 10:00:00 +0000\r
    Message-ID: <arc-1@origin.example>\r
    \r
    Hello over a forwarded path.\r

    """.utf8)
