// DKIM signing and verification per second on a 20 KB message (issue 9), next to the cost of
// the bare signature algorithm in the same run: the difference is canonicalization, hashing and
// parsing. Figures and how to read them: docs/PERFORMANCE.md (DKIM section).

import Benchmark
import Crypto // not products of the hato package; visible here as dependencies of MailAuth
import DNSMessage
import Foundation
import MailAuth
import _CryptoExtras

/// A 20 KB plain-text message with the usual headers.
let message: [UInt8] = {
    var text = "From: Alice Example <alice@example.com>\r\nTo: Bob <bob@example.net>\r\nCc: carol@example.org\r\n"
        + "Subject: Quarterly numbers\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <q3@example.com>\r\n"
        + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
    var line = 0
    while text.utf8.count < 20 * 1024 {
        text += "Line \(line) of the report,  with  some   spaces and a tab\there, padding it out.\r\n"
        line += 1
    }
    return Array(text.utf8)
}()

struct Keys: Sendable {
    let rsaPrivate: _RSA.Signing.PrivateKey
    let edPrivate: Curve25519.Signing.PrivateKey
    let rsaSigner: DKIMSigner
    let edSigner: DKIMSigner
    let rsaSigned: [UInt8]
    let edSigned: [UInt8]
    let verifier: DKIMVerifier

    static let shared: Keys = {
        let rsa = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
        let ed = Curve25519.Signing.PrivateKey()
        let rsaKey = DKIMSigningKey(domain: "example.com", selector: "rsa", privateKey: .rsa(rsa))
        let edKey = DKIMSigningKey(domain: "example.com", selector: "ed", privateKey: .ed25519(ed))
        var zone = DNSZone()
        for key in [rsaKey, edKey] {
            let record = Array(key.privateKey.keyRecord.utf8)
            let strings = stride(from: 0, to: record.count, by: 255).map { Array(record[$0..<min($0 + 255, record.count)]) }
            zone.add(try! DNSName("\(key.selector)._domainkey.example.com"), .txt(strings))
        }
        let rsaSigner = DKIMSigner(keys: [rsaKey]), edSigner = DKIMSigner(keys: [edKey])
        return Keys(rsaPrivate: rsa, edPrivate: ed, rsaSigner: rsaSigner, edSigner: edSigner,
                    rsaSigned: try! rsaSigner.sign(message, now: Date()), edSigned: try! edSigner.sign(message, now: Date()),
                    verifier: DKIMVerifier(resolver: StaticResolver(zone: zone)))
    }()
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.throughput, .wallClock], timeUnits: .microseconds, warmupIterations: 3,
        maxDuration: .seconds(10), maxIterations: 2000)
    let keys = Keys.shared
    let digest = SHA256.hash(data: message)
    let rsaSignature = try! keys.rsaPrivate.signature(for: digest, padding: .insecurePKCS1v1_5)
    let edSignature = try! keys.edPrivate.signature(for: Array(digest))

    Benchmark("DKIM verify rsa-2048 20 KB", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            let results = await keys.verifier.verify(keys.rsaSigned, now: Date())
            guard results.first?.result == .pass else { benchmark.error("rsa signature did not pass"); return }
        }
    }
    Benchmark("DKIM verify ed25519 20 KB", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            let results = await keys.verifier.verify(keys.edSigned, now: Date())
            guard results.first?.result == .pass else { benchmark.error("ed25519 signature did not pass"); return }
        }
    }
    Benchmark("DKIM sign rsa-2048 20 KB", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! keys.rsaSigner.sign(message, now: Date())) }
    }
    Benchmark("DKIM sign ed25519 20 KB", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! keys.edSigner.sign(message, now: Date())) }
    }
    // The bare algorithms over a ready SHA-256 digest: what DKIM cannot go below.
    Benchmark("raw rsa-2048 verify (PKCS#1 v1.5, SHA-256 digest)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(keys.rsaPrivate.publicKey.isValidSignature(rsaSignature, for: digest, padding: .insecurePKCS1v1_5))
        }
    }
    Benchmark("raw ed25519 verify (32-byte digest)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(keys.edPrivate.publicKey.isValidSignature(edSignature, for: Array(digest)))
        }
    }
    Benchmark("raw rsa-2048 sign", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! keys.rsaPrivate.signature(for: digest, padding: .insecurePKCS1v1_5)) }
    }
    Benchmark("raw ed25519 sign", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! keys.edPrivate.signature(for: Array(digest))) }
    }
    Benchmark("SHA-256 of the 20 KB message", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(SHA256.hash(data: message)) }
    }
}
