/// A ManageSieve command (RFC 5804 §2).
public enum ManageSieveCommand: Sendable, Equatable {
    /// §2.1: `"AUTHENTICATE" SP auth-type [SP string]`.
    case authenticate(mechanism: String, initialResponse: String?)
    /// §2.2.
    case startTLS
    /// §2.3.
    case logout
    /// §2.4.
    case capability
    /// §2.5: `"HAVESPACE" SP sieve-name SP number`.
    case haveSpace(name: String, size: UInt64)
    /// §2.6: `"PUTSCRIPT" SP sieve-name SP sieve-script`.
    case putScript(name: String, script: String)
    /// §2.7.
    case listScripts
    /// §2.8: the empty name deactivates.
    case setActive(name: String)
    /// §2.9.
    case getScript(name: String)
    /// §2.10.
    case deleteScript(name: String)
    /// §2.11.
    case renameScript(from: String, to: String)
    /// §2.12.
    case checkScript(script: String)
    /// §2.13: `"NOOP" [SP string]`, the string echoed in the TAG response code.
    case noop(tag: String?)
    /// §2.14 (the UNAUTHENTICATE capability).
    case unauthenticate

    /// The keyword, for logs (arguments are never logged).
    public var keyword: String {
        switch self {
        case .authenticate: "AUTHENTICATE"
        case .startTLS: "STARTTLS"
        case .logout: "LOGOUT"
        case .capability: "CAPABILITY"
        case .haveSpace: "HAVESPACE"
        case .putScript: "PUTSCRIPT"
        case .listScripts: "LISTSCRIPTS"
        case .setActive: "SETACTIVE"
        case .getScript: "GETSCRIPT"
        case .deleteScript: "DELETESCRIPT"
        case .renameScript: "RENAMESCRIPT"
        case .checkScript: "CHECKSCRIPT"
        case .noop: "NOOP"
        case .unauthenticate: "UNAUTHENTICATE"
        }
    }
}

public enum ManageSieveParseError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    /// The name when it looks like a command word; empty otherwise (never echoing raw input).
    case unknownCommand(String)
    case syntax(String)

    public var description: String {
        switch self {
        case .empty: "Empty command"
        case .unknownCommand(let keyword): keyword.isEmpty ? "Unknown command" : "Unknown command \(keyword)"
        case .syntax(let why): why
        }
    }
}
