import Foundation
import GRDB

/// The format of a data directory, checked before anything is written to it.
///
/// The schema's format is the list of applied migrations (GRDB's `grdb_migrations` table). The
/// body files' layout is recorded in `store_format` (migration `v5-store-format`), with the build
/// that last migrated the store. A store that a newer build migrated is refused: GRDB itself would
/// ignore migrations it does not know and carry on with tables and files it does not understand.
enum StoreFormat {
    /// Body files under `messages/`, named by `body_path` relative to it, one file per body, the
    /// bytes as received (builds before commit ae264c3 wrote `<2 hex digits>/<id>`, later ones
    /// `<yyyymmddhh>/<id>`; both are read the same way). Only a migration may change it.
    static let bodyLayout = 1

    /// What `StoreFormatReader` found in an existing database.
    struct Found: Equatable {
        /// Applied migrations, oldest first.
        var migrations: [String]
        /// The `store_format` rows (empty before `v5-store-format`).
        var recorded: [String: String]
    }

    /// Throws `StoreFormatError` when the store was migrated by a build newer than this one.
    static func check(_ found: Found, known: [String], database: String, software: String) throws {
        let unknown = found.migrations.filter { !known.contains($0) }
        let layout = found.recorded["body_layout"].flatMap(Int.init) ?? bodyLayout
        guard unknown.isEmpty, layout <= bodyLayout else {
            throw StoreFormatError(database: database, unknownMigrations: unknown, bodyLayout: layout,
                                   migratedBy: found.recorded["migrated_by"], thisBuild: software, latestKnown: known.last ?? "")
        }
    }

    /// Records which build migrated the store (shown when an older build refuses it).
    static func recordMigration(_ db: Database, software: String, latest: String) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO store_format (key, value) VALUES ('migrated_by', ?)",
                       arguments: ["\(software) (schema \(latest))"])
    }
}

/// A data directory written by a newer Hato: this build refuses to open it rather than corrupt it.
public struct StoreFormatError: Error, CustomStringConvertible, Sendable {
    public let database: String
    /// Applied migrations this build does not know, oldest first.
    public let unknownMigrations: [String]
    public let bodyLayout: Int
    /// The build that last migrated the store, if it recorded itself.
    public let migratedBy: String?
    public let thisBuild: String
    public let latestKnown: String

    public var description: String {
        var found: [String] = []
        if !unknownMigrations.isEmpty {
            found.append("schema migrations this build does not know: " + unknownMigrations.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        if bodyLayout > StoreFormat.bodyLayout {
            found.append("message files in layout \(bodyLayout) (this build reads layout \(StoreFormat.bodyLayout))")
        }
        return """
            \(database) was upgraded by a newer Hato (\(migratedBy ?? "a build that did not record its version")): \
            it has \(found.joined(separator: " and ")). This build (\(thisBuild)) knows the schema up to \
            "\(latestKnown)" and refuses to open it; nothing was changed. Run the newer hato again, or restore \
            the backup taken before the upgrade (see "Upgrades and downgrades" in docs/storage.md).
            """
    }
}
