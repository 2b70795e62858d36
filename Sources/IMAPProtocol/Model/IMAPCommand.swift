import NIOCore

/// A command with its tag (RFC 9051 §9 `command = tag SP (...) CRLF`).
public struct IMAPTaggedCommand: Sendable, Equatable {
    public var tag: String
    public var command: IMAPCommand

    public init(tag: String, command: IMAPCommand) {
        self.tag = tag
        self.command = command
    }
}

/// Every command the grammar recognises (RFC 9051 §6, RFC 3501 §6 for rev1 forms, and the
/// extensions listed in docs/imap.md). Which state a command is valid in is the session's business.
public enum IMAPCommand: Sendable, Equatable {
    // §6.1 any state
    case capability
    case noop
    case logout
    /// RFC 2971 §3.1: nil is `ID NIL`.
    case id([IMAPIDParameter]?)

    // §6.2 not authenticated
    case startTLS
    /// `initialResponse` is RFC 4959's initial response, still base64 (`=` for an empty one);
    /// `IMAPSASLResponse` decodes it and the continuation lines.
    case authenticate(mechanism: String, initialResponse: String?)
    case login(username: String, password: String)

    // §6.3 authenticated
    /// RFC 5161 / RFC 9051 §6.3.1: capability names, uppercased.
    case enable([String])
    case select(IMAPMailboxName, IMAPSelectParameters)
    case examine(IMAPMailboxName, IMAPSelectParameters)
    /// RFC 6154 §3 `CREATE ... (USE (\Drafts))`: the special-use attributes asked for.
    case create(IMAPMailboxName, specialUse: [String])
    case delete(IMAPMailboxName)
    case rename(from: IMAPMailboxName, to: IMAPMailboxName)
    case subscribe(IMAPMailboxName)
    case unsubscribe(IMAPMailboxName)
    case list(IMAPListCommand)
    /// RFC 3501 §6.3.9 (rev1 only).
    case lsub(reference: String, pattern: String)
    case namespace
    case status(IMAPMailboxName, [IMAPStatusAttribute])
    /// One message, or several with MULTIAPPEND (RFC 3502).
    case append(IMAPMailboxName, [IMAPAppendMessage])
    case idle
    /// RFC 9208 §4.2 / §4.3.
    case getQuota(root: String)
    case getQuotaRoot(IMAPMailboxName)
    /// RFC 4978 §3: the algorithm name, uppercased.
    case compress(String)
    /// RFC 8437.
    case unauthenticate
    /// RFC 5464 §4.2: entries of a mailbox, or of the server when the name is empty.
    case getMetadata(IMAPMailboxName, IMAPGetMetadataOptions, [String])
    /// RFC 5464 §4.3.
    case setMetadata(IMAPMailboxName, [IMAPMetadataValue])
    /// RFC 4467 §7: new access keys for one mailbox (with mechanisms), or none at all.
    case resetKey(IMAPMailboxName?, mechanisms: [String])
    /// RFC 4467 §7.
    case genURLAuth([IMAPGenURLAuthRequest])
    /// RFC 4467 §7 with RFC 5524 §3.1's extended arguments.
    case urlFetch([IMAPURLFetchRequest])
    /// RFC 5465 NOTIFY.
    case notify(IMAPNotifyCommand)

    // §6.4 selected
    case close
    case unselect
    /// RFC 5267 §4.3.5: stop the updates of the searches with these tags.
    case cancelUpdate([String])
    case expunge
    /// RFC 4315 §2.1 / RFC 9051 §6.4.9.
    case uidExpunge(IMAPSequenceSet)
    case search(IMAPSearchCommand, uid: Bool)
    /// RFC 5256 §3 SORT (with RFC 5957 and RFC 5267 ESORT).
    case sort(IMAPSortCommand, uid: Bool)
    /// RFC 5256 §3 THREAD.
    case thread(IMAPThreadCommand, uid: Bool)
    case fetch(IMAPSequenceSet, [IMAPFetchAttribute], IMAPFetchModifiers, uid: Bool)
    case store(IMAPSequenceSet, IMAPStoreFlags, unchangedSince: UInt64?, uid: Bool)
    case copy(IMAPSequenceSet, IMAPMailboxName, uid: Bool)
    case move(IMAPSequenceSet, IMAPMailboxName, uid: Bool)
    /// RFC 8508 REPLACE / UID REPLACE: `message` (a sequence number, or a UID with `uid`) is
    /// removed from the selected mailbox and the new message appended to the named one, as one action.
    case replace(IMAPSequenceNumber, IMAPMailboxName, IMAPAppendMessage, uid: Bool)
}

