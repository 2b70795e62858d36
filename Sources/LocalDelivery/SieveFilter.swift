import Crypto
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
    public var duplicate = SieveDuplicatePolicy()
    /// Tracked duplicate ids kept per account (`sieve.duplicate_max_entries`, RFC 7352).
    public var duplicateMaxEntries = 10_000
    /// Compiled programs kept in memory (`sieve.cache_entries`).
    public var cacheEntries = 1_000
    /// Where `include :global` scripts are (`sieve.global_dir`, RFC 6609); nil: none.
    public var globalDirectory: String?
    /// The `Hato-Risk` score that counts as certainly spam for RFC 5235 spamtest (`sieve.spamtest_max_score`).
    public var spamtestMaxScore = 10.0

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
    /// RFC 5183 "host" when the request does not say (the configured host name) and "version".
    public var hostname: String?
    public var version = ""
    /// The scripts include finds (RFC 6609 §3.2).
    public var library: SieveScriptLibrary {
        SieveScriptLibrary(store: store, globalDirectory: settings.globalDirectory, maxScriptSize: settings.limits.maxScriptSize)
    }

    public init(store: any SieveStore, settings: SieveDeliverySettings = SieveDeliverySettings(),
                signReply: (@Sendable (_ message: [UInt8], _ account: Account) async -> [UInt8])? = nil) {
        self.store = store
        self.settings = settings
        self.signReply = signReply
        self.cache = SieveProgramCache(capacity: settings.cacheEntries)
    }

    /// The script's actions (and RFC 5293 header edits) for `account`, or nil when the account
    /// has no active script or the run failed (logged). `mailboxes` is called once there is a
    /// script, and what it throws is thrown.
    func evaluate(_ account: Account, request: DeliveryRequest, envelopeTo: EmailAddress, logger: Logger,
                  mailboxes readMailboxes: () async throws(MailStoreError) -> Set<String>) async throws(MailStoreError) -> SieveResult? {
        let script: SieveScript?
        do { script = try await store.activeSieveScript(of: account.id) } catch {
            logger.warning("sieve: cannot read the active script; delivering to INBOX", metadata: ["to": "\(account.address)", "error": "\(error)"])
            return nil
        }
        guard let script else { return nil }
        let mailboxes = try await readMailboxes()
        switch await cache.program(for: script.source, limits: settings.limits) {
        case .failure(let error):
            logger.warning("sieve: script does not compile; delivering to INBOX",
                           metadata: ["to": "\(account.address)", "script": "\(script.name)", "error": "\(error)"])
            return nil
        case .success(let program):
            var input = SieveInput(received: request.message, envelopeFrom: request.mailFrom?.description ?? "",
                                   envelopeTo: envelopeTo.description, mailboxes: mailboxes)
            input.assessment = Self.assessment(of: request, header: request.message.header, maxScore: settings.spamtestMaxScore)
            input.environment = Self.environment(of: request, hostname: hostname, version: version)
            if program.extensions.contains("duplicate") {
                // RFC 7352: the account's tracked ids, read before the run (the interpreter does not wait).
                do {
                    let tracked = try await store.sieveDuplicateKeys(of: account.id, at: input.now, limit: settings.duplicateMaxEntries)
                    input.duplicateSeen = { tracked.contains(Self.duplicateKey($0)) }
                } catch {
                    logger.warning("sieve: cannot read duplicate tracking; delivering to INBOX", metadata: ["to": "\(account.address)", "error": "\(error)"])
                    return nil
                }
            }
            // RFC 6609: the included scripts as they are now (each compiled once per source text).
            let reference = SieveScriptReference(.personal, script.name)
            var scripts = SieveScriptSet(main: program, mainReference: reference)
            if !program.includes.isEmpty {
                do { scripts = try await includeResolver(for: account.id).resolve(program, named: reference, mode: .deliver) } catch {
                    logger.warning("sieve: included scripts cannot run; delivering to INBOX",
                                   metadata: ["to": "\(account.address)", "script": "\(script.name)", "error": "\(error)"])
                    return nil
                }
            }
            do {
                let result = try SieveInterpreter.run(scripts, on: input, limits: settings.limits, vacation: settings.vacation,
                                                      duplicate: settings.duplicate)
                for note in result.notes {
                    logger.notice("sieve: \(note)", metadata: ["to": "\(account.address)", "script": "\(script.name)"])
                }
                logger.debug("sieve: ran", metadata: ["to": "\(account.address)", "steps": "\(result.steps)", "actions": "\(result.actions.count)"])
                return result
            } catch {
                logger.warning("sieve: runtime error; delivering to INBOX",
                               metadata: ["to": "\(account.address)", "script": "\(script.name)", "error": "\(error)"])
                return nil
            }
        }
    }

    /// Loads what an account's script includes: personal scripts from the store, global ones from
    /// `globalDirectory`, compiled through the cache.
    public func includeResolver(for account: AccountID) -> SieveIncludeResolver {
        let library = self.library, cache = self.cache, limits = settings.limits
        return SieveIncludeResolver(limits: limits, fetch: { reference in
            switch reference.location {
            case .personal: try await library.personal(account, reference.name)
            case .global: try await library.global(reference.name)
            }
        }, compile: { source in await cache.program(for: source, limits: limits) })
    }

    /// The stored form of a duplicate id: SHA-256 of handle, NUL, unique id (bounded, not readable back).
    static func duplicateKey(_ id: String) -> String {
        SHA256.hash(data: Array(id.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// RFC 7352 §3: tracks the ids once the message was delivered; a failure is logged (the mail is safe).
    func recordDuplicates(_ records: [SieveDuplicateRecord], account: Account, logger: Logger) async {
        guard !records.isEmpty else { return }
        let now = Date()
        let entries = records.map { SieveDuplicateEntry(key: Self.duplicateKey($0.key), expires: now.addingTimeInterval(Double($0.seconds))) }
        do {
            try await store.recordSieveDuplicates(of: account.id, entries, at: now, limit: settings.duplicateMaxEntries)
        } catch {
            logger.warning("sieve: cannot record duplicate tracking", metadata: ["to": "\(account.address)", "error": "\(error)"])
        }
    }
}
