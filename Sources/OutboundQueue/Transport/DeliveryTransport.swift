import MailCore
import Foundation

/// Where one connection goes: an address of an MX host (or of the smarthost) and the port.
public struct DeliveryTarget: Sendable, Hashable, CustomStringConvertible {
    /// The host name the address belongs to (the MX name, the relay name, or the domain for an
    /// implicit MX): the TLS server name and what DSNs report as Remote-MTA.
    public var hostname: String
    /// An IPv4 or IPv6 address in text form.
    public var address: String
    public var port: Int
    /// True for the configured smarthost: TLS is required and credentials are sent.
    public var isRelay: Bool
    /// How TLS must be used with this host (DANE, MTA-STS or opportunistic).
    public var tls: DeliveryTLSPolicy
    /// What TLS-RPT reports sessions with this host under (RFC 8460 §4.4).
    public var reportPolicy: TLSReportPolicy = .none
    /// Why `tls` applies, in words ("DANE: MX, addresses and ... TLSA DNSSEC-secure"): shown by
    /// `hato queue show` with the last reply and logged.
    public var why: String = ""

    /// "DANE (1 usable TLSA records): <why>", the form the queue's last reply carries.
    public var tlsDecision: String { why.isEmpty ? tls.description : "\(tls.description): \(why)" }

    public init(hostname: String, address: String, port: Int, isRelay: Bool = false, tls: DeliveryTLSPolicy = .opportunistic) {
        self.hostname = hostname
        self.address = address
        self.port = port
        self.isRelay = isRelay
        self.tls = tls
    }

    public var description: String {
        "\(hostname)[\(address)]:\(port)"
    }
}

/// One SMTP reply as the queue needs it (RFC 5321 §4.2, RFC 3463 enhanced codes).
public struct DeliveryReply: Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var enhancedCode: String?
    /// The reply text without code or enhanced code, lines joined with a space.
    public var text: String

    public init(code: Int, enhancedCode: String? = nil, text: String) {
        self.code = code
        self.enhancedCode = enhancedCode
        self.text = text
    }

    public var isPositive: Bool { (200..<400).contains(code) }
    public var isTransient: Bool { (400..<500).contains(code) }
    public var isPermanent: Bool { code >= 500 }

    /// `550 5.1.1 no such user`: the form stored as the queue's last reply and in Diagnostic-Code.
    public var description: String {
        [String(code), enhancedCode, text.isEmpty ? nil : text].compactMap { $0 }.joined(separator: " ")
    }
}

/// The envelope of one transaction: one message for the recipients of one destination.
public struct DeliveryEnvelope: Sendable, Equatable {
    public struct Recipient: Sendable, Equatable {
        public var address: EmailAddress
        /// RFC 3461 §4.1 NOTIFY and §4.2 ORCPT, passed on to peers that announce DSN.
        public var dsn: DSNRequest
        public init(address: EmailAddress, dsn: DSNRequest = DSNRequest()) {
            self.address = address
            self.dsn = dsn
        }
    }

    /// nil is the null reverse-path `<>`.
    public var mailFrom: String?
    public var recipients: [Recipient]
    public var envelopeID: String?
    public var returnContent: String?
    public var smtpUTF8: Bool
    public var eightBit: Bool
    /// RFC 8689: send REQUIRETLS on MAIL (see `SMTPClientEnvelope.requireTLS`).
    public var requireTLS: Bool

    public init(mailFrom: String?, recipients: [Recipient], envelopeID: String? = nil, returnContent: String? = nil,
                smtpUTF8: Bool = false, eightBit: Bool = false, requireTLS: Bool = false) {
        self.requireTLS = requireTLS
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.envelopeID = envelopeID
        self.returnContent = returnContent
        self.smtpUTF8 = smtpUTF8
        self.eightBit = eightBit
    }
}

/// The replies of one transaction. `recipients` has one reply per envelope recipient, in order;
/// `data` is nil when DATA was not reached (MAIL refused, or no recipient accepted).
public struct DeliveryResponse: Sendable, Equatable {
    public var mailFrom: DeliveryReply
    public var recipients: [DeliveryReply]
    public var data: DeliveryReply?
    /// The peer announced DSN (RFC 3461), so NOTIFY went with each recipient and reporting
    /// success is its job from here on; without it a NOTIFY=SUCCESS sender gets a "relayed"
    /// report from us (RFC 3461 §5.2.2).
    public var peerSupportsDSN: Bool

    public init(mailFrom: DeliveryReply, recipients: [DeliveryReply], data: DeliveryReply?, peerSupportsDSN: Bool = false) {
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.data = data
        self.peerSupportsDSN = peerSupportsDSN
    }
}

/// A failure below the level of a reply to one command: the connection could not be opened,
/// the greeting or TLS failed, the peer went away or timed out — or the message cannot be sent
/// to this peer at all (too large for its SIZE, needs SMTPUTF8 it lacks).
public struct DeliveryTransportError: Error, Sendable, CustomStringConvertible {
    /// What goes into the queue's last reply and the DSN's Diagnostic-Code.
    public var reply: DeliveryReply
    /// True when no retry can help (the message fails for every recipient of the transaction).
    public var isPermanent: Bool
    /// True when the session can carry the next message (a per-message refusal before MAIL).
    public var sessionUsable: Bool
    /// The RFC 8460 §4.3 result type and reason when securing the session failed; nil otherwise.
    public var tlsFailure: (type: String, reason: String)?

    public init(reply: DeliveryReply, isPermanent: Bool = false, sessionUsable: Bool = false) {
        self.reply = reply
        self.isPermanent = isPermanent
        self.sessionUsable = sessionUsable
    }

    /// A temporary connection-level failure, reported as `451 4.4.x text` (RFC 3463 §3.5).
    public static func connection(_ text: String, enhancedCode: String = "4.4.1") -> DeliveryTransportError {
        DeliveryTransportError(reply: DeliveryReply(code: 451, enhancedCode: enhancedCode, text: text))
    }

    public var description: String { reply.description }
}

/// Opens SMTP sessions. The real one is `SMTPClientTransport`; tests script their own.
public protocol DeliveryTransport: Sendable {
    func connect(to target: DeliveryTarget) async throws(DeliveryTransportError) -> any DeliverySession
}

/// One open SMTP connection that carries several transactions in turn (connection reuse).
public protocol DeliverySession: Sendable {
    /// One transaction. Replies to MAIL, RCPT and DATA come back as data; a thrown error means the
    /// transaction's outcome is unknown or impossible (see `DeliveryTransportError`).
    func send(_ envelope: DeliveryEnvelope, message: [UInt8]) async throws(DeliveryTransportError) -> DeliveryResponse
    /// QUIT and close.
    func close() async
    /// RSET before a connection that waited idle carries another batch (RFC 5321 §4.1.1.5); false
    /// when the peer is gone or refused it, and the connection is then closed. Sessions that
    /// cannot be checked that way answer false and are never reused across batches.
    func reset() async -> Bool
    /// TLS is active and the peer offered REQUIRETLS after it (RFC 8689 §4.2.1 step 5).
    var offersRequireTLS: Bool { get }
    /// TLS is in use on this session (TLS-RPT counts sessions without it as failures).
    var tlsActive: Bool { get }
}

extension DeliverySession {
    public func reset() async -> Bool { false }
    public var offersRequireTLS: Bool { false }
    public var tlsActive: Bool { false }
}
