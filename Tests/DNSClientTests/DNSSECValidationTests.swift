import DNSClient
import DNSMessage
import HatoTesting
import Testing

/// The in-process validator (libunbound) over zones signed here with ldnsutils and served by a
/// real unbound: every answer is secure, insecure or bogus by the chain from the test anchor.
@Suite struct DNSSECValidationTests {
    @Test func signedAnswerIsSecure() async throws {
        guard SignedZoneServer.available() else { return }
        try await SignedZoneServer.with { resolver, _ in
            let answer = try await resolver.lookup(try DNSName("secure.example"), .a)
            #expect(answer.security == .secure)
            #expect(answer.records.map(\.data) == [.a(IPv4Address("192.0.2.1")!)])
            let tlsa = try await resolver.lookup(try DNSName("_25._tcp.mx.example"), .tlsa)
            #expect(tlsa.security == .secure)
            #expect(tlsa.records.count == 1)
        }
    }

    @Test func tamperedRecordIsBogusAndNotBelieved() async throws {
        guard SignedZoneServer.available() else { return }
        try await SignedZoneServer.with { resolver, _ in
            let error = await #expect(throws: DNSError.self) { try await resolver.lookup(try DNSName("bogus.example"), .a) }
            #expect(error?.kind == .serverFailure)
            #expect(error?.security == .bogus)
            #expect(error?.isTemporary == true)
            #expect(error?.detail.isEmpty == false)
            let response = try await resolver.query(try DNSName("bogus.example"), .a)
            #expect(response.security == .bogus)
            #expect(response.whyBogus?.isEmpty == false)
        }
    }

    @Test func expiredSignatureIsBogus() async throws {
        guard SignedZoneServer.available() else { return }
        try await SignedZoneServer.with { resolver, _ in
            let error = await #expect(throws: DNSError.self) { try await resolver.lookup(try DNSName("expired.example"), .a) }
            #expect(error?.security == .bogus)
            #expect(error?.detail.contains("expired") == true, "why_bogus: \(error?.detail ?? "")")
        }
    }

    @Test func unsignedDelegationIsInsecure() async throws {
        guard SignedZoneServer.available() else { return }
        try await SignedZoneServer.with { resolver, _ in
            let answer = try await resolver.lookup(try DNSName("unsigned.example"), .a)
            #expect(answer.security == .insecure)
            #expect(answer.records.map(\.data) == [.a(IPv4Address("192.0.2.7")!)])
        }
    }

    /// RFC 5155 §8: the NSEC3 proof of a name's absence, and of a type's absence, is checked.
    @Test func nsec3DenialIsSecure() async throws {
        guard SignedZoneServer.available() else { return }
        try await SignedZoneServer.with { resolver, _ in
            let missing = await #expect(throws: DNSError.self) { try await resolver.lookup(try DNSName("nothing.example"), .a) }
            #expect(missing?.kind == .nxdomain)
            #expect(missing?.security == .secure)
            let noData = await #expect(throws: DNSError.self) { try await resolver.lookup(try DNSName("secure.example"), .mx) }
            #expect(noData?.kind == .noData)
            #expect(noData?.security == .secure)
        }
    }

    @Test func missingTrustAnchorFileIsAnError() throws {
        #expect(throws: (any Error).self) {
            try ValidatingResolver(servers: [DNSServer(host: "127.0.0.1")], trustAnchorFiles: ["/nonexistent/anchor"])
        }
    }
}

/// `hato dns query --dnssec` through the real binary: the verdict, why, and the exit status.
@Suite struct DNSSECQueryCommandTests {
    @Test func printsVerdictAndReason() async throws {
        guard SignedZoneServer.available() else { return }
        try await SignedZoneServer.with { _, server in
            let common = ["--server", "127.0.0.1:\(server.port)", "--dnssec",
                          "--trust-anchor-file", server.directory.path + "/anchor.ds"]
            let secure = try await HatoBinary.run(["dns", "query", "secure.example", "A"] + common)
            #expect(secure.status == 0)
            #expect(secure.stdout.contains(";; DNSSEC secure"))
            #expect(secure.stdout.contains("secure.example. A signed by example."))
            let bogus = try await HatoBinary.run(["dns", "query", "bogus.example", "A"] + common)
            #expect(bogus.status == 2)
            #expect(bogus.stdout.contains(";; DNSSEC bogus"))
            #expect(bogus.stdout.contains("validation failure <bogus.example. A IN>"), "\(bogus.stdout)")
            let denial = try await HatoBinary.run(["dns", "query", "nothing.example", "A"] + common)
            #expect(denial.stdout.contains("status NXDOMAIN"))
            #expect(denial.stdout.contains("authenticated denial"))
            #expect(denial.stdout.contains("NSEC3 proof"))
        }
    }
}
