import DNSMessage
import Testing
@testable import MailAuth

/// RFC 9989 §5.3: Author Domain, alignment (§4.4 Table 1), pass/fail and the evaluated policy.
@Suite struct DMARCVerifierTests {
    static let zone = """
        _dmarc.example.com.        TXT "v=DMARC1; p=reject; sp=quarantine; np=reject; rua=mailto:d@example.com"
        news.example.com.          A   192.0.2.10
        foo.example.com.           A   192.0.2.11
        _dmarc.strict.example.     TXT "v=DMARC1; p=reject; adkim=s; aspf=s"
        strict.example.            A   192.0.2.12
        mail.strict.example.       A   192.0.2.13
        _dmarc.testing.example.    TXT "v=DMARC1; p=reject; t=y"
        _dmarc.none.example.       TXT "v=DMARC1; p=none"
        _dmarc.broken.example.     TXT "v=DMARC1; p=bounce"
        _dmarc.brokenrua.example.  TXT "v=DMARC1; p=bounce; rua=mailto:r@brokenrua.example"
        example.net.               A   192.0.2.20

        """

    func verifier(_ extra: String = "") throws -> DMARCVerifier {
        DMARCVerifier(resolver: try StaticResolver(zoneText: Self.zone + extra))
    }

    func message(from: String) -> [UInt8] {
        Array("From: \(from)\r\nTo: someone@example.org\r\nSubject: hi\r\n\r\nbody\r\n".utf8)
    }

    static let noSPF = DMARCSPFInput(result: .none, domain: nil)
    static func dkim(_ domain: String, _ passed: Bool = true) -> DMARCDKIMInput { DMARCDKIMInput(domain: domain, selector: "s1", passed: passed) }

    /// §4.4 Table 1, for DKIM and SPF identifiers, in relaxed and strict mode.
    @Test(arguments: [
        ("foo.example.com", "news.example.com", true),
        ("news.example.com", "news.example.com", true),
        ("foo.example.net", "news.example.com", false),
        ("example.com", "news.example.com", true),
        ("Example.COM", "example.com", true),
    ])
    func relaxedAlignmentTable(identifier: String, author: String, aligned: Bool) async throws {
        let viaDKIM = try await verifier().verify(message: message(from: "a@\(author)"), spf: Self.noSPF, dkim: [Self.dkim(identifier)])
        #expect(viaDKIM.result == (aligned ? .pass : .fail))
        let viaSPF = try await verifier().verify(message: message(from: "a@\(author)"), spf: DMARCSPFInput(result: .pass, domain: identifier), dkim: [])
        #expect(viaSPF.result == (aligned ? .pass : .fail))
        #expect(viaSPF.evaluations.first?.spfAligned == aligned)
    }

    @Test(arguments: [("strict.example", true), ("mail.strict.example", false), ("STRICT.example", true)])
    func strictAlignment(identifier: String, aligned: Bool) async throws {
        let outcome = try await verifier().verify(message: message(from: "a@strict.example"), spf: DMARCSPFInput(result: .pass, domain: identifier),
                                                  dkim: [Self.dkim(identifier)])
        #expect(outcome.result == (aligned ? .pass : .fail))
        let fromSub = try await verifier().verify(message: message(from: "a@mail.strict.example"), spf: Self.noSPF, dkim: [Self.dkim("strict.example")])
        #expect(fromSub.result == .fail)
    }

    @Test func onlyPassingIdentifiersCount() async throws {
        let outcome = try await verifier().verify(message: message(from: "a@example.com"),
                                                  spf: DMARCSPFInput(result: .softfail, domain: "example.com"),
                                                  dkim: [Self.dkim("example.com", false), Self.dkim("example.net")])
        #expect(outcome.result == .fail)
        #expect(outcome.evaluatedPolicy == .reject)
        let evaluation = try #require(outcome.evaluations.first)
        #expect(!evaluation.spfAligned && !evaluation.dkimAligned)
        #expect(evaluation.policyDomain == "example.com")
        #expect(evaluation.requestedPolicy == .reject)
    }

    /// §4.10.1: sp for an existing subdomain, np for one that does not exist (NXDOMAIN).
    @Test func subdomainAndNonexistentPolicies() async throws {
        let existing = try await verifier().verify(message: message(from: "a@news.example.com"), spf: Self.noSPF, dkim: [])
        #expect(existing.result == .fail)
        #expect(existing.evaluatedPolicy == .quarantine)
        let missing = try await verifier().verify(message: message(from: "a@nowhere.example.com"), spf: Self.noSPF, dkim: [])
        #expect(missing.evaluatedPolicy == .reject)
    }

    /// §4.7 t=y: one level below the published policy.
    @Test func testingModeLowersThePolicy() async throws {
        let outcome = try await verifier().verify(message: message(from: "a@testing.example"), spf: Self.noSPF, dkim: [])
        #expect(outcome.result == .fail)
        #expect(outcome.evaluations.first?.requestedPolicy == .reject)
        #expect(outcome.evaluatedPolicy == .quarantine)
    }

    @Test func passHasNoPolicyToApply() async throws {
        let outcome = try await verifier().verify(message: message(from: "\"Doe, J\" <j@example.com>"), spf: Self.noSPF, dkim: [Self.dkim("example.com")])
        #expect(outcome.result == .pass)
        #expect(outcome.evaluatedPolicy == DMARCPolicy.none)
        #expect(outcome.evaluations.first?.alignedDKIMDomains == ["example.com"])
    }

