// Address types (RFC 5322 §3.4) with both decoded and raw display names.

/// A mailbox: an optional display name and an addr-spec.
public struct Mailbox: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// The display name with RFC 2047 decoded and quoting removed.
    public var displayName: String?
    /// The display name as written minus quoting, encoded-words left intact (IMAP addr-name).
    public var rawDisplayName: String?
    /// The local part with quoting removed.
    public var localPart: String
    /// The domain (a dot-atom or a domain-literal with brackets); nil when the address had none.
    public var domain: String?
    /// Obsolete source route domains (RFC 5322 §4.4 obs-route), without "@".
    public var route: [String]

    public init(displayName: String? = nil, localPart: String, domain: String?, route: [String] = [], rawDisplayName: String? = nil) {
        self.displayName = displayName
        self.rawDisplayName = rawDisplayName ?? displayName
        self.localPart = localPart
        self.domain = domain
        self.route = route
    }

    /// A mailbox from "local@domain"; the last "@" splits. Quoting of the local part is removed.
    public init(displayName: String? = nil, address: String) {
        if let at = address.lastIndex(of: "@") {
            var local = String(address[..<at])
            if local.count >= 2, local.hasPrefix("\""), local.hasSuffix("\"") { local = String(local.dropFirst().dropLast()) }
            self.init(displayName: displayName, localPart: local, domain: String(address[address.index(after: at)...]))
        } else {
            self.init(displayName: displayName, localPart: address, domain: nil)
        }
    }

    /// The addr-spec, with the local part quoted when it is not a dot-atom (RFC 5322 §3.4.1).
    public var address: String {
        let local = Mailbox.isDotAtom(localPart) ? localPart : Mailbox.quote(localPart)
        guard let domain else { return local }
        return "\(local)@\(domain)"
    }

    public var description: String {
        guard let displayName, !displayName.isEmpty else { return address }
        return "\(displayName) <\(address)>"
    }

    static func isDotAtom(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard !b.isEmpty, b.first != ASCII.dot, b.last != ASCII.dot else { return false }
        var previousDot = false
        for c in b {
            if c == ASCII.dot {
                if previousDot { return false }
                previousDot = true
            } else {
                guard Lexer.isAtext(c) else { return false }
                previousDot = false
            }
        }
        return true
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for ch in s {
            if ch == "\"" || ch == "\\" { out.append("\\") }
            out.append(ch)
        }
        return out + "\""
    }
}

/// A named group of mailboxes (RFC 5322 §3.4 group), possibly empty ("undisclosed-recipients:;").
public struct AddressGroup: Sendable, Equatable, Hashable, Codable {
    public var displayName: String
    public var rawDisplayName: String
    public var members: [Mailbox]

    public init(displayName: String, members: [Mailbox], rawDisplayName: String? = nil) {
        self.displayName = displayName
        self.rawDisplayName = rawDisplayName ?? displayName
        self.members = members
    }
}

/// address = mailbox / group
public enum Address: Sendable, Equatable, Hashable, Codable {
    case mailbox(Mailbox)
    case group(AddressGroup)

    /// Every mailbox, with groups expanded.
    public var mailboxes: [Mailbox] {
        switch self {
        case .mailbox(let m): return [m]
        case .group(let g): return g.members
        }
    }
}

extension Array where Element == Address {
    /// Every mailbox in the list, groups expanded.
    public var mailboxes: [Mailbox] { flatMap(\.mailboxes) }
}
