import LocalDelivery
import SieveProtocol

// `[sieve]`: filtering at local delivery (issue 26, docs/sieve.md). On by default: an account
// without an active script is delivered as before; the limits bound what a script may cost.
extension ConfigSchema {
    static let sieveKeys: [ConfigKey] = [
        key("sieve.enabled", .choice(["on", "off"]), .string("on"),
            "Run each account's active Sieve script at local delivery (hato sieve put/activate). off: every message goes to INBOX."),
        key("sieve.max_script_size", .integer(min: 1024, max: 1_048_576), .int(65_536), "Octets of one script's source."),
        key("sieve.max_string_length", .integer(min: 64, max: 1_048_576), .int(16_384), "Octets of one string in a script."),
        key("sieve.max_nesting", .integer(min: 2, max: 256), .int(32), "Depth of nested blocks and tests."),
        key("sieve.max_commands", .integer(min: 10, max: 100_000), .int(2_000), "Commands and tests in one script."),
        key("sieve.max_instructions", .integer(min: 100, max: 10_000_000), .int(100_000),
            "Interpreter steps per message (commands, tests, comparisons, wildcard backtracking); a run over it delivers to INBOX."),
        key("sieve.max_redirects", .integer(min: 0, max: 64), .int(4), "Redirect actions per message; more is a runtime error (INBOX)."),
        key("sieve.max_variables", .integer(min: 1, max: 10_000), .int(128), "Variables one script may set (RFC 5229)."),
        key("sieve.max_variable_size", .integer(min: 64, max: 1_048_576), .int(4_096), "Octets of one variable's value; longer values are cut."),
        key("sieve.max_body_text", .integer(min: 1024, max: 67_108_864), .int(1_048_576), "Octets of each body part a body test looks at (RFC 5173)."),
        key("sieve.vacation_default_period", .duration, .int(604_800), "Vacation period without :days or :seconds (RFC 5230 §4.1): one response per sender per period."),
        key("sieve.vacation_min_period", .duration, .int(86_400), "Shortest vacation period; shorter :days/:seconds are raised to it (RFC 6131 §2)."),
        key("sieve.vacation_max_period", .duration, .int(5_184_000), "Longest vacation period; longer ones are lowered to it."),
        key("sieve.managesieve_max_scripts", .integer(min: 1, max: 10_000), .int(32),
            "Scripts one account may keep through ManageSieve; PUTSCRIPT of one more gets NO (QUOTA/MAXSCRIPTS)."),
        key("sieve.cache_entries", .integer(min: 1, max: 1_000_000), .int(1_000), "Compiled scripts kept in memory."),
        key("sieve.max_header_edits", .integer(min: 1, max: 1_000), .int(32), "addheader actions per message (RFC 5293); more is a runtime error (INBOX)."),
        key("sieve.duplicate_default_period", .duration, .int(604_800), "How long an id tracked by the duplicate test counts without :seconds (RFC 7352)."),
        key("sieve.duplicate_max_period", .duration, .int(2_592_000), "Longest duplicate :seconds; longer ones are lowered to it."),
        key("sieve.duplicate_max_entries", .integer(min: 10, max: 1_000_000), .int(10_000),
            "Duplicate ids tracked per account; beyond it the ones expiring first are dropped."),
        key("sieve.global_dir", .path, nil,
            "Directory of the global scripts include :global finds, as <name>.sieve (RFC 6609). Unset: there are none."),
        key("sieve.max_include_depth", .integer(min: 1, max: 64), .int(10), "How deep include may nest (RFC 6609 §3.2)."),
        key("sieve.max_included_scripts", .integer(min: 1, max: 10_000), .int(255), "Scripts one run may include in all (RFC 6609 §3.2)."),
        key("sieve.regex_max_pattern", .integer(min: 16, max: 65_536), .int(4_096), "Octets of one :regex pattern (draft-ietf-sieve-regex); longer is a compile error."),
        key("sieve.regex_time_limit", .integer(min: 1, max: 100_000), .int(100),
            "ICU's time limit for one :regex search, in its units of about 10,000 match steps; a search over it is false (logged)."),
        key("sieve.regex_stack_limit", .size, .int(1_048_576), "Octets of backtrack stack one :regex search may use; over it the test is false (logged)."),
        key("sieve.regex_run_time", .duration, .int(2), "Time all :regex searches of one message may take; later :regex tests are false (logged)."),
        key("sieve.spamtest_max_score", .integer(min: 1, max: 1_000), .int(10),
            "The Hato-Risk score that spamtest reports as 10 (certainly spam, RFC 5235); lower scores are spread over 1-10."),
    ]
}

