/// Parses one complete command (RFC 9051 §9 `command`), dispatching on the command keyword.
public struct IMAPCommandParser: Sendable {
    public var limits: IMAPLimits
    /// Mailbox name and string rules of this session; switch to `.utf8Accepted` after
    /// ENABLE IMAP4rev2 or ENABLE UTF8=ACCEPT.
    public var encoding: IMAPTextEncoding

    public init(limits: IMAPLimits = IMAPLimits(), encoding: IMAPTextEncoding = .imap4rev1) {
        self.limits = limits
        self.encoding = encoding
    }

    public func parse(_ bytes: IMAPCommandBytes) throws(IMAPCommandError) -> IMAPTaggedCommand {
        var p = GrammarParser(bytes, limits: limits, encoding: encoding)
        guard let tag = p.tag() else {
            throw IMAPCommandError(tag: nil, kind: .syntax, message: "missing or invalid tag")
        }
        do {
            try p.sp()
            let command = try p.command()
            try p.end()
            return IMAPTaggedCommand(tag: tag, command: command)
        } catch let error as GrammarError {
            throw IMAPCommandError(tag: tag, kind: error.kind, message: error.message)
        } catch {
            throw IMAPCommandError(tag: tag, kind: .syntax, message: "invalid command")
        }
    }

    /// The tag of a command line, if one can be read (for errors found before the grammar runs).
    public static func tag<Bytes: Collection>(of line: Bytes) -> String? where Bytes.Element == UInt8 {
        var p = GrammarParser(IMAPCommandBytes(text: Array(line)), limits: IMAPLimits(), encoding: .imap4rev1)
        guard let tag = p.tag(), p.peek() == UInt8(ascii: " ") else { return nil }
        return tag
    }
}

extension GrammarParser {
    /// tag = 1*<any ASTRING-CHAR except "+">
    mutating func tag() -> String? {
        let start = position
        while let b = peek(), Self.isAstringChar(b), b != UInt8(ascii: "+") { position += 1 }
        guard position > start, position - start <= 128 else { return nil }
        if let b = peek(), b != UInt8(ascii: " ") { return nil }
        return String(decoding: text[start..<position], as: UTF8.self)
    }

    /// command = tag SP (command-any / command-auth / command-nonauth / command-select) CRLF
    mutating func command() throws -> IMAPCommand {
        let name = try keyword()
        switch name {
        case "CAPABILITY": return .capability
        case "NOOP": return .noop
        case "LOGOUT": return .logout
        case "STARTTLS": return .startTLS
        case "NAMESPACE": return .namespace
        case "IDLE": return .idle
        case "CLOSE": return .close
        case "UNSELECT": return .unselect
        case "EXPUNGE": return .expunge
        case "UNAUTHENTICATE": return .unauthenticate
        // RFC 3501 §6.4.1 CHECK: "equivalent to NOOP" for our store, kept for rev1 clients.
        case "CHECK": return .noop
        case "AUTHENTICATE": return try authenticate()
        case "CANCELUPDATE":
            // command-select =/ "CANCELUPDATE" 1*(SP quoted)   (RFC 5267 §4.3.5, §5)
            var tags: [String] = []
            while skip(UInt8(ascii: " ")) {
                guard tags.count < limits.maxListElements else { throw GrammarError("too many items", kind: .limitExceeded) }
                tags.append(String(decoding: try quoted(), as: UTF8.self))
            }
            guard !tags.isEmpty else { throw GrammarError("expected a quoted tag") }
            return .cancelUpdate(tags)
        case "LOGIN":
            // login = "LOGIN" SP userid SP password
            try sp()
            let user = try utf8Astring()
            try sp()
            return .login(username: user, password: try utf8Astring())
        case "ENABLE":
            // enable = "ENABLE" 1*(SP capability)
            var names: [String] = []
            while skip(UInt8(ascii: " ")) {
                guard names.count < limits.maxListElements else { throw GrammarError("too many items", kind: .limitExceeded) }
                names.append(String(decoding: try atom().map(asciiUpper), as: UTF8.self))
            }
            guard !names.isEmpty else { throw GrammarError("expected capability") }
            return .enable(names)
        case "SELECT", "EXAMINE":
            try sp()
            let mailbox = try mailbox()
            let params = try selectParameters()
            return name == "SELECT" ? .select(mailbox, params) : .examine(mailbox, params)
        case "CREATE": return try create()
        case "DELETE": try sp(); return .delete(try mailbox())
        case "SUBSCRIBE": try sp(); return .subscribe(try mailbox())
        case "UNSUBSCRIBE": try sp(); return .unsubscribe(try mailbox())
        case "RENAME":
            // rename = "RENAME" SP mailbox SP mailbox
            try sp()
            let from = try mailbox()
            try sp()
            return .rename(from: from, to: try mailbox())
        case "LIST": return try list()
        case "LSUB":
            // lsub = "LSUB" SP mailbox SP list-mailbox     (RFC 3501 §9)
            try sp()
            let reference = try decodeMailbox(try astring())
            try sp()
            return .lsub(reference: reference, pattern: try listMailbox())
        case "STATUS":
            // status = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")"
            try sp()
            let mailbox = try mailbox()
            try sp()
            return .status(mailbox, try parenthesized(allowEmpty: false) { try $0.statusAttribute() })
        case "APPEND": return try append()
        case "REPLACE": return try replace(uid: false)
        case "ID": return try id()
        case "GETQUOTA":
            // getquota = "GETQUOTA" SP quota-root-name ; quota-root-name = astring  (RFC 9208 §7)
            try sp()
            return .getQuota(root: try utf8Astring())
        case "GETQUOTAROOT":
            // getquotaroot = "GETQUOTAROOT" SP mailbox  (RFC 9208 §7)
            try sp()
            return .getQuotaRoot(try mailbox())
        case "COMPRESS":
            // compress = "COMPRESS" SP algorithm ; algorithm = "DEFLATE" / atom  (RFC 4978 §4)
            try sp()
            return .compress(String(decoding: try atom().map(asciiUpper), as: UTF8.self))
        case "GETMETADATA": return try getMetadata()  // RFC 5464 §4.2
        case "SETMETADATA": return try setMetadata()  // RFC 5464 §4.3
        case "RESETKEY": return try resetKey()  // RFC 4467 §7
        case "GENURLAUTH": return try genURLAuth()  // RFC 4467 §7
        case "URLFETCH": return try urlFetch()  // RFC 4467 §7, RFC 5524 §3.1
        case "NOTIFY": return try notify()  // RFC 5465 §3.1
        case "UID": return try uidCommand()
        case "COPY", "MOVE", "FETCH", "STORE", "SEARCH", "SORT", "THREAD": return try sequenceCommand(name, uid: false)
        default:
            throw GrammarError("unknown command", kind: .unknownCommand)
        }
    }

