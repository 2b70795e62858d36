import DNSMessage
import Foundation
import HatoTesting
import Testing

/// `hato quickstart` then `hato check dns`, as an operator runs them: the records quickstart
/// prints (its --json), served by the test DNS server, check out; a zone with four mistakes
/// gives exactly those four problems.
@Suite struct QuickstartTests {
    let directory = try! TemporaryDirectory(prefix: "hato-quickstart")
    var config: String { directory.url.appendingPathComponent("etc/hato.toml").path }
    var data: String { directory.url.appendingPathComponent("data").path }

    func quickstart(_ extra: [String] = [], stdin: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await HatoBinary.run(["quickstart", "you@example.test", "--hostname", "mail.example.test",
                                  "--public-ip", "192.0.2.10", "--public-ip", "2001:db8::10",
                                  "--data-dir", data, "--config", config] + extra, stdin: stdin)
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not JSON: \(text)")
    }

    /// The printed records as master-file lines, the provider's PTR records included (the test
    /// DNS server plays the provider too).
    static func zone(_ records: [[String: Any]]) -> [String] {
        records.map { "\($0["name"]!) \($0["ttl"]!) IN \($0["type"]!) \($0["value"]!)" }
    }

    func checkDNS(_ zone: [String], json: Bool = true) async throws -> (status: Int32, stdout: String, stderr: String) {
        let dns = try await TestDNSServer.start(zoneText: zone.joined(separator: "\n"), group: TestDNSServer.isolatedGroup)
        defer { Task { try? await dns.shutdown() } }
        // 20 s per answer: the in-process DNS server shares two cores with the whole suite, and
        // a full run once starved it past the default 5 s (ten lookups timed out).
        return try await HatoBinary.run(["check", "dns", "--server", dns.address, "--timeout", "20", "--config", config]
                                        + (json ? ["--json"] : []))
    }

