import MailAuth

/// At MAIL FROM on the MX listener, starts the DMARC policy discovery of the envelope sender's
/// domain (`InboundAuthenticator.prefetch(mailFromDomain:)`) and accepts at once. It runs before
/// `SPFStage`, so the DMARC lookups travel beside SPF's and the RCPT and DATA round trips rather
/// than after the header: on a resolver that loses packets, a message waits for one
/// retransmission instead of one per check in turn (docs/PERFORMANCE.md "DNS on a lossy path").
public struct DMARCPrefetchStage: ReceptionStage {
    public let authenticator: InboundAuthenticator
    public var name: String { "dmarc-prefetch" }
    public var phases: ReceptionPhases { .mailFrom }

    public init(authenticator: InboundAuthenticator) { self.authenticator = authenticator }

    public func mailFrom(_ transaction: inout ReceptionTransaction, client: ReceptionClient) async -> ReceptionVerdict {
        if client.isInbound, let sender = transaction.mailFrom { authenticator.prefetch(mailFromDomain: sender.domain) }
        return .accept
    }
}
