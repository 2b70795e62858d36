import NIOCore

/// One command as the framing decoder delivered it: the line parts joined (literal headers
/// removed) and each literal with the offset in `text` where its header stood.
public struct IMAPCommandBytes: Sendable, Equatable {
    public struct Literal: Sendable, Equatable {
        public var offset: Int
        public var data: ByteBuffer
        public var binary: Bool

        public init(offset: Int, data: ByteBuffer, binary: Bool = false) {
            self.offset = offset
            self.data = data
            self.binary = binary
        }
    }

    public var text: [UInt8]
    public var literals: [Literal]

    public init(text: [UInt8], literals: [Literal] = []) {
        self.text = text
        self.literals = literals
    }

    /// A command without literals, for tests and tools: `IMAPCommandBytes("a1 NOOP")`.
    public init(_ line: String) {
        self.init(text: Array(line.utf8))
    }
}

/// Why a command could not be used, and what the server answers (RFC 9051 §7.1.3 BAD, §7.1
/// response codes).
public struct IMAPCommandError: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Grammar error: `tag BAD <message>` (or `* BAD` without a tag).
        case syntax
        case lineTooLong
        /// The literal is over the limit: `tag NO [TOOBIG]` / `tag BAD [TOOBIG]` (RFC 4469, RFC 7888 §5).
        case literalTooLarge
        /// Too many literals, octets, list items or nesting levels: `tag BAD [LIMIT]` (RFC 9051 §7.1).
        case limitExceeded
        /// The command keyword is unknown.
        case unknownCommand
        /// A mailbox name is not valid modified UTF-7 / UTF-8.
        case invalidMailboxName
    }

    /// The tag when it could be read: answer `tag BAD ...`; nil: answer `* BAD ...`.
    public var tag: String?
    public var kind: Kind
    /// A short reason for the client, plain ASCII.
    public var message: String
    /// For `literalTooLarge`: whether the literal was synchronizing (the client waits for our
    /// answer: `NO [TOOBIG]`) or not (its octets are being skipped: `BAD [TOOBIG]`, RFC 7888 §5).
    public var synchronizing: Bool
    /// For `literalTooLarge`: the refused non-synchronizing literal is larger than any command
    /// the server takes (`IMAPLimits.maxCommandSize`): skipping its octets could take for ever
    /// (`{9223372036854775807+}`), so the server answers, says `* BYE [TOOBIG]` and closes
    /// instead (RFC 7888 §4, second choice).
    public var closesConnection: Bool
    /// For `literalTooLarge`: the command keyword ("APPEND" ...) when it could be read. An
    /// APPEND whose skipped literal was over the message size gets `NO [TOOBIG]` (RFC 4469).
    public var commandName: String?
    /// For `literalTooLarge`: the literal was refused only for the LITERAL- bound of 4096 octets,
    /// which RFC 7888 §5 answers with `BAD [TOOBIG]`.
    public var overLiteralMinusBound: Bool

    public init(tag: String?, kind: Kind, message: String, synchronizing: Bool = true, closesConnection: Bool = false,
                commandName: String? = nil, overLiteralMinusBound: Bool = false) {
        self.tag = tag
        self.kind = kind
        self.message = message
        self.synchronizing = synchronizing
        self.closesConnection = closesConnection
        self.commandName = commandName
        self.overLiteralMinusBound = overLiteralMinusBound
    }
}

/// Thrown inside the parser; the tag is added by `IMAPCommandParser`.
struct GrammarError: Error {
    var kind: IMAPCommandError.Kind
    var message: String

    init(_ message: String, kind: IMAPCommandError.Kind = .syntax) {
        self.kind = kind
        self.message = message
    }
}
