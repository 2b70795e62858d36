import Foundation
import HatoTesting
import Testing
@testable import MailAuth
import MailMessage

/// RFC 8601: the field Hato writes, and the removal of fields claiming our authserv-id (§5).
@Suite struct AuthenticationResultsTests {
    static func sampleField() -> String {
        var builder = AuthenticationResultsBuilder(authservID: "mx.example.org")
        builder.add(.spf(SPFOutcome(result: .pass, identity: .mailFrom, sender: "bounce+x=y@mail.example.com", domain: "mail.example.com"), heloName: "out.example.com"))
        builder.add(.spf(SPFOutcome(result: .none, identity: .helo, sender: "postmaster@out.example.com", domain: "out.example.com"), heloName: "out.example.com"))
        builder.add(.dkim(result: "pass", domain: "example.com", selector: "2024a", signature: "dGhpcyBpcy/+\r\n\tYSBzaWduYXR1cmU=", algorithm: "rsa-sha256"))
        builder.add(.dkim(result: "fail", domain: "example.net", selector: "s", signature: "abc", algorithm: "ed25519-sha256", reason: "body hash did not verify"))
        var evaluation = DMARCDomainEvaluation(authorDomain: "example.com", result: .pass)
        evaluation.record = try? DMARCRecord(parsing: "v=DMARC1; p=reject")
        builder.add(.dmarc(DMARCOutcome(result: .pass, evaluations: [evaluation]), disposition: DMARCDisposition(action: .none)))
        builder.add(.arc(result: "pass", instance: 2, oldestPass: 1, remoteIP: "192.0.2.7"))
        return builder.field
    }

    @Test func fieldText() {
        #expect(Self.sampleField() == """
            Authentication-Results: mx.example.org;\r
            \tspf=pass smtp.mailfrom=bounce+x=y@mail.example.com;\r
            \tspf=none smtp.helo=out.example.com;\r
            \tdkim=pass header.d=example.com header.s=2024a header.a=rsa-sha256 header.b="dGhpcyBpcy/+";\r
            \tdkim=fail reason="body hash did not verify" header.d=example.net header.s=s header.a=ed25519-sha256 header.b=abc;\r
            \tdmarc=pass (p=reject dis=none) header.from=example.com policy.dmarc=none;\r
            \tarc=pass (i=2) header.oldest-pass=1 smtp.remote-ip=192.0.2.7\r

            """)
        #expect(AuthenticationResultsBuilder(authservID: "mx.example.org").field == "Authentication-Results: mx.example.org; none\r\n")
    }

    /// What we produce parses with the `authres` package (PyPI), method by method.
    @Test func authresParsesOurField() async throws {
        let field = Self.sampleField()
        let script = """
            import sys, authres
            text = sys.argv[1]
            parsed = authres.AuthenticationResultsHeader.parse(text)
            print(parsed.authserv_id)
            for r in parsed.results:
                props = " ".join(f"{p.type}.{p.name}={p.value}" for p in r.properties)
                print(f"{r.method}={r.result} reason={r.reason} {props}")
            """
        let output = try await Python.run(script, arguments: [field])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.split(separator: "\n").map(String.init) == [
            "mx.example.org",
            "spf=pass reason=None smtp.mailfrom=bounce+x=y@mail.example.com",
            "spf=none reason=None smtp.helo=out.example.com",
            "dkim=pass reason=None header.d=example.com header.s=2024a header.a=rsa-sha256 header.b=dGhpcyBpcy/+",
            "dkim=fail reason=body hash did not verify header.d=example.net header.s=s header.a=ed25519-sha256 header.b=abc",
            "dmarc=pass reason=None header.from=example.com policy.dmarc=none",
            "arc=pass reason=None header.oldest-pass=1 smtp.remote-ip=192.0.2.7",
        ])
    }

    @Test func forgedFieldsClaimingOurIDAreRemoved() {
        let message = Array("""
            Authentication-Results: MX.example.org; dmarc=pass header.from=bank.example\r
            Authentication-Results: (comment) "mx.example.org";\r
            \tspf=pass smtp.mailfrom=x@bank.example\r
            Authentication-Results: other.example; spf=fail smtp.mailfrom=x@bank.example\r
            Authentication-Results: mx.example.org.evil.example; dkim=pass\r
            From: a@bank.example\r
            \r
            Authentication-Results: mx.example.org; in the body stays\r

            """.utf8)
        let cleaned = String(decoding: AuthenticationResultsFilter.removingOurs(from: message, authservID: "mx.example.org"), as: UTF8.self)
        #expect(cleaned == """
            Authentication-Results: other.example; spf=fail smtp.mailfrom=x@bank.example\r
            Authentication-Results: mx.example.org.evil.example; dkim=pass\r
            From: a@bank.example\r
            \r
            Authentication-Results: mx.example.org; in the body stays\r

            """)
    }

    /// Found by the `auth-results` fuzz target: our field first, then an mbox "From " line (so
    /// the header ends there), then another field claiming us. Once the first is gone the "From "
    /// line is the first line, is skipped as an mbox separator, and the second field becomes
    /// header: it must go too, or a reader of the result would see a forged field.
    @Test func removalLeavesNoFieldThatANewParseWouldSeeAsOurs() {
        let message = Array("""
            Authentication-Results: mx.example.org; none\r
            From x Sat Dec  5 21:00:00 2026\r
            Authentication-Results: mx.example.org; dkim=pass header.d=bank.example\r
            Subject: hello\r
            \r
            body\r

            """.utf8)
        let cleaned = AuthenticationResultsFilter.removingOurs(from: message, authservID: "mx.example.org")
        #expect(!HeaderSection.parse(cleaned).section.fields.contains { AuthenticationResultsFilter.claims($0, authservID: "mx.example.org") })
        #expect(String(decoding: cleaned, as: UTF8.self) == "From x Sat Dec  5 21:00:00 2026\r\nSubject: hello\r\n\r\nbody\r\n")
        #expect(AuthenticationResultsFilter.removingOurs(from: cleaned, authservID: "mx.example.org") == cleaned)
    }

    @Test func encodings() {
        #expect(AuthenticationResultsEncoding.propertyValue("user@example.com") == "user@example.com")
        #expect(AuthenticationResultsEncoding.propertyValue("\"odd user\"@example.com") == "\"\\\"odd user\\\"@example.com\"")
        #expect(AuthenticationResultsEncoding.propertyValue("@example.com") == "@example.com")
        #expect(AuthenticationResultsEncoding.value("a;b") == "\"a;b\"")
        #expect(AuthenticationResultsEncoding.commentText("x (y) \\z") == "x y z")
    }
}
