import MailStore
import NIOCore
import PostgresNIO

/// RFC 4467 mailbox access keys (schema step 13).
extension PostgresMailStore {
    public func urlAuthKey(of account: AccountID, mailbox: MailboxID) async throws -> [UInt8]? {
        try await read { db in
            try await db.value("""
                SELECT key FROM imap_urlauth_keys WHERE account_id = \(account.rawValue) AND mailbox_id = \(mailbox.rawValue)
                """, as: ByteBuffer.self).map { Array($0.readableBytesView) }
        }
    }

    public func urlAuthKey(of account: AccountID, mailbox: MailboxID, creatingWith candidate: [UInt8]) async throws -> [UInt8] {
        try await transaction { db in
            try await Self.requireMailbox(mailbox, of: account, db)
            try await db.run("""
                INSERT INTO imap_urlauth_keys (account_id, mailbox_id, key)
                VALUES (\(account.rawValue), \(mailbox.rawValue), \(ByteBuffer(bytes: candidate))) ON CONFLICT DO NOTHING
                """)
            let key = try await db.value("""
                SELECT key FROM imap_urlauth_keys WHERE account_id = \(account.rawValue) AND mailbox_id = \(mailbox.rawValue)
                """, as: ByteBuffer.self)
            return key.map { Array($0.readableBytesView) } ?? candidate
        }
    }

    public func resetURLAuthKey(of account: AccountID, mailbox: MailboxID?, to key: [UInt8]?) async throws {
        try await transaction { db in
            guard let mailbox, let key else {
                try await db.run("DELETE FROM imap_urlauth_keys WHERE account_id = \(account.rawValue)")
                return
            }
            try await Self.requireMailbox(mailbox, of: account, db)
            try await db.run("""
                INSERT INTO imap_urlauth_keys (account_id, mailbox_id, key)
                VALUES (\(account.rawValue), \(mailbox.rawValue), \(ByteBuffer(bytes: key)))
                ON CONFLICT (account_id, mailbox_id) DO UPDATE SET key = EXCLUDED.key
                """)
        }
    }

    private static func requireMailbox(_ mailbox: MailboxID, of account: AccountID, _ db: PostgresConnection) async throws {
        guard try await db.value("""
            SELECT 1 FROM mailboxes WHERE id = \(mailbox.rawValue) AND account_id = \(account.rawValue)
            """, as: Int32.self) != nil
        else { throw MailStoreError.mailboxNotFound("id \(mailbox)") }
    }
}
