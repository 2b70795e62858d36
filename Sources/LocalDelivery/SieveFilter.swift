import Foundation
import Logging
import MailCore
import MailMessage
import MailStore
import SieveProtocol

/// `[sieve]` settings as local delivery uses them (docs/sieve.md, docs/configuration.md).
public struct SieveDeliverySettings: Sendable {
    public var limits = SieveLimits()
    public var vacation = SieveVacationPolicy()
    /// Compiled programs kept in memory (`sieve.cache_entries`).
    public var cacheEntries = 1_000

    public init() {}
}

/// Compiled programs by script text: a script is compiled once, not per message.
actor SieveProgramCache {
    private var programs: [String: Result<SieveProgram, SieveCompileError>] = [:]
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func program(for source: String, limits: SieveLimits) -> Result<SieveProgram, SieveCompileError> {
        if let cached = programs[source] { return cached }
        let compiled: Result<SieveProgram, SieveCompileError>
        do { compiled = .success(try SieveProgram.compile(source, limits: limits)) } catch { compiled = .failure(error) }
        if programs.count >= capacity { programs.removeAll(keepingCapacity: true) }
        programs[source] = compiled
        return compiled
    }

    var count: Int { programs.count }
}

/// Runs each account's active script at delivery (RFC 5228 §2.10). Any failure — no script
/// readable, a compile error, a runtime error or a bound hit — is logged and yields nil: the
/// caller then files the message in INBOX, so mail is never lost to a script.
public struct SieveFilter: Sendable {
    public let store: any SieveStore
    public let settings: SieveDeliverySettings
    /// Signs vacation responses as mail of `account` (DKIM, like submitted mail); nil: unsigned.
    public let signReply: (@Sendable (_ message: [UInt8], _ account: Account) async -> [UInt8])?
    let cache: SieveProgramCache

    public init(store: any SieveStore, settings: SieveDeliverySettings = SieveDeliverySettings(),
                signReply: (@Sendable (_ message: [UInt8], _ account: Account) async -> [UInt8])? = nil) {
        self.store = store
        self.settings = settings
        self.signReply = signReply
        self.cache = SieveProgramCache(capacity: settings.cacheEntries)
    }

    /// The script's actions for `account`, or nil when the account has no active script or the
    /// run failed (logged).
    func evaluate(_ account: Account, request: DeliveryRequest, envelopeTo: EmailAddress, mailboxes: Set<String>,
                  logger: Logger) async -> [SieveAction]? {
        let script: SieveScript?
        do { script = try await store.activeSieveScript(of: account.id) } catch {
            logger.warning("sieve: cannot read the active script; delivering to INBOX", metadata: ["to": "\(account.address)", "error": "\(error)"])
            return nil
        }
        guard let script else { return nil }
        switch await cache.program(for: script.source, limits: settings.limits) {
        case .failure(let error):
            logger.warning("sieve: script does not compile; delivering to INBOX",
                           metadata: ["to": "\(account.address)", "script": "\(script.name)", "error": "\(error)"])
            return nil
        case .success(let program):
            let input = SieveInput(received: request.message, envelopeFrom: request.mailFrom?.description ?? "",
                                   envelopeTo: envelopeTo.description, mailboxes: mailboxes)
            do {
                let result = try SieveInterpreter.run(program, on: input, limits: settings.limits, vacation: settings.vacation)
                logger.debug("sieve: ran", metadata: ["to": "\(account.address)", "steps": "\(result.steps)", "actions": "\(result.actions.count)"])
                return result.actions
            } catch {
                logger.warning("sieve: runtime error; delivering to INBOX",
                               metadata: ["to": "\(account.address)", "script": "\(script.name)", "error": "\(error)"])
                return nil
            }
        }
    }
}
