/// Row identities. Distinct types so an account id is never passed where a mailbox id belongs.
public struct AccountID: Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
}

public struct MailboxID: Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
}

/// Where a message body lives, relative to the store's body directory. Several messages (one
/// delivery to many mailboxes, IMAP COPY) may share one body.
public struct BodyReference: Hashable, Sendable, Codable, CustomStringConvertible {
    public let path: String
    public init(path: String) { self.path = path }
    public var description: String { path }
}
