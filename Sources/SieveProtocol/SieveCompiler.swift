/// Gives the parse tree meaning: checks `require` (RFC 5228 §3.2), each command's arguments and
/// the extensions they need, and builds the instructions.
struct SieveCompiler {
    /// What this implementation supports (docs/sieve.md); `require` of anything else fails.
    static let supportedExtensions: Set<String> = [
        "fileinto", "envelope", "encoded-character", "imap4flags", "body", "relational", "subaddress", "copy",
        "variables", "reject", "ereject", "vacation", "vacation-seconds", "mailbox", "index", "date", "editheader", "duplicate", "include", "regex",
        "spamtest", "spamtestplus", "virustest", "environment",
        "comparator-i;octet", "comparator-i;ascii-casemap", "comparator-i;ascii-numeric", "comparator-i;unicode-casemap",
    ]

    /// The bounds literal :regex patterns are checked against.
    var limits = SieveLimits.default
    private(set) var extensions: Set<String> = []
    private var requiresAllowed = true

    mutating func compile(_ commands: [SieveCommandNode]) throws(SieveCompileError) -> [SieveInstruction] {
        var result: [SieveInstruction] = []
        var index = 0
        while index < commands.count {
            let node = commands[index]
            index += 1
            if node.name == "require" {
                try require(node)
                continue
            }
            requiresAllowed = false
            if node.name == "if" {
                var branches = [SieveBranch(test: try test(single(node)), body: try block(node))]
                var otherwise: [SieveInstruction]? = nil
                while index < commands.count, ["elsif", "else"].contains(commands[index].name) {
                    let next = commands[index]
                    index += 1
                    if next.name == "elsif" {
                        branches.append(SieveBranch(test: try test(single(next)), body: try block(next)))
                    } else {
                        guard next.arguments.isEmpty, next.tests.isEmpty else { throw SieveCompileError("else takes no test", at: next.position) }
                        otherwise = try block(next)
                        break
                    }
                }
                result.append(.conditional(branches, otherwise: otherwise))
                continue
            }
            if node.name == "elsif" || node.name == "else" {
                throw SieveCompileError("\(node.name) without a preceding if", at: node.position)
            }
            guard node.block == nil else { throw SieveCompileError("\(node.name) takes no block", at: node.position) }
            guard node.tests.isEmpty else { throw SieveCompileError("\(node.name) takes no test", at: node.position) }
            result.append(try action(node))
        }
        return result
    }

    // require <capabilities: string-list> (RFC 5228 §3.2)
    private mutating func require(_ node: SieveCommandNode) throws(SieveCompileError) {
        guard requiresAllowed else { throw SieveCompileError("require must come before other commands", at: node.position) }
        let arguments = try SieveArguments((node.name, node.arguments, node.position), valued: [], plain: [])
        try arguments.expect(1)
        for name in try arguments.strings(at: 0) {
            let lower = name.lowercased()
            guard Self.supportedExtensions.contains(lower) else {
                throw SieveCompileError("unsupported extension \"\(name)\"", at: node.position)
            }
            extensions.insert(lower)
            // RFC 6131 §2: vacation-seconds extends vacation; requiring it brings vacation along (as Pigeonhole does).
            if lower == "vacation-seconds" { extensions.insert("vacation") }
            // RFC 5235 §3.2: spamtestplus extends spamtest with :percent (Pigeonhole also brings spamtest along).
            if lower == "spamtestplus" { extensions.insert("spamtest") }
        }
    }

    private func single(_ node: SieveCommandNode) throws(SieveCompileError) -> SieveTestNode {
        guard node.arguments.isEmpty, node.tests.count == 1 else { throw SieveCompileError("\(node.name) needs one test", at: node.position) }
        return node.tests[0]
    }

    private mutating func block(_ node: SieveCommandNode) throws(SieveCompileError) -> [SieveInstruction] {
        guard let body = node.block else { throw SieveCompileError("\(node.name) needs a block", at: node.position) }
        var inner = self
        inner.requiresAllowed = false
        return try inner.compile(body)
    }

    func need(_ name: String, _ position: SievePosition) throws(SieveCompileError) {
        guard extensions.contains(name) else { throw SieveCompileError("\"\(name)\" is used but not required", at: position) }
    }

    /// The script's strings after RFC 5228 §2.4.2.4 decoding, where encoded-character is required.
    func text(_ value: String) -> String { extensions.contains("encoded-character") ? EncodedCharacter.decode(value) : value }
    func texts(_ values: [String]) -> [String] { values.map(text) }
}
