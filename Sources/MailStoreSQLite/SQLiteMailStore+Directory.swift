import Foundation
import GRDB
import MailCore
import MailStore
import SASL

extension SQLiteMailStore {
    public func addDomain(_ domain: Domain) async throws {
        try await pool.write { db in
            guard try !Self.domainExists(domain, db) else { throw MailStoreError.domainExists(domain.name) }
            try db.execute(
                sql: "INSERT INTO domains (name, created_at) VALUES (?, ?)",
                arguments: [domain.name, Date().timeIntervalSince1970])
        }
    }

    public func removeDomain(_ domain: Domain) async throws {
        try await pool.write { db in
            guard try Self.domainExists(domain, db) else { throw MailStoreError.domainNotFound(domain.name) }
            let accounts = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM accounts WHERE domain = ?", arguments: [domain.name]) ?? 0
            let aliases = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM aliases WHERE domain = ?", arguments: [domain.name]) ?? 0
            guard accounts == 0 && aliases == 0 else {
                throw MailStoreError.domainInUse(domain.name, accounts: accounts, aliases: aliases)
            }
            try db.execute(sql: "DELETE FROM domains WHERE name = ?", arguments: [domain.name])
        }
    }

    public func domains() async throws -> [Domain] {
        // Read for every inbound message (RCPT's postmaster, the risk stage): a cached statement.
        try await reads.unsafeReadInOneHop { db in  // one statement (see SQLiteMailStore.messageStates(in:))
            try String.fetchAll(db.cachedStatement(sql: "SELECT name FROM domains ORDER BY name")).map { try Domain($0) }
        }
    }

    public func isLocalDomain(_ domain: Domain) async throws -> Bool {
        try await reads.unsafeReadInOneHop { db in try Self.domainExists(domain, db) }  // one statement (see SQLiteMailStore.messageStates(in:))
    }

    static func domainExists(_ domain: Domain, _ db: Database) throws -> Bool {
        try db.cachedValue(Bool.self, "SELECT EXISTS (SELECT 1 FROM domains WHERE name = ?)", [domain.name]) ?? false
    }

