import GRDB

extension Schema {
    /// Migration v14-requiretls-tlsrpt (issue 19): the RFC 8689 tag of a queued message, and
    /// what TLS-RPT (RFC 8460) needs: each outbound session's TLS outcome counted per UTC day,
    /// policy and MX host, the reports sent, one row per day and policy domain, written in the
    /// transaction that queues the report, and the reports others sent us, unique per reporter
    /// and report id (docs/transport-security.md "TLS-RPT").
    static func registerRequireTLSAndTLSReports(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v14-requiretls-tlsrpt") { db in
            try db.execute(sql: """
                ALTER TABLE queue_messages ADD COLUMN tls_required TEXT;   -- NULL, 'requiretls' or 'no' (RFC 8689)
                CREATE TABLE tls_sessions (
                    day REAL NOT NULL,                     -- start of the UTC day
                    policy_domain TEXT NOT NULL,
                    policy_type TEXT NOT NULL,             -- tlsa, sts, no-policy-found (RFC 8460 §4.4)
                    policy_strings TEXT NOT NULL,          -- JSON array: the TLSA records or the STS policy lines
                    mx_host TEXT NOT NULL,
                    result_type TEXT NOT NULL,             -- 'success' or an RFC 8460 §4.3 result type
                    receiving_ip TEXT NOT NULL,            -- '' when no connection was made
                    reason_code TEXT NOT NULL,             -- failure-reason-code, '' for none
                    count INTEGER NOT NULL,
                    PRIMARY KEY (day, policy_domain, policy_type, policy_strings, mx_host, result_type, receiving_ip, reason_code)
                );
                CREATE TABLE tls_reports_sent (
                    period_begin REAL NOT NULL,
                    period_end REAL NOT NULL,
                    policy_domain TEXT NOT NULL,
                    report_id TEXT NOT NULL,
                    outcome TEXT NOT NULL,                 -- queued, no-destination (as dmarc_reports_sent)
                    destinations TEXT NOT NULL,            -- JSON array of addresses
                    detail TEXT,
                    recorded_at REAL NOT NULL,
                    PRIMARY KEY (period_begin, policy_domain)
                );
                CREATE TABLE tls_reports_received (         -- the columns of dmarc_reports_received
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    received_at REAL NOT NULL,
                    reporter TEXT NOT NULL,                -- organization-name, or the sender for an unreadable one
                    report_id TEXT NOT NULL,
                    policy_domain TEXT NOT NULL,
                    period_begin REAL NOT NULL,
                    period_end REAL NOT NULL,
                    message_count INTEGER NOT NULL,        -- successful sessions
                    record_count INTEGER NOT NULL,         -- failed sessions
                    report TEXT,                           -- the RFC 8460 JSON
                    problem TEXT,                          -- why it was not read
                    attachment BLOB,                       -- kept when it was not read
                    UNIQUE (reporter, report_id)
                );
                CREATE INDEX tls_reports_received_domain ON tls_reports_received(policy_domain, period_begin);
                """)
        }
    }
}

extension Schema {
    /// Migration v19-mta-sts-cache (issue 19): MTA-STS policies as fetched, one row per domain,
    /// so a restart or an unreachable policy host keeps a policy until its max_age ends
    /// (RFC 8461 §5.1, §10.3; docs/transport-security.md "MTA-STS").
    static func registerMTASTSCache(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v19-mta-sts-cache") { db in
            try db.execute(sql: """
                CREATE TABLE mta_sts_policies (
                    domain TEXT PRIMARY KEY,               -- lowercased A-labels
                    policy_id TEXT NOT NULL,               -- the _mta-sts TXT id (RFC 8461 §3.1)
                    body TEXT NOT NULL,                    -- the policy text as fetched
                    fetched_at REAL NOT NULL,
                    expires_at REAL NOT NULL               -- fetched_at + max_age
                );
                CREATE INDEX mta_sts_policies_expiry ON mta_sts_policies(expires_at);
                """)
        }
    }
}
