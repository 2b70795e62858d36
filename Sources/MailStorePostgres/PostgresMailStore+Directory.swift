import Foundation
import MailCore
import MailStore
import PostgresNIO
import SASL

extension PostgresMailStore {
    public func addDomain(_ domain: Domain) async throws {
        try await transaction { db in
            guard try await !Self.domainExists(domain, db) else { throw MailStoreError.domainExists(domain.name) }
            try await db.run("INSERT INTO domains (name, created_at) VALUES (\(domain.name), \(Date().timeIntervalSince1970))")
        }
    }

    public func removeDomain(_ domain: Domain) async throws {
        try await transaction { db in
            guard try await Self.domainExists(domain, db) else { throw MailStoreError.domainNotFound(domain.name) }
            let accounts = try await db.value("SELECT count(*) FROM accounts WHERE domain = \(domain.name)", as: Int.self) ?? 0
            let aliases = try await db.value("SELECT count(*) FROM aliases WHERE domain = \(domain.name)", as: Int.self) ?? 0
            guard accounts == 0 && aliases == 0 else { throw MailStoreError.domainInUse(domain.name, accounts: accounts, aliases: aliases) }
            try await db.run("DELETE FROM domains WHERE name = \(domain.name)")
        }
    }

    public func domains() async throws -> [Domain] {
        try await read { db in
            try await db.all("SELECT name FROM domains ORDER BY name COLLATE \"C\"").map { try Domain(try $0.decode(String.self)) }
        }
    }

    public func isLocalDomain(_ domain: Domain) async throws -> Bool {
        try await read { db in try await Self.domainExists(domain, db) }
    }

    static func domainExists(_ domain: Domain, _ db: PostgresConnection) async throws -> Bool {
        try await db.exists("SELECT 1 FROM domains WHERE name = \(domain.name)")
    }

    @discardableResult
    public func addAccount(_ address: EmailAddress, credentials: [SCRAMCredentials], quota: Quota) async throws -> Account {
        let json = try PGCredentials(scram: credentials, cramMD5: nil).encode()
        return try await transaction { db in
            guard try await Self.domainExists(address.domain, db) else { throw MailStoreError.domainNotFound(address.domain.name) }
            guard try await !db.exists("SELECT 1 FROM accounts WHERE address = \(address.canonical)") else {
                throw MailStoreError.accountExists(address.description)
            }
            guard try await !db.exists("SELECT 1 FROM aliases WHERE source = \(address.canonical)") else {
                throw MailStoreError.aliasExists(address.description)
            }
            let rows = try await db.all("""
                INSERT INTO accounts (address, display_address, domain, credentials, quota_bytes, quota_messages, created_at)
                VALUES (\(address.canonical), \(address.description), \(address.domain.name), \(json), \(quota.maxBytes),
                        \(quota.maxMessages), \(Date().timeIntervalSince1970))
                RETURNING \(unescaped: PGRows.accountColumns)
                """)
            guard let row = rows.first else { throw MailStoreError.io("account insert returned nothing") }
            let account = try PGRows.account(row)
            _ = try await Self.insertMailbox(account: account.id, name: Mailbox.inbox, specialUse: nil, db)
            try await Self.subscribe(account: account.id, name: Mailbox.inbox, db)
            for (name, use) in SpecialUse.defaultMailboxes {
                _ = try await Self.insertMailbox(account: account.id, name: name, specialUse: use, db)
                try await Self.subscribe(account: account.id, name: name, db)
            }
            return account
        }
    }

    public func removeAccount(_ address: EmailAddress) async throws {
        let (_, keys) = try await transaction { db -> ([Int64], Set<String>) in
            guard let id = try await db.value("SELECT id FROM accounts WHERE address = \(address.canonical) FOR UPDATE", as: Int64.self) else {
                throw MailStoreError.accountNotFound(address.description)
            }
            let mailboxes = try await db.all("SELECT id FROM mailboxes WHERE account_id = \(id)").map { try $0.decode(Int64.self) }
            let keys = try await db.all("""
                SELECT DISTINCT body_key FROM messages WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = \(id))
                """).map { try $0.decode(String.self) }
            try await db.run("DELETE FROM accounts WHERE id = \(id)")
            try await Self.announceRemoved(mailboxes.map { MailboxID($0) }, db)
            return (mailboxes, Set(keys))
        }
        await removeUnreferenced(keys)
    }

    public func setCredentials(_ address: EmailAddress, credentials: [SCRAMCredentials], cramMD5: CRAMMD5Credentials?) async throws {
        let json = try PGCredentials(scram: credentials, cramMD5: cramMD5).encode()
        try await transaction { db in
            let changed = try await db.run("UPDATE accounts SET credentials = \(json) WHERE address = \(address.canonical) RETURNING 1")
            guard changed == 1 else { throw MailStoreError.accountNotFound(address.description) }
        }
    }

    public func setQuota(_ address: EmailAddress, quota: Quota) async throws {
        try await transaction { db in
            let changed = try await db.run("""
                UPDATE accounts SET quota_bytes = \(quota.maxBytes), quota_messages = \(quota.maxMessages)
                WHERE address = \(address.canonical) RETURNING 1
                """)
            guard changed == 1 else { throw MailStoreError.accountNotFound(address.description) }
        }
    }

    public func setSenderPolicy(_ address: EmailAddress, policy: SenderAddressPolicy) async throws {
        try await transaction { db in
            let changed = try await db.run(
                "UPDATE accounts SET sender_policy = \(policy.rawValue) WHERE address = \(address.canonical) RETURNING 1")
            guard changed == 1 else { throw MailStoreError.accountNotFound(address.description) }
        }
    }