/// RFC 2971 §4: `"(" string SP nstring ")"` pairs.
public struct IMAPIDParameter: Sendable, Equatable, Hashable {
    public var key: String
    public var value: String?

    public init(key: String, value: String?) {
        self.key = key
        self.value = value
    }
}

/// SELECT/EXAMINE parameters (RFC 4466 §2.1 `select-params`, RFC 7162 §7).
public struct IMAPSelectParameters: Sendable, Equatable {
    public var condstore: Bool = false
    public var qresync: IMAPQResyncParameters?

    public init(condstore: Bool = false, qresync: IMAPQResyncParameters? = nil) {
        self.condstore = condstore
        self.qresync = qresync
    }
}

/// RFC 7162 §3.2.5: `QRESYNC (uidvalidity modseq [known-uids] [(seqs uids)])`.
public struct IMAPQResyncParameters: Sendable, Equatable {
    public var uidValidity: UInt32
    public var modSeq: UInt64
    public var knownUIDs: IMAPSequenceSet?
    public var knownSequenceSet: IMAPSequenceSet?
    public var knownUIDSet: IMAPSequenceSet?

    public init(uidValidity: UInt32, modSeq: UInt64, knownUIDs: IMAPSequenceSet? = nil,
                knownSequenceSet: IMAPSequenceSet? = nil, knownUIDSet: IMAPSequenceSet? = nil) {
        self.uidValidity = uidValidity
        self.modSeq = modSeq
        self.knownUIDs = knownUIDs
        self.knownSequenceSet = knownSequenceSet
        self.knownUIDSet = knownUIDSet
    }
}

/// STATUS items (RFC 9051 §6.3.11, RFC 3501 RECENT, RFC 7162 HIGHESTMODSEQ, RFC 7889 APPENDLIMIT).
public enum IMAPStatusAttribute: String, Sendable, Equatable, Hashable, CaseIterable {
    case messages = "MESSAGES"
    case uidNext = "UIDNEXT"
    case uidValidity = "UIDVALIDITY"
    case unseen = "UNSEEN"
    case deleted = "DELETED"
    case size = "SIZE"
    case recent = "RECENT"
    case highestModSeq = "HIGHESTMODSEQ"
    case appendLimit = "APPENDLIMIT"
    /// RFC 8474 §4.2; the value is the UIDVALIDITY, written as `IMAPObjectID.mailbox`.
    case mailboxID = "MAILBOXID"
}

/// One message of APPEND (RFC 9051 §6.3.12, RFC 3502 `append-message`, RFC 3516 `literal8`,
/// RFC 4469 CATENATE).
public struct IMAPAppendMessage: Sendable, Equatable {
    public var flags: [String]
    public var internalDate: IMAPDateTime?
    /// The message literal; empty when the message is built from `catenate`.
    public var data: ByteBuffer
    /// Sent as `~{n}`: the server must not reject NUL octets and applies BINARY rules.
    public var binary: Bool
    /// RFC 4469 §5 `"CATENATE" SP "(" cat-part *(SP cat-part) ")"`: the parts the message is
    /// made of, in order; nil for a message sent as one literal.
    public var catenate: [IMAPCatenatePart]?

    public init(flags: [String] = [], internalDate: IMAPDateTime? = nil, data: ByteBuffer, binary: Bool = false,
                catenate: [IMAPCatenatePart]? = nil) {
        self.flags = flags
        self.internalDate = internalDate
        self.data = data
        self.binary = binary
        self.catenate = catenate
    }
}

/// RFC 4469 §5 `cat-part = text-literal / url`.
public enum IMAPCatenatePart: Sendable, Equatable {
    /// `"TEXT" SP literal`: these octets, as they are.
    case text(ByteBuffer)
    /// `"URL" SP astring`: an IMAP URL (RFC 5092) as sent. It is resolved by the server
    /// (`IMAPURL.parse`), which answers `NO [BADURL url]` for one it cannot use (RFC 4469 §4.1),
    /// so a malformed URL is not a syntax error of the command.
    case url(String)
}

/// STORE data item (RFC 9051 §6.4.6 `store-att-flags`).
public struct IMAPStoreFlags: Sendable, Equatable {
    public enum Operation: Sendable, Equatable { case replace, add, remove }
    public var operation: Operation
    public var silent: Bool
    public var flags: [String]

    public init(operation: Operation, silent: Bool, flags: [String]) {
        self.operation = operation
        self.silent = silent
        self.flags = flags
    }
}
