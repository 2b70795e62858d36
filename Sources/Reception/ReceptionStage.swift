// The values every reception stage sees, and the stage protocol itself. A stage implements
// only the phases it cares about; the others accept.

import DNSMessage
import LocalDelivery
import Logging
import MailAuth
import MailCore
import MailMessage
import MailStore
import RiskAssessment
import SMTPProtocol

/// Which listener the mail arrives on (RFC 5321 MX vs RFC 6409 submission).
public enum ReceptionListener: String, Sendable {
    case mx
    case submission
}

/// The connected client as the stages see it.
public struct ReceptionClient: Sendable {
    /// Our host name: the authserv-id of Authentication-Results, the "by" of Received.
    public var hostname: String
    public var listener: ReceptionListener
    public var remoteIP: String
    /// The HELO/EHLO name, once given.
    public var helo: String?
    public var esmtp = false
    /// "TLSv1.3 with cipher ..." once TLS is up (Received comment); nil in plaintext.
    public var tls: String?
    /// The authenticated account (SMTP AUTH), nil for an anonymous client.
    public var account: Account?
    public var logger: Logger
    /// State stages keep for this connection (nil when a message is checked outside an SMTP
    /// session, as `hato message assess` does).
    public var session: ReceptionSession?

    public init(hostname: String, listener: ReceptionListener, remoteIP: String, logger: Logger) {
        self.hostname = hostname
        self.listener = listener
        self.remoteIP = remoteIP
        self.logger = logger
    }

    /// The client address as an IP (nil for a listener that is not TCP/IP).
    public var ipAddress: IPAddress? { IPAddress(remoteIP) }

    /// An unauthenticated client on the MX listener: mail from the outside world.
    public var isInbound: Bool { listener == .mx && account == nil }
}

/// One mail transaction (RFC 5321 §3.3), from MAIL to the end of DATA or the last BDAT.
public struct ReceptionTransaction: Sendable {
    /// Our queue id for this message (logs, Received "id").
    public var id: String
    /// nil is the null reverse-path `<>`.
    public var mailFrom: EmailAddress?
    public var parameters: SMTPMailParameters
    public var recipients: [AcceptedRecipient] = []
    /// RFC 7208 verdict for MAIL FROM (checked at MAIL, recorded and used by DMARC at the end).
    public var spf: SPFOutcome?
    /// RFC 7208 §2.3 verdict for the HELO identity (nil when MAIL FROM was `<>`: then `spf` is it).
    public var spfHELO: SPFOutcome?

    public init(id: String, mailFrom: EmailAddress?, parameters: SMTPMailParameters) {
        self.id = id
        self.mailFrom = mailFrom
        self.parameters = parameters
    }
}

/// One RCPT as the stages see it; a stage that knows where it goes sets `resolution`.
public struct ReceptionRecipient: Sendable {
    public var address: EmailAddress
    public var parameters: SMTPRcptParameters
    /// `RCPT TO:<Postmaster>` without a domain (RFC 5321 §4.5.1); `address` is then
    /// postmaster@ our host name until a stage finds the one that exists.
    public var isBarePostmaster: Bool
    public var resolution: RecipientResolution?

    public init(address: EmailAddress, parameters: SMTPRcptParameters, isBarePostmaster: Bool = false) {
        self.address = address
        self.parameters = parameters
        self.isBarePostmaster = isBarePostmaster
    }
}

/// The message at the end of DATA/BDAT, parsed once, and what the stages decided about it.
public struct ReceptionMessage: Sendable {
    public var content: ReceivedMessage
    /// IMAP keywords for every local copy.
    public var keywords: [String] = []
    /// Local copies go to Junk.
    public var junk = false
    /// Seals the queued copy for remote alias targets (RFC 8617 §5.1), set by the stage that
    /// knows the verdict; see `DeliveryRequest.sealRemoteCopy`.
    public var sealRemoteCopy: (@Sendable (_ copy: [UInt8], _ aliases: [EmailAddress]) async -> [UInt8])?
    /// The inbound verdict's results, set by `AuthenticationStage` (before it refuses, too), for
    /// the session's metrics; nil when the message was not checked (submission, no resolver).
    public var authenticationResults: ReceptionAuthenticationResults?
    /// The DKIM/ARC/DMARC verdict of the MX listener (`AuthenticationStage`), for later stages.
    public var authentication: InboundVerdict?
    /// Set by the risk stage: hold the message in the quarantine instead of delivering it.
    public var hold: ReceptionHold?
    /// Signals the spam controls found (DNSBL, DNSWL, URIBL), for the risk stage's `Hato-Risk`.
    public var spamSignals: [RiskSignal] = []
    /// Envelope changes a milter asked for (SMFIR_ADDRCPT/DELRCPT/CHGFROM), in order; the
    /// session applies them before delivery (docs/milter.md "Envelope changes").
    public var envelopeChanges: [ReceptionEnvelopeChange] = []
    /// Header fields milters added or changed in this transaction, as they wrote them (Sieve's
    /// spamtest/virustest believe only these, see `DeliveryRequest.filterFields`).
    public var filterFields: [FilterField] = []