    public func setAdmin(_ address: EmailAddress, admin: Bool) async throws {
        try await transaction { db in
            let changed = try await db.run("UPDATE accounts SET is_admin = \(admin) WHERE address = \(address.canonical) RETURNING 1")
            guard changed == 1 else { throw MailStoreError.accountNotFound(address.description) }
        }
    }

    public func setSMIMEAtRest(_ address: EmailAddress, on: Bool) async throws {
        try await transaction { db in
            let changed = try await db.run("UPDATE accounts SET smime_at_rest = \(on) WHERE address = \(address.canonical) RETURNING 1")
            guard changed == 1 else { throw MailStoreError.accountNotFound(address.description) }
        }
    }

    public func setOpenPGPAtRest(_ address: EmailAddress, on: Bool) async throws {
        try await transaction { db in
            let changed = try await db.run("UPDATE accounts SET openpgp_at_rest = \(on) WHERE address = \(address.canonical) RETURNING 1")
            guard changed == 1 else { throw MailStoreError.accountNotFound(address.description) }
        }
    }

    public func account(_ address: EmailAddress) async throws -> Account? {
        try await read { db in
            try await db.all("SELECT \(unescaped: PGRows.accountColumns) FROM accounts WHERE address = \(address.canonical)")
                .first.map(PGRows.account)
        }
    }

    public func recipientAccount(_ address: EmailAddress) async throws -> Account? {
        try await read { db in
            try await db.all("SELECT \(unescaped: PGRows.recipientAccountColumns) FROM accounts WHERE address = \(address.canonical)")
                .first.map(PGRows.recipientAccount)
        }
    }

    public func account(id: AccountID) async throws -> Account? {
        try await read { db in
            try await db.all("SELECT \(unescaped: PGRows.accountColumns) FROM accounts WHERE id = \(id.rawValue)").first.map(PGRows.account)
        }
    }

    public func accountQuota(id: AccountID) async throws -> AccountQuota? {
        try await read { db in
            try await db.all("SELECT quota_bytes, quota_messages, used_bytes, used_messages FROM accounts WHERE id = \(id.rawValue)")
                .first.map { row in
                    let (maxBytes, maxMessages, bytes, messages) = try row.decode((Int64?, Int64?, Int64, Int64).self)
                    return AccountQuota(quota: Quota(maxBytes: maxBytes, maxMessages: maxMessages),
                                        usage: QuotaUsage(bytes: bytes, messages: messages))
                }
        }
    }

    public func accounts() async throws -> [Account] {
        try await read { db in
            try await db.all("SELECT \(unescaped: PGRows.accountColumns) FROM accounts ORDER BY domain, address").map(PGRows.account)
        }
    }

    public func addAlias(_ alias: Alias) async throws {
        let targets = try SQL.json(alias.targets.map(\.description))
        try await transaction { db in
            guard try await Self.domainExists(alias.source.domain, db) else { throw MailStoreError.domainNotFound(alias.source.domain.name) }
            guard try await !db.exists("SELECT 1 FROM aliases WHERE source = \(alias.source.key)") else {
                throw MailStoreError.aliasExists(alias.source.description)
            }
            guard try await !db.exists("SELECT 1 FROM accounts WHERE address = \(alias.source.key)") else {
                throw MailStoreError.aliasShadowsAccount(alias.source.description)
            }
            try await db.run(
                "INSERT INTO aliases (source, domain, targets) VALUES (\(alias.source.key), \(alias.source.domain.name), \(targets))")
        }
    }

    public func removeAlias(_ source: AliasSource) async throws {
        try await transaction { db in
            let removed = try await db.run("DELETE FROM aliases WHERE source = \(source.key) RETURNING 1")
            guard removed == 1 else { throw MailStoreError.aliasNotFound(source.description) }
        }
    }

    public func alias(_ source: AliasSource) async throws -> Alias? {
        try await read { db in
            try await db.all("SELECT source, targets FROM aliases WHERE source = \(source.key)").first.map(PGRows.alias)
        }
    }

    public func aliases() async throws -> [Alias] {
        try await read { db in try await db.all("SELECT source, targets FROM aliases ORDER BY domain, source").map(PGRows.alias) }
    }

    static func subscribe(account: AccountID, name: String, _ db: PostgresConnection) async throws {
        try await db.run("INSERT INTO subscriptions (account_id, name) VALUES (\(account.rawValue), \(name)) ON CONFLICT DO NOTHING")
    }

    static func insertMailbox(account: AccountID, name: String, specialUse: SpecialUse?, _ db: PostgresConnection) async throws -> Mailbox {
        let validity = try await nextUIDValidity(db)
        guard let row = try await db.all("""
            INSERT INTO mailboxes (account_id, name, special_use, uid_validity) VALUES (\(account.rawValue), \(name), \(specialUse?.rawValue),
                \(validity)) RETURNING \(unescaped: PGRows.mailboxColumns)
            """).first else { throw MailStoreError.io("mailbox insert returned nothing") }
        return try PGRows.mailbox(row)
    }

    /// UIDVALIDITY values are unique per store and increasing, so a mailbox deleted and created
    /// again under the same name never reuses one (RFC 9051 §2.3.1.1); the one-row update
    /// serialises nodes that create mailboxes at once.
    static func nextUIDValidity(_ db: PostgresConnection) async throws -> Int64 {
        let now = Int64(Date().timeIntervalSince1970) & 0x7FFF_FFFF
        guard let next = try await db.value("""
            UPDATE meta SET value = GREATEST(value + 1, \(now)) WHERE key = 'uid_validity' RETURNING value
            """, as: Int64.self) else { throw MailStoreError.io("meta row uid_validity missing") }
        return next
    }
}
