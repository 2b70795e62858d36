import DNSMessage
import Foundation
import HatoServer
import HatoTesting
import MailCore
import Testing

/// The DANE record of `hato quickstart` / `hato check dns`: `_25._tcp.<host> TLSA 3 1 1` of the
/// served key (RFC 7672 §3.1.1), and its check against DNS.
@Suite struct TLSARecordPlanTests {
    static let digest = Array(0..<32).map(UInt8.init)

    func plan(digest: [UInt8]?) throws -> DomainRecordPlan {
        var input = DomainRecordPlan.Input(domain: try Domain("example.com"), hostname: "mail.example.com", publicIPs: [IPAddress("203.0.113.5")!],
                                           dkimKeys: [], ports: [.smtp: 25], caaIssuer: nil, mtaSTSID: "1")
        input.tlsaSPKIDigest = digest
        return try DomainRecordPlan(input)
    }

    @Test func theServedKeyGetsATLSA311Record() throws {
        let lines = try plan(digest: Self.digest).records.filter { $0.purpose == .tlsa }.map(\.zoneLine)
        #expect(lines == ["_25._tcp.mail.example.com. 3600 IN TLSA 3 1 1 000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"])
        #expect(try !plan(digest: nil).records.contains { $0.purpose == .tlsa }, "no certificate yet: no record")
    }

    @Test func checkFindsTheRecordBesideARolloverRecordAndNamesAMismatch() async throws {
        let plan = try plan(digest: Self.digest)
        let name = try DNSName("_25._tcp.mail.example.com")
        let published = DNSZone(records: [
            DNSResourceRecord(name: name, ttl: 300, data: .tlsa(usage: 3, selector: 1, matchingType: 1, data: Self.digest)),
            DNSResourceRecord(name: name, ttl: 300, data: .tlsa(usage: 3, selector: 1, matchingType: 1, data: Array(repeating: 7, count: 32))),
        ])
        let tlsa = { (results: [DNSCheckResult]) in results.first { $0.purpose == .tlsa } }
        let good = try #require(tlsa(await DomainRecordChecker(resolver: StaticResolver(zone: published, allSecure: true)).check(plan)))
        #expect(good.status == .ok && good.found.count == 2 && good.detail == nil)
        let unsigned = try #require(tlsa(await DomainRecordChecker(resolver: StaticResolver(zone: published)).check(plan)))
        #expect(unsigned.status == .ok && unsigned.detail?.contains("DNSSEC") == true)
        let other = DNSZone(records: [published.records[1]])
        let wrong = try #require(tlsa(await DomainRecordChecker(resolver: StaticResolver(zone: other, allSecure: true)).check(plan)))
        #expect(wrong.status == .wrong)
        let missing = try #require(tlsa(await DomainRecordChecker(resolver: StaticResolver()).check(plan)))
        #expect(missing.status == .missing)
    }

    /// The digest is of the certificate `hato serve` presents (here the generated one in the data
    /// directory), as openssl computes it.
    @Test func theDigestIsTheServedCertificatesKeyAsOpenSSLSeesIt() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else { return }
        let directory = try TemporaryDirectory(prefix: "hato-tlsa")
        let config = directory.url.appendingPathComponent("hato.toml").path
        try "hostname = \"mail.example.com\"\ndata_dir = \"data\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let settings = try ConfigLoader.load(file: config, environment: [:]).settings
        let domain = try Domain("example.com")
        #expect(DomainRecordPlan.Input(settings: settings, domain: domain, dkimKeys: [], acmeDirectory: nil).tlsaSPKIDigest == nil)
        let served = try TLSSetup.prepare(settings)
        let digest = try #require(DomainRecordPlan.Input(settings: settings, domain: domain, dkimKeys: [], acmeDirectory: nil).tlsaSPKIDigest)
        let openssl = try await Python.run("""
            import subprocess, sys
            pub = subprocess.run(["openssl", "x509", "-in", sys.argv[1], "-noout", "-pubkey"], capture_output=True, check=True).stdout
            der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub, capture_output=True, check=True).stdout
            import hashlib; print(hashlib.sha256(der).hexdigest())
            """, arguments: [served.certificate.path])
        #expect(openssl.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == digest.map { String(format: "%02x", $0) }.joined(), "\(openssl.stderr)")
    }
}
