import MailCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HatoTesting
import SMTPClient
import Testing

/// Raw peers that break the protocol or stall: each ends in one clear error.
@Suite struct SMTPClientMalformedPeerTests {
    typealias T = ClientTestSupport

    func expectViolation(_ dialog: String, containing text: String, stage: SMTPClientStage, tlsMode: SMTPClientTLSMode = .none) async throws {
        let peer = try await ScriptedPeer.raw(dialog)
        do {
            _ = try await T.connect(peer.port, T.configuration(tlsMode))
            Issue.record("connected despite: \(dialog)")
        } catch let error as SMTPClientError {
            guard case .protocolViolation(let why, let at) = error else { Issue.record("\(error)"); return }
            #expect(why.contains(text), "\(why)")
            #expect(at == stage)
        }
        await peer.stop()
    }

    @Test func anOverlongReplyLine() async throws {
        try await expectViolation(#"say("220 " + "x" * 5000)"#, containing: "longer than 4096 octets", stage: .greeting)
    }

    @Test func aReplyWithABadCode() async throws {
        try await expectViolation("""
            say("220 peer.test ready")
            hear()
            say("250-peer.test")
            say("2x0 PIPELINING")
            """, containing: "malformed reply line \"2x0 PIPELINING\"", stage: .ehlo)
        try await expectViolation(#"say("OK ready")"#, containing: "malformed reply line", stage: .greeting)
        try await expectViolation(#"say("220peer.test ready")"#, containing: "malformed reply line", stage: .greeting)
    }

    @Test func aMultiLineReplyThatChangesItsCode() async throws {
        try await expectViolation("""
            say("220 peer.test ready")
            hear()
            say("250-peer.test")
            say("251 SIZE 100")
            """, containing: "reply code changed from 250 to 251", stage: .ehlo)
    }

    @Test func tooManyReplyLines() async throws {
        try await expectViolation("""
            say("220 peer.test ready")
            hear()
            for i in range(500): say("250-X-LINE%d" % i)
            say("250 END")
            """, containing: "longer than 100 lines", stage: .ehlo)
    }

    @Test func plaintextInjectedAfterTheSTARTTLSReply() async throws {
        // The CVE-2011-0411 pattern seen from the client: a response smuggled behind "220".
        try await expectViolation("""
            say("220 peer.test ready")
            hear()
            say("250-peer.test")
            say("250 STARTTLS")
            hear()
            send(b"220 2.0.0 go ahead\\r\\n250 injected\\r\\n")
            hear()
            """, containing: "plaintext received after the STARTTLS reply", stage: .startTLS, tlsMode: .opportunistic)
    }

    @Test func greetingRefusedWith554AndQUITSent() async throws {
        let peer = try await ScriptedPeer.raw("""
            say("554-peer.test no SMTP service here")
            say("554 5.7.1 go away")
            hear()
            say("221 bye")
            """)
        do {
            _ = try await T.connect(peer.port, T.configuration())
            Issue.record("554 greeting accepted")
        } catch let error as SMTPClientError {
            #expect(error == .greetingRefused(SMTPClientReply(code: 554, lines: ["peer.test no SMTP service here", "5.7.1 go away"])))
        }
        try await waitUntil { peer.heard == ["QUIT"] }
        await peer.stop()
    }

    @Test func a421GreetingIsTransientAndGetsNoQUIT() async throws {
        let peer = try await ScriptedPeer.raw("""
            say("421 4.3.2 peer.test busy, try later")
            hear()
            """)
        do {
            _ = try await T.connect(peer.port, T.configuration())
            Issue.record("421 greeting accepted")
        } catch let error as SMTPClientError {
            #expect(error == .greetingRefused(SMTPClientReply(code: 421, enhancedCode: "4.3.2", lines: ["peer.test busy, try later"])))
            #expect(!error.isPermanent && error.localReply?.code == 421)
        }
        try await waitUntil { peer.process.output.contains("DONE") }
        #expect(peer.heard.isEmpty, "nothing sent after a 421 greeting")
        await peer.stop()
    }

    @Test func aRefusedSTARTTLSGoesOnInPlaintextOnlyWhenOpportunistic() async throws {
        let dialog = """
            say("220 peer.test ready")
            hear(); say("250-peer.test"); say("250 STARTTLS")
            hear(); say("454 4.7.0 TLS not available due to temporary reason")
            hear(); say("221 bye")
            """
        let peer = try await ScriptedPeer.raw(dialog)
        let connection = try await T.connect(peer.port, T.configuration(.opportunistic))
        #expect(!connection.tlsActive && connection.capabilities.startTLS)
        await connection.quit()
        try await waitUntil { peer.heard == ["EHLO client.test", "STARTTLS", "QUIT"] }
        await peer.stop()

        let strict = try await ScriptedPeer.raw(dialog)
        await #expect(throws: SMTPClientError.unexpectedReply(
            SMTPClientReply(code: 454, enhancedCode: "4.7.0", lines: ["TLS not available due to temporary reason"]), stage: .startTLS)) {
            _ = try await T.connect(strict.port, T.configuration(.requireSTARTTLS))
        }
        await strict.stop()
    }

    @Test func heloFallbackWhenEHLOIsRefused() async throws {
        let peer = try await ScriptedPeer.raw("""
            say("220 old.test Sendmail 8.6 ready")
            hear()
            say("500 Command unrecognized")
            hear()
            say("250 old.test Hello")
            hear(); say("250 ok")
            hear(); say("250 ok")
            hear(); say("354 go")
            while hear() not in (".", None): pass
            say("250 queued")
            hear(); say("221 bye")
            """)
        let connection = try await T.connect(peer.port, T.configuration(.opportunistic))
        #expect(connection.capabilities.usedHELO && connection.capabilities.serverName == "old.test")
        let result = try await connection.send(
            SMTPClientEnvelope(mailFrom: "a@example.org", recipients: [.init(address: "b@old.test", dsn: DSNRequest(notify: .failure))], envelopeID: "x"),
            message: T.message("hi"))
        #expect(result.data?.code == 250)
        await connection.quit()
        try await waitUntil { peer.heard.last == "QUIT" }
        #expect(Array(peer.heard.prefix(5)) == ["EHLO client.test", "HELO client.test", "MAIL FROM:<a@example.org>", "RCPT TO:<b@old.test>", "DATA"])
        await peer.stop()
    }

    @Test func aSilentPeerTimesOut() async throws {
        let peer = try await ScriptedPeer.raw("""
            say("220 peer.test ready")
            hear()
            hear()
            """)
        var configuration = T.configuration()
        configuration.commandTimeout = .seconds(2)  // the greeting waits as long: room for a loaded machine
        await #expect(throws: SMTPClientError.timeout(.ehlo)) { _ = try await T.connect(peer.port, configuration) }
        await peer.stop()
    }

    @Test func aPeerThatStopsReadingTheMessageTimesOut() async throws {
        let peer = try await ScriptedPeer.raw("""
            say("220 peer.test ready")
            hear(); say("250 peer.test")
            hear(); say("250 ok")
            hear(); say("250 ok")
            hear(); say("354 go")
            sys.stdin.readline()  # stop reading until the test has seen the timeout
            """, receiveBuffer: 4096)
        var configuration = T.configuration()
        configuration.dataTimeout = .seconds(1)
        let connection = try await T.connect(peer.port, configuration)
        // More than loopback socket buffers hold, so the write itself has to wait for the peer.
        let message = T.message(String(repeating: String(repeating: "x", count: 998) + "\r\n", count: 6 * 1024))
        await #expect(throws: SMTPClientError.timeout(.message)) {
            _ = try await connection.send(SMTPClientEnvelope(mailFrom: nil, recipients: [.init(address: "a@example.test")]), message: message)
        }
        peer.process.write("go\n")
        #expect(!connection.isUsable)
        await peer.stop()
    }