    public init(content: ReceivedMessage) {
        self.content = content
    }
}

/// A change of the envelope a stage asks for at the end of the message.
public enum ReceptionEnvelopeChange: Sendable, Equatable {
    /// Deliver to this address too, checked like a RCPT TO on the same listener.
    case addRecipient(EmailAddress)
    /// Do not deliver to this address.
    case deleteRecipient(EmailAddress)
    /// The new reverse-path; nil is `<>`.
    case changeFrom(EmailAddress?)
}

/// The phases of reception, for a stage to say which it implements.
public struct ReceptionPhases: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let connection = ReceptionPhases(rawValue: 1)
    public static let helo = ReceptionPhases(rawValue: 2)
    public static let mailFrom = ReceptionPhases(rawValue: 4)
    public static let recipient = ReceptionPhases(rawValue: 8)
    public static let message = ReceptionPhases(rawValue: 16)
    /// The header section is complete while the body still streams (`headerReceived`).
    public static let header = ReceptionPhases(rawValue: 32)
    public static let all: ReceptionPhases = [.connection, .helo, .mailFrom, .recipient, .header, .message]
}

/// One check in the reception pipeline. Every phase has a default that accepts, so a stage
/// implements only the phases whose input it needs (docs/architecture.md, "Reception stages").
public protocol ReceptionStage: Sendable {
    /// A short name for logs ("spf", "dmarc").
    var name: String { get }
    /// The phases this stage implements (default: all). A phase no stage implements costs the
    /// session nothing: it answers without leaving its event loop.
    var phases: ReceptionPhases { get }
    /// A client connected (before the greeting).
    func connection(_ client: ReceptionClient) async -> ReceptionVerdict
    /// HELO/EHLO was given (`client.helo`).
    func helo(_ client: ReceptionClient) async -> ReceptionVerdict
    /// MAIL FROM: may record results in the transaction (SPF).
    func mailFrom(_ transaction: inout ReceptionTransaction, client: ReceptionClient) async -> ReceptionVerdict
    /// RCPT TO: may resolve the recipient.
    func recipient(_ recipient: inout ReceptionRecipient, transaction: ReceptionTransaction,
                   client: ReceptionClient) async -> ReceptionVerdict
    /// The message's header section has arrived and the body is still streaming: start work
    /// the message phase will need, such as DNS lookups, so it runs while the client sends the
    /// body (issue 15). Must not block and gives no verdict; its results reach `message`
    /// through a cache (the DNS resolver's). Only on the SMTP path that streams DATA or BDAT.
    func headerReceived(_ header: HeaderSection, transaction: ReceptionTransaction, client: ReceptionClient)
    /// The end of DATA/BDAT: may edit the header (prepend, remove) and tag the message.
    func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                 client: ReceptionClient) async -> ReceptionVerdict
}

extension ReceptionStage {
    public var phases: ReceptionPhases { .all }
    public func connection(_ client: ReceptionClient) async -> ReceptionVerdict { .accept }
    public func helo(_ client: ReceptionClient) async -> ReceptionVerdict { .accept }
    public func mailFrom(_ transaction: inout ReceptionTransaction, client: ReceptionClient) async -> ReceptionVerdict { .accept }
    public func recipient(_ recipient: inout ReceptionRecipient, transaction: ReceptionTransaction,
                          client: ReceptionClient) async -> ReceptionVerdict { .accept }
    public func headerReceived(_ header: HeaderSection, transaction: ReceptionTransaction, client: ReceptionClient) {}
    public func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                        client: ReceptionClient) async -> ReceptionVerdict { .accept }
}

/// The result names of one inbound check, as Authentication-Results writes them (RFC 8601):
/// `spf` (RFC 7208), one `dkim` per signature (RFC 6376; empty for none), `dmarc` (RFC 9989).
public struct ReceptionAuthenticationResults: Sendable, Equatable {
    public var spf: String
    public var dkim: [String]
    public var dmarc: String

    public init(spf: String, dkim: [String], dmarc: String) {
        self.spf = spf
        self.dkim = dkim
        self.dmarc = dmarc
    }
}
