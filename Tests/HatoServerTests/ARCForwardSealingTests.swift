import DNSClient
import DNSMessage
import Foundation
import HatoServer
import HatoTesting
import MailAuth
import MailCore
import MailStore
import MailStoreSQLite
import Reception
import SMTPServer
import Testing

/// A message received on the MX listener for an alias that forwards outside: the queued copy is
/// ARC-sealed with the alias domain's DKIM key (what `hato dkim keygen` made) and dkimpy's
/// `arc_verify` accepts it against the TXT record served by the test DNS server; the local copy
/// is not sealed.
@Suite(.serialized) struct ARCForwardSealingTests {
    /// A sender's RSA key made by openssl: PKCS#1 PEM for dkimpy, and the TXT record value.
    static func senderKey() async throws -> (pem: String, record: String) {
        let output = try await Python.run("""
            import subprocess, base64
            pem = subprocess.run(["openssl", "genrsa", "-traditional", "2048"], capture_output=True, check=True).stdout
            der = subprocess.run(["openssl", "rsa", "-pubout", "-outform", "DER"], input=pem, capture_output=True, check=True).stdout
            print(pem.decode().strip().replace("\\n", "|"))
            print(base64.b64encode(der).decode())
            """)
        let lines = output.stdout.split(separator: "\n").map(String.init)
        guard output.status == 0, lines.count == 2 else { throw ConformanceFailure("openssl: \(output.stderr)") }
        let record = "v=DKIM1; k=rsa; p=\(lines[1])"
        var chunks: [String] = []
        var rest = Substring(record)
        while !rest.isEmpty { chunks.append("\"\(rest.prefix(200))\""); rest = rest.dropFirst(200) }
        return (lines[0].replacingOccurrences(of: "|", with: "\n") + "\n", chunks.joined(separator: " "))
    }

