import GRDB

/// The embedded store's schema. Migrations only ever append: a released migration is never edited.
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
        return migrator
    }
}
