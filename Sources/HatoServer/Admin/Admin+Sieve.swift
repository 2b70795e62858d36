import Foundation
import MailCore
import MailStore

/// `hato sieve ...`: an account's Sieve scripts (docs/sieve.md). Scripts are compiled before
/// they are stored, so a script that does not compile is never put or activated.
extension Admin {
    var sieveStore: any SieveStore {
        get throws {
            guard let scripts = store as? any SieveStore else { throw SieveAdminError("this store keeps no Sieve scripts") }
            return scripts
        }
    }

    /// The first compile error of `source` under the configured limits ("line L, column C: ..."), or nil.
    public func checkSieve(_ source: String) -> String? { config.sieve.check(source) }

    public func putSieve(_ address: EmailAddress, name: String, source: String) async throws {
        guard !name.isEmpty, name.count <= 255, !name.contains(where: { $0.isNewline || $0 == "/" }) else {
            throw SieveAdminError("script name must be 1-255 characters without line breaks or \"/\"")
        }
        if let error = checkSieve(source) { throw SieveAdminError("script does not compile: \(error)") }
        try await sieveStore.putSieveScript(of: try await account(address).id, name: name, source: source, at: Date())
    }

    public func sieveScripts(_ address: EmailAddress) async throws -> [SieveScript] {
        try await sieveStore.sieveScripts(of: try await account(address).id)
    }

    public func sieveScript(_ address: EmailAddress, name: String) async throws -> SieveScript {
        guard let script = try await sieveStore.sieveScript(of: try await account(address).id, named: name) else {
            throw SieveScriptNotFound(name: name)
        }
        return script
    }

    /// nil deactivates the account's scripts.
    public func activateSieve(_ address: EmailAddress, name: String?) async throws {
        let id = try await account(address).id
        if let name, let script = try await sieveStore.sieveScript(of: id, named: name), let error = checkSieve(script.source) {
            throw SieveAdminError("script does not compile under the current limits: \(error)")
        }
        try await sieveStore.activateSieveScript(of: id, named: name)
    }

    public func deleteSieve(_ address: EmailAddress, name: String) async throws {
        guard try await sieveStore.deleteSieveScript(of: try await account(address).id, named: name) else { throw SieveScriptNotFound(name: name) }
    }
}

public struct SieveAdminError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
