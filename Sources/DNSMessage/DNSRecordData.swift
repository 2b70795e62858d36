// RDATA of the record types Hato reads. Field layouts are cited on each case; the presentation
// forms follow the same RFCs and are what `hato dns query` prints.

/// A resource record: owner, class, TTL and typed data (RFC 1035 §3.2.1, §4.1.3).
public struct DNSResourceRecord: Sendable, Hashable, CustomStringConvertible {
    public var name: DNSName
    public var recordClass: DNSClass
    public var ttl: UInt32
    public var data: DNSRecordData

    public init(name: DNSName, recordClass: DNSClass = .internet, ttl: UInt32, data: DNSRecordData) {
        self.name = name
        self.recordClass = recordClass
        self.ttl = ttl
        self.data = data
    }

    public var type: DNSRecordType { data.type }

    public var description: String {
        "\(name) \(ttl) \(recordClass) \(type) \(data)"
    }
}

public enum DNSRecordData: Sendable, Hashable, CustomStringConvertible {
    /// RFC 1035 §3.4.1: a 32-bit address.
    case a(IPv4Address)
    /// RFC 3596 §2.2: a 128-bit address.
    case aaaa(IPv6Address)
    /// RFC 1035 §3.3.11: NSDNAME.
    case ns(DNSName)
    /// RFC 1035 §3.3.1: the canonical name.
    case cname(DNSName)
    /// RFC 1035 §3.3.12: PTRDNAME.
    case ptr(DNSName)
    /// RFC 1035 §3.3.9: PREFERENCE and EXCHANGE.
    case mx(preference: UInt16, exchange: DNSName)
    /// RFC 1035 §3.3.14: one or more character-strings, kept apart (join with `joinedText`).
    case txt([[UInt8]])
    /// RFC 1035 §3.3.13.
    case soa(DNSSOAData)
    /// RFC 2782: priority, weight, port, target.
    case srv(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName)
    /// RFC 6698 §2.1: usage, selector, matching type, certificate association data.
    case tlsa(usage: UInt8, selector: UInt8, matchingType: UInt8, data: [UInt8])
    /// RFC 8162 §2: the same fields as TLSA (RFC 6698 §2.1).
    case smimea(usage: UInt8, selector: UInt8, matchingType: UInt8, data: [UInt8])
    /// RFC 8659 §4.1: flags, tag, value.
    case caa(flags: UInt8, tag: String, value: [UInt8])
    /// RFC 4034 §5.1: key tag, algorithm, digest type, digest.
    case ds(keyTag: UInt16, algorithm: UInt8, digestType: UInt8, digest: [UInt8])
    /// RFC 4034 §2.1: flags, protocol, algorithm, public key.
    case dnskey(flags: UInt16, protocol: UInt8, algorithm: UInt8, publicKey: [UInt8])
    /// RFC 4034 §3.1.
    case rrsig(DNSRRSIGData)
    /// RFC 4034 §4.1: next domain name and the type bit maps.
    case nsec(next: DNSName, types: [DNSRecordType])
    /// RFC 5155 §3.2.
    case nsec3(DNSNSEC3Data)
    /// Any other type, kept as opaque octets (RFC 3597).
    case unknown(type: DNSRecordType, bytes: [UInt8])

    public var type: DNSRecordType {
        switch self {
        case .a: .a
        case .aaaa: .aaaa
        case .ns: .ns
        case .cname: .cname
        case .ptr: .ptr
        case .mx: .mx
        case .txt: .txt
        case .soa: .soa
        case .srv: .srv
        case .tlsa: .tlsa
        case .smimea: .smimea
        case .caa: .caa
        case .ds: .ds
        case .dnskey: .dnskey
        case .rrsig: .rrsig
        case .nsec: .nsec
        case .nsec3: .nsec3
        case .unknown(let type, _): type
        }
    }

    /// TXT strings concatenated without separators (RFC 7208 §3.3, RFC 6376 §3.6.2.2).
    public var joinedText: String? {
        guard case .txt(let strings) = self else { return nil }
        return String(decoding: strings.joined(), as: UTF8.self)
    }