/// `[sieve]`, checked and typed.
public struct SieveSettings: Sendable {
    public var enabled: Bool
    public var delivery: SieveDeliverySettings
    /// `sieve.managesieve_max_scripts`.
    public var maxScripts: Int

    /// The first compile error of `source` under these limits ("line L, column C: ..."), or nil.
    public func check(_ source: String) -> String? {
        do {
            _ = try SieveProgram.compile(source, limits: delivery.limits)
            return nil
        } catch {
            return error.description
        }
    }

    init(values: [String: ConfigValue]) throws {
        func int(_ path: String, _ fallback: Int) -> Int { if case .int(let i) = values[path] { i } else { fallback } }
        enabled = { if case .string(let s) = values["sieve.enabled"] { s != "off" } else { true } }()
        var limits = SieveLimits()
        limits.maxScriptSize = int("sieve.max_script_size", limits.maxScriptSize)
        limits.maxStringLength = int("sieve.max_string_length", limits.maxStringLength)
        limits.maxNesting = int("sieve.max_nesting", limits.maxNesting)
        limits.maxCommands = int("sieve.max_commands", limits.maxCommands)
        limits.maxInstructions = int("sieve.max_instructions", limits.maxInstructions)
        limits.maxRedirects = int("sieve.max_redirects", limits.maxRedirects)
        limits.maxVariables = int("sieve.max_variables", limits.maxVariables)
        limits.maxVariableSize = int("sieve.max_variable_size", limits.maxVariableSize)
        limits.maxBodyText = int("sieve.max_body_text", limits.maxBodyText)
        limits.maxHeaderEdits = int("sieve.max_header_edits", limits.maxHeaderEdits)
        limits.maxIncludeDepth = int("sieve.max_include_depth", limits.maxIncludeDepth)
        limits.maxIncludedScripts = int("sieve.max_included_scripts", limits.maxIncludedScripts)
        limits.maxRegexSize = int("sieve.regex_max_pattern", limits.maxRegexSize)
        limits.regexTimeLimit = int("sieve.regex_time_limit", limits.regexTimeLimit)
        limits.regexStackLimit = max(int("sieve.regex_stack_limit", limits.regexStackLimit), 4096)
        limits.regexRunTime = .seconds(max(int("sieve.regex_run_time", 2), 1))
        var vacation = SieveVacationPolicy()
        vacation.defaultPeriod = int("sieve.vacation_default_period", vacation.defaultPeriod)
        vacation.minimumPeriod = int("sieve.vacation_min_period", vacation.minimumPeriod)
        vacation.maximumPeriod = int("sieve.vacation_max_period", vacation.maximumPeriod)
        guard vacation.minimumPeriod <= vacation.maximumPeriod else {
            throw ConfigKeyError(path: "sieve.vacation_min_period", message: "is longer than sieve.vacation_max_period")
        }
        delivery = SieveDeliverySettings()
        delivery.limits = limits
        delivery.vacation = vacation
        delivery.cacheEntries = int("sieve.cache_entries", delivery.cacheEntries)
        if case .string(let directory) = values["sieve.global_dir"], !directory.isEmpty { delivery.globalDirectory = directory }
        delivery.duplicate.defaultPeriod = int("sieve.duplicate_default_period", delivery.duplicate.defaultPeriod)
        delivery.duplicate.maximumPeriod = int("sieve.duplicate_max_period", delivery.duplicate.maximumPeriod)
        delivery.duplicateMaxEntries = int("sieve.duplicate_max_entries", delivery.duplicateMaxEntries)
        delivery.spamtestMaxScore = Double(int("sieve.spamtest_max_score", 10))
        maxScripts = int("sieve.managesieve_max_scripts", 32)
    }
}
