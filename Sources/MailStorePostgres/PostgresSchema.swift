import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL schema: the same tables as MailStoreSQLite's migrations (Sources/MailStoreSQLite/
/// Schema.swift) in their final form, plus the blob tables that hold bodies (on one node those are
/// files). Created idempotently at open; `hato_schema` records each version applied and by which
/// build, and a database a newer build set up is refused rather than written to.
enum PostgresSchema {
    /// Bump and append a step to `steps` for each change; released steps are never edited.
    static let version = 13

    static let steps: [Int: [String]] = [1: v1, 2: v2, 3: v3, 4: v4, 5: v5, 6: v6, 7: v7, 8: v8, 9: v9, 10: v10, 11: v11, 12: v12, 13: v13]

    /// MailStoreSQLite's `v20-smime-at-rest` (docs/smime.md).
    static let v4: [String] = [
        "ALTER TABLE accounts ADD COLUMN IF NOT EXISTS smime_at_rest BOOLEAN NOT NULL DEFAULT FALSE",
    ]

    /// MailStoreSQLite's `v13-smime` (docs/smime.md): accounts' certificates with their sealed
    /// private keys (account_id set, removed with the account) and correspondents' (account_id
    /// NULL), found by their RFC 8550 §3 addresses.
    static let v3: [String] = [
        """
        CREATE TABLE IF NOT EXISTS smime_certificates (
            id BIGSERIAL PRIMARY KEY, fingerprint TEXT NOT NULL,
            account_id BIGINT REFERENCES accounts(id) ON DELETE CASCADE,
            certificate BYTEA NOT NULL, chain BYTEA NOT NULL, private_key BYTEA,
            not_after DOUBLE PRECISION NOT NULL, imported_at DOUBLE PRECISION NOT NULL)
        """,
        """
        CREATE UNIQUE INDEX IF NOT EXISTS smime_certificates_account ON smime_certificates(fingerprint, account_id)
            WHERE account_id IS NOT NULL
        """,
        "CREATE UNIQUE INDEX IF NOT EXISTS smime_certificates_contact ON smime_certificates(fingerprint) WHERE account_id IS NULL",
        """
        CREATE TABLE IF NOT EXISTS smime_addresses (
            certificate_id BIGINT NOT NULL REFERENCES smime_certificates(id) ON DELETE CASCADE, address TEXT NOT NULL,
            PRIMARY KEY (certificate_id, address))
        """,
        "CREATE INDEX IF NOT EXISTS smime_addresses_address ON smime_addresses(address)",
    ]