    /// Presentation form of the RDATA.
    public var description: String {
        switch self {
        case .a(let address): return address.description
        case .aaaa(let address): return address.description
        case .ns(let name), .cname(let name), .ptr(let name): return name.description
        case .mx(let preference, let exchange): return "\(preference) \(exchange)"
        case .txt(let strings): return strings.map(quoteCharacterString).joined(separator: " ")
        case .soa(let soa):
            return "\(soa.mname) \(soa.rname) \(soa.serial) \(soa.refresh) \(soa.retry) \(soa.expire) \(soa.minimum)"
        case .srv(let priority, let weight, let port, let target): return "\(priority) \(weight) \(port) \(target)"
        case .tlsa(let usage, let selector, let matchingType, let data),
             .smimea(let usage, let selector, let matchingType, let data):
            return "\(usage) \(selector) \(matchingType) \(hexString(data))"
        case .caa(let flags, let tag, let value): return "\(flags) \(tag) \(quoteCharacterString(value))"
        case .ds(let keyTag, let algorithm, let digestType, let digest):
            return "\(keyTag) \(algorithm) \(digestType) \(hexString(digest))"
        case .dnskey(let flags, let proto, let algorithm, let key):
            return "\(flags) \(proto) \(algorithm) \(base64String(key))"
        case .rrsig(let sig):
            return "\(sig.typeCovered) \(sig.algorithm) \(sig.labels) \(sig.originalTTL) \(sig.expiration) "
                + "\(sig.inception) \(sig.keyTag) \(sig.signerName) \(base64String(sig.signature))"
        case .nsec(let next, let types):
            return ([next.description] + types.map(\.description)).joined(separator: " ")
        case .nsec3(let n):
            let salt = n.salt.isEmpty ? "-" : hexString(n.salt)
            return ([String(n.hashAlgorithm), String(n.flags), String(n.iterations), salt,
                     base32HexString(n.nextHashedOwner)] + n.types.map(\.description)).joined(separator: " ")
        case .unknown(_, let bytes):
            // RFC 3597 §5 generic form.
            return bytes.isEmpty ? "\\# 0" : "\\# \(bytes.count) \(hexString(bytes))"
        }
    }
}

public struct DNSSOAData: Sendable, Hashable {
    public var mname: DNSName
    public var rname: DNSName
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    public var minimum: UInt32

    public init(mname: DNSName, rname: DNSName, serial: UInt32, refresh: UInt32, retry: UInt32,
                expire: UInt32, minimum: UInt32) {
        self.mname = mname
        self.rname = rname
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }
}

public struct DNSRRSIGData: Sendable, Hashable {
    public var typeCovered: DNSRecordType
    public var algorithm: UInt8
    public var labels: UInt8
    public var originalTTL: UInt32
    public var expiration: UInt32
    public var inception: UInt32
    public var keyTag: UInt16
    public var signerName: DNSName
    public var signature: [UInt8]

    public init(typeCovered: DNSRecordType, algorithm: UInt8, labels: UInt8, originalTTL: UInt32,
                expiration: UInt32, inception: UInt32, keyTag: UInt16, signerName: DNSName, signature: [UInt8]) {
        self.typeCovered = typeCovered
        self.algorithm = algorithm
        self.labels = labels
        self.originalTTL = originalTTL
        self.expiration = expiration
        self.inception = inception
        self.keyTag = keyTag
        self.signerName = signerName
        self.signature = signature
    }
}

public struct DNSNSEC3Data: Sendable, Hashable {
    public var hashAlgorithm: UInt8
    public var flags: UInt8
    public var iterations: UInt16
    public var salt: [UInt8]
    public var nextHashedOwner: [UInt8]
    public var types: [DNSRecordType]

    public init(hashAlgorithm: UInt8, flags: UInt8, iterations: UInt16, salt: [UInt8],
                nextHashedOwner: [UInt8], types: [DNSRecordType]) {
        self.hashAlgorithm = hashAlgorithm
        self.flags = flags
        self.iterations = iterations
        self.salt = salt
        self.nextHashedOwner = nextHashedOwner
        self.types = types
    }
}

/// RFC 1035 §5.1: a character-string in double quotes, with `"` and `\` escaped and
/// non-printable octets as `\DDD`.
func quoteCharacterString(_ bytes: [UInt8]) -> String {
    var out = "\""
    for byte in bytes {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"):
            out += "\\" + String(Character(Unicode.Scalar(byte)))
        case 0x20...0x7E:
            out.append(Character(Unicode.Scalar(byte)))
        default:
            out += "\\" + String(byte).leftPadded(to: 3)
        }
    }
    return out + "\""
}

func hexString(_ bytes: [UInt8]) -> String {
    String(decoding: bytes.flatMap { [hexDigit($0 >> 4), hexDigit($0 & 0x0F)] }, as: UTF8.self).uppercased()
}

/// RFC 4648 §4 base64 with padding.
func base64String(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out: [UInt8] = []
    var index = 0
    while index < bytes.count {
        let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
        let n = (UInt32(chunk[0]) << 16) | (UInt32(chunk.count > 1 ? chunk[1] : 0) << 8)
            | UInt32(chunk.count > 2 ? chunk[2] : 0)
        for i in 0..<4 {
            out.append(i <= chunk.count ? alphabet[Int((n >> (18 - 6 * UInt32(i))) & 0x3F)] : UInt8(ascii: "="))
        }
        index += 3
    }
    return String(decoding: out, as: UTF8.self)
}

/// RFC 4648 §7 base32 with the extended hex alphabet, no padding (RFC 5155 §3.3).
func base32HexString(_ bytes: [UInt8]) -> String {
    let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUV".utf8)
    var out: [UInt8] = []
    var buffer: UInt32 = 0
    var bits = 0
    for byte in bytes {
        buffer = (buffer << 8) | UInt32(byte)
        bits += 8
        while bits >= 5 {
            out.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 0x1F)])
            bits -= 5
        }
    }
    if bits > 0 { out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 0x1F)]) }
    return String(decoding: out, as: UTF8.self)
}
