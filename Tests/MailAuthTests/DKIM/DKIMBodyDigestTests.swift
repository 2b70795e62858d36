import Crypto
import Testing
@testable import MailAuth

/// The one-pass body hash (DKIMBodyDigest) against the reference canonicalizer
/// (DKIMCanonicalizer.body, RFC 6376 §3.4.3/§3.4.4) followed by SHA-256 of its output.
@Suite struct DKIMBodyDigestTests {
    func reference(_ body: [UInt8], _ algorithm: DKIMCanonicalization, _ length: Int?) -> ([UInt8], Int) {
        let canonical = DKIMCanonicalizer.body(body[...], algorithm)
        let signed = length.map { canonical.prefix($0) } ?? canonical[...]
        return (Array(SHA256.hash(data: signed)), canonical.count)
    }

    func check(_ text: String, length: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        let body = Array(text.utf8)
        for algorithm in DKIMCanonicalization.allCases {
            let streamed = DKIMHashing.bodyHash(body[...], canonicalization: algorithm, length: length)
            let expected = reference(body, algorithm, length)
            #expect(streamed.hash == expected.0, "\(algorithm) \(text.debugDescription)", sourceLocation: sourceLocation)
            #expect(streamed.canonicalLength == expected.1, "\(algorithm) \(text.debugDescription)", sourceLocation: sourceLocation)
            let sha1 = DKIMHashing.bodyHashSHA1(body[...], canonicalization: algorithm)
            #expect(sha1 == Array(Insecure.SHA1.hash(data: DKIMCanonicalizer.body(body[...], algorithm))), sourceLocation: sourceLocation)
        }
    }

    @Test func edgeCases() {
        for text in ["", "\r\n", "\r\n\r\n", "a", "a\r\n", "a\r\n\r\n\r\n", " \r\n", "\t\r\n \r\n",
                     "a  b\t\tc \t\r\n", " lead\r\n\tlead\r\n", "x\r\n \r\n\r\ny\r\n \t \r\n",
                     "bare\rcr\r\n", "bare\nlf\r\n", "\r", "\n", "\r\r\n", "a\r\n\r", "a \r", "a\t\n b",
                     "trailing ws at end  ", "one space\r\nlast line no crlf", "\r\n\r\nafter empties"] {
            check(text)
        }
    }

    /// The RFC 6376 §3.4.5 body and l= cuts inside and past the canonical body.
    @Test func lengthLimits() {
        let body = " C \r\nD \t E\r\n\r\n\r\n"
        for length in [0, 1, 2, 3, 5, 8, 9, 10, 100] { check(body, length: length) }
    }

    /// Random bodies over the bytes that matter (WSP, CR, LF, text), with and without l=.
    @Test func randomBodies() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x20, 0x09, 0x0D, 0x0A, 0x61, 0x62, 0xC3, 0xA9]
        for _ in 0..<2_000 {
            let count = Int.random(in: 0...64, using: &generator)
            var body: [UInt8] = []
            for _ in 0..<count {
                // CRLF pairs often, so there are lines to canonicalize.
                if Int.random(in: 0..<5, using: &generator) == 0 { body += [0x0D, 0x0A] } else {
                    body.append(alphabet.randomElement(using: &generator)!)
                }
            }
            let length: Int? = Bool.random(using: &generator) ? nil : Int.random(in: 0...80, using: &generator)
            for algorithm in DKIMCanonicalization.allCases {
                let streamed = DKIMHashing.bodyHash(body[...], canonicalization: algorithm, length: length)
                let expected = reference(body, algorithm, length)
                #expect(streamed.hash == expected.0 && streamed.canonicalLength == expected.1, "\(algorithm) \(body) l=\(String(describing: length))")
            }
        }
    }

    /// A body slice that does not start at index 0 (DKIMMessage.body is a slice of the message).
    @Test func sliceOfALargerMessage() {
        let message = Array("Subject: x\r\n\r\nHello  world \r\n\r\n".utf8)
        let body = message[14...]
        let streamed = DKIMHashing.bodyHash(body, canonicalization: .relaxed)
        let canonical = DKIMCanonicalizer.body(body, .relaxed)
        #expect(String(decoding: canonical, as: UTF8.self) == "Hello world\r\n")
        #expect(streamed.hash == Array(SHA256.hash(data: canonical)))
    }
}
