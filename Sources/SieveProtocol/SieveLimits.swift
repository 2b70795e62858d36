/// Every bound on a Sieve script and its run, in one place (docs/sieve.md "Limits"; the `[sieve]`
/// configuration keys). RFC 5228 §2.10.6 lets an implementation limit scripts and their actions;
/// these keep a hostile or broken script from costing more than a bounded amount per message.
public struct SieveLimits: Sendable, Equatable {
    /// Octets of script source (`sieve.max_script_size`).
    public var maxScriptSize = 64 * 1024
    /// Octets of one string literal after decoding (`sieve.max_string_length`).
    public var maxStringLength = 16 * 1024
    /// Depth of nested blocks and tests (`sieve.max_nesting`).
    public var maxNesting = 32
    /// Commands and tests in one script (`sieve.max_commands`).
    public var maxCommands = 2_000
    /// Steps of the interpreter per message: each command, test, key comparison and wildcard
    /// backtrack counts (`sieve.max_instructions`). A script that hits it delivers to INBOX.
    public var maxInstructions = 100_000
    /// Redirect actions per message (`sieve.max_redirects`); RFC 5228 §4.2 leaves the number to us.
    public var maxRedirects = 4
    /// Variables per script and octets of one variable's value (RFC 5229 §6).
    public var maxVariables = 128
    public var maxVariableSize = 4 * 1024
    /// Octets of body text a `body` test looks at (RFC 5173 §5 lets the server bound it).
    public var maxBodyText = 1024 * 1024

    /// addheader actions per message (`sieve.max_header_edits`, RFC 5293 §4).
    public var maxHeaderEdits = 32

    /// RFC 6609 §3.2 include: how deep includes may nest (`sieve.max_include_depth`) and how many
    /// scripts one run may include in all (`sieve.max_included_scripts`); Pigeonhole's defaults.
    public var maxIncludeDepth = 10
    public var maxIncludedScripts = 255

    /// draft-ietf-sieve-regex-01 :regex, run by ICU: octets of one pattern (`sieve.regex_max_pattern`),
    /// ICU's time limit for one search in its units of about 10,000 match steps
    /// (`sieve.regex_time_limit`, uregex_setTimeLimit), octets of its backtrack stack
    /// (`sieve.regex_stack_limit`), and the time all :regex searches of one run may take
    /// (`sieve.regex_run_time`). Hitting any of them makes the test false (logged).
    public var maxRegexSize = 4 * 1024
    public var regexTimeLimit = 100
    public var regexStackLimit = 1024 * 1024
    public var regexRunTime: Duration = .seconds(2)

    public init() {}

    public static let `default` = SieveLimits()
}