    @Test func quickstartRecordsPassCheckDNSAndMistakesAreNamed() async throws {
        let first = try await quickstart(["--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let result = try Self.object(first.stdout)
        let password = try #require(result["password"] as? String)
        #expect(password.wholeMatch(of: /[a-z2-9]{5}(-[a-z2-9]{5}){3}/) != nil, "\(password)")
        let year = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date()).year!
        #expect(result["dkim_selectors"] as? [String] == ["\(year)a-ed25519", "\(year)a-rsa"])
        let records = try #require(result["records"] as? [[String: Any]])
        let purposes = Set(records.compactMap { $0["purpose"] as? String })
        #expect(purposes == ["mx", "host-address", "spf", "helo-spf", "dkim", "dmarc", "mta-sts", "mta-sts-host", "tls-rpt",
                             "srv", "autoconfig", "autodiscover", "caa", "ptr"])
        let srv = records.filter { $0["purpose"] as? String == "srv" }.map { "\($0["name"]!) \($0["value"]!)" }
        #expect(srv == ["_submissions._tcp.example.test. 0 1 465 mail.example.test.", "_submission._tcp.example.test. 10 1 587 mail.example.test.",
                        "_imaps._tcp.example.test. 0 1 993 mail.example.test.", "_imap._tcp.example.test. 10 1 143 mail.example.test.",
                        "_pop3s._tcp.example.test. 20 1 995 mail.example.test."])
        #expect(records.contains { $0["type"] as? String == "TXT" && $0["text"] as? String == "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.test" })
        #expect(records.contains { $0["type"] as? String == "CAA" && $0["value"] as? String == "0 issue \"letsencrypt.org\"" })
        #expect(records.contains { $0["name"] as? String == "10.2.0.192.in-addr.arpa." && $0["value"] as? String == "mail.example.test." && $0["publish"] as? String == "provider" })
        let commands = try #require(result["commands"] as? [String])
        #expect(commands.suffix(2) == ["install -m 644 \(directory.url.path)/etc/hato.service /etc/systemd/system/hato.service && systemctl daemon-reload",
                                       "systemctl enable --now hato"])

        // The file is a valid configuration, the aliases point at the account.
        #expect(try await HatoBinary.run(["config", "check", "--config", config]).status == 0)
        let aliases = try await HatoBinary.run(["alias", "list", "--config", config])
        #expect(aliases.stdout == ["abuse", "dmarc-reports", "postmaster", "tls-reports"].map { "\($0)@example.test -> you@example.test\n" }.joined(),
                "\(aliases.stdout)")

        let good = try await checkDNS(Self.zone(records))
        #expect(good.status == 0, "\(good.stdout) \(good.stderr)")
        let report = try Self.object(good.stdout)
        #expect(report["ok"] as? Bool == true)
        let checked = try #require(report["results"] as? [[String: Any]])
        #expect(checked.count == 24, "MX, A, AAAA, SPF, HELO SPF, 2 DKIM, DMARC, MTA-STS, its A and AAAA, TLS-RPT, 5 SRV, A and AAAA of 2 client names, CAA, 2 PTR: \(checked.count)")
        #expect(checked.allSatisfy { $0["status"] as? String == "ok" })

        // Four mistakes: the RSA key not published, SPF naming another address, MX elsewhere,
        // and reverse DNS of the IPv4 address pointing at another host.
        var broken = Self.zone(records.filter { !(($0["name"] as? String ?? "").hasPrefix("\(year)a-rsa.")) })
        broken = broken.map { line in
            if line.hasPrefix("example.test. 3600 IN TXT \"v=spf1") { return "example.test. 3600 IN TXT \"v=spf1 ip4:198.51.100.9 -all\"" }
            if line.hasPrefix("example.test. 3600 IN MX") { return "example.test. 3600 IN MX 10 mx.elsewhere.test." }
            if line.hasPrefix("10.2.0.192.in-addr.arpa.") { return "10.2.0.192.in-addr.arpa. 3600 IN PTR vps-10.provider.test." }
            return line
        } + ["mx.elsewhere.test. 3600 IN A 198.51.100.9", "vps-10.provider.test. 3600 IN A 192.0.2.10"]
        let bad = try await checkDNS(broken)
        #expect(bad.status == 1)
        let problems = try #require(try Self.object(bad.stdout)["results"] as? [[String: Any]]).filter { $0["status"] as? String != "ok" }
        let named = problems.map { "\($0["status"]!) \($0["purpose"]!) \($0["name"]!)" }.sorted()
        #expect(named == ["missing dkim \(year)a-rsa._domainkey.example.test.", "wrong mx example.test.",
                          "wrong ptr 10.2.0.192.in-addr.arpa.", "wrong spf example.test."], "\(bad.stdout)")
        let spf = try #require(problems.first { $0["purpose"] as? String == "spf" })
        #expect(spf["found"] as? [String] == ["\"v=spf1 ip4:198.51.100.9 -all\""])
        #expect(spf["expected"] as? [String] == ["\"v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all\""])
        #expect((spf["detail"] as? String ?? "").contains("192.0.2.10: fail"))
        let text = try await checkDNS(broken, json: false)
        #expect(text.status == 1)
        #expect(text.stdout.contains("WRONG   MX    example.test. (mx)\n        expected 10 mail.example.test.\n        found    10 mx.elsewhere.test.\n"), "\(text.stdout)")
        #expect(text.stdout.contains("mail for example.test goes to mx.elsewhere.test., not mail.example.test."))
        #expect(text.stdout.contains("192.0.2.10 points at vps-10.provider.test., not mail.example.test."))
        #expect(text.stdout.hasSuffix("4 of 24 record sets have problems\n"))
    }

    /// An account's OpenPGP certificate (made by GnuPG, imported with `hato pgp import`) adds its
    /// OPENPGPKEY record to what `hato check dns` expects: missing until published, ok when the
    /// zone holds it as `gpg --export-options export-dane` writes it (other bytes, the same key),
    /// with the remark that an unsigned zone does not count for senders (RFC 7929 §7).
    @Test(.enabled(if: GnuPGAvailability.available || GnuPGAvailability.required, "gpg is not installed"))
    func accountKeyRecordsAreChecked() async throws {
        let first = try await quickstart(["--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let records = try #require(try Self.object(first.stdout)["records"] as? [[String: Any]])
        let made = try await Python.run("""
            import os, subprocess, sys, tempfile
            home = tempfile.mkdtemp(prefix="hck", dir="/tmp"); env = dict(os.environ, GNUPGHOME=home)
            g = lambda *a: subprocess.run(["gpg", "--batch", "--passphrase", ""] + list(a), env=env, capture_output=True, check=True).stdout
            g("--quick-gen-key", "You <you@example.test>", "ed25519", "sign", "never")
            fpr = [l.split(":")[9] for l in g("--with-colons", "--list-keys", "you@example.test").decode().splitlines() if l.startswith("fpr:")][0]
            g("--quick-add-key", fpr, "cv25519", "encr", "never")
            open(sys.argv[1] + "/you.asc", "wb").write(g("--armor", "--export", fpr))
            dane = g("--export-options", "export-dane", "--export", fpr).decode()
            subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env)
            lines = [l for l in dane.splitlines() if l.strip() and not l.startswith(";") and not l.startswith("$ORIGIN")]
            words = " ".join(lines).replace("(", " ").replace(")", " ").split()
            print(words[0] + "._openpgpkey.example.test. 3600 IN " + " ".join(words[1:]))
            """, arguments: [directory.path], timeout: 120)
        try #require(made.status == 0, "\(made.stderr)")
        let imported = try await HatoBinary.run(["pgp", "import", "you@example.test", directory.url.appendingPathComponent("you.asc").path, "--config", config])
        try #require(imported.status == 0, "\(imported.stderr)")

        let unpublished = try await checkDNS(Self.zone(records))
        let missing = try #require(try Self.object(unpublished.stdout)["results"] as? [[String: Any]]).filter { $0["status"] as? String != "ok" }
        #expect(unpublished.status == 1 && missing.map { "\($0["status"]!) \($0["purpose"]!)" } == ["missing openpgpkey"], "\(unpublished.stdout)")

        let published = try await checkDNS(Self.zone(records) + [made.stdout.trimmingCharacters(in: .newlines)])
        let results = try #require(try Self.object(published.stdout)["results"] as? [[String: Any]])
        #expect(published.status == 0 && results.count == 25, "\(published.stdout) \(published.stderr)")
        let key = try #require(results.first { $0["purpose"] as? String == "openpgpkey" })
        #expect(key["status"] as? String == "ok" && (key["detail"] as? String ?? "").contains("not DNSSEC-secure"), "\(key)")

        // An S/MIME certificate (openssl-made, hato smime import) adds its SMIMEA 3 0 0 record: missing,
        // then found as `hato smime dns` printed it.
        guard OpenSSLAvailability.available else { return }
        let pki = try await SMIMETestPKI.make()
        let added = try await HatoBinary.run(["account", "add", "hana@example.test", "--password-stdin", "--config", config], stdin: "hana long pw\n")
        let smime = try await HatoBinary.run(["smime", "import", "hana@example.test", "--cert", "\(pki.directory.path)/hana-chain.pem",
                                              "--key", "\(pki.directory.path)/hana.key", "--config", config])
        try #require(added.status == 0 && smime.status == 0, "\(added.stderr) \(smime.stderr)")
        let withKey = Self.zone(records) + [made.stdout.trimmingCharacters(in: .newlines)]
        let noSMIMEA = try await checkDNS(withKey)
        let absent = try #require(try Self.object(noSMIMEA.stdout)["results"] as? [[String: Any]]).filter { $0["status"] as? String != "ok" }
        #expect(noSMIMEA.status == 1 && absent.map { "\($0["status"]!) \($0["purpose"]!)" } == ["missing smimea"], "\(noSMIMEA.stdout)")
        let printed = try await HatoBinary.run(["smime", "dns", "example.test", "--config", config])
        let smimea = printed.stdout.split(separator: "\n").filter { !$0.hasPrefix(";") }.map(String.init)
        try #require(smimea.count == 1, "\(printed.stdout) \(printed.stderr)")
        let both = try await checkDNS(withKey + smimea)
        #expect(both.status == 0, "\(both.stdout)")
    }

    @Test func runningTwiceIsSafe() async throws {
        let first = try await quickstart(["--password-stdin"], stdin: "a chosen password\n")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(!first.stdout.contains("a chosen password"), "a given password is never printed")
        #expect(!first.stdout.contains("shown this once"))
        let written = try String(contentsOfFile: config, encoding: .utf8)

        let again = try await quickstart()
        #expect(again.status == 1)
        #expect(again.stderr.contains("\(config) exists; nothing was changed. Pass --force"), "\(again.stderr)")
        #expect(try String(contentsOfFile: config, encoding: .utf8) == written)

        let forced = try await quickstart(["--force", "--json"])
        #expect(forced.status == 0, "\(forced.stderr)")
        let result = try Self.object(forced.stdout)
        #expect(result["password"] is NSNull, "the account existed: no new password")
        let actions = try #require(result["actions"] as? [String])
        #expect(actions.contains("kept account you@example.test and its password"))
        #expect(actions.contains { $0.hasPrefix("kept active DKIM keys ") })
        #expect(!actions.contains { $0.hasPrefix("added aliases") })
        let keys = try await HatoBinary.run(["dkim", "list", "--config", config])
        #expect(keys.stdout.split(separator: "\n").count == 3, "header and the same two keys: \(keys.stdout)")
    }

    /// The zone snippet an operator pastes parses in a real DNS implementation (dnspython, and
    /// BIND's named-checkzone when installed) into the records of the JSON.
    @Test(.enabled(if: Python.hasModules("dns.zone") || Python.requiredInCI, "needs dnspython"))
    func zoneSnippetParsesInDNSPython() async throws {
        let first = try await quickstart(["--json"])
        let result = try Self.object(first.stdout)
        let snippet = try #require(result["zone"] as? String)
        let records = try #require(result["records"] as? [[String: Any]]).filter { $0["publish"] as? String == "zone" }
        let parsed = try await Python.run("""
            import sys, dns.zone
            z = dns.zone.from_text(open(sys.argv[1]).read(), origin="example.test.",
                                   relativize=False, check_origin=False)
            for name, ttl, rdata in sorted(z.iterate_rdatas(), key=lambda r: (str(r[0]), r[2].rdtype, str(r[2]))):
                print(name, ttl, dns.rdatatype.to_text(rdata.rdtype), rdata.to_text())
            """, arguments: [try write(snippet)])
        #expect(parsed.status == 0, "\(parsed.stderr)")
        let lines = parsed.stdout.split(separator: "\n")
        #expect(lines.count == records.count, "\(parsed.stdout)")
        #expect(lines.contains("example.test. 3600 MX 10 mail.example.test."))
        #expect(lines.contains { $0.hasPrefix("_submissions._tcp.example.test. 3600 SRV 0 1 465 mail.example.test.") })
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/named-checkzone") {
            let soa = "example.test. 3600 IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 3600\nexample.test. 3600 IN NS ns.example.test.\nns.example.test. 3600 IN A 192.0.2.53\n"
            let checked = try await HatoBinary.runTool("/usr/bin/named-checkzone", ["example.test", try write(soa + snippet)])
            #expect(checked.status == 0, "\(checked.stdout)")
        }
    }

    func write(_ text: String) throws -> String {
        let path = directory.url.appendingPathComponent("zone-\(UUID().uuidString).txt").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

extension HatoBinary {
    /// Runs another program the same non-blocking way.
    static func runTool(_ path: String, _ arguments: [String]) async throws -> (status: Int32, stdout: String) {
        let process = try ChildProcess(executable: URL(fileURLWithPath: path), arguments: arguments)
        process.closeInput()
        let status = await process.exit(timeout: 60)
        return (status, process.output + process.errorOutput)
    }
}
