import NIOCore

/// One server response (RFC 9051 §7, §9 `response`).
public enum IMAPResponse: Sendable, Equatable {
    /// `tag OK/NO/BAD [code] text`, or untagged (`* OK`, `* BYE`, `* PREAUTH`) when `tag` is nil.
    case status(tag: String?, IMAPStatus, code: IMAPResponseCode? = nil, text: String)
    /// continue-req = "+" SP (resp-text / base64) — `+ Ready for literal data`, `+ idling`.
    case continuation(String)
    /// A SASL challenge (RFC 9051 §6.2.2): `+ <base64>`, `+ ` for an empty one.
    case challenge([UInt8])
    /// `* ...` data.
    case data(IMAPResponseData)
}

public enum IMAPStatus: String, Sendable, Equatable {
    case ok = "OK", no = "NO", bad = "BAD", preauth = "PREAUTH", bye = "BYE"
}

/// resp-text-code (RFC 9051 §7.1, RFC 4315 UIDPLUS, RFC 7162, RFC 5530, RFC 4469 TOOBIG,
/// RFC 4978, RFC 6154 USEATTR).
public enum IMAPResponseCode: Sendable, Equatable {
    case alert, parse, readOnly, readWrite, tryCreate, uidNotSticky, unavailable
    case authenticationFailed, authorizationFailed, expired, privacyRequired, contactAdmin
    case noPerm, inUse, expungeIssued, corruption, serverBug, clientBug, cannot, limit
    case overQuota, alreadyExists, nonExistent, notSaved, hasChildren, closed, unknownCTE
    case noModSeq, tooBig, compressionActive, useAttr
    /// RFC 5267 §4.3.1 `NOUPDATE "tag"`: the search with this tag gets no updates.
    case noUpdate(String)
    case badCharset([String])
    case capability([String])
    /// flag-perm list; include "\\*" to allow new keywords.
    case permanentFlags([String])
    case uidNext(UInt32)
    case uidValidity(UInt32)
    /// RFC 3501 (rev1 SELECT): the first unseen message.
    case unseen(UInt32)
    /// resp-code-apnd = "APPENDUID" SP nz-number SP append-uid (a uid-set with MULTIAPPEND).
    case appendUID(uidValidity: UInt32, uids: IMAPSequenceSet)
    /// resp-code-copy = "COPYUID" SP nz-number SP uid-set SP uid-set
    case copyUID(uidValidity: UInt32, source: IMAPSequenceSet, destination: IMAPSequenceSet)
    case highestModSeq(UInt64)
    /// RFC 8474 §4.1 `MAILBOXID (objectid)`, on SELECT/EXAMINE and CREATE.
    case mailboxID(String)
    case modified(IMAPSequenceSet)
    /// atom [SP 1*<any TEXT-CHAR except "]">]
    case other(String, String?)
}

/// Untagged data (RFC 9051 §7.2-§7.5 and the extensions).
public enum IMAPResponseData: Sendable, Equatable {
    case capability([String])
    /// RFC 5161 §4 `ENABLED`.
    case enabled([String])
    case flags([String])
    case list(IMAPListResponse)
    /// RFC 3501 §7.2.3 (rev1).
    case lsub(IMAPListResponse)
    case status(IMAPMailboxName, [IMAPStatusValue])
    case exists(UInt32)
    /// RFC 3501 §7.3.2 (rev1).
    case recent(UInt32)
    case expunge(UInt32)
    /// RFC 7162 §3.2.10: `VANISHED [(EARLIER)] uids`.
    case vanished(earlier: Bool, IMAPSequenceSet)
    /// RFC 3501 §7.2.5 `SEARCH`, with RFC 7162 §3.1.5 `(MODSEQ n)`.
    case search([UInt32], modSeq: UInt64?)
    case esearch(IMAPESearchResponse)
    /// RFC 5256 §4 `SORT`, in the sorted order, with RFC 7162 §3.1.5 `(MODSEQ n)`.
    case sort([UInt32], modSeq: UInt64?)
    /// RFC 5256 §4 `THREAD`: one node per thread, in thread order.
    case thread([IMAPThreadNode])
    case fetch(UInt32, [IMAPFetchItem])
    /// RFC 2971 §3.2.
    case id([IMAPIDParameter]?)
    /// RFC 9051 §7.3.5 / RFC 2342.
    case namespace(personal: [IMAPNamespace], otherUsers: [IMAPNamespace], shared: [IMAPNamespace])
    /// RFC 9208 §5.1.
    case quota(root: String, [IMAPQuotaResource])
    /// RFC 9208 §5.2.
    case quotaRoot(IMAPMailboxName, roots: [String])
    /// RFC 5464 §4.4.1 `METADATA mailbox entry-values`: values nil are NIL; the empty name is
    /// the server.
    case metadata(IMAPMailboxName, [IMAPMetadataValue])
    /// RFC 4467 §8 `genurlauth-data = "*" SP "GENURLAUTH" 1*(SP url-full)`.
    case genURLAuth([String])
    /// RFC 4467 §8 `urlfetch-data`, with RFC 5524 §5's `urldata-ext` for extended requests.
    case urlFetch([IMAPURLFetchResult])
    /// RFC 5464 §4.4.2 `METADATA mailbox entry-list`: entries that changed, without values
    /// (RFC 5465 §5.6, §5.7).
    case metadataEntries(IMAPMailboxName, [String])
}

/// status-att-val
public struct IMAPStatusValue: Sendable, Equatable {
    public var attribute: IMAPStatusAttribute
    public var value: UInt64

    public init(_ attribute: IMAPStatusAttribute, _ value: UInt64) {
        self.attribute = attribute
        self.value = value
    }
}

/// mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox [SP mbox-list-extended]
public struct IMAPListResponse: Sendable, Equatable {
    /// `\HasChildren`, `\Noselect`, `\Subscribed`, `\Drafts` ...
    public var attributes: [String]
    public var delimiter: Character?
    public var mailbox: IMAPMailboxName
    /// RFC 5258 CHILDINFO: the selection options that matched children, e.g. ["SUBSCRIBED"].
    public var childInfo: [String]
    /// RFC 9051 OLDNAME.
    public var oldName: IMAPMailboxName?

    public init(attributes: [String], delimiter: Character?, mailbox: IMAPMailboxName,
                childInfo: [String] = [], oldName: IMAPMailboxName? = nil) {
        self.attributes = attributes
        self.delimiter = delimiter
        self.mailbox = mailbox
        self.childInfo = childInfo
        self.oldName = oldName
    }
}

/// esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)   (RFC 4731, RFC 9051)
public struct IMAPESearchResponse: Sendable, Equatable {
    public var tag: String?
    public var uid: Bool
    public var min: UInt32?
    public var max: UInt32?
    /// Never `$` (RFC 9051 §9).
    public var all: IMAPSequenceSet?
    public var count: UInt32?
    /// RFC 7162 §3.1.5.
    public var modSeq: UInt64?
    /// RFC 5267 §4.4 `PARTIAL (range results)`: the range asked for and the results in it (nil: NIL).
    public var partial: (range: ClosedRange<UInt32>, results: IMAPSequenceSet?)?
    /// RFC 5267 §4.3.3, §4.3.4: ADDTO and REMOVEFROM, in the order the client must apply them.
    public var updates: [IMAPESearchUpdate]

    public init(tag: String?, uid: Bool, min: UInt32? = nil, max: UInt32? = nil, all: IMAPSequenceSet? = nil,
                count: UInt32? = nil, modSeq: UInt64? = nil, updates: [IMAPESearchUpdate] = []) {
        self.tag = tag
        self.uid = uid
        self.min = min
        self.max = max
        self.all = all
        self.count = count
        self.modSeq = modSeq
        self.updates = updates
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.tag == b.tag && a.uid == b.uid && a.min == b.min && a.max == b.max && a.all == b.all && a.count == b.count
            && a.modSeq == b.modSeq && a.partial?.range == b.partial?.range && a.partial?.results == b.partial?.results
            && a.updates == b.updates
    }
}

/// ret-data-addto      = "ADDTO" SP "(" context-position SP sequence-set *(SP context-position SP sequence-set) ")"
/// ret-data-removefrom = "REMOVEFROM" SP "(" context-position SP sequence-set *(...) ")"   (RFC 5267 §5)
public enum IMAPESearchUpdate: Sendable, Equatable {
    /// Pairs of a context position (0: anywhere, mailbox order; SEARCH only) and the results,
    /// in the requested order, to insert there.
    case addTo([IMAPESearchPosition])
    /// Pairs of a context position and the results to remove starting there.
    case removeFrom([IMAPESearchPosition])
}

/// One `context-position SP sequence-set` pair of ADDTO or REMOVEFROM (RFC 5267 §4.3.3).
public struct IMAPESearchPosition: Sendable, Equatable {
    public var position: UInt32
    public var results: IMAPSequenceSet

    public init(_ position: UInt32, _ results: IMAPSequenceSet) {
        self.position = position
        self.results = results
    }
}

/// namespace-descr = "(" string SP (DQUOTE QUOTED-CHAR DQUOTE / nil) ")"
public struct IMAPNamespace: Sendable, Equatable {
    public var prefix: String
    public var delimiter: Character?

    public init(prefix: String, delimiter: Character?) {
        self.prefix = prefix
        self.delimiter = delimiter
    }
}

/// quota-resource = resource-name SP resource-usage SP resource-limit   (RFC 9208 §7)
public struct IMAPQuotaResource: Sendable, Equatable {
    /// STORAGE (in KiB), MESSAGE, MAILBOX, ANNOTATION-STORAGE.
    public var name: String
    public var usage: UInt64
    public var limit: UInt64

    public init(name: String, usage: UInt64, limit: UInt64) {
        self.name = name
        self.usage = usage
        self.limit = limit
    }
}

/// msg-att items (RFC 9051 §7.5.2).
public enum IMAPFetchItem: Sendable, Equatable {
    case flags([String])
    case uid(UInt32)
    case internalDate(IMAPDateTime)
    case rfc822Size(UInt64)
    case modSeq(UInt64)
    case envelope(IMAPEnvelope)
    /// Non-extensible `BODY`.
    case body(IMAPBodyStructure)
    case bodyStructure(IMAPBodyStructure)
    /// `BODY[section]<origin> nstring`; nil data is NIL.
    case bodySection(IMAPSection, origin: UInt64?, data: ByteBuffer?)
    /// `BINARY[part]<origin> (nstring / literal8)`: literal8 when the data has NUL.
    case binary(part: [Int], origin: UInt64?, data: ByteBuffer?)
    case binarySize(part: [Int], UInt64)
    /// RFC 3501 rev1 names.
    case rfc822(ByteBuffer?)
    case rfc822Header(ByteBuffer?)
    case rfc822Text(ByteBuffer?)
    /// RFC 8970 §7 `PREVIEW nstring`: at most 256 characters of UTF-8 text.
    case preview(String?)
    /// RFC 8474 §5.1 `EMAILID (objectid)`.
    case emailID(String)
    /// RFC 8474 §5.2 `THREADID (objectid)` or `THREADID NIL` (no thread IDs kept).
    case threadID(String?)
    /// RFC 8514 §3 `SAVEDATE (date-time / nil)`.
    case saveDate(IMAPDateTime?)
}