    @Test func aSecondSendWhileOneRunsIsRefused() async throws {
        let peer = try await ScriptedPeer.raw("""
            say("220 peer.test ready")
            hear(); say("250 peer.test")
            hear()
            sys.stdin.readline()  # the test says when the first send may go on
            say("550 5.7.1 not you")
            hear(); say("221 bye")
            """)
        let connection = try await T.connect(peer.port, T.configuration())
        let envelope = SMTPClientEnvelope(mailFrom: "a@example.org", recipients: [.init(address: "b@example.test")])
        let first = Task { try await connection.send(envelope, message: T.message("1")) }
        try await waitUntil { peer.heard.count == 2 }
        await #expect(throws: SMTPClientError.connectionBusy) { _ = try await connection.send(envelope, message: T.message("2")) }
        peer.process.write("go\n")
        let result = try await first.value
        #expect(result.mailFrom.code == 550 && result.recipients.first?.reply.code == 550 && result.data == nil)
        #expect(connection.isUsable)
        await connection.quit()
        try await waitUntil { peer.heard.last == "QUIT" }
        await peer.stop()
    }

    @Test func aRefusedConnectionIsAConnectFailure() async throws {
        // A port bound but not listening, held for the whole test: connecting is refused, and no
        // listener another test starts meanwhile can take it (a port freed first was once taken
        // by one that never greeted: "timeout during greeting").
        let held = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(held >= 0)
        defer { close(held) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(held, $0, length) == 0 && getsockname(held, $0, &length) == 0 }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        do {
            _ = try await T.connect(port, T.configuration())
            Issue.record("connected to a closed port")
        } catch let error as SMTPClientError {
            guard case .connectFailed = error else { Issue.record("\(error)"); return }
        }
    }
}

/// Polls without blocking the cooperative pool, up to 20 s.
func waitUntil(_ condition: () -> Bool) async throws {
    for _ in 0..<1000 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("condition not met in time")
}
