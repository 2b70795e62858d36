/// RFC 4790 comparators (RFC 5228 §2.7.3; i;unicode-casemap is RFC 5051).
public enum SieveComparator: String, Sendable, Equatable {
    case octet = "i;octet"
    case asciiCaseMap = "i;ascii-casemap"
    case unicodeCaseMap = "i;unicode-casemap"
    case asciiNumeric = "i;ascii-numeric"
}

/// RFC 5231 §4 relational operators.
public enum SieveRelation: String, Sendable, Equatable {
    case gt, ge, lt, le, eq, ne
}

public enum SieveMatchType: Sendable, Equatable {
    case `is`, contains, matches
    /// draft-ietf-sieve-regex-01.
    case regex
    /// RFC 5231 :value and :count.
    case value(SieveRelation), count(SieveRelation)
}

public struct SieveMatch: Sendable, Equatable {
    public var comparator: SieveComparator = .asciiCaseMap
    public var type: SieveMatchType = .is

    public init(comparator: SieveComparator = .asciiCaseMap, type: SieveMatchType = .is) {
        self.comparator = comparator
        self.type = type
    }
}

/// RFC 5228 §2.7.4 address parts, and RFC 5233 :user / :detail.
public enum SieveAddressPart: Sendable, Equatable {
    case all, localPart, domain, user, detail
}

/// RFC 5173 §5 body transforms.
public enum SieveBodyTransform: Sendable, Hashable {
    case raw, text
    case content([String])
}

/// RFC 5260 §6 `:index <fieldno> [:last]`: the fieldno-th occurrence of a header field,
/// counted from the top, or from the bottom with `:last`.
public struct SieveFieldIndex: Sendable, Equatable {
    public var position: Int
    public var fromEnd: Bool

    public init(position: Int, fromEnd: Bool) {
        self.position = position
        self.fromEnd = fromEnd
    }

    /// The selected element of `all` (the fields of one name in message order), if there is one.
    func select<T>(_ all: [T]) -> [T] {
        guard position >= 1, position <= all.count else { return [] }
        return [fromEnd ? all[all.count - position] : all[position - 1]]
    }
}

public indirect enum SieveTest: Sendable, Equatable {
    case constant(Bool)
    case not(SieveTest)
    case allOf([SieveTest]), anyOf([SieveTest])
    /// `index`: only the nth field of each name (RFC 5260 §6); nil: every field.
    case header(SieveMatch, names: [String], keys: [String], index: SieveFieldIndex? = nil)
    case address(SieveMatch, SieveAddressPart, names: [String], keys: [String], index: SieveFieldIndex? = nil)
    case envelope(SieveMatch, SieveAddressPart, parts: [String], keys: [String])
    case exists([String])
    case size(over: Bool, limit: Int)
    case body(SieveMatch, SieveBodyTransform, keys: [String])
    /// RFC 5232 §4; empty variables: the internal flags variable.
    case hasFlag(SieveMatch, variables: [String], keys: [String])
    /// RFC 5229 §5.
    case string(SieveMatch, sources: [String], keys: [String])
    /// RFC 5490 §3.1.
    case mailboxExists([String])
    /// RFC 5260 §4: a date-part of the date in a header field (first occurrence, or `index`).
    case date(SieveMatch, SieveDateZone, name: String, part: String, keys: [String], index: SieveFieldIndex? = nil)
    /// RFC 7352 §3.
    case duplicate(SieveDuplicateSpec)
    /// RFC 5260 §5: a date-part of the time the script runs.
    case currentDate(SieveMatch, SieveDateZone, part: String, keys: [String])
    /// RFC 5235 §3.1-3.2: the spam value (0-10, or 0-100 with `:percent`) against the key.
    case spamTest(SieveMatch, percent: Bool, keys: [String])
    /// RFC 5235 §3.3: the virus value (0-5) against the key.
    case virusTest(SieveMatch, keys: [String])
    /// RFC 5183 §4: an environment item against the keys.
    case environment(SieveMatch, name: String, keys: [String])
}

/// RFC 5229 §4.1 modifiers, applied highest precedence first.
public enum SieveModifier: String, Sendable, Equatable {
    case lower, upper, lowerfirst, upperfirst, quotewildcard, length

    var precedence: Int {
        switch self {
        case .lower, .upper: 40
        case .lowerfirst, .upperfirst: 30
        case .quotewildcard: 20
        case .length: 10
        }
    }
}

public enum SieveFlagOperation: Sendable, Equatable {
    case set, add, remove
}

/// RFC 5230 §4 vacation arguments, still unexpanded.
public struct SieveVacationSpec: Sendable, Equatable {
    /// :days (RFC 5230 §4.1) or :seconds (RFC 6131); nil: the configured default.
    public var seconds: Int?
    public var subject: String?
    public var from: String?
    public var addresses: [String] = []
    public var mime = false
    public var handle: String?
    public var reason: String

    public init(seconds: Int? = nil, subject: String? = nil, from: String? = nil, addresses: [String] = [], mime: Bool = false,
                handle: String? = nil, reason: String) {
        self.seconds = seconds
        self.subject = subject
        self.from = from
        self.addresses = addresses
        self.mime = mime
        self.handle = handle
        self.reason = reason
    }
}

/// One compiled command. `if`/`elsif`/`else` chains become one `conditional`.
public indirect enum SieveInstruction: Sendable, Equatable {
    case stop
    case keep(flags: [String]?)
    case discard
    case fileinto(mailbox: String, flags: [String]?, copy: Bool, create: Bool)
    case redirect(address: String, copy: Bool)
    case reject(reason: String, extended: Bool)
    case vacation(SieveVacationSpec)
    case conditional([SieveBranch], otherwise: [SieveInstruction]?)
    case flags(SieveFlagOperation, variable: String?, flags: [String])
    case set(name: String, value: String, modifiers: [SieveModifier])
    /// RFC 5293 §4, §5.
    case addHeader(name: String, value: String, last: Bool)
    case deleteHeader(SieveHeaderDeletion)
    /// RFC 6609 §3.2-§3.4.
    case include(SieveInclude)
    case returnFromInclude
    case global([String])
}

public struct SieveBranch: Sendable, Equatable {
    public var test: SieveTest
    public var body: [SieveInstruction]

    public init(test: SieveTest, body: [SieveInstruction]) {
        self.test = test
        self.body = body
    }
}

/// A compiled script: what `require` asked for and the instructions. Compiled once per script
/// text and cached by the delivery (docs/sieve.md).
public struct SieveProgram: Sendable, Equatable {
    public var extensions: Set<String>
    public var instructions: [SieveInstruction]

    /// Compiles `source` (RFC 5228 §8 grammar, then each command's arguments), or throws the
    /// first error with its line and column.
    public static func compile(_ source: String, limits: SieveLimits = .default) throws(SieveCompileError) -> SieveProgram {
        try compile(Array(source.utf8), limits: limits)
    }

    public static func compile(_ source: [UInt8], limits: SieveLimits = .default) throws(SieveCompileError) -> SieveProgram {
        let tree = try SieveParser.parse(source, limits: limits)
        var compiler = SieveCompiler()
        compiler.limits = limits
        let instructions = try compiler.compile(tree)
        return SieveProgram(extensions: compiler.extensions, instructions: instructions)
    }

    var usesVariables: Bool { extensions.contains("variables") }

    /// Every capability `require` accepts, sorted: what ManageSieve's SIEVE capability lists
    /// (RFC 5804 §1.7), so a client is offered exactly what the interpreter runs.
    public static var supportedExtensions: [String] { SieveCompiler.supportedExtensions.sorted() }
}
