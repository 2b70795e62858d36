import NIOCore

/// RFC 5464 §4.2 GETMETADATA options: `MAXSIZE` (§4.2.1) and `DEPTH` (§4.2.2).
public struct IMAPGetMetadataOptions: Sendable, Equatable {
    public enum Depth: Sendable, Equatable { case zero, one, infinity }
    public var maxSize: UInt32?
    public var depth: Depth

    public init(maxSize: UInt32? = nil, depth: Depth = .zero) {
        self.maxSize = maxSize
        self.depth = depth
    }
}

/// One `entry SP value` of SETMETADATA (RFC 5464 §5 `entry-value`); a nil value (NIL) removes
/// the entry. The name is lowercase (§3.2: entry names are case-insensitive).
public struct IMAPMetadataValue: Sendable, Equatable {
    public var entry: String
    public var value: [UInt8]?

    public init(entry: String, value: [UInt8]?) {
        self.entry = entry
        self.value = value
    }
}

/// RFC 5464 §3.2: the rules an entry name must follow, else BAD.
public enum IMAPMetadataEntry {
    /// Longest entry name accepted (octets); RFC 5464 sets none, a name is a path of a few words.
    public static let maxLength = 1024

    /// The name lowercased when it is valid: "/private" or "/shared" first, at least two
    /// components (four under "/vendor/"), no "//", no trailing "/", no "*" or "%", only ASCII
    /// above 0x19 (and not DEL).
    public static func validated(_ bytes: [UInt8]) -> String? {
        guard bytes.count <= maxLength, bytes.first == UInt8(ascii: "/"), bytes.last != UInt8(ascii: "/") else { return nil }
        guard bytes.allSatisfy({ $0 > 0x19 && $0 < 0x7F && $0 != UInt8(ascii: "*") && $0 != UInt8(ascii: "%") }) else { return nil }
        let name = String(decoding: bytes, as: UTF8.self).lowercased()
        let components = name.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard components.count >= 2, !components.contains(where: \.isEmpty) else { return nil }
        guard components.first == "private" || components.first == "shared" else { return nil }
        if components.dropFirst().first == "vendor", components.count < 4 { return nil }
        return name
    }
}
