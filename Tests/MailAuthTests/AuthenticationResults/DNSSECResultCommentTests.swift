import DNSMessage
import MailAuth
import Testing

/// SPF and DMARC results whose record came with a DNSSEC-secure answer say so in
/// Authentication-Results with the comment "dnssec=secure" (docs/dns.md, DNSSEC); others do not.
@Suite struct DNSSECResultCommentTests {
    static let zone = """
        $ORIGIN example.org.
        @       TXT "v=spf1 ip4:192.0.2.1 -all"
        _dmarc  TXT "v=DMARC1; p=reject"
        """
    static let message = Array("From: a@example.org\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nbody\r\n".utf8)

    func verdict(secure: Set<StaticResolver.Query>) async throws -> InboundVerdict {
        var resolver = try StaticResolver(zoneText: Self.zone)
        resolver.secure = secure
        let authenticator = InboundAuthenticator(resolver: resolver, authservID: "mx.example.net")
        return await authenticator.authenticate(InboundAuthenticationRequest(
            message: Self.message, clientIP: IPAddress("192.0.2.1")!, mailFrom: "a@example.org", helo: "mail.example.org"))
    }

    @Test func secureRecordsAreMarked() async throws {
        let verdict = try await verdict(secure: [try .init("example.org", .txt), try .init("_dmarc.example.org", .txt)])
        #expect(verdict.spf.dnssec == .secure)
        #expect(verdict.dmarc.deciding?.policyDNSSEC == .secure)
        #expect(verdict.authenticationResults.contains("spf=pass (dnssec=secure)"), "\(verdict.authenticationResults)")
        #expect(verdict.authenticationResults.contains("dmarc=pass (p=reject dis=none dnssec=secure)"), "\(verdict.authenticationResults)")
    }

    @Test func insecureRecordsAreNotMarked() async throws {
        let verdict = try await verdict(secure: [])
        #expect(verdict.spf.dnssec == .insecure)
        #expect(verdict.dmarc.deciding?.policyDNSSEC == .insecure)
        #expect(!verdict.authenticationResults.contains("dnssec"), "\(verdict.authenticationResults)")
    }
}