    @Test func noRecordMeansNone() async throws {
        let outcome = try await verifier().verify(message: message(from: "a@example.net"), spf: Self.noSPF, dkim: [])
        #expect(outcome.result == DMARCResult.none)
    }

    /// §4.10.1: invalid p with a valid rua acts as p=none; without rua nothing applies (permerror).
    @Test func invalidPolicyTag() async throws {
        let noRUA = try await verifier().verify(message: message(from: "a@broken.example"), spf: Self.noSPF, dkim: [])
        #expect(noRUA.result == .permerror)
        let withRUA = try await verifier().verify(message: message(from: "a@brokenrua.example"), spf: Self.noSPF, dkim: [])
        #expect(withRUA.result == .fail)
        #expect(withRUA.evaluatedPolicy == DMARCPolicy.none)
    }

    /// §5.3.1 and §11.5: no From, two From fields, several From domains (strictest failing policy).
    @Test func authorDomainEdgeCases() async throws {
        let none = try await verifier().verify(message: Array("To: a@example.org\r\n\r\nx\r\n".utf8), spf: Self.noSPF, dkim: [])
        #expect(none.result == .permerror)
        #expect(none.problem == "no From domain")
        let twoFields = try await verifier().verify(message: Array("From: a@example.com\r\nFrom: b@example.com\r\n\r\nx\r\n".utf8), spf: Self.noSPF, dkim: [])
        #expect(twoFields.result == .permerror)
        let several = try await verifier().verify(message: message(from: "a@none.example, b@example.com"), spf: Self.noSPF,
                                                  dkim: [Self.dkim("none.example")])
        #expect(several.result == .fail)
        #expect(several.evaluatedPolicy == .reject)
        #expect(several.evaluations.map(\.authorDomain) == ["none.example", "example.com"])
        let tooMany = try await verifier().verify(message: message(from: "a@a.example, b@b.example, c@c.example, d@d.example, e@e.example"),
                                                  spf: Self.noSPF, dkim: [])
        #expect(tooMany.result == .permerror)
    }

    @Test func dnsFailureIsTemperror() async throws {
        var resolver = try StaticResolver(zoneText: Self.zone)
        resolver.failures[try .init("_dmarc.example.com", .txt)] = .timeout
        let outcome = await DMARCVerifier(resolver: resolver).verify(message: message(from: "a@example.com"), spf: Self.noSPF, dkim: [])
        #expect(outcome.result == .temperror)
    }

    /// §4.10.1 stops at the Author Domain's own record and §5.3.6 makes only the queries a verdict
    /// needs count: a parent `_dmarc` that fails (SERVFAIL above a domain with its own record, as
    /// with an unserved parent zone) must not turn a pass or a plain fail into temperror. Only a
    /// relaxed check of a different name under the same top-level domain needs the walk.
    @Test func failingParentOnlyMattersToRelaxedAlignmentOfAnotherName() async throws {
        var resolver = try StaticResolver(zoneText: Self.zone + "_dmarc.news.example.com. TXT \"v=DMARC1; p=reject\"\n")
        resolver.failures[try .init("_dmarc.example.com", .txt)] = .timeout
        let verifier = DMARCVerifier(resolver: resolver)
        let exact = await verifier.verify(message: message(from: "a@news.example.com"), spf: Self.noSPF, dkim: [Self.dkim("news.example.com")])
        #expect(exact.result == .pass)
        let unsigned = await verifier.verify(message: message(from: "a@news.example.com"), spf: Self.noSPF, dkim: [])
        #expect(unsigned.result == .fail)
        #expect(unsigned.evaluatedPolicy == .reject)
        let elsewhere = await verifier.verify(message: message(from: "a@news.example.com"), spf: Self.noSPF, dkim: [Self.dkim("mailer.example.net")])
        #expect(elsewhere.result == .fail)
        let sibling = await verifier.verify(message: message(from: "a@news.example.com"), spf: Self.noSPF, dkim: [Self.dkim("foo.example.com")])
        #expect(sibling.result == .temperror)
    }

    @Test(arguments: [
        ("Jane <jane@Example.COM>", ["example.com"]),
        ("jane@example.com (Jane)", ["example.com"]),
        ("\"a@evil.example\" <jane@example.com>", ["example.com"]),
        ("Team: a@one.example, b@two.example;", ["one.example", "two.example"]),
        ("=?utf-8?q?J=C3=A9?= <j@xn--bcher-kva.example>", ["xn--bcher-kva.example"]),
        ("j@bücher.example", ["xn--bcher-kva.example"]),
        ("undisclosed-recipients:;", []),
    ])
    func authorDomainExtraction(from: String, domains: [String]) {
        let extracted = DMARCAuthorDomains.extract(from: Array("From: \(from)\r\n\r\n".utf8))
        #expect(extracted == (domains.isEmpty ? .missing : .domains(domains)))
    }

    @Test func foldedFromField() {
        let message = Array("Subject: x\r\nFROM: Jane\r\n <jane@example.com>\r\n\r\nFrom: b@evil.example\r\n".utf8)
        #expect(DMARCAuthorDomains.extract(from: message) == .domains(["example.com"]))
    }
}
