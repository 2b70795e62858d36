import Crypto
import Foundation

/// What an account that opted into CRAM-MD5 stores: the HMAC-MD5 key schedule, never the password.
///
/// HMAC-MD5(K, m) = MD5((K ^ opad) || MD5((K ^ ipad) || m))  (RFC 2104 §2). Both inner and outer
/// hashes start by compressing one 64-byte block that depends only on K, so the two resulting
/// MD5 chaining states are enough to answer any challenge (RFC 2104 §4, RFC 2195 §2 "the server
/// may store the intermediate values"). They are a plaintext-equivalent secret for CRAM-MD5 itself:
/// whoever holds them can log in with CRAM-MD5, and they are unsalted, so a leak permits a fast
/// offline dictionary attack. docs/authentication.md explains the opt-in.
///
/// The 32-byte layout is Dovecot's `{CRAM-MD5}` scheme (`hmac_md5_get_cram_context`): the outer
/// state A, B, C, D then the inner state A, B, C, D, each word little-endian, so such records can be
/// imported as they are.
public struct CRAMMD5Credentials: Sendable, Equatable {
    /// The 32 bytes in Dovecot's layout.
    public let context: [UInt8]

    public static let contextLength = 32
    static let schemePrefix = "{CRAM-MD5}"

    public init?(context: [UInt8]) {
        guard context.count == Self.contextLength else { return nil }
        self.context = context
    }

    /// Parses Dovecot's text form: 64 hex digits, optionally prefixed with `{CRAM-MD5}`.
    public init?(dovecotString: String) {
        var text = Substring(dovecotString)
        if text.hasPrefix(Self.schemePrefix) { text = text.dropFirst(Self.schemePrefix.count) }
        guard let bytes = Hex.decode(text) else { return nil }
        self.init(context: bytes)
    }

    /// `{CRAM-MD5}` followed by 64 lowercase hex digits.
    public var dovecotString: String { Self.schemePrefix + Hex.encode(context) }

    /// Precomputes the key schedule from a password (its UTF-8 bytes, unnormalized, as CRAM-MD5
    /// clients use them). Keys longer than 64 bytes are first hashed (RFC 2104 §2).
    public static func derive(password: String) -> CRAMMD5Credentials {
        var key = Array(password.utf8)
        if key.count > MD5State.blockSize { key = Array(Insecure.MD5.hash(data: key)) }
        key += [UInt8](repeating: 0, count: MD5State.blockSize - key.count)
        var inner = MD5State.initial
        var outer = MD5State.initial
        inner.absorb(block: ArraySlice(key.map { $0 ^ 0x36 }))
        outer.absorb(block: ArraySlice(key.map { $0 ^ 0x5C }))
        return CRAMMD5Credentials(unchecked: Self.bytes(outer) + Self.bytes(inner))
    }

    /// HMAC-MD5(password, message), computed from the stored states.
    public func hmac(_ message: [UInt8]) -> [UInt8] {
        let innerDigest = state(at: 16).finalize(message)
        return state(at: 0).finalize(innerDigest)
    }

    /// RFC 2195 §2: the response digest is the HMAC of the challenge; compared in constant time.
    public func verify(challenge: [UInt8], digest: [UInt8]) -> Bool {
        ConstantTime.equal(hmac(challenge), digest)
    }

    init(unchecked context: [UInt8]) { self.context = context }

    private func state(at offset: Int) -> MD5State {
        func word(_ index: Int) -> UInt32 {
            let base = offset + index * 4
            return UInt32(context[base]) | UInt32(context[base + 1]) << 8
                | UInt32(context[base + 2]) << 16 | UInt32(context[base + 3]) << 24
        }
        return MD5State(words: (word(0), word(1), word(2), word(3)), absorbedByteCount: UInt64(MD5State.blockSize))
    }

    private static func bytes(_ state: MD5State) -> [UInt8] {
        [state.words.0, state.words.1, state.words.2, state.words.3].flatMap { word in
            (0..<4).map { UInt8(truncatingIfNeeded: word >> UInt32($0 * 8)) }
        }
    }
}

extension CRAMMD5Credentials: Codable {
    /// Stored as the Dovecot text form, so a JSON credential column stays readable and portable.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = CRAMMD5Credentials(dovecotString: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a {CRAM-MD5} context"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(dovecotString)
    }
}

/// Lowercase hexadecimal, as CRAM-MD5 (RFC 2195 §2) and Dovecot write it.
enum Hex {
    static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes { out += [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]] }
        return String(decoding: out, as: UTF8.self)
    }

    /// Accepts either case; nil on odd length or any non-hex character.
    static func decode(_ text: Substring) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}
