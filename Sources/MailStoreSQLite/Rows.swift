import Foundation
import GRDB
import MailCore
import MailStore
import SASL

/// Row to model conversions, in one place so every query reads columns the same way.
enum Rows {
    static func account(_ row: Row) throws -> Account {
        let credentials = try StoredCredentials.decode(row["credentials"] as String)
        return Account(
            id: AccountID(row["id"]),
            address: try EmailAddress(row["display_address"] as String),
            credentials: credentials.scram,
            quota: Quota(maxBytes: row["quota_bytes"], maxMessages: row["quota_messages"]),
            usage: QuotaUsage(bytes: row["used_bytes"], messages: row["used_messages"]),
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            senderPolicy: SenderAddressPolicy(rawValue: row["sender_policy"]) ?? .own,
            cramMD5: credentials.cramMD5,
            isAdmin: row["is_admin"] ?? false,
            smimeAtRest: row["smime_at_rest"] ?? false,
            openpgpAtRest: row["openpgp_at_rest"] ?? false
        )
    }

    /// The columns `recipientAccount(_:)` reads, in its order: all but the credentials, whose JSON
    /// decode was most of an RCPT's account read (docs/PERFORMANCE.md, issue 24).
    static let recipientAccountColumns =
        "id, display_address, quota_bytes, quota_messages, used_bytes, used_messages, created_at, sender_policy, is_admin, smime_at_rest, openpgp_at_rest"

    /// `account(_:)` without the credentials, read by position.
    static func recipientAccount(_ row: Row) throws -> Account {
        Account(
            id: AccountID(row[0]),
            address: try EmailAddress(row[1] as String),
            credentials: [],
            quota: Quota(maxBytes: row[2], maxMessages: row[3]),
            usage: QuotaUsage(bytes: row[4], messages: row[5]),
            createdAt: Date(timeIntervalSince1970: row[6]),
            senderPolicy: SenderAddressPolicy(rawValue: row[7]) ?? .own,
            isAdmin: row[8] ?? false,
            smimeAtRest: row[9] ?? false,
            openpgpAtRest: row[10] ?? false
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

    /// The columns `mailboxByPosition(_:)` reads, in its order (hot paths: SELECT, APPEND).
    static let mailboxColumns = "id, account_id, name, special_use, uid_validity, uid_next, highest_modseq"

    static func mailboxByPosition(_ row: Row) -> Mailbox {
        Mailbox(
            id: MailboxID(row[0]),
            accountID: AccountID(row[1]),
            name: row[2],
            specialUse: (row[3] as String?).flatMap(SpecialUse.init(rawValue:)),
            uidValidity: UInt32(truncatingIfNeeded: row[4] as Int64),
            uidNext: UInt32(truncatingIfNeeded: row[5] as Int64),
            highestModSeq: UInt64(row[6] as Int64)
        )
    }

    /// The columns `message(_:)` reads, in its order. Queries name them instead of `*` so rows
    /// are read by position: GRDB's by-name lookup lowercases the name on every access, which
    /// was a sixth of the CPU time of listing a mailbox.
    static let messageColumns = "mailbox_id, uid, modseq, flags, keywords, internal_date, size, body_path, summary, saved_date"
    /// One message row by mailbox and UID (bind both as integers), the text built once.
    static let messageByUID = "SELECT \(messageColumns) FROM messages WHERE mailbox_id = ? AND uid = ?"
    /// `messageColumns` with NULL for the summary (`messagesWithoutSummaries(in:)`).
    static let messageColumnsWithoutSummary = "mailbox_id, uid, modseq, flags, keywords, internal_date, size, body_path, NULL, saved_date"

    static func message(_ row: Row) -> StoredMessage {
        let keywords = (row[4] as String).split(separator: " ").map(String.init)
        return StoredMessage(
            mailboxID: MailboxID(row[0]),
            uid: UInt32(truncatingIfNeeded: row[1] as Int64),
            modSeq: UInt64(row[2] as Int64),
            flags: MessageFlags(system: SystemFlags(rawValue: row[3]), keywords: keywords),
            internalDate: Date(timeIntervalSince1970: row[5]),
            size: row[6],
            body: BodyReference(path: row[7]),
            summary: row[8],
            savedDate: (row[9] as Double?).map { Date(timeIntervalSince1970: $0) }
        )
    }

    /// `mailboxByPosition` over a raw row (`Database.cachedFirst`), columns `mailboxColumns`.
    static func mailbox(_ row: RawRow) -> Mailbox {
        Mailbox(
            id: MailboxID(row.int64(0)),
            accountID: AccountID(row.int64(1)),
            name: row.text(2),
            specialUse: row.optionalText(3).flatMap(SpecialUse.init(rawValue:)),
            uidValidity: UInt32(truncatingIfNeeded: row.int64(4)),
            uidNext: UInt32(truncatingIfNeeded: row.int64(5)),
            highestModSeq: UInt64(row.int64(6))
        )
    }

    /// `message(_:)` over a raw row (`Database.cachedFirst`), columns `messageColumns`.
    static func message(_ row: RawRow) -> StoredMessage {
        let keywords = row.text(4).split(separator: " ").map(String.init)
        return StoredMessage(
            mailboxID: MailboxID(row.int64(0)),
            uid: UInt32(truncatingIfNeeded: row.int64(1)),
            modSeq: UInt64(row.int64(2)),
            flags: MessageFlags(system: SystemFlags(rawValue: Int(row.int64(3))), keywords: keywords),
            internalDate: Date(timeIntervalSince1970: row.double(5)),
            size: row.int64(6),
            body: BodyReference(path: row.text(7)),
            summary: row.data(8),
            savedDate: row.optionalDouble(9).map { Date(timeIntervalSince1970: $0) }
        )
    }

    static func credentialsJSON(_ credentials: [SCRAMCredentials], cramMD5: CRAMMD5Credentials? = nil) throws -> String {
        try StoredCredentials(scram: credentials, cramMD5: cramMD5).encode()
    }

    static func alias(_ row: Row) throws -> Alias {
        let targets = try JSONDecoder().decode([String].self, from: Data((row["targets"] as String).utf8))
        return Alias(source: try AliasSource(row["source"] as String), targets: try targets.map { try EmailAddress($0) })
    }
}

/// The `accounts.credentials` JSON column. Accounts without CRAM-MD5 keep the original form, an
/// array of SCRAM records; with the opt-in it becomes `{"scram": [...], "cram_md5": "{CRAM-MD5}..."}`.
/// Both forms are read, so no schema migration is needed in either direction.
struct StoredCredentials: Codable, Equatable {
    var scram: [SCRAMCredentials]
    var cramMD5: CRAMMD5Credentials?

    enum CodingKeys: String, CodingKey {
        case scram
        case cramMD5 = "cram_md5"
    }

    init(scram: [SCRAMCredentials], cramMD5: CRAMMD5Credentials?) {
        self.scram = scram
        self.cramMD5 = cramMD5
    }

    static func decode(_ text: String) throws -> StoredCredentials {
        let data = Data(text.utf8)
        if let array = try? JSONDecoder().decode([SCRAMCredentials].self, from: data) {
            return StoredCredentials(scram: array, cramMD5: nil)
        }
        return try JSONDecoder().decode(StoredCredentials.self, from: data)
    }

    func encode() throws -> String {
        let data = cramMD5 == nil ? try JSONEncoder().encode(scram) : try JSONEncoder().encode(self)
        return String(decoding: data, as: UTF8.self)
    }
}
