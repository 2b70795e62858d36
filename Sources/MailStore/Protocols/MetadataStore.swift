/// RFC 5464 METADATA: annotations of one account, on one of its mailboxes or on the server (the
/// empty mailbox name in IMAP). Hato has no shared mailboxes (no ACL), so `/shared` entries are
/// kept per account like `/private` ones: the two scopes are told apart by their names only.
/// A mailbox's entries go with it when it is deleted and follow it when it is renamed (§4.1);
/// renaming INBOX copies them to the new mailbox and INBOX keeps its own.
public protocol MetadataStore: Sendable {
    /// Every entry of the account on `mailbox` (nil: the server), by name.
    func metadata(of account: AccountID, mailbox: MailboxID?) async throws -> [MetadataEntry]
    /// Sets (a value) or removes (nil) entries in one transaction: all or none (§4.3). Fails with
    /// `metadataTooMany` when the account would then hold more than `maxEntries` entries in all
    /// (mailboxes and server together), and `mailboxNotFound` when `mailbox` is not the account's.
    func setMetadata(_ changes: [MetadataChange], of account: AccountID, mailbox: MailboxID?, maxEntries: Int) async throws
}

/// One annotation: `name` as stored (lowercase: entry names are case-insensitive, §3.2).
public struct MetadataEntry: Sendable, Equatable, Hashable {
    public var name: String
    public var value: [UInt8]

    public init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }
}

/// A SETMETADATA entry: a new value, or nil to remove it.
public struct MetadataChange: Sendable, Equatable {
    public var name: String
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name.lowercased()
        self.value = value
    }
}
