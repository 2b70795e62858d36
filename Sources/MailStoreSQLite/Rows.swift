import Foundation
import GRDB
import MailCore
import MailStore
import SASL

/// Row to model conversions, in one place so every query reads columns the same way.
enum Rows {
    static func account(_ row: Row) throws -> Account {
        let credentials = try JSONDecoder().decode([SCRAMCredentials].self, from: Data((row["credentials"] as String).utf8))
        return Account(
            id: AccountID(row["id"]),
            address: try EmailAddress(row["display_address"] as String),
            credentials: credentials,
            quota: Quota(maxBytes: row["quota_bytes"], maxMessages: row["quota_messages"]),
            usage: QuotaUsage(bytes: row["used_bytes"], messages: row["used_messages"]),
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            senderPolicy: SenderAddressPolicy(rawValue: row["sender_policy"]) ?? .own
        )
    }

    static func mailbox(_ row: Row) -> Mailbox {
        Mailbox(
            id: MailboxID(row["id"]),
            accountID: AccountID(row["account_id"]),
            name: row["name"],
            specialUse: (row["special_use"] as String?).flatMap(SpecialUse.init(rawValue:)),
            uidValidity: UInt32(truncatingIfNeeded: row["uid_validity"] as Int64),
            uidNext: UInt32(truncatingIfNeeded: row["uid_next"] as Int64),
            highestModSeq: UInt64(row["highest_modseq"] as Int64)
        )
    }

    static func message(_ row: Row) -> StoredMessage {
        let keywords = (row["keywords"] as String).split(separator: " ").map(String.init)
        return StoredMessage(
            mailboxID: MailboxID(row["mailbox_id"]),
            uid: UInt32(truncatingIfNeeded: row["uid"] as Int64),
            modSeq: UInt64(row["modseq"] as Int64),
            flags: MessageFlags(system: SystemFlags(rawValue: row["flags"]), keywords: keywords),
            internalDate: Date(timeIntervalSince1970: row["internal_date"]),
            size: row["size"],
            body: BodyReference(path: row["body_path"]),
            summary: row["summary"]
        )
    }

    static func credentialsJSON(_ credentials: [SCRAMCredentials]) throws -> String {
        String(decoding: try JSONEncoder().encode(credentials), as: UTF8.self)
    }

    static func alias(_ row: Row) throws -> Alias {
        let targets = try JSONDecoder().decode([String].self, from: Data((row["targets"] as String).utf8))
        return Alias(source: try AliasSource(row["source"] as String), targets: try targets.map { try EmailAddress($0) })
    }
}