    /// uid = "UID" SP (copy / move / fetch / search / store / uid-expunge)
    /// uid =/ "UID" SP (sort / thread)                                   (RFC 5256 §4)
    /// uid =/ "UID" SP replace                                           (RFC 8508 §5)
    mutating func uidCommand() throws -> IMAPCommand {
        try sp()
        let name = try keyword()
        if name == "REPLACE" { return try replace(uid: true) }
        if name == "EXPUNGE" {
            // uid-expunge = "EXPUNGE" SP sequence-set
            try sp()
            return .uidExpunge(try sequenceSet())
        }
        guard ["COPY", "MOVE", "FETCH", "STORE", "SEARCH", "SORT", "THREAD"].contains(name) else {
            throw GrammarError("unknown UID command", kind: .unknownCommand)
        }
        return try sequenceCommand(name, uid: true)
    }

    mutating func sequenceCommand(_ name: String, uid: Bool) throws -> IMAPCommand {
        if name == "SEARCH" { return .search(try search(), uid: uid) }
        if name == "SORT" { return .sort(try sort(), uid: uid) }
        if name == "THREAD" { return .thread(try thread(), uid: uid) }
        try sp()
        let set = try sequenceSet()
        switch name {
        case "COPY", "MOVE":
            // copy = "COPY" SP sequence-set SP mailbox ; move = "MOVE" SP sequence-set SP mailbox
            try sp()
            let mailbox = try mailbox()
            return name == "COPY" ? .copy(set, mailbox, uid: uid) : .move(set, mailbox, uid: uid)
        case "FETCH":
            let (attributes, modifiers) = try fetchArguments()
            return .fetch(set, attributes, modifiers, uid: uid)
        default:
            let (flags, unchangedSince) = try storeArguments()
            return .store(set, flags, unchangedSince: unchangedSince, uid: uid)
        }
    }

    /// authenticate = "AUTHENTICATE" SP auth-type [SP initial-resp]
    /// initial-resp = (base64 / "=")                       (RFC 4959 §7)
    mutating func authenticate() throws -> IMAPCommand {
        try sp()
        let mechanism = String(decoding: try atom().map(asciiUpper), as: UTF8.self)
        guard skip(UInt8(ascii: " ")) else { return .authenticate(mechanism: mechanism, initialResponse: nil) }
        let start = position
        while let b = peek(), IMAPSASLResponse.isBase64Char(b) || b == UInt8(ascii: "=") { position += 1 }
        let response = String(decoding: text[start..<position], as: UTF8.self)
        guard response == "=" || IMAPSASLResponse.decodeBase64(Array(response.utf8)) != nil, !response.isEmpty else {
            throw GrammarError("invalid initial response")
        }
        return .authenticate(mechanism: mechanism, initialResponse: response)
    }

    /// id = "ID" SP id-params-list
    /// id-params-list = "(" #(string SP nstring) ")" / nil     (RFC 2971 §4)
    mutating func id() throws -> IMAPCommand {
        try sp()
        guard peek() == UInt8(ascii: "(") else {
            guard try keyword() == "NIL" else { throw GrammarError("expected ID parameters or NIL") }
            return .id(nil)
        }
        let pairs = try parenthesized(allowEmpty: true) { p -> IMAPIDParameter in
            let key = try Self.utf8(try p.string())
            try p.sp()
            let value = try p.nstring().map(Self.utf8)
            return IMAPIDParameter(key: key, value: value)
        }
        return .id(pairs)
    }

    /// status-att = "MESSAGES" / "UIDNEXT" / "UIDVALIDITY" / "UNSEEN" / "DELETED" / "SIZE"
    ///            / "RECENT" (RFC 3501) / "HIGHESTMODSEQ" (RFC 7162) / "APPENDLIMIT" (RFC 7889)
    mutating func statusAttribute() throws -> IMAPStatusAttribute {
        guard let attribute = IMAPStatusAttribute(rawValue: try keyword()) else {
            throw GrammarError("unknown status attribute")
        }
        return attribute
    }
}
