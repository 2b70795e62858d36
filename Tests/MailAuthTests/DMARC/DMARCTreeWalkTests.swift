import DNSMessage
import Testing
@testable import MailAuth

/// RFC 9989 §4.10 (DNS Tree Walk), §4.10.1 (policy discovery) and §4.10.2 (Organizational Domain).
@Suite struct DMARCTreeWalkTests {
    func walker(_ zone: String) throws -> DMARCTreeWalker {
        DMARCTreeWalker(resolver: try StaticResolver(zoneText: zone), limits: DMARCLimits())
    }

    /// §4.10: the eight queries for "a.b.c.d.e.f.g.h.i.j.mail.example.com".
    @Test func longNamesAreShortenedToSevenLabels() async throws {
        var walk = try walker("example.com. A 192.0.2.1\n")
        _ = try await walk.walk(from: "a.b.c.d.e.f.g.h.i.j.mail.example.com")
        #expect(walk.queried == [
            "_dmarc.a.b.c.d.e.f.g.h.i.j.mail.example.com", "_dmarc.g.h.i.j.mail.example.com", "_dmarc.h.i.j.mail.example.com",
            "_dmarc.i.j.mail.example.com", "_dmarc.j.mail.example.com", "_dmarc.mail.example.com", "_dmarc.example.com", "_dmarc.com",
        ])
    }

    @Test func shortNamesLoseOneLabelAtATime() {
        #expect(DMARCTreeWalker.walkTargets(after: "a.mail.example.com") == ["mail.example.com", "example.com", "com"])
        #expect(DMARCTreeWalker.walkTargets(after: "a.b.c.d.e.f.g.h") == ["b.c.d.e.f.g.h", "c.d.e.f.g.h", "d.e.f.g.h", "e.f.g.h", "f.g.h", "g.h", "h"])
        #expect(DMARCTreeWalker.walkTargets(after: "com") == [])
        #expect(DMARCTreeWalker.walkTargets(after: "") == [])
    }

    /// §4.10.2 first example: records at mail.example.com and example.com → example.com.
    @Test func organizationalDomainIsTheShortestRecord() async throws {
        var walk = try walker("""
            _dmarc.mail.example.com. TXT "v=DMARC1; p=none"
            _dmarc.example.com. TXT "v=DMARC1; p=reject"
            """)
        #expect(try await walk.organizationalDomain(of: "a.mail.example.com") == "example.com")
    }

    /// §4.10.2 second example: psd=n at mail.example.com stops the walk there.
    @Test func psdNoMarksTheOrganizationalDomain() async throws {
        var walk = try walker("""
            _dmarc.mail.example.com. TXT "v=DMARC1; p=none; psd=n"
            _dmarc.example.com. TXT "v=DMARC1; p=reject"
            """)
        #expect(try await walk.organizationalDomain(of: "a.mail.example.com") == "mail.example.com")
        #expect(!walk.queried.contains("_dmarc.example.com"))
    }

    /// §4.10.2 last example: only _dmarc.com with psd=y → example.com.
    @Test func psdYesMakesTheNameBelowOrganizational() async throws {
        var walk = try walker("""
            _dmarc.com. TXT "v=DMARC1; p=reject; psd=y"
            """)
        #expect(try await walk.organizationalDomain(of: "a.mail.example.com") == "example.com")
    }

    @Test func noRecordsMeansTheDomainItself() async throws {
        var walk = try walker("example.com. A 192.0.2.1\n")
        #expect(try await walk.organizationalDomain(of: "a.mail.example.com") == "a.mail.example.com")
    }

    /// §4.10 step 2: several DMARC records at one name are all discarded; other TXT records are ignored.
    @Test func multipleRecordsAreDiscarded() async throws {
        var walk = try walker("""
            _dmarc.example.com. TXT "v=DMARC1; p=reject"
            _dmarc.example.com. TXT "v=DMARC1; p=none"
            _dmarc.example.org. TXT "v=spf1 -all"
            _dmarc.example.org. TXT "v=DMARC1; p=quarantine"
            """)
        #expect(await walk.lookup("example.com") == DMARCRecordLookup.none)
        guard case .record(let record) = await walk.lookup("example.org") else { Issue.record("no record"); return }
        #expect(record.policy == .quarantine)
    }

    /// §4.10.1: the Author Domain's own record first, else the Organizational Domain's, else the PSD's.
    @Test func policyDiscovery() async throws {
        var walk = try walker("""
            _dmarc.example.com. TXT "v=DMARC1; p=reject; sp=quarantine"
            _dmarc.own.example.com. TXT "v=DMARC1; p=none"
            _dmarc.org. TXT "v=DMARC1; p=quarantine; psd=y"
            """)
        let own = try #require(try await walk.discoverPolicy(author: "own.example.com"))
        #expect(own.policyDomain == "own.example.com")
        #expect(own.organizationalDomain == "example.com")
        let inherited = try #require(try await walk.discoverPolicy(author: "a.b.example.com"))
        #expect(inherited.policyDomain == "example.com")
        #expect(inherited.organizationalDomain == "example.com")
        let psd = try #require(try await walk.discoverPolicy(author: "mail.example.org"))
        #expect(psd.policyDomain == "org")
        #expect(psd.organizationalDomain == "example.org")
        #expect(try await walk.discoverPolicy(author: "example.net") == nil)
    }

    @Test func dnsFailuresAreTemporary() async throws {
        var resolver = try StaticResolver(zoneText: "_dmarc.example.com. TXT \"v=DMARC1; p=reject\"\n")
        resolver.failures[try .init("_dmarc.mail.example.com", .txt)] = .responseCode(.serverFailure)
        var walk = DMARCTreeWalker(resolver: resolver, limits: DMARCLimits())
        await #expect(throws: DMARCTemporaryFailure.self) { try await walk.discoverPolicy(author: "a.mail.example.com") }
    }
}
