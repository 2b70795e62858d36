import Foundation
import MailCore
import MailStore
import NIOCore
import PostgresNIO
import SASL

/// Row to model conversions: each query selects the columns named here, in this order.
enum PGRows {
    static let accountColumns = "id, display_address, credentials, quota_bytes, quota_messages, used_bytes, used_messages, created_at, sender_policy, is_admin, smime_at_rest, openpgp_at_rest"

    static func account(_ row: PostgresRow) throws -> Account {
        let (id, display, credentialsJSON, quotaBytes, quotaMessages, usedBytes, usedMessages, created, policy, admin, atRest, pgpAtRest) =
            try row.decode((Int64, String, String, Int64?, Int64?, Int64, Int64, Double, String, Bool, Bool, Bool).self)
        let credentials = try PGCredentials.decode(credentialsJSON)
        return Account(
            id: AccountID(id), address: try EmailAddress(display), credentials: credentials.scram,
            quota: Quota(maxBytes: quotaBytes, maxMessages: quotaMessages), usage: QuotaUsage(bytes: usedBytes, messages: usedMessages),
            createdAt: Date(timeIntervalSince1970: created), senderPolicy: SenderAddressPolicy(rawValue: policy) ?? .own,
            cramMD5: credentials.cramMD5, isAdmin: admin, smimeAtRest: atRest, openpgpAtRest: pgpAtRest)
    }

    /// `accountColumns` without the credentials: what `recipientAccount(_:)` reads (RCPT).
    static let recipientAccountColumns =
        "id, display_address, quota_bytes, quota_messages, used_bytes, used_messages, created_at, sender_policy, is_admin, smime_at_rest, openpgp_at_rest"

    static func recipientAccount(_ row: PostgresRow) throws -> Account {
        let (id, display, quotaBytes, quotaMessages, usedBytes, usedMessages, created, policy, admin, atRest, pgpAtRest) =
            try row.decode((Int64, String, Int64?, Int64?, Int64, Int64, Double, String, Bool, Bool, Bool).self)
        return Account(
            id: AccountID(id), address: try EmailAddress(display), credentials: [],
            quota: Quota(maxBytes: quotaBytes, maxMessages: quotaMessages), usage: QuotaUsage(bytes: usedBytes, messages: usedMessages),
            createdAt: Date(timeIntervalSince1970: created), senderPolicy: SenderAddressPolicy(rawValue: policy) ?? .own,
            isAdmin: admin, smimeAtRest: atRest, openpgpAtRest: pgpAtRest)
    }

    static let mailboxColumns = "id, account_id, name, special_use, uid_validity, uid_next, highest_modseq"

    static func mailbox(_ row: PostgresRow) throws -> Mailbox {
        let (id, account, name, use, validity, next, modSeq) = try row.decode((Int64, Int64, String, String?, Int64, Int64, Int64).self)
        return Mailbox(
            id: MailboxID(id), accountID: AccountID(account), name: name, specialUse: use.flatMap(SpecialUse.init(rawValue:)),
            uidValidity: UInt32(truncatingIfNeeded: validity), uidNext: UInt32(truncatingIfNeeded: next), highestModSeq: UInt64(modSeq))
    }

    static let messageColumns = "mailbox_id, uid, modseq, flags, keywords, internal_date, size, body_key, summary, saved_date"

    static func message(_ row: PostgresRow) throws -> StoredMessage {
        let (mailbox, uid, modSeq, flags, keywords, internalDate, size, body, summary, saved) =
            try row.decode((Int64, Int64, Int64, Int, String, Double, Int64, String, ByteBuffer?, Double?).self)
        return StoredMessage(
            mailboxID: MailboxID(mailbox), uid: UInt32(truncatingIfNeeded: uid), modSeq: UInt64(modSeq),
            flags: MessageFlags(system: SystemFlags(rawValue: flags), keywords: keywords.split(separator: " ").map(String.init)),
            internalDate: Date(timeIntervalSince1970: internalDate), size: size, body: BodyReference(path: body),
            summary: SQL.data(summary), savedDate: saved.map { Date(timeIntervalSince1970: $0) })
    }

    static func alias(_ row: PostgresRow) throws -> Alias {
        let (source, targets) = try row.decode((String, String).self)
        return Alias(source: try AliasSource(source), targets: try SQL.decode([String].self, targets).map { try EmailAddress($0) })
    }
}

/// The `accounts.credentials` JSON, in the same two forms as MailStoreSQLite's: an array of SCRAM
/// records, or `{"scram": [...], "cram_md5": "..."}` when CRAM-MD5 is opted into.
struct PGCredentials: Codable, Equatable {
    var scram: [SCRAMCredentials]
    var cramMD5: CRAMMD5Credentials?

    enum CodingKeys: String, CodingKey {
        case scram
        case cramMD5 = "cram_md5"
    }

    static func decode(_ text: String) throws -> PGCredentials {
        let data = Data(text.utf8)
        if let array = try? JSONDecoder().decode([SCRAMCredentials].self, from: data) {
            return PGCredentials(scram: array, cramMD5: nil)
        }
        return try JSONDecoder().decode(PGCredentials.self, from: data)
    }

    func encode() throws -> String {
        let data = cramMD5 == nil ? try JSONEncoder().encode(scram) : try JSONEncoder().encode(self)
        return String(decoding: data, as: UTF8.self)
    }
}
