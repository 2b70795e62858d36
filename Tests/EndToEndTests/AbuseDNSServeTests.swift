import DNSMessage
import Foundation
import HatoTesting
import Testing

/// Issue 16, against the real binary: hostile DNS answers to the lookups reception makes (SPF
/// at MAIL FROM, DKIM keys at the end of DATA), served by HatoTesting's DNS server.
@Suite(.heavy) struct AbuseDNSServeTests {
    /// `big.test`: a TXT RRset of 64 KB (240 strings of 255 octets and one SPF record that fails
    /// everyone), too large for UDP, so the resolver retries over TCP and reads all of it; the
    /// same at the DKIM key name. `loop.test` and its key name: CNAME chains that loop, and
    /// `long.test` a chain of 20 distinct names (the resolver follows 8). `slow.test`: no answer.
    static var zone: String {
        let filler = (0..<240).map { "    300 TXT \"filler-\(String(format: "%03d", $0))-\(String(repeating: "x", count: 244))\"" }
        return (["$ORIGIN test.", "big 300 TXT \"v=spf1 -all\""] + filler.map { "big" + $0 }
            + ["sel._domainkey.big 300 TXT \"v=DKIM1; k=rsa; p=\""] + filler.map { "sel._domainkey.big" + $0 }
            + ["loop 300 CNAME loop2.test.", "loop2 300 CNAME loop.test.",
               "sel._domainkey.loop 300 CNAME sel2._domainkey.loop.test.", "sel2._domainkey.loop 300 CNAME sel._domainkey.loop.test."]
            + (0..<20).map { "long\($0 == 0 ? "" : "\($0)") 300 CNAME long\($0 + 1).test." } + ["long20 300 TXT \"v=spf1 +all\""]
            + ["ok 300 TXT \"v=spf1 ip4:127.0.0.0/8 -all\""]).joined(separator: "\n")
    }

    static func start(_ dns: TestDNSServer) async throws -> ServedHato {
        try await ServedHato.start(AbuseInputServeTests.listeners + """
            [dns]
            servers = ["\(dns.address)"]
            [spf]
            fail = "reject"
            temperror = "defer"
            """, accounts: AbuseInputServeTests.accounts)
    }

    /// SPF: the 64 KB answer is read over TCP and evaluated (its one record fails us: 550
    /// 5.7.23); a looping and an over-long CNAME chain are DNS errors, so temperror (451 4.7.24
    /// with `spf.temperror = "defer"`). DKIM: a 64 KB key RRset is no usable key (permerror), a
    /// looping key name temperror. The session goes on after each refusal and delivers.
    @Test func hugeAnswersAndCNAMEChains() async throws {
        let dns = try await TestDNSServer.start(zoneText: Self.zone)
        let served = try await Self.start(dns)
        let result = try await Python.run(AbuseMessageServeTests.clients + """
            smtp, submission, imap, bound = (int(x) for x in _sys.argv[2:6])
            peak = Peak(); probe = Probe(submission)
            c = smtp_session(smtp)
            for sender in (b"a@big.test", b"a@loop.test", b"a@long.test"):
                c.say(b"MAIL FROM:<" + sender + b">\\r\\n"); print(sender.decode(), c.reply())
            c.say(b"RSET\\r\\n"); c.reply()
            message = b"".join(b"DKIM-Signature: v=1; a=rsa-sha256; d=%s.test; s=sel; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dGVzdA==\\r\\n" % d
                               for d in (b"big", b"loop")) + b"From: a@ok.test\\r\\nSubject: dkim\\r\\n\\r\\n"
            c.say(b"MAIL FROM:<a@ok.test>\\r\\nRCPT TO:<alice@example.test>\\r\\nDATA\\r\\n"); c.reply(); c.reply(); c.reply()
            c.say(message + b".\\r\\n"); print("delivered:", c.reply()[:9])
            i = imap_session(imap)
            i.say(b"f FETCH 1 (BODY.PEEK[HEADER.FIELDS (Authentication-Results)])\\r\\n")
            results = " ".join(i.tagged("f")).replace("\\t", "")
            print(results, file=_sys.stderr)
            for d in ("big", "loop"):
                verdict = results.split("header.d=" + d + ".test")[0].rsplit("dkim=", 1)[1].split(" ")[0]
                print("dkim", d, verdict)
            finish(peak, probe, bound)
            """, arguments: ["\(served.pid)", try served.port("smtp"), try served.port("submission"), try served.port("imap"), "64"],
            timeout: 120)
        #expect(result.stdout == """
            a@big.test 550 5.7.23 SPF validation failed
            a@loop.test 451 4.7.24 SPF validation error, try again later
            a@long.test 451 4.7.24 SPF validation error, try again later
            delivered: 250 2.0.0
            dkim big permerror
            dkim loop temperror
            probe: True
            growth under bound: True

            """, "\(result.stdout) \(result.stderr)")
        #expect(dns.queries.contains { $0.question.name == (try? DNSName("big.test")) && $0.transport == .tcp },
                "the 64 KB answer came over TCP")
        AbuseFigures.report(#function, result.stderr)
        await served.stop()
        try await dns.shutdown()
    }

    /// A client pipelining as fast as loopback allows while its MAIL FROM waits for an SPF
    /// lookup that is never answered (2 attempts of `HATO_DNS_TIMEOUT`, 8 s in tests): the SMTP session does not read
    /// meanwhile, so TCP holds the client back; then 451 4.7.24 and the session goes on.
    @Test func inputPipelinedBehindASlowLookupIsNotBuffered() async throws {
        let dns = try await TestDNSServer.start(zoneText: "$ORIGIN test.\nslow 300 TXT \"v=spf1 -all\"")
        dns.setBehavior(.timeout, for: try DNSName("slow.test"), .txt)
        let served = try await Self.start(dns)
        let result = try await Python.run(AbuseMessageServeTests.clients + """
            smtp, submission, bound = (int(x) for x in _sys.argv[2:5])
            peak = Peak(); probe = Probe(submission)
            c = smtp_session(smtp)
            c.say(b"MAIL FROM:<a@slow.test>\\r\\n")
            c.s.settimeout(1)
            block = b"NOOP\\r\\n" * 10000; sent = 0; start = _time.monotonic()
            try:
                while _time.monotonic() - start < 2: c.s.sendall(block); sent += len(block)
            except socket.timeout: pass
            print("figure smtp sent", sent >> 20, "MB", file=_sys.stderr)
            print("held back:", sent < 64 << 20)
            c.s.settimeout(60); print(c.reply())
            finish(peak, probe, bound)
            """, arguments: ["\(served.pid)", try served.port("smtp"), try served.port("submission"), "64"], timeout: 120)
        #expect(result.stdout == "held back: True\n451 4.7.24 SPF validation error, try again later\nprobe: True\ngrowth under bound: True\n",
                "\(result.stdout) \(result.stderr)")
        AbuseFigures.report(#function, result.stderr)
        await served.stop()
        try await dns.shutdown()
    }
}
