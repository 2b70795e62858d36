import Testing
@testable import MailAuth

/// RFC 6376 §3.4.5 examples and the edge cases of §3.4.3/§3.4.4.
@Suite struct DKIMCanonicalizationTests {
    // "A: <SP> X <CRLF> B <SP> : <SP> Y <HTAB><CRLF> <HTAB> Z <SP><SP><CRLF> <CRLF> <SP> C <SP><CRLF>
    //  D <SP><HTAB><SP> E <CRLF> <CRLF> <CRLF>"
    let message = DKIMMessage(Array("A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n".utf8))

    func headers(_ algorithm: DKIMCanonicalization) -> String {
        String(decoding: message.headers.flatMap { DKIMHashing.canonicalHeader($0.raw, algorithm) }, as: UTF8.self)
    }

    func body(_ algorithm: DKIMCanonicalization) -> String {
        String(decoding: DKIMHashing.canonicalBody(message.body, algorithm), as: UTF8.self)
    }

    @Test func example1RelaxedRelaxed() {
        #expect(headers(.relaxed) == "a:X\r\nb:Y Z\r\n")
        #expect(body(.relaxed) == " C\r\nD E\r\n")
    }

    @Test func example2SimpleSimple() {
        #expect(headers(.simple) == "A: X\r\nB : Y\t\r\n\tZ  \r\n")
        #expect(body(.simple) == " C \r\nD \t E\r\n")
    }

    @Test func example3RelaxedHeaderSimpleBody() {
        #expect(headers(.relaxed) == "a:X\r\nb:Y Z\r\n")
        #expect(body(.simple) == " C \r\nD \t E\r\n")
    }

    @Test func emptyBodies() {
        // §3.4.3: simple turns an empty body into one CRLF; §3.4.4 (erratum 1384): relaxed leaves it empty.
        #expect(DKIMHashing.canonicalBody([][...], .simple) == Array("\r\n".utf8))
        #expect(DKIMHashing.canonicalBody([][...], .relaxed) == [])
        #expect(DKIMHashing.canonicalBody(Array("\r\n\r\n".utf8)[...], .relaxed) == [])
        #expect(DKIMHashing.canonicalBody(Array("\r\n\r\n".utf8)[...], .simple) == Array("\r\n".utf8))
    }

    @Test func missingFinalLineEndIsAdded() {
        #expect(DKIMHashing.canonicalBody(Array("abc".utf8)[...], .simple) == Array("abc\r\n".utf8))
        #expect(DKIMHashing.canonicalBody(Array("abc  ".utf8)[...], .relaxed) == Array("abc\r\n".utf8))
    }

    @Test func wellKnownBodyHashes() {
        // The empty-body hashes every DKIM implementation agrees on.
        let simple = DKIMHashing.bodyHash([][...], canonicalization: .simple).hash
        let relaxed = DKIMHashing.bodyHash([][...], canonicalization: .relaxed).hash
        #expect(base64(simple) == "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=")
        #expect(base64(relaxed) == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
    }

    @Test func bareLineFeedsAreReadAsCRLF() {
        let lf = DKIMMessage(Array("Subject: x\n\nbody\n".utf8))
        #expect(lf.headers.count == 1)
        #expect(Array(lf.body) == Array("body\r\n".utf8))
    }

    @Test func signatureValueRemoval() {
        let field = Array("DKIM-Signature: v=1; bh=abc=;\r\n b=XYZ\r\n  123; d=x\r\n".utf8)
        let emptied = String(decoding: DKIMCanonicalizer.removingSignatureValue(field[...]), as: UTF8.self)
        #expect(emptied == "DKIM-Signature: v=1; bh=abc=;\r\n b=; d=x\r\n")
        let last = Array("DKIM-Signature: v=1; b=\r\n\tXYZ\r\n".utf8)
        #expect(String(decoding: DKIMCanonicalizer.removingSignatureValue(last[...]), as: UTF8.self)
                    == "DKIM-Signature: v=1; b=\r\n")
    }

    @Test func headerSelectionTakesInstancesFromTheBottom() {
        let m = DKIMMessage(crlf("Received: one\nFrom: a@x\nReceived: two\nSubject: s\n\n"))
        let picked = m.selectHeaders(["received", "Received", "Received", "from"])
        #expect(picked.map { $0.map { String(decoding: $0.raw, as: UTF8.self) } } ==
                    ["Received: two\r\n", "Received: one\r\n", nil, "From: a@x\r\n"])
    }
}

func base64(_ bytes: [UInt8]) -> String {
    Data(bytes).base64EncodedString()
}

import Foundation
