import Foundation
import Logging
import MailCore
import MailStore
import SASL
import ServerRuntime
import SieveProtocol

/// Does the async work of `ManageSieveStep`s against the store, the compiler and the
/// authenticator, off the event loop; the store part of each command sits here next to the
/// response it yields (RFC 5804 §2.5-§2.12).
struct ManageSieveStepRunner: SessionStepRunner {
    let store: any MailStore
    let scripts: any SieveStore
    let authenticator: SASLAuthenticator
    let connection: ConnectionContext
    let limits: SieveLimits
    let maxScripts: Int
    /// Where include finds personal and global scripts (RFC 6609 §3.2).
    let library: SieveScriptLibrary
    let logger: Logger

    func run(_ step: ManageSieveStep) async -> ManageSieveStepResult {
        switch step {
        case .authenticate(let mechanism, let initialResponse, let tlsActive):
            return .login(await SASLLogin.begin(mechanism: mechanism, initialResponse: initialResponse, tlsActive: tlsActive,
                                                connection: connection, authenticator: authenticator, logger: logger))
        case .continueAuthentication(let login, let response):
            return .login(await login.respond(response))
        case .openAccount(let username):
            guard let address = try? EmailAddress(username) else { return .account(.failure(.authentication(.invalidCredentials))) }
            do {
                guard let account = try await store.account(address) else { return .account(.failure(.authentication(.invalidCredentials))) }
                return .account(.success(ManageSieveUser(account: account.id, name: account.address.description)))
            } catch {
                logger.error("cannot open account", metadata: ["error": "\(error)"])
                return .account(.failure(.accountUnavailable))
            }
        case .check(let user, let script):
            // §2.12, RFC 6609 §3.2: a missing included script is a warning, as at upload.
            switch await checked(script, user, named: nil, mode: .upload) {
            case .failure(let failure): return .done(.failure(failure))
            case .success(let warnings): return .done(.success(Self.ok(warnings, "Script is valid")))
            }
        default:
            do {
                return .done(try await scriptCommand(step))
            } catch {
                logger.error("sieve script store failed", metadata: ["error": "\(error)"])
                return .done(.failure(.storeUnavailable))
            }
        }
    }

    private func scriptCommand(_ step: ManageSieveStep) async throws -> Result<ManageSieveReply, ManageSieveFailure> {
        switch step {
        case .haveSpace(let user, let name, _):
            // §2.5: the size was checked against the limit; a new name must fit the script count.
            if let failure = try await countProblem(user, adding: name) { return .failure(failure) }
            return .success(.ok(nil, "Putting the script would succeed"))
        case .put(let user, let name, let script):
            let warnings: [String]
            switch await checked(script, user, named: name, mode: .upload) {
            case .failure(let failure): return .failure(failure)
            case .success(let found): warnings = found
            }
            if let failure = try await countProblem(user, adding: name) { return .failure(failure) }
            try await scripts.putSieveScript(of: user.account, name: name, source: script, at: Date())
            logger.info("script stored", metadata: ["user": "\(user.name)", "octets": "\(script.utf8.count)"])
            return .success(Self.ok(warnings, "PUTSCRIPT completed"))
        case .list(let user):
            let entries = try await scripts.sieveScripts(of: user.account).map { ManageSieveReply.ScriptEntry(name: $0.name, active: $0.active) }
            return .success(.scripts(entries))
        case .setActive(let user, nil):
            try await scripts.activateSieveScript(of: user.account, named: nil)
            return .success(.ok(nil, "No script is active now"))
        case .setActive(let user, let name?):
            guard let script = try await scripts.sieveScript(of: user.account, named: name) else { return .failure(.nonexistent(name)) }
            // A script stored under other limits must still compile before it runs on mail, and
            // what it includes must exist now (RFC 6609 §3.2; Pigeonhole refuses the same).
            if case .failure(let failure) = await checked(script.source, user, named: name, mode: .activate) { return .failure(failure) }
            try await scripts.activateSieveScript(of: user.account, named: name)
            return .success(.ok(nil, "SETACTIVE completed"))
        case .get(let user, let name):
            guard let script = try await scripts.sieveScript(of: user.account, named: name) else { return .failure(.nonexistent(name)) }
            return .success(.script(script.source))
        case .delete(let user, let name):
            guard let script = try await scripts.sieveScript(of: user.account, named: name) else { return .failure(.nonexistent(name)) }
            // §2.10: "the server MUST NOT allow the client to delete an active script".
            guard !script.active else { return .failure(.active(name)) }
            guard try await scripts.deleteSieveScript(of: user.account, named: name) else { return .failure(.nonexistent(name)) }
            return .success(.ok(nil, "DELETESCRIPT completed"))
        case .rename(let user, let from, let to):
            do {
                try await scripts.renameSieveScript(of: user.account, from: from, to: to)
            } catch let missing as SieveScriptNotFound {
                return .failure(.nonexistent(missing.name))
            } catch let taken as SieveScriptExists {
                return .failure(.alreadyExists(taken.name))
            }
            return .success(.ok(nil, "RENAMESCRIPT completed"))
        case .authenticate, .continueAuthentication, .openAccount, .check:
            preconditionFailure("handled by run(_:)")
        }
    }

    /// The compiler's first error under the configured limits, or the first problem of what the
    /// script includes (RFC 6609 §3.2), as the client sees it; else the include warnings.
    private func checked(_ script: String, _ user: ManageSieveUser, named name: String?,
                         mode: SieveIncludeMode) async -> Result<[String], ManageSieveFailure> {
        let program: SieveProgram
        do { program = try SieveProgram.compile(script, limits: limits) } catch { return .failure(.compile(error.description)) }
        guard !program.includes.isEmpty else { return .success([]) }
        let library = self.library, account = user.account
        let resolver = SieveIncludeResolver(limits: limits) { reference in
            reference.location == .personal ? try await library.personal(account, reference.name) : try await library.global(reference.name)
        }
        do {
            return .success(try await resolver.resolve(program, named: name.map { SieveScriptReference(.personal, $0) }, mode: mode).warnings)
        } catch {
            if case .unavailable(let why) = error {
                logger.error("sieve scripts cannot be read", metadata: ["error": "\(why)"])
                return .failure(.storeUnavailable)
            }
            return .failure(.compile(error.description))
        }
    }

    /// OK, with RFC 5804 §1.3 (WARNINGS) and the warnings as its text when there are any.
    static func ok(_ warnings: [String], _ text: String) -> ManageSieveReply {
        warnings.isEmpty ? .ok(nil, text) : .ok(.warnings, warnings.joined(separator: "\r\n"))
    }

    /// QUOTA/MAXSCRIPTS when `name` is new and the account already has `maxScripts`.
    private func countProblem(_ user: ManageSieveUser, adding name: String) async throws -> ManageSieveFailure? {
        let existing = try await scripts.sieveScripts(of: user.account)
        guard !existing.contains(where: { $0.name == name }), existing.count >= maxScripts else { return nil }
        return .tooManyScripts(limit: maxScripts)
    }
}
