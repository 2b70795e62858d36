import Logging
import NIOCore
import NIOPosix
import SMTPClient

/// The real transport: `SMTPClient` sessions, STARTTLS for MX hosts as their `DeliveryTLSPolicy`
/// says (DANE, MTA-STS, else opportunistic, RFC 7435) and the verified, authenticated
/// configuration for the relay.
public struct SMTPDeliveryTransport: DeliveryTransport {
    public let mx: SMTPClientConfiguration
    public let relay: SMTPClientConfiguration?
    public let eventLoopGroup: any EventLoopGroup
    public let logger: Logger

    public init(mx: SMTPClientConfiguration, relay: SMTPClientConfiguration? = nil,
                eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) {
        self.mx = mx
        self.relay = relay
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    public func connect(to target: DeliveryTarget) async throws(DeliveryTransportError) -> any DeliverySession {
        let address: SocketAddress
        do {
            address = try SocketAddress(ipAddress: target.address, port: target.port)
        } catch {
            throw .connection("invalid address \(target.address)", enhancedCode: "4.4.1")
        }
        var configuration = target.isRelay ? (relay ?? mx) : Self.configuration(mx, for: target.tls)
        // A relay with secure TLSA records: DANE instead of the trust roots (DeliveryRouter.relayTargets).
        if target.isRelay, case .dane(let authentication) = target.tls { configuration.tlsMode = .dane(authentication) }
        do {
            let connection = try await SMTPClientConnection.connect(
                to: address, serverName: target.hostname, configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
            return SMTPDeliverySession(connection: connection)
        } catch let error as SMTPClientError {
            throw Self.deliveryError(error)
        } catch {
            throw .connection("\(error)", enhancedCode: "4.4.1")
        }
    }

    /// The MX configuration with the TLS mode the host's policy asks for: DANE verification, or
    /// STARTTLS with a WebPKI-valid certificate for the MX name under MTA-STS (RFC 8461 §4.2).
    static func configuration(_ mx: SMTPClientConfiguration, for policy: DeliveryTLSPolicy) -> SMTPClientConfiguration {
        var configuration = mx
        switch policy {
        case .opportunistic: break
        case .dane(let authentication): configuration.tlsMode = .dane(authentication)
        case .mtaSTS, .verified: configuration.tlsMode = .requireSTARTTLS
        }
        return configuration
    }

    /// RFC 3463 codes for what went wrong below the reply level: X.4.1 no answer from host,
    /// X.4.2 bad connection, X.7.0 security (TLS, authentication).
    static func deliveryError(_ error: SMTPClientError) -> DeliveryTransportError {
        if let reply = error.localReply {
            var failure = DeliveryTransportError(reply: DeliveryReply(reply), isPermanent: error.isPermanent, sessionUsable: error.connectionUsable)
            failure.tlsFailure = TLSResultType.of(error)
            return failure
        }
        let enhanced: String = switch error {
        case .connectFailed: "4.4.1"
        case .tlsUnavailable, .tlsHandshakeFailed, .authenticationUnavailable: "4.7.0"
        // RFC 3463 X.7.5 "Cryptographic failure": the certificate does not match the TLSA records.
        case .daneAuthenticationFailed: "4.7.5"
        default: "4.4.2"
        }
        var failure = DeliveryTransportError(reply: DeliveryReply(code: 451, enhancedCode: enhanced, text: error.description),
                                             isPermanent: error.isPermanent, sessionUsable: error.connectionUsable)
        failure.tlsFailure = TLSResultType.of(error)
        return failure
    }
}

final class SMTPDeliverySession: DeliverySession {
    let connection: SMTPClientConnection

    init(connection: SMTPClientConnection) { self.connection = connection }

    func send(_ envelope: DeliveryEnvelope, message: [UInt8]) async throws(DeliveryTransportError) -> DeliveryResponse {
        let clientEnvelope = SMTPClientEnvelope(
            mailFrom: envelope.mailFrom,
            recipients: envelope.recipients.map { SMTPClientRecipient(address: $0.address.description, dsn: $0.dsn) },
            envelopeID: envelope.envelopeID, returnContent: envelope.returnContent, smtpUTF8: envelope.smtpUTF8, eightBit: envelope.eightBit,
            requireTLS: envelope.requireTLS)
        do {
            let result = try await connection.send(clientEnvelope, message: message)
            return DeliveryResponse(mailFrom: DeliveryReply(result.mailFrom), recipients: result.recipients.map { DeliveryReply($0.reply) },
                                    data: result.data.map(DeliveryReply.init), peerSupportsDSN: connection.capabilities.dsn)
        } catch let error as SMTPClientError {
            throw SMTPDeliveryTransport.deliveryError(error)
        } catch {
            throw .connection("\(error)", enhancedCode: "4.4.2")
        }
    }

    func close() async { await connection.quit() }

    func reset() async -> Bool {
        do {
            try await connection.reset()
            return true
        } catch {
            return false
        }
    }

    var offersRequireTLS: Bool { connection.tlsActive && connection.capabilities.requireTLS }
    var tlsActive: Bool { connection.tlsActive }
}

extension DeliveryReply {
    init(_ reply: SMTPClientReply) {
        self.init(code: reply.code, enhancedCode: reply.enhancedCode, text: reply.text)
    }
}
