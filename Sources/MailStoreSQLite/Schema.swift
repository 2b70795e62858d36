import GRDB

/// The embedded store's schema. Migrations only ever append: a released migration is never edited,
/// and each earlier format has a fixture made by its own build that the current build must open
/// (Tests/EndToEndTests/StoreUpgradeTests.swift, scripts/make-store-fixture.sh, docs/storage.md).
enum Schema {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: directory, mailboxes, messages") { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);
                CREATE TABLE domains (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    created_at REAL NOT NULL
                );
                CREATE TABLE accounts (
                    id INTEGER PRIMARY KEY,
                    address TEXT NOT NULL UNIQUE,          -- canonical: local part lower-cased
                    display_address TEXT NOT NULL,
                    domain TEXT NOT NULL REFERENCES domains(name),
                    credentials TEXT NOT NULL,             -- JSON SCRAM keys; never a password
                    quota_bytes INTEGER,
                    quota_messages INTEGER,
                    used_bytes INTEGER NOT NULL DEFAULT 0,
                    used_messages INTEGER NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL
                );
                CREATE TABLE aliases (
                    id INTEGER PRIMARY KEY,
                    source TEXT NOT NULL UNIQUE,           -- canonical address or "@domain"
                    domain TEXT NOT NULL REFERENCES domains(name),
                    targets TEXT NOT NULL                  -- JSON array of addresses
                );
                CREATE TABLE mailboxes (
                    id INTEGER PRIMARY KEY,
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    special_use TEXT,
                    uid_validity INTEGER NOT NULL,
                    uid_next INTEGER NOT NULL DEFAULT 1,
                    highest_modseq INTEGER NOT NULL DEFAULT 1,
                    UNIQUE (account_id, name)
                );
                CREATE TABLE subscriptions (
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    PRIMARY KEY (account_id, name)
                );
                CREATE TABLE messages (
                    id INTEGER PRIMARY KEY,
                    mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                    uid INTEGER NOT NULL,
                    modseq INTEGER NOT NULL,
                    flags INTEGER NOT NULL DEFAULT 0,
                    keywords TEXT NOT NULL DEFAULT '',
                    internal_date REAL NOT NULL,
                    size INTEGER NOT NULL,
                    body_path TEXT NOT NULL,
                    summary BLOB,
                    UNIQUE (mailbox_id, uid)
                );
                CREATE INDEX messages_body ON messages(body_path);
                -- RFC 7162 §3.2.5.2: expunged UIDs with their mod-sequence, for QRESYNC VANISHED.
                CREATE TABLE expunged (
                    mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                    uid INTEGER NOT NULL,
                    modseq INTEGER NOT NULL,
                    PRIMARY KEY (mailbox_id, uid)
                );
                """)
        }
        migrator.registerMigration("v2: outbound queue") { db in
            try db.execute(sql: """
                CREATE TABLE queue_messages (
                    id INTEGER PRIMARY KEY,
                    mail_from TEXT,                        -- NULL: the null reverse-path <>
                    body_path TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    envid TEXT,
                    ret TEXT,
                    smtputf8 INTEGER NOT NULL DEFAULT 0,
                    body_type TEXT,
                    created_at REAL NOT NULL
                );
                CREATE INDEX queue_messages_body ON queue_messages(body_path);
                CREATE TABLE queue_recipients (
                    message_id INTEGER NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    address TEXT NOT NULL,
                    orcpt TEXT,
                    notify TEXT,
                    state TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt REAL NOT NULL,
                    last_reply TEXT,
                    PRIMARY KEY (message_id, position)
                );
                CREATE INDEX queue_recipients_due ON queue_recipients(state, next_attempt);
                """)
        }
        migrator.registerMigration("v3: account sender policy") { db in
            try db.execute(sql: "ALTER TABLE accounts ADD COLUMN sender_policy TEXT NOT NULL DEFAULT 'own'")
        }
        migrator.registerMigration("v3-dkim-keys") { db in
            try db.execute(sql: """
                CREATE TABLE dkim_keys (
                    domain TEXT NOT NULL,
                    selector TEXT NOT NULL,
                    algorithm TEXT NOT NULL,              -- rsa | ed25519
                    private_key TEXT NOT NULL,            -- PEM; a secret
                    created_at REAL NOT NULL,
                    active INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (domain, selector)
                );
                """)
        }
        migrator.registerMigration("v4-dmarc-evaluations") { db in
            // RFC 9990 aggregate report rows; the nested parts (recipient domains, DKIM results,
            // published policy, rua) are JSON.
            try db.execute(sql: """
                CREATE TABLE dmarc_evaluations (
                    id INTEGER PRIMARY KEY,
                    evaluated_at REAL NOT NULL,
                    source_ip TEXT NOT NULL,
                    header_from TEXT NOT NULL,
                    envelope_from TEXT,
                    envelope_to TEXT NOT NULL,
                    result TEXT NOT NULL,
                    disposition TEXT NOT NULL,
                    policy_override TEXT,
                    override_comment TEXT,
                    policy TEXT,
                    evaluated_policy TEXT NOT NULL,
                    dkim_aligned INTEGER NOT NULL,
                    spf_aligned INTEGER NOT NULL,
                    dkim TEXT NOT NULL,
                    spf_domain TEXT,
                    spf_result TEXT NOT NULL,
                    report_uris TEXT NOT NULL
                );
                CREATE INDEX dmarc_evaluations_time ON dmarc_evaluations(evaluated_at);
                CREATE INDEX dmarc_evaluations_from ON dmarc_evaluations(header_from, evaluated_at);
                """)
        }
        migrator.registerMigration("v5-store-format") { db in
            // The body files' layout, checked at every open (StoreFormat): a build that reads
            // another layout refuses the store instead of reading or writing files it misplaces.
            try db.execute(sql: """
                CREATE TABLE store_format (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                INSERT INTO store_format (key, value) VALUES ('body_layout', '1');
                """)
        }
        migrator.registerMigration("v6-risk") { db in
            // Issue 18: whom each account has exchanged mail with (first contact, lookalikes,
            // display names), and messages the risk assessment quarantined (bodies are files,
            // like the queue's, so `hato store check` and the orphan sweep see them).
            try db.execute(sql: """
                CREATE TABLE correspondents (
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    address TEXT NOT NULL,                 -- canonical: local part lower-cased
                    display_name TEXT,
                    sent INTEGER NOT NULL DEFAULT 0,
                    received INTEGER NOT NULL DEFAULT 0,
                    own INTEGER NOT NULL DEFAULT 0,        -- the account's own address and name
                    first_seen REAL NOT NULL,
                    last_seen REAL NOT NULL,
                    PRIMARY KEY (account_id, address)
                );
                CREATE INDEX correspondents_own ON correspondents(own) WHERE own = 1;
                CREATE TABLE quarantine (
                    id INTEGER PRIMARY KEY,
                    mail_from TEXT,                        -- NULL: the null reverse-path <>
                    recipients TEXT NOT NULL,              -- JSON array of addresses
                    body_path TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    verdict TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    subject TEXT,
                    header_from TEXT,
                    received_at REAL NOT NULL
                );
                CREATE INDEX quarantine_body ON quarantine(body_path);
                """)
        }
        migrator.registerMigration("v7-imap-recent") { db in
            // RFC 3501 §2.3.2 \Recent: messages from this UID on have been seen by no session that
            // selected the mailbox (MessageStore.claimRecent). A new mailbox starts at 1 (all its
            // mail is recent); existing ones at UIDNEXT, as no earlier build reported \Recent.
            try db.execute(sql: """
                ALTER TABLE mailboxes ADD COLUMN first_recent_uid INTEGER NOT NULL DEFAULT 1;
                UPDATE mailboxes SET first_recent_uid = uid_next;
                """)
        }
        migrator.registerMigration("v8-spam-controls") { db in
            // Greylisting (issue 18, docs/security.md): triplets with their first and latest
            // attempt, and the sender domains whose mail passed authentication (auto-whitelist).
            // Both expire (greylist.record_lifetime): the sweep deletes by last_seen.
            try db.execute(sql: """
                CREATE TABLE greylist (
                    network TEXT NOT NULL,                 -- "192.0.2.0/24", "2001:db8::/64"
                    sender TEXT NOT NULL,                  -- canonical MAIL FROM, "<>" for the null path
                    recipient TEXT NOT NULL,               -- canonical RCPT TO
                    first_seen REAL NOT NULL,
                    last_seen REAL NOT NULL,
                    passed INTEGER NOT NULL DEFAULT 0,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (network, sender, recipient)
                );
                CREATE INDEX greylist_last_seen ON greylist(last_seen);
                CREATE TABLE greylist_senders (
                    domain TEXT PRIMARY KEY NOT NULL,
                    passes INTEGER NOT NULL,
                    last_seen REAL NOT NULL
                );
                CREATE INDEX greylist_senders_last_seen ON greylist_senders(last_seen);
                """)
        }
        migrator.registerMigration("v10-sieve") { db in
            // Sieve (issue 26, docs/sieve.md): scripts per account, at most one active (the partial
            // unique index), and the vacation replies sent, one row per (account, sender, handle)
            // whose sent_at says when the period (RFC 5230 §4.1) started.
            try db.execute(sql: """
                CREATE TABLE sieve_scripts (
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    source TEXT NOT NULL,
                    active INTEGER NOT NULL DEFAULT 0,
                    updated_at REAL NOT NULL,
                    PRIMARY KEY (account_id, name)
                );
                CREATE UNIQUE INDEX sieve_scripts_active ON sieve_scripts(account_id) WHERE active = 1;
                CREATE TABLE sieve_vacation_replies (
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    sender TEXT NOT NULL,                  -- canonical envelope sender
                    handle TEXT NOT NULL,                  -- RFC 5230 §4.2 :handle or the derived one
                    sent_at REAL NOT NULL,
                    PRIMARY KEY (account_id, sender, handle)
                );
                CREATE INDEX sieve_vacation_sent_at ON sieve_vacation_replies(sent_at);
                """)
        }
        migrator.registerMigration("v12-openpgp") { db in
            // OpenPGP certificates (issue 21, docs/openpgp.md): an account's own (account_id set,
            // removed with the account) and the server-wide contact directory (account_id NULL),
            // found by the addresses of their valid User IDs. Public keys only.
            try db.execute(sql: """
                CREATE TABLE openpgp_certificates (
                    id INTEGER PRIMARY KEY,
                    fingerprint TEXT NOT NULL,             -- primary key, upper-case hex
                    account_id INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
                    data BLOB NOT NULL,                    -- binary transferable public key (RFC 9580 §10.1)
                    imported_at REAL NOT NULL
                );
                CREATE UNIQUE INDEX openpgp_certificates_account ON openpgp_certificates(fingerprint, account_id)
                    WHERE account_id IS NOT NULL;
                CREATE UNIQUE INDEX openpgp_certificates_contact ON openpgp_certificates(fingerprint) WHERE account_id IS NULL;
                CREATE TABLE openpgp_addresses (
                    certificate_id INTEGER NOT NULL REFERENCES openpgp_certificates(id) ON DELETE CASCADE,
                    address TEXT NOT NULL,                 -- lower-cased
                    PRIMARY KEY (certificate_id, address)
                );
                CREATE INDEX openpgp_addresses_address ON openpgp_addresses(address);
                """)
        }
        migrator.registerMigration("v11-dmarc-reports") { db in
            // Issue 22 (docs/dmarc-reports.md): the aggregate reports Hato sent, one row per
            // period and policy domain, written when the report is queued, so a restart sends
            // each period once and resumes after the last one; and the reports others sent to
            // the operator, unique per reporter and report id (a resent report is one row). A
            // report that did not parse is kept with its problem and the attachment.
            try db.execute(sql: """
                CREATE TABLE dmarc_reports_sent (
                    period_begin REAL NOT NULL,
                    period_end REAL NOT NULL,
                    policy_domain TEXT NOT NULL,
                    report_id TEXT NOT NULL,
                    outcome TEXT NOT NULL,                 -- queued, refused, too-large, no-destination
                    destinations TEXT NOT NULL,            -- JSON array of addresses
                    detail TEXT,
                    recorded_at REAL NOT NULL,
                    PRIMARY KEY (period_begin, policy_domain)
                );
                CREATE INDEX dmarc_reports_sent_end ON dmarc_reports_sent(period_end);
                CREATE TABLE dmarc_reports_received (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    received_at REAL NOT NULL,
                    reporter TEXT NOT NULL,                -- org_name, or the sender for an unreadable one
                    report_id TEXT NOT NULL,
                    policy_domain TEXT NOT NULL,
                    period_begin REAL NOT NULL,
                    period_end REAL NOT NULL,
                    message_count INTEGER NOT NULL,
                    record_count INTEGER NOT NULL,
                    report TEXT,                           -- the parsed report as JSON
                    problem TEXT,                          -- why it did not parse
                    attachment BLOB,                       -- kept when it did not parse
                    UNIQUE (reporter, report_id)
                );
                CREATE INDEX dmarc_reports_received_domain ON dmarc_reports_received(policy_domain, period_begin);
                """)
        }
        migrator.registerMigration("v9-sort-thread") { db in
            // RFC 8514 SAVEDATE: when the message was saved in its mailbox (delivery, APPEND,
            // COPY, MOVE), seconds since 1970. NULL for messages saved before this migration:
            // their save date is unknown (FETCH SAVEDATE gives NIL, §3).
            try db.execute(sql: "ALTER TABLE messages ADD COLUMN saved_date REAL")
        }
        registerRequireTLSAndTLSReports(&migrator)
        migrator.registerMigration("v16-admin") { db in
            // May log in to the DMARC dashboard (docs/dashboard.md); nobody may until granted.
            try db.execute(sql: "ALTER TABLE accounts ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v13-smime", migrate: SMIMESchema.migrate)
        migrator.registerMigration("v20-smime-at-rest") { db in
            // Deliveries stored encrypted to the account's certificate (docs/smime.md); off until turned on.
            try db.execute(sql: "ALTER TABLE accounts ADD COLUMN smime_at_rest INTEGER NOT NULL DEFAULT 0")
        }
        registerMTASTSCache(&migrator)
        registerIMAPMetadata(&migrator)
        migrator.registerMigration("v18-sieve-duplicate") { db in
            // RFC 7352 duplicate tracking per account: the digest of handle + unique id, and when
            // it stops counting; expired rows are pruned as new ones are recorded.
            try db.execute(sql: """
                CREATE TABLE sieve_duplicates (
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    expires_at REAL NOT NULL,
                    PRIMARY KEY (account_id, key)
                );
                CREATE INDEX sieve_duplicates_expiry ON sieve_duplicates(account_id, expires_at);
                """)
        }
        migrator.registerMigration("v25-autocrypt-peers") { db in
            // Autocrypt Level 1 §2.3 peer state per account and correspondent (docs/openpgp.md#autocrypt):
            // created from a valid Autocrypt field of DMARC-authenticated mail, bounded per account.
            try db.execute(sql: """
                CREATE TABLE autocrypt_peers (
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    address TEXT NOT NULL,
                    last_seen REAL NOT NULL,
                    autocrypt_timestamp REAL NOT NULL,
                    fingerprint TEXT NOT NULL,
                    key_data BLOB NOT NULL,
                    prefer_encrypt INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (account_id, address)
                );
                CREATE INDEX autocrypt_peers_seen ON autocrypt_peers(account_id, last_seen);
                """)
        }
        registerOpenPGPOutbound(&migrator)
        registerURLAuthKeys(&migrator)
        migrator.registerMigration("v27-message-state-index") { db in
            // IMAP SELECT reads uid, modseq, flags and keywords of every message of the mailbox
            // (`messageStates(in:)`); from this index it reads them without touching the table's
            // rows, whose inline summaries made it read about a page per message (issue 24,
            // docs/PERFORMANCE.md). PostgreSQL keeps large summaries out of line (TOAST), so its
            // schema has no matching step. EXPUNGE looks for the \Deleted messages (flag bit 8)
            // through the partial index instead of reading every row.
            try db.execute(sql: """
                CREATE INDEX messages_state ON messages(mailbox_id, uid, modseq, flags, keywords);
                CREATE INDEX messages_deleted ON messages(mailbox_id, uid) WHERE (flags & 8) <> 0;
                """)
        }
        InlineBodies.register(&migrator)
        return migrator
    }
}