    /// dkimpy's arc_verify with a dnsfunc that asks the test DNS server; prints cv and the
    /// instances of the ARC-Seal fields.
    static let arcVerify = #"""
        import sys, re, dkim, dns.resolver
        r = dns.resolver.Resolver(configure=False); r.nameservers = ["127.0.0.1"]; r.port = int(sys.argv[1])
        def dnsfunc(name, timeout=5):
            try: answer = r.resolve(name.decode().rstrip("."), "TXT", lifetime=timeout)
            except Exception: return None
            return b"".join(b"".join(rr.strings) for rr in answer)
        msg = open(sys.argv[2], "rb").read()
        cv, results, comment = dkim.arc_verify(msg, dnsfunc=dnsfunc)
        seals = re.findall(rb"^ARC-Seal:\s*i=(\d+)", msg, re.M | re.I)
        print(cv.decode(), ",".join(s.decode() for s in seals), comment)
        """#

    /// What one message to team@example.test (bob locally, carol outside) left in the store.
    struct Forwarded {
        var queued: [UInt8]
        var local: String
        var file: URL
        /// Kept alive for dkimpy's lookups; shut down by the test.
        var dns: TestDNSServer
        var directory: TemporaryDirectory
        var dnsPort: Int { dns.port }
    }

    /// Sends a message signed by dkimpy for signer.test to the alias over SMTP; `prepare` is
    /// Python run on `msg` after signing (e.g. a list's ARC seal). The DNS zone holds our
    /// `keygen` record, the sender's key and its p=reject DMARC policy.
    static func forward(_ name: String, prepare: String = "") async throws -> Forwarded {
        let directory = try TemporaryDirectory(prefix: "hato-arc-\(name)")
        let store = try SQLiteMailStore(directory: directory.url.appendingPathComponent("data"))
        try await store.addDomain(try Domain("example.test"))
        try await store.addAccount(try EmailAddress("bob@example.test"), credentials: [], quota: .unlimited)
        try await store.addAlias(Alias(source: try AliasSource("team@example.test"),
                                       targets: [try EmailAddress("bob@example.test"), try EmailAddress("carol@elsewhere.test")]))
        let ours = try await DKIMKeyManager(store: store).generate(domain: try Domain("example.test"), selector: "arc2026", algorithms: [.rsa])
        let sender = try await Self.senderKey()
        let zone = ours.map(\.zoneFileLine).joined(separator: "\n") + "\n" + """
            sel._domainkey.signer.test. IN TXT \(sender.record)
            _dmarc.signer.test. IN TXT "v=DMARC1; p=reject"
            arc._domainkey.forwarder.test. IN TXT \(sender.record)
            """
        let dns = try await TestDNSServer.start(zoneText: zone)
        let resolver = DNSClient(configuration: DNSClientConfiguration(servers: [DNSServer(parsing: dns.address)!], timeout: .seconds(8)))

        var configuration = SMTPConfiguration(hostname: "mail.example.test", profile: .mx)
        configuration.inboundAuthentication = InboundAuthenticationPolicy(
            authenticator: InboundAuthenticator(resolver: resolver, authservID: "mail.example.test"),
            forwardSealer: ARCForwardSealer(store: store, authservID: "mail.example.test"))
        let listener = try await TestListener.start(SMTPServer(configuration: configuration, store: store), name: "mx")
        let message = "From: Sam <sam@signer.test>\r\nTo: team@example.test\r\nSubject: forwarded\r\n"
            + "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <fwd.1@signer.test>\r\n\r\nhello  there\r\n"
        let sent = try await Python.run("""
            import smtplib, sys, dkim
            key = sys.argv[3].encode()
            msg = dkim.sign(sys.argv[2].encode(), b"sel", b"signer.test", key,
                            include_headers=[b"from", b"to", b"subject", b"date", b"message-id"]) + sys.argv[2].encode()
            \(prepare)
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="client.test")
            print(s.sendmail("sam@signer.test", ["team@example.test"], msg))
            s.quit()
            """, arguments: ["\(listener.port)", message, sender.pem])
        #expect(sent.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "{}", "\(sent.stderr)")
        try await listener.stop()

        let queued = try #require(try await store.queuedMessages().first)
        let queuedBytes = try await store.readBody(queued.body)
        let bob = try #require(try await store.account(try EmailAddress("bob@example.test")))
        let inbox = try #require(try await store.mailbox(of: bob.id, named: "INBOX"))
        let stored = try #require(try await store.messages(in: inbox.id).first)
        let local = String(decoding: try await store.readBody(stored.body), as: UTF8.self)
        try await store.close()
        let file = directory.url.appendingPathComponent("queued.eml")
        try Data(queuedBytes).write(to: file)
        return Forwarded(queued: queuedBytes, local: local, file: file, dns: dns, directory: directory)
    }

    @Test func forwardedCopyIsSealedAndVerifiesWithDkimpy() async throws {
        let forwarded = try await Self.forward("forward")
        // The queued copy for carol: sealed at i=1 with our key, dkimpy says cv=pass.
        let queuedText = String(decoding: forwarded.queued, as: UTF8.self)
        #expect(queuedText.hasPrefix("ARC-Seal: i=1; a=rsa-sha256;"), "\(queuedText.prefix(400))")
        #expect(queuedText.contains("d=example.test; s=arc2026;"))
        #expect(queuedText.contains("ARC-Authentication-Results: i=1; mail.example.test;"))
        #expect(queuedText.contains("dkim=pass header.d=signer.test"))
        #expect(queuedText.contains("dmarc=pass"))
        let verified = try await Python.run(Self.arcVerify, arguments: ["\(forwarded.dnsPort)", forwarded.file.path])
        #expect(verified.stdout.hasPrefix("pass 1 "), "\(verified.stdout) \(verified.stderr)")
        // Changing the body after sealing breaks the AMS for dkimpy too.
        let tampered = queuedText.replacingOccurrences(of: "hello  there", with: "hello world")
        try Data(tampered.utf8).write(to: forwarded.file)
        let broken = try await Python.run(Self.arcVerify, arguments: ["\(forwarded.dnsPort)", forwarded.file.path])
        #expect(broken.stdout.hasPrefix("fail "), "\(broken.stdout) \(broken.stderr)")

        // The local copy for bob carries Hato's verdict and no ARC fields.
        let local = forwarded.local.lowercased()
        #expect(forwarded.local.contains("Authentication-Results: mail.example.test;"))
        #expect(!local.contains("arc-seal:") && !local.contains("arc-message-signature:") && !local.contains("arc-authentication-results:"))
        try await forwarded.dns.shutdown()
    }

    /// A message that arrives sealed by a list (dkimpy, i=1) gets the next set: i=2, cv=pass.
    @Test func sealedArrivalIsSealedAgainWithChainPass() async throws {
        let forwarded = try await Self.forward("chain", prepare: """
            msg = b"Authentication-Results: mx.forwarder.test; dkim=pass header.d=signer.test\\r\\n" + msg
            msg = b"".join(dkim.arc_sign(msg, b"arc", b"forwarder.test", key, b"mx.forwarder.test")) + msg
            """)
        let queuedText = String(decoding: forwarded.queued, as: UTF8.self)
        #expect(queuedText.hasPrefix("ARC-Seal: i=2; a=rsa-sha256;"), "\(queuedText.prefix(400))")
        #expect(queuedText.contains("cv=pass;"))
        #expect(queuedText.contains("arc=pass"))
        let verified = try await Python.run(Self.arcVerify, arguments: ["\(forwarded.dnsPort)", forwarded.file.path])
        #expect(verified.stdout.hasPrefix("pass 2,1 "), "\(verified.stdout) \(verified.stderr)")
        try await forwarded.dns.shutdown()
    }

    /// The documented fallback: an alias domain without an active RSA key gets no seal.
    @Test func aliasDomainWithoutRSAKeyLeavesTheCopyUnsealed() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-arc-nokey")
        let store = try SQLiteMailStore(directory: directory.url)
        try await store.addDomain(try Domain("example.test"))
        let sealer = ARCForwardSealer(store: store, authservID: "mail.example.test")
        let message = Array("From: sam@signer.test\r\nSubject: x\r\n\r\nbody\r\n".utf8)
        let alias = try EmailAddress("team@example.test")
        #expect(await sealer.seal(message, results: "spf=none", chain: .none, aliases: [alias]) == message)
        // An Ed25519 key alone is not used for ARC (rsa-sha256 is what validators check): still unsealed.
        _ = try await DKIMKeyManager(store: store).generate(domain: try Domain("example.test"), selector: "ed", algorithms: [.ed25519])
        #expect(await sealer.seal(message, results: "spf=none", chain: .none, aliases: [alias]) == message)
        try await store.close()
    }
}
