import Foundation
import MailCore
import MailStore
import SieveProtocol

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

    /// Stores the script; returns the warnings of its includes (RFC 6609 §3.2: a missing
    /// non-optional script is a warning at upload, as ManageSieve PUTSCRIPT says it).
    @discardableResult
    public func putSieve(_ address: EmailAddress, name: String, source: String) async throws -> [String] {
        guard !name.isEmpty, name.count <= 255, !name.contains(where: { $0.isNewline || $0 == "/" }) else {
            throw SieveAdminError("script name must be 1-255 characters without line breaks or \"/\"")
        }
        if let error = checkSieve(source) { throw SieveAdminError("script does not compile: \(error)") }
        let id = try await account(address).id
        let warnings = try await checkIncludes(source, name: name, account: id, mode: .upload)
        try await sieveStore.putSieveScript(of: id, name: name, source: source, at: Date())
        return warnings
    }

    /// RFC 6609: loads what `source` includes for the account and returns the warnings, or throws
    /// the first problem (recursion, a missing script when activating, an included script's error).
    func checkIncludes(_ source: String, name: String, account: AccountID, mode: SieveIncludeMode) async throws -> [String] {
        let limits = config.sieve.delivery.limits
        let program: SieveProgram
        do { program = try SieveProgram.compile(source, limits: limits) } catch { throw SieveAdminError("script does not compile: \(error)") }
        guard !program.includes.isEmpty else { return [] }
        let library = SieveScriptLibrary(store: try sieveStore, globalDirectory: config.sieve.delivery.globalDirectory, maxScriptSize: limits.maxScriptSize)
        let resolver = SieveIncludeResolver(limits: limits) { reference in
            reference.location == .personal ? try await library.personal(account, reference.name) : try await library.global(reference.name)
        }
        do {
            return try await resolver.resolve(program, named: SieveScriptReference(.personal, name), mode: mode).warnings
        } catch {
            throw SieveAdminError("\(error)")
        }
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
        if let name, let script = try await sieveStore.sieveScript(of: id, named: name) {
            if let error = checkSieve(script.source) { throw SieveAdminError("script does not compile under the current limits: \(error)") }
            _ = try await checkIncludes(script.source, name: name, account: id, mode: .activate)
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
