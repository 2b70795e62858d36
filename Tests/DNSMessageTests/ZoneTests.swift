import Testing
@testable import DNSMessage

@Suite struct ZoneTests {
    static let text = """
        $ORIGIN example.com.
        $TTL 600
        @       IN SOA ns hostmaster 1 7200 3600 1209600 300
                   MX 10 mail-a   ; same owner as above
                   MX 20 mail-b
                   A  192.0.2.10
                   TXT "v=spf1 " "a -all"
        mail-a  60 A 192.0.2.129
        www     CNAME @
        loop1   CNAME loop2
        loop2   CNAME loop1
        *.wild  TXT "wildcard \\"quoted\\" \\065"
        deep.empty.nonterminal A 192.0.2.99
        v6      AAAA 2001:db8::cb01
        _imap._tcp SRV 0 1 993 mail-a
        tlsa    TLSA 3 1 1 ( 0102 0304 )
        caa     CAA 0 issue "ca.example.net"
        gen     TYPE65280 \\# 3 010203
        """

    @Test func parsesTheTextFormat() throws {
        let zone = try DNSZone(parsing: Self.text)
        #expect(zone.records.count == 16)
        #expect(zone.records[1].name == name("example.com"))
        #expect(zone.records[1].ttl == 600)
        #expect(zone.records[4].data.joinedText == "v=spf1 a -all")
        #expect(zone.records[5].ttl == 60)
        #expect(zone.records.contains { $0.data == .tlsa(usage: 3, selector: 1, matchingType: 1, data: [1, 2, 3, 4]) })
        #expect(zone.records.contains { $0.data == .unknown(type: DNSRecordType(rawValue: 65280), bytes: [1, 2, 3]) })
        #expect(zone.records.contains { $0.data == .srv(priority: 0, weight: 1, port: 993, target: name("mail-a.example.com")) })
    }

    @Test func answersLikeAnAuthoritativeServer() throws {
        let zone = try DNSZone(parsing: Self.text)
        guard case .records(let cnames, let records) = zone.answer(name("WWW.example.com"), .mx) else {
            Issue.record("expected records"); return
        }
        #expect(cnames.count == 1 && records.count == 2)
        #expect(zone.answer(name("mail-a.example.com"), .mx) == .noData(cnames: []))
        #expect(zone.answer(name("nope.example.com"), .a) == .nxdomain(cnames: []))
        // RFC 8020: an empty non-terminal exists.
        #expect(zone.answer(name("empty.nonterminal.example.com"), .a) == .noData(cnames: []))
        // RFC 1034 §4.3.3 wildcard synthesis with the asked owner.
        guard case .records(_, let wild) = zone.answer(name("x.y.wild.example.com"), .txt) else {
            Issue.record("expected wildcard"); return
        }
        #expect(wild.first?.name == name("x.y.wild.example.com"))
        #expect(wild.first?.data.joinedText == "wildcard \"quoted\" A")
        guard case .noData(let loop) = zone.answer(name("loop1.example.com"), .a) else {
            Issue.record("expected a cut-off loop"); return
        }
        #expect(loop.count == DNSZone.maxCNAMEsPerAnswer)
        #expect(zone.soa(for: name("a.b.example.com"))?.type == .soa)
    }

    @Test func reportsErrorsWithLineNumbers() {
        #expect(throws: DNSZoneTextError.self) { try DNSZone(parsing: "a.example. A 300.1.1.1") }
        #expect(throws: DNSZoneTextError.self) { try DNSZone(parsing: "a.example. BOGUS x") }
        #expect(throws: DNSZoneTextError.self) { try DNSZone(parsing: "a.example. TXT \"open") }
        #expect(throws: DNSZoneTextError.self) { try DNSZone(parsing: "a.example. MX ( 10 b.example.") }
        do {
            _ = try DNSZone(parsing: "a.example. A 192.0.2.1\nb.example. MX x y\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 2)
        }
    }

    @Test func staticResolverFollowsChainsAndFailures() async throws {
        var resolver = try StaticResolver(zoneText: Self.text)
        let answer = try await resolver.lookup(name("www.example.com"), .a)
        #expect(answer.canonicalName == name("example.com"))
        #expect(answer.records.map(\.data) == [.a(IPv4Address("192.0.2.10")!)])
        #expect(answer.security == .insecure)
        #expect(try await resolver.lookupTXT(name("example.com")) == ["v=spf1 a -all"])
        #expect(try await resolver.lookupMX(name("example.com")).map(\.preference) == [10, 20])

        await #expect(throws: DNSError(.nxdomain, name: name("no.example.com"), responseCode: .nameError)) {
            try await resolver.lookup(name("no.example.com"), .a)
        }
        do {
            _ = try await resolver.lookup(name("loop1.example.com"), .a)
            Issue.record("loop must fail")
        } catch {
            #expect(error.kind == .cnameLimit && error.isTemporary)
        }

        resolver.failures[StaticResolver.Query(name("example.com"), .a)] = .responseCode(.serverFailure)
        resolver.failures[StaticResolver.Query(name("mail-a.example.com"), .a)] = .timeout
        resolver.failures[StaticResolver.Query(name("v6.example.com"), .aaaa)] = .bogus
        for (query, kind, security) in [("www.example.com", DNSError.Kind.serverFailure, DNSSecurityStatus.insecure),
                                         ("mail-a.example.com", .timeout, .insecure)] {
            do {
                _ = try await resolver.lookup(name(query), .a)
                Issue.record("expected failure for \(query)")
            } catch {
                #expect(error.kind == kind && error.security == security && error.isTemporary)
            }
        }
        do {
            _ = try await resolver.lookup(name("v6.example.com"), .aaaa)
            Issue.record("expected bogus")
        } catch {
            #expect(error.security == .bogus)
        }
        resolver.secure = [StaticResolver.Query(name("example.com"), .mx)]
        #expect(try await resolver.lookup(name("example.com"), .mx).security == .secure)
        #expect(try await resolver.lookup(name("example.com"), .txt).security == .insecure)
    }
}
