/// The parse tree of RFC 5228 §8.2, before any command is known: the compiler gives it meaning.
public enum SieveArgument: Sendable, Equatable {
    case strings([String], SievePosition)
    case number(Int, SievePosition)
    case tag(String, SievePosition)

    var position: SievePosition {
        switch self {
        case .strings(_, let p), .number(_, let p), .tag(_, let p): p
        }
    }
}

public struct SieveTestNode: Sendable, Equatable {
    public var name: String
    public var arguments: [SieveArgument]
    public var tests: [SieveTestNode]
    public var position: SievePosition
}

public struct SieveCommandNode: Sendable, Equatable {
    public var name: String
    public var arguments: [SieveArgument]
    public var tests: [SieveTestNode]
    /// nil when the command ended with ";".
    public var block: [SieveCommandNode]?
    public var position: SievePosition
}

/// Recursive descent over the tokens; nesting and the number of commands are bounded.
struct SieveParser {
    private let tokens: [SieveToken]
    private let limits: SieveLimits
    private var index = 0
    private var nodes = 0
    private let end: SievePosition

    init(tokens: [SieveToken], limits: SieveLimits, end: SievePosition) {
        self.tokens = tokens
        self.limits = limits
        self.end = end
    }

    static func parse(_ source: [UInt8], limits: SieveLimits) throws(SieveCompileError) -> [SieveCommandNode] {
        var lexer = SieveLexer(source, limits: limits)
        let tokens = try lexer.tokens()
        var parser = SieveParser(tokens: tokens, limits: limits, end: lexer.position)
        let commands = try parser.commands(depth: 0)
        if parser.index < tokens.count { throw SieveCompileError("unexpected '}'", at: tokens[parser.index].position) }
        return commands
    }

    private var here: SievePosition { index < tokens.count ? tokens[index].position : end }

    private func isPunctuation(_ c: Character) -> Bool {
        guard index < tokens.count, case .punctuation(let p) = tokens[index].kind else { return false }
        return p == c.asciiValue
    }

    private mutating func count(_ position: SievePosition, depth: Int) throws(SieveCompileError) {
        nodes += 1
        guard nodes <= limits.maxCommands else {
            throw SieveCompileError("more than \(limits.maxCommands) commands and tests", at: position)
        }
        guard depth <= limits.maxNesting else {
            throw SieveCompileError("nested deeper than \(limits.maxNesting)", at: position)
        }
    }

    // commands = *command
    private mutating func commands(depth: Int) throws(SieveCompileError) -> [SieveCommandNode] {
        var result: [SieveCommandNode] = []
        while index < tokens.count, !isPunctuation("}") { result.append(try command(depth: depth)) }
        return result
    }

    // command = identifier arguments (";" / block)
    private mutating func command(depth: Int) throws(SieveCompileError) -> SieveCommandNode {
        let token = tokens[index]
        guard case .identifier(let name) = token.kind else { throw SieveCompileError("expected a command", at: token.position) }
        try count(token.position, depth: depth)
        index += 1
        let (arguments, tests) = try argumentsAndTests(depth: depth)
        if isPunctuation(";") {
            index += 1
            return SieveCommandNode(name: name, arguments: arguments, tests: tests, block: nil, position: token.position)
        }
        guard isPunctuation("{") else { throw SieveCompileError("expected ';' or '{' after \(name)", at: here) }
        let open = here
        index += 1
        let block = try commands(depth: depth + 1)
        guard isPunctuation("}") else { throw SieveCompileError("block opened here is not closed", at: open) }
        index += 1
        return SieveCommandNode(name: name, arguments: arguments, tests: tests, block: block, position: token.position)
    }

    // arguments = *argument [ test / test-list ]
    private mutating func argumentsAndTests(depth: Int) throws(SieveCompileError) -> ([SieveArgument], [SieveTestNode]) {
        var arguments: [SieveArgument] = []
        while index < tokens.count {
            let token = tokens[index]
            switch token.kind {
            case .tag(let t): arguments.append(.tag(t, token.position)); index += 1
            case .number(let n): arguments.append(.number(n, token.position)); index += 1
            case .string(let s): arguments.append(.strings([s], token.position)); index += 1
            case .punctuation(UInt8(ascii: "[")): arguments.append(.strings(try stringList(), token.position))
            case .identifier: return (arguments, [try test(depth: depth + 1)])
            case .punctuation(UInt8(ascii: "(")): return (arguments, try testList(depth: depth + 1))
            default: return (arguments, [])
            }
        }
        return (arguments, [])
    }

    // string-list = "[" string *("," string) "]" / string
    private mutating func stringList() throws(SieveCompileError) -> [String] {
        let open = here
        index += 1
        var strings: [String] = []
        while true {
            guard index < tokens.count, case .string(let s) = tokens[index].kind else {
                throw SieveCompileError("expected a string in the list", at: index < tokens.count ? here : open)
            }
            strings.append(s)
            index += 1
            if isPunctuation(",") { index += 1; continue }
            guard isPunctuation("]") else { throw SieveCompileError("expected ',' or ']'", at: here) }
            index += 1
            return strings
        }
    }

    // test = identifier arguments
    private mutating func test(depth: Int) throws(SieveCompileError) -> SieveTestNode {
        guard index < tokens.count, case .identifier(let name) = tokens[index].kind else {
            throw SieveCompileError("expected a test", at: here)
        }
        let position = tokens[index].position
        try count(position, depth: depth)
        index += 1
        let (arguments, tests) = try argumentsAndTests(depth: depth)
        return SieveTestNode(name: name, arguments: arguments, tests: tests, position: position)
    }

    // test-list = "(" test *("," test) ")"
    private mutating func testList(depth: Int) throws(SieveCompileError) -> [SieveTestNode] {
        index += 1
        var tests: [SieveTestNode] = []
        while true {
            tests.append(try test(depth: depth))
            if isPunctuation(",") { index += 1; continue }
            guard isPunctuation(")") else { throw SieveCompileError("expected ',' or ')'", at: here) }
            index += 1
            return tests
        }
    }
}
