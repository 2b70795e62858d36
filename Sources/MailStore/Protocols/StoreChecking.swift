/// One inconsistency in a store, as `hato store check` prints it: `<problem>: <detail>` on one line.
public struct StoreFinding: Sendable, Hashable, CustomStringConvertible {
    /// What kind of inconsistency; the raw value starts the printed line, so scripts can match it.
    public enum Problem: String, Sendable, CaseIterable {
        /// `PRAGMA integrity_check` (or the database's equivalent) reported damage.
        case database
        /// A row refers to a parent row that does not exist (`PRAGMA foreign_key_check`).
        case foreignKey = "foreign-key"
        /// A body file no message or queue entry refers to (a crash between the file write and the commit).
        case orphanBody = "orphan-body"
        /// A file left in the body store's `tmp/` directory by a write that never completed.
        case unfinishedBody = "unfinished-body"
        /// A message or queue entry whose body file does not exist.
        case missingBody = "missing-body"
        /// A body file whose size differs from the size its rows record (truncated or overwritten).
        case bodySize = "body-size"
        /// A stored body whose content does not hash to the key it is stored under (PostgreSQL's
        /// content-addressed blobs, docs/scaling.md).
        case bodyHash = "body-hash"
        /// A queue entry that can never be delivered or removed: no recipients, or none left to deliver.
        case queueEntry = "queue-entry"
        /// UIDNEXT not above a UID the mailbox holds or has expunged (RFC 9051 §2.3.1.1).
        case uidNext = "uidnext"
        /// HIGHESTMODSEQ below a MODSEQ the mailbox holds or has expunged (RFC 7162 §3.1.1).
        case highestModSeq = "highestmodseq"
        /// A UIDVALIDITY used by two mailboxes, or above the store's UIDVALIDITY counter.
        case uidValidity = "uidvalidity"
        /// A UID listed as expunged (for QRESYNC VANISHED) that is still present.
        case expungedPresent = "expunged-present"
        /// An account's cached quota usage differs from what its mailboxes hold (RFC 9208).
        case quotaUsage = "quota-usage"
    }

    public let problem: Problem
    /// Which object and what is wrong with it, precise enough to find it by hand.
    public let detail: String
    /// Whether `repair` knows a safe fix.
    public let repairable: Bool

    public init(_ problem: Problem, _ detail: String, repairable: Bool = true) {
        self.problem = problem
        self.detail = detail
        self.repairable = repairable
    }

    public var description: String { "\(problem.rawValue): \(detail)" }
}

/// What a store check looked at and what it found.
public struct StoreCheckReport: Sendable {
    public var findings: [StoreFinding]
    public var mailboxes = 0
    public var messages = 0
    public var queueEntries = 0
    /// Bodies checked against their rows: files, bodies kept in the database, or blobs.
    public var bodyFiles = 0

    public init(findings: [StoreFinding] = []) { self.findings = findings }

    public var isClean: Bool { findings.isEmpty }

    /// One line for a clean store: what was checked.
    public var summary: String {
        "\(mailboxes) mailboxes, \(messages) messages, \(queueEntries) queue entries, \(bodyFiles) bodies"
    }
}

/// One fix `repair` applied (or declined), for the finding it addressed.
public struct StoreRepair: Sendable, Hashable, CustomStringConvertible {
    public let finding: StoreFinding
    /// What was done ("moved to lost+found/...", "removed the row"), or why nothing was.
    public let action: String
    public let repaired: Bool

    public init(_ finding: StoreFinding, _ action: String, repaired: Bool = true) {
        self.finding = finding
        self.action = action
        self.repaired = repaired
    }

    public var description: String { "\(finding) -> \(action)" }
}

/// A store that can check its own consistency (`hato store check`). Only for a store no server
/// is using: a body written but not yet committed looks exactly like an orphan.
public protocol StoreChecking: Sendable {
    /// Finds every inconsistency between the metadata, the body files and the cached counters.
    func checkStore() async throws -> StoreCheckReport

    /// Fixes what can be fixed without losing anything: files nobody refers to are moved to the
    /// store's `lost+found` directory, rows whose body is gone are removed (as expunges, so IMAP
    /// clients hear of it), counters are raised (UIDNEXT and HIGHESTMODSEQ never go down) or
    /// recounted (quota usage). Returns one entry per finding, repaired or not.
    func repairStore() async throws -> [StoreRepair]
}