    @discardableResult
    public func addAccount(_ address: EmailAddress, credentials: [SCRAMCredentials], quota: Quota) async throws -> Account {
        let json = try Rows.credentialsJSON(credentials)
        return try await pool.write { db in
            guard try Self.domainExists(address.domain, db) else { throw MailStoreError.domainNotFound(address.domain.name) }
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE address = ?", arguments: [address.canonical]) == nil else {
                throw MailStoreError.accountExists(address.description)
            }
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM aliases WHERE source = ?", arguments: [address.canonical]) == nil else {
                throw MailStoreError.aliasExists(address.description)
            }
            try db.execute(
                sql: """
                    INSERT INTO accounts (address, display_address, domain, credentials, quota_bytes, quota_messages, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [address.canonical, address.description, address.domain.name, json,
                            quota.maxBytes, quota.maxMessages, Date().timeIntervalSince1970])
            let id = AccountID(db.lastInsertedRowID)
            _ = try Self.insertMailbox(account: id, name: Mailbox.inbox, specialUse: nil, db)
            try Self.subscribe(account: id, name: Mailbox.inbox, db)
            for (name, use) in SpecialUse.defaultMailboxes {
                _ = try Self.insertMailbox(account: id, name: name, specialUse: use, db)
                try Self.subscribe(account: id, name: name, db)
            }
            return try Rows.account(try Row.fetchOne(db, sql: "SELECT * FROM accounts WHERE id = ?", arguments: [id.rawValue])!)
        }
    }

    public func removeAccount(_ address: EmailAddress) async throws {
        let (mailboxIDs, paths) = try await pool.write { db -> ([Int64], Set<String>) in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM accounts WHERE address = ?", arguments: [address.canonical]) else {
                throw MailStoreError.accountNotFound(address.description)
            }
            let mailboxes = try Int64.fetchAll(db, sql: "SELECT id FROM mailboxes WHERE account_id = ?", arguments: [id])
            let paths = try String.fetchAll(db, sql: """
                SELECT DISTINCT body_path FROM messages WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = ?)
                """, arguments: [id])
            try db.execute(sql: "DELETE FROM accounts WHERE id = ?", arguments: [id])
            return (mailboxes, Set(paths))
        }
        for id in mailboxIDs { feed.finish(MailboxID(id)) }
        await removeUnreferenced(paths)
    }

    public func setCredentials(_ address: EmailAddress, credentials: [SCRAMCredentials], cramMD5: CRAMMD5Credentials?) async throws {
        let json = try Rows.credentialsJSON(credentials, cramMD5: cramMD5)
        try await pool.write { db in
            try db.execute(sql: "UPDATE accounts SET credentials = ? WHERE address = ?", arguments: [json, address.canonical])
            guard db.changesCount == 1 else { throw MailStoreError.accountNotFound(address.description) }
        }
    }

    public func setQuota(_ address: EmailAddress, quota: Quota) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE accounts SET quota_bytes = ?, quota_messages = ? WHERE address = ?",
                arguments: [quota.maxBytes, quota.maxMessages, address.canonical])
            guard db.changesCount == 1 else { throw MailStoreError.accountNotFound(address.description) }
        }
    }

    public func setSenderPolicy(_ address: EmailAddress, policy: SenderAddressPolicy) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE accounts SET sender_policy = ? WHERE address = ?", arguments: [policy.rawValue, address.canonical])
            guard db.changesCount == 1 else { throw MailStoreError.accountNotFound(address.description) }
        }
    }

    public func setAdmin(_ address: EmailAddress, admin: Bool) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE accounts SET is_admin = ? WHERE address = ?", arguments: [admin, address.canonical])
            guard db.changesCount == 1 else { throw MailStoreError.accountNotFound(address.description) }
        }
    }

    public func setSMIMEAtRest(_ address: EmailAddress, on: Bool) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE accounts SET smime_at_rest = ? WHERE address = ?", arguments: [on, address.canonical])
            guard db.changesCount == 1 else { throw MailStoreError.accountNotFound(address.description) }
        }
    }

    public func setOpenPGPAtRest(_ address: EmailAddress, on: Bool) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE accounts SET openpgp_at_rest = ? WHERE address = ?", arguments: [on, address.canonical])
            guard db.changesCount == 1 else { throw MailStoreError.accountNotFound(address.description) }
        }
    }

    public func account(_ address: EmailAddress) async throws -> Account? {
        try await reads.unsafeReadInOneHop { db in  // one statement (see SQLiteMailStore.messageStates(in:))
            try db.cachedRow("SELECT * FROM accounts WHERE address = ?", [address.canonical]).map(Rows.account)
        }
    }

    public func recipientAccount(_ address: EmailAddress) async throws -> Account? {
        try await reads.unsafeReadInOneHop { db in  // one statement (see SQLiteMailStore.messageStates(in:))
            try db.cachedRow("SELECT \(Rows.recipientAccountColumns) FROM accounts WHERE address = ?", [address.canonical])
                .map(Rows.recipientAccount)
        }
    }

    public func account(id: AccountID) async throws -> Account? {
        try await reads.readInOneHop { db in
            try db.cachedRow("SELECT * FROM accounts WHERE id = ?", [id.rawValue]).map(Rows.account)
        }
    }

    public func accountQuota(id: AccountID) async throws -> AccountQuota? {
        // One statement: its own snapshot (unsafeRead, see messageStates), read raw (cachedFirst).
        try await reads.unsafeReadInOneHop { db in
            try db.cachedFirst("SELECT quota_bytes, quota_messages, used_bytes, used_messages FROM accounts WHERE id = ?", [id.rawValue]) { row in
                AccountQuota(quota: Quota(maxBytes: row.isNull(0) ? nil : row.int64(0), maxMessages: row.isNull(1) ? nil : row.int64(1)),
                             usage: QuotaUsage(bytes: row.int64(2), messages: row.int64(3)))
            }
        }
    }

    public func accounts() async throws -> [Account] {
        try await reads.readInOneHop { db in
            try Row.fetchAll(db, sql: "SELECT * FROM accounts ORDER BY domain, address").map(Rows.account)
        }
    }

    public func addAlias(_ alias: Alias) async throws {
        let targets = String(decoding: try JSONEncoder().encode(alias.targets.map(\.description)), as: UTF8.self)
        try await pool.write { db in
            guard try Self.domainExists(alias.source.domain, db) else {
                throw MailStoreError.domainNotFound(alias.source.domain.name)
            }
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM aliases WHERE source = ?", arguments: [alias.source.key]) == nil else {
                throw MailStoreError.aliasExists(alias.source.description)
            }
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE address = ?", arguments: [alias.source.key]) == nil else {
                throw MailStoreError.aliasShadowsAccount(alias.source.description)
            }
            try db.execute(
                sql: "INSERT INTO aliases (source, domain, targets) VALUES (?, ?, ?)",
                arguments: [alias.source.key, alias.source.domain.name, targets])
        }
    }

    public func removeAlias(_ source: AliasSource) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM aliases WHERE source = ?", arguments: [source.key])
            guard db.changesCount == 1 else { throw MailStoreError.aliasNotFound(source.description) }
        }
    }

    public func alias(_ source: AliasSource) async throws -> Alias? {
        try await reads.unsafeReadInOneHop { db in  // one statement (see SQLiteMailStore.messageStates(in:))
            try db.cachedRow("SELECT * FROM aliases WHERE source = ?", [source.key]).map(Rows.alias)
        }
    }

    public func aliases() async throws -> [Alias] {
        try await reads.readInOneHop { db in
            try Row.fetchAll(db, sql: "SELECT * FROM aliases ORDER BY domain, source").map(Rows.alias)
        }
    }

    static func subscribe(account: AccountID, name: String, _ db: Database) throws {
        try db.execute(
            sql: "INSERT OR IGNORE INTO subscriptions (account_id, name) VALUES (?, ?)",
            arguments: [account.rawValue, name])
    }

    static func insertMailbox(account: AccountID, name: String, specialUse: SpecialUse?, _ db: Database) throws -> MailboxID {
        try db.execute(
            sql: "INSERT INTO mailboxes (account_id, name, special_use, uid_validity) VALUES (?, ?, ?, ?)",
            arguments: [account.rawValue, name, specialUse?.rawValue, Int64(try nextUIDValidity(db))])
        return MailboxID(db.lastInsertedRowID)
    }
}
