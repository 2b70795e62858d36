/// A POP3 command (RFC 1939 §4-7, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 AUTH).
public enum POP3Command: Sendable, Equatable {
    case user(String)
    case pass(String)
    case apop(name: String, digest: String)
    /// `AUTH` alone lists mechanisms (a common extension); `AUTH mech [initial-response]` starts SASL.
    case auth(mechanism: String?, initialResponse: String?)
    case stls
    case capa
    case stat
    case list(Int?)
    case retr(Int)
    case dele(Int)
    case noop
    case rset
    case quit
    case top(Int, lines: Int)
    case uidl(Int?)

    /// The keyword, for logs (arguments of USER/PASS/AUTH are never logged).
    public var keyword: String {
        switch self {
        case .user: "USER"
        case .pass: "PASS"
        case .apop: "APOP"
        case .auth: "AUTH"
        case .stls: "STLS"
        case .capa: "CAPA"
        case .stat: "STAT"
        case .list: "LIST"
        case .retr: "RETR"
        case .dele: "DELE"
        case .noop: "NOOP"
        case .rset: "RSET"
        case .quit: "QUIT"
        case .top: "TOP"
        case .uidl: "UIDL"
        }
    }
}

public enum POP3ParseError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case unknownCommand(String)
    case syntax(String)

    public var description: String {
        switch self {
        case .empty: "empty command"
        case .unknownCommand(let keyword): keyword.isEmpty ? "unknown command" : "unknown command \(keyword)"
        case .syntax(let why): why
        }
    }
}

public enum POP3Parser {
    /// RFC 1939 §3: "Commands in the POP3 consist of a case-insensitive keyword, possibly followed
    /// by one or more arguments ... separated by a single SPACE character"; keywords are 3 or 4
    /// characters. PASS takes the rest of the line, since passwords may contain spaces (§7 note).
    public static func parse(_ line: String) throws(POP3ParseError) -> POP3Command {
        guard !line.isEmpty else { throw .empty }
        let keywordEnd = line.firstIndex(of: " ") ?? line.endIndex
        let keyword = line[..<keywordEnd].uppercased()
        let rest = keywordEnd < line.endIndex ? String(line[line.index(after: keywordEnd)...]) : ""
        let arguments = rest.isEmpty ? [] : rest.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        func count(_ allowed: ClosedRange<Int>) throws(POP3ParseError) {
            guard allowed.contains(arguments.count), !arguments.contains(where: \.isEmpty) else {
                throw .syntax("\(keyword) takes \(allowed.lowerBound == allowed.upperBound ? "\(allowed.lowerBound)" : "\(allowed.lowerBound) to \(allowed.upperBound)") argument(s)")
            }
        }
        func number(_ text: String) throws(POP3ParseError) -> Int {
            // The argument is never echoed: it may be kilobytes long and carry NUL or ESC.
            guard let value = Int(text), value >= 0, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) else {
                throw .syntax("\(keyword): the argument is not a number")
            }
            return value
        }
        switch keyword {
        case "USER":
            try count(1...1)
            return .user(arguments[0])
        case "PASS":
            guard !rest.isEmpty else { throw .syntax("PASS takes a password") }
            return .pass(rest)
        case "APOP":
            try count(2...2)
            return .apop(name: arguments[0], digest: arguments[1])
        case "AUTH":
            try count(0...2)
            return .auth(mechanism: arguments.first?.uppercased(), initialResponse: arguments.count > 1 ? arguments[1] : nil)
        case "STLS": try count(0...0); return .stls
        case "CAPA": try count(0...0); return .capa
        case "STAT": try count(0...0); return .stat
        case "NOOP": try count(0...0); return .noop
        case "RSET": try count(0...0); return .rset
        case "QUIT": try count(0...0); return .quit
        case "LIST":
            try count(0...1)
            return .list(try arguments.first.map { (text: String) throws(POP3ParseError) in try number(text) })
        case "UIDL":
            try count(0...1)
            return .uidl(try arguments.first.map { (text: String) throws(POP3ParseError) in try number(text) })
        case "RETR":
            try count(1...1)
            return .retr(try number(arguments[0]))
        case "DELE":
            try count(1...1)
            return .dele(try number(arguments[0]))
        case "TOP":
            try count(2...2)
            return .top(try number(arguments[0]), lines: try number(arguments[1]))
        default:
            // Echoed only when it looks like a keyword (RFC 1939 §3: 3 or 4 characters).
            let printable = keyword.count <= 8 && keyword.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
            throw .unknownCommand(printable ? keyword : "")
        }
    }
}
