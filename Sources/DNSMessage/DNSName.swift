// Domain names: RFC 1035 §2.3.4 (limits), §3.1 (wire form), §5.1 (presentation escapes).
//
//   <domain-name> is a sequence of labels, each a length octet and that many octets,
//   ending in the zero-length root label. Labels are 63 octets or less; a name is
//   255 octets or less on the wire, counting length octets and the root.
//
// Comparison is case-insensitive for ASCII letters only (RFC 4343 §3).

/// An absolute domain name, stored as its labels without the trailing root label.
public struct DNSName: Sendable, Hashable, CustomStringConvertible, Comparable {
    /// The labels, leftmost first, as raw octets. The root name has none.
    public private(set) var labels: [[UInt8]]

    public static let root = DNSName(validatedLabels: [])

    init(validatedLabels: [[UInt8]]) {
        self.labels = validatedLabels
    }

    /// Builds a name from raw labels, checking the RFC 1035 §2.3.4 limits.
    public init(labels: [[UInt8]]) throws(DNSNameError) {
        var wire = 1
        for label in labels {
            if label.isEmpty { throw .emptyLabel }
            if label.count > DNSLimits.maxLabelLength { throw .labelTooLong }
            wire += 1 + label.count
        }
        if wire > DNSLimits.maxNameWireLength { throw .nameTooLong }
        self.labels = labels
    }

    /// Parses presentation form: labels separated by ".", an optional final ".",
    /// `\.` and `\\` escapes and `\DDD` decimal octets (RFC 1035 §5.1). "." and "" are the root.
    public init(_ text: String) throws(DNSNameError) {
        let bytes = Array(text.utf8)
        if bytes.isEmpty || bytes == [UInt8(ascii: ".")] {
            self = .root
            return
        }
        var labels: [[UInt8]] = []
        var current: [UInt8] = []
        var index = 0
        var endedWithDot = false
        while index < bytes.count {
            let byte = bytes[index]
            endedWithDot = false
            if byte == UInt8(ascii: "\\") {
                index += 1
                guard index < bytes.count else { throw .badEscape }
                if let d0 = bytes[index].decimalDigit {
                    guard index + 2 < bytes.count,
                          let d1 = bytes[index + 1].decimalDigit, let d2 = bytes[index + 2].decimalDigit
                    else { throw .badEscape }
                    let value = d0 * 100 + d1 * 10 + d2
                    guard value <= 255 else { throw .badEscape }
                    current.append(UInt8(value))
                    index += 3
                } else {
                    current.append(bytes[index])
                    index += 1
                }
                continue
            }
            if byte == UInt8(ascii: ".") {
                if current.isEmpty { throw .emptyLabel }
                labels.append(current)
                current = []
                endedWithDot = true
            } else {
                current.append(byte)
            }
            index += 1
        }
        if !current.isEmpty {
            labels.append(current)
        } else if !endedWithDot {
            throw .emptyLabel
        }
        try self.init(labels: labels)
    }

    /// Octets this name occupies on the wire without compression.
    public var wireLength: Int { labels.reduce(1) { $0 + 1 + $1.count } }

    public var isRoot: Bool { labels.isEmpty }

    /// The name with the leftmost label removed; the root's parent is the root.
    public var parent: DNSName {
        labels.isEmpty ? self : DNSName(validatedLabels: Array(labels.dropFirst()))
    }

    /// `label.self`, checked against the length limits.
    public func prepending(_ label: [UInt8]) throws(DNSNameError) -> DNSName {
        try DNSName(labels: [label] + labels)
    }

    /// True when `self` equals `other` or lies below it.
    public func isSubdomain(of other: DNSName) -> Bool {
        guard labels.count >= other.labels.count else { return false }
        let tail = DNSName(validatedLabels: Array(labels.suffix(other.labels.count)))
        return tail == other
    }

    /// The name with ASCII letters folded to lower case, as used for comparison and caching.
    public var lowercased: DNSName {
        DNSName(validatedLabels: labels.map { $0.map(\.asciiLowercased) })
    }

    /// Presentation form with a trailing dot; "." for the root.
    public var description: String {
        if labels.isEmpty { return "." }
        var out = ""
        for label in labels {
            out += DNSName.escape(label)
            out += "."
        }
        return out
    }

    /// Presentation form without the trailing dot (the root stays ".").
    public var relativeDescription: String {
        labels.isEmpty ? "." : String(description.dropLast())
    }

    static func escape(_ label: [UInt8]) -> String {
        var out = ""
        for byte in label {
            switch byte {
            case UInt8(ascii: "."), UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "("),
                 UInt8(ascii: ")"), UInt8(ascii: ";"), UInt8(ascii: "@"), UInt8(ascii: "$"):
                out.append("\\")
                out.append(Character(Unicode.Scalar(byte)))
            case 0x21...0x7E:
                out.append(Character(Unicode.Scalar(byte)))
            default:
                out += "\\" + String(byte).leftPadded(to: 3)
            }
        }
        return out
    }

    public static func == (lhs: DNSName, rhs: DNSName) -> Bool {
        guard lhs.labels.count == rhs.labels.count else { return false }
        for (a, b) in zip(lhs.labels, rhs.labels) {
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) where x.asciiLowercased != y.asciiLowercased { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(labels.count)
        for label in labels {
            hasher.combine(label.count)
            for byte in label { hasher.combine(byte.asciiLowercased) }
        }
    }

    /// Canonical DNS name order (RFC 4034 §6.1): compare labels right to left, case-folded.
    public static func < (lhs: DNSName, rhs: DNSName) -> Bool {
        let a = lhs.labels.reversed().map { $0.map(\.asciiLowercased) }
        let b = rhs.labels.reversed().map { $0.map(\.asciiLowercased) }
        for (x, y) in zip(a, b) where x != y {
            return x.lexicographicallyPrecedes(y)
        }
        return a.count < b.count
    }
}

public enum DNSNameError: Error, Sendable, Hashable {
    case emptyLabel
    case labelTooLong
    case nameTooLong
    case badEscape
}

extension UInt8 {
    var asciiLowercased: UInt8 { (0x41...0x5A).contains(self) ? self | 0x20 : self }
    var decimalDigit: Int? { (0x30...0x39).contains(self) ? Int(self - 0x30) : nil }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
