import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL

/// One outbound SMTP connection (RFC 5321): greeting, EHLO (HELO fallback), STARTTLS per the TLS
/// mode, AUTH when credentials are given, then any number of mail transactions (`send`) and QUIT.
/// Calls on one connection are serialised: a second `send` while one runs fails with `connectionBusy`.
public final class SMTPClientConnection: Sendable {
    struct State {
        var capabilities = SMTPServerCapabilities()
        var tlsActive = false
        /// A MAIL was accepted and its transaction did not end with the final-dot reply: RSET first.
        var needsReset = false
        var busy = false
        var closed = false
    }

    let transport: SMTPClientTransport
    let configuration: SMTPClientConfiguration
    let serverName: String
    let logger: Logger
    let state: NIOLockedValueBox<State>

    /// The peer's EHLO keywords (after TLS: only those offered over TLS, RFC 3207 §4.2).
    public var capabilities: SMTPServerCapabilities { state.withLockedValue { $0.capabilities } }
    /// TLS is in use (implicit or after STARTTLS).
    public var tlsActive: Bool { state.withLockedValue { $0.tlsActive } }
    /// False after QUIT or a connection-level failure.
    public var isUsable: Bool { state.withLockedValue { !$0.closed } }

    private init(transport: SMTPClientTransport, configuration: SMTPClientConfiguration, serverName: String, logger: Logger) {
        self.transport = transport
        self.configuration = configuration
        self.serverName = serverName
        self.logger = logger
        self.state = NIOLockedValueBox(State())
    }

    deinit {
        // Dropped without quit() or close(): do not leave the socket to the peer's timeout.
        transport.channel.close(promise: nil)
    }

    /// Connects to `address` and makes the session ready for mail: greeting, EHLO, STARTTLS and
    /// AUTH as configured. `serverName` is the host name the certificate is checked against in
    /// the verified TLS modes (and sent as SNI); it must be a name, not an IP literal, there.
    public static func connect(
        to address: SocketAddress, serverName: String, configuration: SMTPClientConfiguration,
        eventLoopGroup: any EventLoopGroup, logger: Logger
    ) async throws -> SMTPClientConnection {
        var logger = logger
        logger[metadataKey: "smtp.peer"] = "\(serverName) \(address)"
        var implicit: (NIOSSLContext, String?)?
        if configuration.tlsMode == .implicit {
            implicit = (try makeTLSContext(configuration, verify: true), try sniName(serverName, verify: true))
        }
        let transport = try await SMTPClientTransport.connect(
            to: address, configuration: configuration, implicitTLS: implicit, eventLoopGroup: eventLoopGroup)
        let connection = SMTPClientConnection(transport: transport, configuration: configuration, serverName: serverName, logger: logger)
        do {
            try await connection.open()
        } catch {
            connection.state.withLockedValue { $0.closed = true }
            await transport.close()
            logger.info("SMTP session setup failed", metadata: ["error": "\(error)"])
            throw error
        }
        return connection
    }

    private func open() async throws(SMTPClientError) {
        if configuration.tlsMode == .implicit {
            try await transport.implicitHandshake(timeout: configuration.commandTimeout)
            state.withLockedValue { $0.tlsActive = true }
        }
        let greeting = try await transport.readReply(stage: .greeting, timeout: configuration.commandTimeout)
        guard greeting.code == 220 else {
            // RFC 5321 §3.1: after a 554 greeting the client should QUIT; a 421 has closed already.
            if greeting.code != 421 { try? await transport.send(["QUIT"], stage: .quit) }
            throw .greetingRefused(greeting)
        }
        try await hello()
        try await startTLSIfWanted()
        if let credentials = configuration.credentials {
            try await authenticate(credentials)
        }
        logger.debug("SMTP session ready", metadata: ["tls": "\(tlsActive)", "extensions": "\(capabilities.keywords.keys.sorted())"])
    }

    /// EHLO, and HELO when EHLO is refused (RFC 5321 §4.1.4, §3.2).
    private func hello() async throws(SMTPClientError) {
        let ehlo = try await command("EHLO \(configuration.heloName)", stage: .ehlo)
        if ehlo.code == 250 {
            state.withLockedValue { $0.capabilities = SMTPServerCapabilities(ehloReply: ehlo) }
            return
        }
        let helo = try await command("HELO \(configuration.heloName)", stage: .helo)
        guard helo.code == 250 else { throw .unexpectedReply(helo, stage: .helo) }
        let name = String(helo.lines.first?.split(separator: " ").first ?? "")
        state.withLockedValue { $0.capabilities = SMTPServerCapabilities(serverName: name, usedHELO: true) }
    }