    /// MailStoreSQLite's `v19-mta-sts-cache`: MTA-STS policies as fetched (RFC 8461 §5.1, §10.3).
    static let v5: [String] = [
        """
        CREATE TABLE IF NOT EXISTS mta_sts_policies (
            domain TEXT PRIMARY KEY, policy_id TEXT NOT NULL, body TEXT NOT NULL,
            fetched_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS mta_sts_policies_expiry ON mta_sts_policies(expires_at)",
    ]

    /// MailStoreSQLite's `v17-imap-metadata`: RFC 5464 METADATA entries of an account on a
    /// mailbox, or on the server (`mailbox_id` NULL); names lowercase (§3.2).
    static let v6: [String] = [
        """
        CREATE TABLE IF NOT EXISTS imap_metadata (
            account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            mailbox_id BIGINT REFERENCES mailboxes(id) ON DELETE CASCADE,
            name TEXT NOT NULL, value BYTEA NOT NULL)
        """,
        "CREATE UNIQUE INDEX IF NOT EXISTS imap_metadata_entry ON imap_metadata (account_id, (COALESCE(mailbox_id, 0)), name)",
        "CREATE INDEX IF NOT EXISTS imap_metadata_mailbox ON imap_metadata (mailbox_id)",
    ]

    /// MailStoreSQLite's `v18-sieve-duplicate`: RFC 7352 duplicate tracking (docs/sieve.md).
    static let v7: [String] = [
        """
        CREATE TABLE IF NOT EXISTS sieve_duplicates (
            account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, key TEXT NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (account_id, key))
        """,
        "CREATE INDEX IF NOT EXISTS sieve_duplicates_expiry ON sieve_duplicates(account_id, expires_at)",
    ]

    /// Shared by the nodes (docs/scaling.md): change notices too large for a NOTIFY payload, and
    /// the outbound queue's leases (SELECT ... FOR UPDATE SKIP LOCKED; no SQLite counterpart).
    static let v8: [String] = [
        "CREATE TABLE IF NOT EXISTS change_notices (id BIGSERIAL PRIMARY KEY, notice TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL)",
        "ALTER TABLE queue_recipients ADD COLUMN IF NOT EXISTS lease_owner TEXT",
        "ALTER TABLE queue_recipients ADD COLUMN IF NOT EXISTS lease_until DOUBLE PRECISION",
    ]

    /// MailStoreSQLite's `v16-admin`: may log in to the DMARC dashboard (docs/dashboard.md).
    static let v2: [String] = [
        "ALTER TABLE accounts ADD COLUMN IF NOT EXISTS is_admin BOOLEAN NOT NULL DEFAULT FALSE",
    ]

    static let v1: [String] = [
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL)",
        "INSERT INTO meta (key, value) VALUES ('uid_validity', 0) ON CONFLICT (key) DO NOTHING",
        "CREATE TABLE IF NOT EXISTS domains (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at DOUBLE PRECISION NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS accounts (
            id BIGSERIAL PRIMARY KEY, address TEXT NOT NULL UNIQUE, display_address TEXT NOT NULL,
            domain TEXT NOT NULL REFERENCES domains(name), credentials TEXT NOT NULL,
            quota_bytes BIGINT, quota_messages BIGINT,
            used_bytes BIGINT NOT NULL DEFAULT 0, used_messages BIGINT NOT NULL DEFAULT 0,
            created_at DOUBLE PRECISION NOT NULL, sender_policy TEXT NOT NULL DEFAULT 'own')
        """,
        """
        CREATE TABLE IF NOT EXISTS aliases (
            id BIGSERIAL PRIMARY KEY, source TEXT NOT NULL UNIQUE, domain TEXT NOT NULL REFERENCES domains(name), targets TEXT NOT NULL)
        """,
        // Bodies: one row per distinct content (the hex SHA-256), its chunks beside it.
        """
        CREATE TABLE IF NOT EXISTS blobs (
            key TEXT PRIMARY KEY, size BIGINT NOT NULL, chunk_size INTEGER NOT NULL, created_at DOUBLE PRECISION NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS blob_chunks (
            key TEXT NOT NULL REFERENCES blobs(key) ON DELETE CASCADE, seq INTEGER NOT NULL, data BYTEA NOT NULL,
            PRIMARY KEY (key, seq))
        """,
        """
        CREATE TABLE IF NOT EXISTS mailboxes (
            id BIGSERIAL PRIMARY KEY, account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            name TEXT NOT NULL, special_use TEXT, uid_validity BIGINT NOT NULL,
            uid_next BIGINT NOT NULL DEFAULT 1, highest_modseq BIGINT NOT NULL DEFAULT 1, first_recent_uid BIGINT NOT NULL DEFAULT 1,
            UNIQUE (account_id, name))
        """,
        """
        CREATE TABLE IF NOT EXISTS subscriptions (
            account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, name TEXT NOT NULL, PRIMARY KEY (account_id, name))
        """,
        """
        CREATE TABLE IF NOT EXISTS messages (
            id BIGSERIAL PRIMARY KEY, mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
            uid BIGINT NOT NULL, modseq BIGINT NOT NULL, flags INTEGER NOT NULL DEFAULT 0, keywords TEXT NOT NULL DEFAULT '',
            internal_date DOUBLE PRECISION NOT NULL, size BIGINT NOT NULL, body_key TEXT NOT NULL REFERENCES blobs(key),
            summary BYTEA, saved_date DOUBLE PRECISION, UNIQUE (mailbox_id, uid))
        """,
        "CREATE INDEX IF NOT EXISTS messages_body ON messages(body_key)",
        // RFC 7162 §3.2.5.2: expunged UIDs with their mod-sequence, for QRESYNC VANISHED.
        """
        CREATE TABLE IF NOT EXISTS expunged (
            mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE, uid BIGINT NOT NULL, modseq BIGINT NOT NULL,
            PRIMARY KEY (mailbox_id, uid))
        """,
        """
        CREATE TABLE IF NOT EXISTS queue_messages (
            id BIGSERIAL PRIMARY KEY, mail_from TEXT, body_key TEXT NOT NULL REFERENCES blobs(key), size BIGINT NOT NULL,
            envid TEXT, ret TEXT, smtputf8 BOOLEAN NOT NULL DEFAULT FALSE, body_type TEXT, created_at DOUBLE PRECISION NOT NULL,
            tls_required TEXT)
        """,
        "CREATE INDEX IF NOT EXISTS queue_messages_body ON queue_messages(body_key)",
        """
        CREATE TABLE IF NOT EXISTS queue_recipients (
            message_id BIGINT NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE, position INTEGER NOT NULL,
            address TEXT NOT NULL, orcpt TEXT, notify TEXT, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt DOUBLE PRECISION NOT NULL, last_reply TEXT, PRIMARY KEY (message_id, position))
        """,
        "CREATE INDEX IF NOT EXISTS queue_recipients_due ON queue_recipients(state, next_attempt)",
        """
        CREATE TABLE IF NOT EXISTS dkim_keys (
            domain TEXT NOT NULL, selector TEXT NOT NULL, algorithm TEXT NOT NULL, private_key TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL, active BOOLEAN NOT NULL DEFAULT FALSE, PRIMARY KEY (domain, selector))
        """,
        """
        CREATE TABLE IF NOT EXISTS dmarc_evaluations (
            id BIGSERIAL PRIMARY KEY, evaluated_at DOUBLE PRECISION NOT NULL, source_ip TEXT NOT NULL, header_from TEXT NOT NULL,
            envelope_from TEXT, envelope_to TEXT NOT NULL, result TEXT NOT NULL, disposition TEXT NOT NULL,
            policy_override TEXT, override_comment TEXT, policy TEXT, evaluated_policy TEXT NOT NULL,
            dkim_aligned BOOLEAN NOT NULL, spf_aligned BOOLEAN NOT NULL, dkim TEXT NOT NULL, spf_domain TEXT,
            spf_result TEXT NOT NULL, report_uris TEXT NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS dmarc_evaluations_time ON dmarc_evaluations(evaluated_at)",
        "CREATE INDEX IF NOT EXISTS dmarc_evaluations_from ON dmarc_evaluations(header_from, evaluated_at)",
        """
        CREATE TABLE IF NOT EXISTS correspondents (
            account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, address TEXT NOT NULL, display_name TEXT,
            sent BIGINT NOT NULL DEFAULT 0, received BIGINT NOT NULL DEFAULT 0, own BOOLEAN NOT NULL DEFAULT FALSE,
            first_seen DOUBLE PRECISION NOT NULL, last_seen DOUBLE PRECISION NOT NULL, PRIMARY KEY (account_id, address))
        """,
        """
        CREATE TABLE IF NOT EXISTS quarantine (
            id BIGSERIAL PRIMARY KEY, mail_from TEXT, recipients TEXT NOT NULL, body_key TEXT NOT NULL REFERENCES blobs(key),
            size BIGINT NOT NULL, verdict TEXT NOT NULL, reason TEXT NOT NULL, subject TEXT, header_from TEXT,
            received_at DOUBLE PRECISION NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS quarantine_body ON quarantine(body_key)",
        """
        CREATE TABLE IF NOT EXISTS greylist (
            network TEXT NOT NULL, sender TEXT NOT NULL, recipient TEXT NOT NULL, first_seen DOUBLE PRECISION NOT NULL,
            last_seen DOUBLE PRECISION NOT NULL, passed BOOLEAN NOT NULL DEFAULT FALSE, attempts BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (network, sender, recipient))
        """,
        "CREATE INDEX IF NOT EXISTS greylist_last_seen ON greylist(last_seen)",
        "CREATE TABLE IF NOT EXISTS greylist_senders (domain TEXT PRIMARY KEY, passes BIGINT NOT NULL, last_seen DOUBLE PRECISION NOT NULL)",
        "CREATE INDEX IF NOT EXISTS greylist_senders_last_seen ON greylist_senders(last_seen)",
        """
        CREATE TABLE IF NOT EXISTS sieve_scripts (
            account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, name TEXT NOT NULL, source TEXT NOT NULL,
            active BOOLEAN NOT NULL DEFAULT FALSE, updated_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (account_id, name))
        """,
        "CREATE UNIQUE INDEX IF NOT EXISTS sieve_scripts_active ON sieve_scripts(account_id) WHERE active",
        """
        CREATE TABLE IF NOT EXISTS sieve_vacation_replies (
            account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, sender TEXT NOT NULL, handle TEXT NOT NULL,
            sent_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (account_id, sender, handle))
        """,
        """
        CREATE TABLE IF NOT EXISTS openpgp_certificates (
            id BIGSERIAL PRIMARY KEY, fingerprint TEXT NOT NULL, account_id BIGINT REFERENCES accounts(id) ON DELETE CASCADE,
            data BYTEA NOT NULL, imported_at DOUBLE PRECISION NOT NULL)
        """,
        """
        CREATE UNIQUE INDEX IF NOT EXISTS openpgp_certificates_account ON openpgp_certificates(fingerprint, account_id)
            WHERE account_id IS NOT NULL
        """,
        "CREATE UNIQUE INDEX IF NOT EXISTS openpgp_certificates_contact ON openpgp_certificates(fingerprint) WHERE account_id IS NULL",
        """
        CREATE TABLE IF NOT EXISTS openpgp_addresses (
            certificate_id BIGINT NOT NULL REFERENCES openpgp_certificates(id) ON DELETE CASCADE, address TEXT NOT NULL,
            PRIMARY KEY (certificate_id, address))
        """,
        "CREATE INDEX IF NOT EXISTS openpgp_addresses_address ON openpgp_addresses(address)",
        """
        CREATE TABLE IF NOT EXISTS dmarc_reports_sent (
            period_begin DOUBLE PRECISION NOT NULL, period_end DOUBLE PRECISION NOT NULL, policy_domain TEXT NOT NULL,
            report_id TEXT NOT NULL, outcome TEXT NOT NULL, destinations TEXT NOT NULL, detail TEXT,
            recorded_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (period_begin, policy_domain))
        """,
        "CREATE INDEX IF NOT EXISTS dmarc_reports_sent_end ON dmarc_reports_sent(period_end)",
        """
        CREATE TABLE IF NOT EXISTS dmarc_reports_received (
            id BIGSERIAL PRIMARY KEY, received_at DOUBLE PRECISION NOT NULL, reporter TEXT NOT NULL, report_id TEXT NOT NULL,
            policy_domain TEXT NOT NULL, period_begin DOUBLE PRECISION NOT NULL, period_end DOUBLE PRECISION NOT NULL,
            message_count BIGINT NOT NULL, record_count BIGINT NOT NULL, report TEXT, problem TEXT, attachment BYTEA,
            UNIQUE (reporter, report_id))
        """,
        "CREATE INDEX IF NOT EXISTS dmarc_reports_received_domain ON dmarc_reports_received(policy_domain, period_begin)",
        // TLS-RPT (RFC 8460, docs/transport-security.md): the SQLite tables of migration v14-requiretls-tlsrpt.
        """
        CREATE TABLE IF NOT EXISTS tls_sessions (
            day DOUBLE PRECISION NOT NULL, policy_domain TEXT NOT NULL, policy_type TEXT NOT NULL, policy_strings TEXT NOT NULL,
            mx_host TEXT NOT NULL, result_type TEXT NOT NULL, receiving_ip TEXT NOT NULL, reason_code TEXT NOT NULL,
            count BIGINT NOT NULL,
            PRIMARY KEY (day, policy_domain, policy_type, policy_strings, mx_host, result_type, receiving_ip, reason_code))
        """,
        """
        CREATE TABLE IF NOT EXISTS tls_reports_sent (
            period_begin DOUBLE PRECISION NOT NULL, period_end DOUBLE PRECISION NOT NULL, policy_domain TEXT NOT NULL,
            report_id TEXT NOT NULL, outcome TEXT NOT NULL, destinations TEXT NOT NULL, detail TEXT,
            recorded_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (period_begin, policy_domain))
        """,
        """
        CREATE TABLE IF NOT EXISTS tls_reports_received (
            id BIGSERIAL PRIMARY KEY, received_at DOUBLE PRECISION NOT NULL, reporter TEXT NOT NULL, report_id TEXT NOT NULL,
            policy_domain TEXT NOT NULL, period_begin DOUBLE PRECISION NOT NULL, period_end DOUBLE PRECISION NOT NULL,
            message_count BIGINT NOT NULL, record_count BIGINT NOT NULL, report TEXT, problem TEXT, attachment BYTEA,
            UNIQUE (reporter, report_id))
        """,
        "CREATE INDEX IF NOT EXISTS tls_reports_received_domain ON tls_reports_received(policy_domain, period_begin)",
    ]

    /// Creates what is missing. Several nodes may start at once: an advisory lock makes one of them
    /// do it while the others wait, then find the version recorded.
    static func create(_ connection: PostgresConnection, software: String, logger: Logger) async throws {
        do {
            let sql = SQL.logger
            try await connection.query("SELECT pg_advisory_lock(7261737701)", logger: sql)
            do {
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS hato_schema (
                        version INTEGER PRIMARY KEY, software TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)
                    """, logger: sql)
                let current = try await connection.all("SELECT COALESCE(MAX(version), 0) FROM hato_schema").first?.decode(Int.self) ?? 0
                guard current <= version else {
                    throw PostgresSchemaError(found: current, known: version)
                }
                for step in (current + 1)..<(version + 1) {
                    try await connection.query("BEGIN", logger: sql)
                    for statement in steps[step] ?? [] { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: sql) }
                    let now = Date().timeIntervalSince1970
                    try await connection.query(
                        "INSERT INTO hato_schema (version, software, applied_at) VALUES (\(step), \(software), \(now))", logger: sql)
                    try await connection.query("COMMIT", logger: sql)
                    logger.notice("database schema created", metadata: ["version": "\(step)"])
                }
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: sql)
                _ = try? await connection.query("SELECT pg_advisory_unlock(7261737701)", logger: sql)
                throw error
            }
            try await connection.query("SELECT pg_advisory_unlock(7261737701)", logger: sql)
        }
    }
}

/// A database whose schema a newer build created: refused before anything is written.
public struct PostgresSchemaError: Error, CustomStringConvertible {
    public var found: Int
    public var known: Int
    public var description: String {
        "the database has schema version \(found), this build knows up to \(known): upgrade hato on this node"
    }
}
