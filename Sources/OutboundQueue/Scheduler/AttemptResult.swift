import Foundation
import MailStore

/// Messages for one destination that one connection carries in turn, each with its recipients there.
public struct DeliveryBatch: Sendable {
    public struct Item: Sendable {
        public var message: QueuedMessage
        public var recipients: [QueuedRecipient]
    }
    /// The scheduling key: the recipient domain, or the relay.
    public var destination: String
    /// The recipient domain the MX lookup is for (any of them when a relay is used).
    public var domain: String
    public var items: [Item]
}

/// What one attempt did for one recipient, before it is turned into a queue outcome.
enum AttemptResult: Sendable, Equatable {
    /// `peerSupportsDSN`: whether the peer took over success reporting (see `DeliveryResponse`).
    case delivered(DeliveryReply, remote: String, peerSupportsDSN: Bool)
    case transient(DeliveryReply, remote: String?)
    case permanent(DeliveryReply, remote: String?)

    static func from(_ reply: DeliveryReply, remote: String?) -> AttemptResult {
        if reply.isPermanent { return .permanent(reply, remote: remote) }
        return .transient(reply, remote: remote)
    }

    /// RFC 5321 §4.2.1 reply classes, per recipient: MAIL refused refuses everyone, a refused RCPT
    /// refuses that recipient, and DATA's reply decides for every accepted recipient.
    static func classify(_ response: DeliveryResponse, count: Int, remote: String) -> [AttemptResult] {
        guard response.mailFrom.isPositive else { return Array(repeating: from(response.mailFrom, remote: remote), count: count) }
        return (0..<count).map { index in
            guard index < response.recipients.count else {
                return .transient(DeliveryReply(code: 451, enhancedCode: "4.4.2", text: "no reply to RCPT"), remote: remote)
            }
            let rcpt = response.recipients[index]
            guard rcpt.isPositive else { return from(rcpt, remote: remote) }
            guard let data = response.data else {
                return .transient(DeliveryReply(code: 451, enhancedCode: "4.4.2", text: "no reply to DATA"), remote: remote)
            }
            return data.isPositive ? .delivered(data, remote: remote, peerSupportsDSN: response.peerSupportsDSN) : from(data, remote: remote)
        }
    }
}