    /// STARTTLS (RFC 3207) as the mode says, then EHLO again: what the peer said before TLS is
    /// forgotten (RFC 3207 §4.2).
    private func startTLSIfWanted() async throws(SMTPClientError) {
        let mode = configuration.tlsMode
        var dane: DANEAuthentication?
        switch mode {
        case .opportunistic, .requireSTARTTLS: break
        case .dane(let authentication): dane = authentication
        case .implicit, .none: return
        }
        let required = mode != .opportunistic
        guard capabilities.startTLS else {
            if required {
                // RFC 7672 §2.2: with DANE a missing STARTTLS (perhaps stripped on the path) is a failure.
                try? await transport.send(["QUIT"], stage: .quit)
                throw .tlsUnavailable
            }
            return
        }
        let verify = mode == .requireSTARTTLS
        let context = try Self.makeTLSContext(configuration, verify: verify, customVerification: dane != nil)
        // RFC 7672 §8.1: with DANE the SNI is the TLSA base domain (the MX host name).
        let hostname = try Self.sniName(serverName, verify: verify || dane != nil)
        let reply = try await command("STARTTLS", stage: .startTLS)
        guard reply.code == 220 else {
            if required { throw .unexpectedReply(reply, stage: .startTLS) }
            logger.info("STARTTLS refused, going on in plaintext (RFC 7435)", metadata: ["reply": "\(reply)"])
            return
        }
        if let dane {
            try await startDANETLS(dane, context: context, hostname: hostname)
        } else {
            try await transport.startTLS(context: context, serverHostname: hostname, timeout: configuration.commandTimeout)
        }
        state.withLockedValue {
            $0.tlsActive = true
            $0.capabilities = SMTPServerCapabilities()
        }
        try await hello()
    }

    /// The handshake with the TLSA records as the only verification (RFC 7672 §3); a mismatch
    /// fails the handshake and is reported with the verifier's reason, not BoringSSL's.
    private func startDANETLS(_ dane: DANEAuthentication, context: NIOSSLContext, hostname: String?) async throws(SMTPClientError) {
        let reason = NIOLockedValueBox<String?>(nil)
        do {
            try await transport.startTLS(context: context, serverHostname: hostname, timeout: configuration.commandTimeout) { chain, promise in
                promise.completeWithTask {
                    guard let failure = await DANECertificateVerifier.failure(chain: chain, authentication: dane) else {
                        return .certificateVerified
                    }
                    reason.withLockedValue { $0 = failure }
                    return .failed
                }
            }
        } catch {
            if let failure = reason.withLockedValue({ $0 }) { throw .daneAuthenticationFailed(failure) }
            throw error
        }
        logger.debug("DANE authenticated", metadata: ["records": "\(dane.records.map(\.description))"])
    }

    /// QUIT (RFC 5321 §4.1.1.10) and close. Never throws: the connection is gone either way.
    public func quit() async {
        let wasOpen = state.withLockedValue { state -> Bool in
            defer { state.closed = true }
            return !state.closed && !state.busy
        }
        if wasOpen {
            do {
                try await transport.send(["QUIT"], stage: .quit)
                _ = try await transport.readReply(stage: .quit, timeout: min(configuration.commandTimeout, .seconds(30)))
            } catch {
                logger.debug("QUIT not answered", metadata: ["error": "\(error)"])
            }
        }
        await transport.close()
    }

    /// Closes without QUIT.
    public func close() async {
        state.withLockedValue { $0.closed = true }
        await transport.close()
    }

    // MARK: helpers for the session files

    /// Sends one command and reads its reply; a 421 ends the connection (RFC 5321 §3.8).
    func command(_ line: String, stage: SMTPClientStage, timeout: TimeAmount? = nil) async throws(SMTPClientError) -> SMTPClientReply {
        // AUTH lines carry secrets (RFC 4954 §4): only the stage is logged.
        logger.trace("SMTP >", metadata: ["line": "\(stage == .auth ? "<AUTH exchange>" : line)"])
        try await transport.send([line], stage: stage)
        return try await reply(stage: stage, timeout: timeout)
    }

    func reply(stage: SMTPClientStage, timeout: TimeAmount? = nil) async throws(SMTPClientError) -> SMTPClientReply {
        let reply = try await transport.readReply(stage: stage, timeout: timeout ?? configuration.commandTimeout)
        logger.trace("SMTP <", metadata: ["reply": "\(reply)"])
        if reply.code == 421 {
            let error = SMTPClientError.serviceClosing(reply, stage: stage)
            await transport.fail(error)
            throw error
        }
        return reply
    }

    /// `customVerification`: the chain goes to a callback (DANE) instead of the trust roots; BoringSSL
    /// calls that callback only when verification is on, hence `.noHostnameVerification`.
    static func makeTLSContext(_ configuration: SMTPClientConfiguration, verify: Bool,
                               customVerification: Bool = false) throws(SMTPClientError) -> NIOSSLContext {
        var tls = configuration.tlsConfiguration
        if [.tlsv1, .tlsv11].contains(tls.minimumTLSVersion) { tls.minimumTLSVersion = .tlsv12 }
        if customVerification {
            tls.certificateVerification = .noHostnameVerification
        } else if !verify {
            tls.certificateVerification = .none
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw .tlsHandshakeFailed("TLS configuration: \(error)")
        }
    }

    /// The SNI and verification name: none for an IP literal (SNI carries names only, RFC 6066 §3),
    /// which the verified modes refuse since there is no name to check.
    static func sniName(_ serverName: String, verify: Bool) throws(SMTPClientError) -> String? {
        let name = serverName.hasSuffix(".") ? String(serverName.dropLast()) : serverName
        let isAddress = (try? SocketAddress(ipAddress: name.trimmingCharacters(in: "[]"), port: 0)) != nil
        if isAddress || name.isEmpty {
            if verify { throw .tlsHandshakeFailed("certificate verification needs a host name, not \"\(serverName)\"") }
            return nil
        }
        return name
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        String(drop(while: { set.contains($0) }).reversed().drop(while: { set.contains($0) }).reversed())
    }
}
