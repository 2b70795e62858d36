import Crypto
import Foundation

/// What `hato store migrate` copied and what its verification found (printed as the summary).
public struct StoreMigrationReport: Sendable {
    public struct Table: Sendable {
        public var table: String
        /// Rows in the SQLite snapshot.
        public var sourceRows: Int
        /// Rows this run inserted (fewer on a resumed copy: the rest were there already).
        public var inserted: Int
        /// Rows of the source with no identical row in PostgreSQL, and rows there with none in the source.
        public var missing = 0
        public var extra = 0
        public var targetRows = 0
        public var matches: Bool { missing == 0 && extra == 0 }
    }

    public var tables: [Table] = []
    /// Distinct bodies read from the body files, and their octets.
    public var bodies = 0
    public var bodyOctets = 0
    /// Bodies in the PostgreSQL blob store after the copy, all read back and hashed.
    public var storedBodies = 0
    public var blobProblems: [String] = []
    var sourceDigests: [String: [SHA256.Digest: Int]] = [:]

    public var verified: Bool { tables.allSatisfy(\.matches) && blobProblems.isEmpty }

    /// One line per table, then the bodies and the verdict.
    public var summary: String {
        var lines = tables.map { table in
            let check = table.matches ? "identical" : "DIFFERS: \(table.missing) missing, \(table.extra) extra"
            return "\(table.table): \(table.sourceRows) in SQLite, \(table.targetRows) in PostgreSQL (\(table.inserted) copied now), \(check)"
        }
        lines.append("bodies: \(bodies) distinct (\(bodyOctets) octets) copied; \(storedBodies) stored, each read back and its SHA-256 checked"
                     + (blobProblems.isEmpty ? "" : ", \(blobProblems.count) wrong"))
        lines += blobProblems.map { "body \($0)" }
        lines.append(verified ? "migration verified: every row and body in PostgreSQL matches the SQLite store"
                              : "migration NOT verified: see the lines above")
        return lines.joined(separator: "\n")
    }
}
