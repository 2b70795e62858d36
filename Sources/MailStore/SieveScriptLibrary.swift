import Foundation

/// Where Sieve's include (RFC 6609 §3.2) finds scripts: `:personal` ones are the account's stored
/// scripts (those ManageSieve PUTSCRIPT and `hato sieve put` store), `:global` ones are files
/// `<name>.sieve` in the site's directory (`[sieve] global_dir`; docs/sieve.md "include").
public struct SieveScriptLibrary: Sendable {
    public let store: any SieveStore
    /// nil: there are no global scripts (every `:global` include finds none).
    public let globalDirectory: String?
    /// A global script larger than this is read only to this size plus one (the compiler refuses it).
    public let maxScriptSize: Int

    public init(store: any SieveStore, globalDirectory: String?, maxScriptSize: Int) {
        self.store = store
        self.globalDirectory = globalDirectory
        self.maxScriptSize = maxScriptSize
    }

    /// The source of the account's script `name`, or nil when it has none of that name.
    public func personal(_ account: AccountID, _ name: String) async throws -> String? {
        try await store.sieveScript(of: account, named: name)?.source
    }

    /// The source of `<global_dir>/<name>.sieve`, or nil when there is no such file. `name` never
    /// contains "/" (the compiler refuses such include names), so it cannot leave the directory.
    public func global(_ name: String) async throws -> String? {
        guard let directory = globalDirectory, !name.contains("/"), !name.contains("\0") else { return nil }
        let path = URL(fileURLWithPath: directory).appendingPathComponent(name + ".sieve").path
        let limit = maxScriptSize
        return try await BlockingIO.run {
            guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
            defer { try? handle.close() }
            let data = try handle.read(upToCount: limit + 1) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }
}
