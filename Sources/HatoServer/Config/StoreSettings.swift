import Foundation
import MailStorePostgres

// `[store]`: where accounts, mailboxes and messages live (docs/scaling.md). The embedded SQLite
// store under data_dir is the default; PostgreSQL lets several nodes share one store.
extension ConfigSchema {
    static let storeKeys: [ConfigKey] = [
        key("store.backend", .choice(["sqlite", "postgres"]), .string("sqlite"),
            "sqlite: the embedded store in data_dir. postgres: the shared database at store.url (several nodes may use it)."),
        key("store.url", .string, nil,
            "The PostgreSQL database for backend = \"postgres\": postgres://user@host:port/database (no password here)."),
        key("store.password_file", .path, nil,
            "File holding the database password (one line). Unset: the HATO_STORE_PASSWORD environment variable, else no password."),
        key("store.tls", .choice(["disable", "prefer", "require"]), .string("prefer"),
            "TLS to the database. prefer: TLS when offered, certificate not checked. require: TLS with a certificate trusted by the system roots for the host."),
        key("store.max_connections", .integer(min: 1, max: 1000), .int(20), "Connections this node keeps to the database at most."),
        key("store.chunk_size", .integer(min: 4096, max: 16_777_216), .int(262_144),
            "Octets per stored body chunk in PostgreSQL; larger bodies are split (docs/scaling.md)."),
        key("store.inline_body_max", .integer(min: 0, max: 1_048_576), .int(65_536),
            "SQLite store: messages up to this many octets are kept in the database with their row instead of a file of their own (docs/storage.md). 0: every message in a file."),
        key("store.sync_mailbox_changes", .boolean, .bool(false),
            "SQLite store: true makes flag changes and expunges wait for the disk flush like deliveries and appends do. false: acknowledged once in the write-ahead log (a process crash loses none; a power failure may undo the last of them, never a message; docs/storage.md)."),
    ]
}

/// `[store]`, checked and typed.
public struct StoreSettings: Sendable {
    public enum Backend: String, Sendable {
        case sqlite, postgres
    }

    public var backend: Backend
    /// Host, port, user, database and TLS from `store.url` and `store.tls`; the password is read
    /// when the store opens (`password`). nil for the SQLite backend.
    public var postgres: PostgresConnectionSettings?
    public var passwordFile: URL?
    public var maxConnections: Int
    public var chunkSize: Int
    /// `store.inline_body_max`: the SQLite store keeps bodies up to this size in the database.
    public var inlineBodyMax = 65_536
    /// `store.sync_mailbox_changes`: flag changes and expunges wait for the disk flush too.
    public var syncMailboxChanges = false

    init(string: (String) -> String?, int: (String) -> Int, url: (String) -> URL?) throws {
        backend = Backend(rawValue: string("store.backend") ?? "sqlite") ?? .sqlite
        passwordFile = url("store.password_file")
        maxConnections = max(1, int("store.max_connections") == 0 ? 20 : int("store.max_connections"))
        chunkSize = int("store.chunk_size") == 0 ? 262_144 : int("store.chunk_size")
        guard backend == .postgres else { return }
        guard let text = string("store.url") else {
            throw ConfigKeyError(path: "store.url", message: "is required with store.backend = \"postgres\"")
        }
        let tls = PostgresTLSMode(rawValue: string("store.tls") ?? "prefer") ?? .prefer
        do {
            postgres = try PostgresConnectionSettings(url: text, password: nil, tls: tls)
        } catch let error as PostgresConnectionSettings.InvalidURL {
            throw ConfigKeyError(path: "store.url", message: error.reason)
        } catch {
            throw ConfigKeyError(path: "store.url", message: "\(error)")
        }
    }

    /// The database password: `store.password_file` (its first line), else `HATO_STORE_PASSWORD`.
    public func password(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        if let passwordFile {
            let text = try String(contentsOf: passwordFile, encoding: .utf8)
            return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
                .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
        }
        return environment["HATO_STORE_PASSWORD"]
    }
}
