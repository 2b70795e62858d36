import MailStore
@testable import OutboundQueue
import SMTPClient
import Testing

/// RFC 8689 §4.2.1 host validation, and the RFC 8460 result types TLS failures are reported under.
@Suite struct RequireTLSPolicyTests {
    static let record = TLSAssociation(usage: 3, selector: 1, matchingType: 1, data: Array(repeating: 0xAB, count: 32))

    @Test func requireTLSNeedsAValidatedHost() throws {
        let secure = RouteHost(name: "mx.example.org", port: 25, mxSecure: true)
        let insecure = RouteHost(name: "mx.example.org", port: 25, mxSecure: false)
        let dane = DeliveryTLSPolicy.dane(DANEAuthentication(records: [Self.record], referenceNames: ["mx.example.org"]))
        #expect(try DeliveryRouter.requireTLSPolicy(dane, host: secure, domain: "example.org", addressesSecure: true) == dane)
        #expect(try DeliveryRouter.requireTLSPolicy(.mtaSTS(policyID: "1"), host: insecure, domain: "example.org", addressesSecure: false)
                == .mtaSTS(policyID: "1"))
        // A DNSSEC-secure MX without usable TLSA records: the certificate is checked under the trust roots.
        #expect(try DeliveryRouter.requireTLSPolicy(.opportunistic, host: secure, domain: "example.org", addressesSecure: true) == .verified)
        let unusable = DeliveryTLSPolicy.dane(DANEAuthentication(records: [], referenceNames: ["mx.example.org"]))
        #expect(try DeliveryRouter.requireTLSPolicy(unusable, host: secure, domain: "example.org", addressesSecure: true) == .verified)
        for (host, addresses) in [(insecure, true), (secure, false)] {
            #expect(throws: RouteFailure.self) {
                try DeliveryRouter.requireTLSPolicy(.opportunistic, host: host, domain: "example.org", addressesSecure: addresses)
            }
        }
        do {
            _ = try DeliveryRouter.requireTLSPolicy(.opportunistic, host: insecure, domain: "example.org", addressesSecure: false)
        } catch {
            #expect(error.reply.code == 550 && error.reply.enhancedCode == "5.7.30" && error.isPermanent)
        }
    }

    @Test func tlsFailuresMapToRFC8460ResultTypes() {
        #expect(TLSResultType.of(.tlsUnavailable)?.type == "starttls-not-supported")
        #expect(TLSResultType.of(.unexpectedReply(SMTPClientReply(code: 454, enhancedCode: "4.7.0", lines: ["no"]), stage: .startTLS))?.type
                == "starttls-not-supported")
        #expect(TLSResultType.of(.daneAuthenticationFailed("no DANE-EE record matches the server certificate"))?.type == "tlsa-invalid")
        #expect(TLSResultType.of(.tlsHandshakeFailed("Couldn't find mx.example.org in certificate from peer"))?.type == "certificate-host-mismatch")
        #expect(TLSResultType.of(.tlsHandshakeFailed("handshakeFailed(CERTIFICATE_VERIFY_FAILED)"))?.type == "certificate-not-trusted")
        #expect(TLSResultType.of(.tlsHandshakeFailed("the certificate has expired"))?.type == "certificate-expired")
        #expect(TLSResultType.of(.tlsHandshakeFailed("unexpected EOF"))?.type == "validation-failure")
        #expect(TLSResultType.of(.connectFailed("refused")) == nil, "transient, not reported (RFC 8460 §4.3.4)")
        #expect(TLSResultType.of(.timeout(.greeting)) == nil)
    }
}
