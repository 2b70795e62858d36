import NIOCore

/// What a server needs from a TLS ClientHello before it chooses how to answer: the host name the
/// client asked for (SNI, RFC 6066 §3) and the application protocols it offers (ALPN, RFC 7301
/// §3.1). An ACME tls-alpn-01 validation (RFC 8737 §3) offers exactly `acme-tls/1` and must be
/// given the challenge certificate; every other client must get the real one.
public struct ClientHelloSummary: Sendable, Equatable {
    /// The host_name entry of server_name, lower-cased; nil when absent.
    public var serverName: String?
    /// The protocol names offered in application_layer_protocol_negotiation, in the client's order.
    public var applicationProtocols: [String]

    public init(serverName: String?, applicationProtocols: [String]) {
        self.serverName = serverName
        self.applicationProtocols = applicationProtocols
    }
}

/// A bounded, non-consuming reader of the first TLS handshake message. It is fed the bytes a
/// connection has sent so far (never more than `maximumBytes`) and says whether a ClientHello
/// is complete, needs more bytes, or is not one (then the TLS library gets the bytes and
/// produces its own alert). It reads only what it needs and never trusts a length: every
/// length is checked against the bytes that enclose it.
public enum ClientHelloParser {
    public enum Outcome: Sendable, Equatable {
        case needMoreData
        case clientHello(ClientHelloSummary)
        /// Not a TLS handshake starting with a well-formed ClientHello (or one larger than
        /// `maximumBytes`): hand the connection to the TLS library unchanged.
        case notClientHello
    }

    /// RFC 8446 §5.1: a TLSPlaintext fragment is at most 2^14 bytes. A ClientHello may span
    /// records; reading stops after this many bytes of records (headers included), which covers
    /// every real ClientHello, post-quantum key shares included, several times over.
    public static let maximumBytes = 4 * (16_384 + 5)

    // ContentType handshake(22), HandshakeType client_hello(1) (RFC 8446 §5.1, §4).
    static let handshakeRecord: UInt8 = 22
    static let clientHelloType: UInt8 = 1
    // ExtensionType server_name(0) (RFC 6066 §3) and application_layer_protocol_negotiation(16) (RFC 7301 §3.1).
    static let serverNameExtension: UInt16 = 0
    static let alpnExtension: UInt16 = 16

    public static func parse(_ buffer: ByteBuffer) -> Outcome {
        parse(buffer.readableBytesView)
    }

    public static func parse<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Outcome {
        // Reassemble the handshake layer from consecutive handshake records (RFC 8446 §5.1:
        // handshake messages may be split across records).
        var handshake: [UInt8] = []
        var reader = ByteReader(Array(bytes.prefix(maximumBytes + 1)))
        let truncated = bytes.count > maximumBytes
        while true {
            // struct { ContentType type; ProtocolVersion legacy_record_version; uint16 length;
            //          opaque fragment[TLSPlaintext.length]; } TLSPlaintext;
            guard let type = reader.uint8(), let major = reader.uint8(), reader.uint8() != nil, let length = reader.uint16() else {
                return truncated ? .notClientHello : .needMoreData
            }
            guard type == handshakeRecord, major == 3, length > 0, length <= 16_384 else { return .notClientHello }
            guard let fragment = reader.bytes(Int(length)) else { return truncated ? .notClientHello : .needMoreData }
            handshake += fragment
            // struct { HandshakeType msg_type; uint24 length; ... } Handshake;
            guard handshake.count >= 4 else { continue }
            guard handshake[0] == clientHelloType else { return .notClientHello }
            let bodyLength = Int(handshake[1]) << 16 | Int(handshake[2]) << 8 | Int(handshake[3])
            guard bodyLength + 4 <= maximumBytes else { return .notClientHello }
            if handshake.count >= bodyLength + 4 {
                return body(Array(handshake[4..<(4 + bodyLength)])).map { .clientHello($0) } ?? .notClientHello
            }
        }
    }

    /// struct {
    ///     ProtocolVersion legacy_version; Random random; opaque legacy_session_id<0..32>;
    ///     CipherSuite cipher_suites<2..2^16-2>; opaque legacy_compression_methods<1..2^8-1>;
    ///     Extension extensions<8..2^16-1>;
    /// } ClientHello;   (RFC 8446 §4.1.2; before TLS 1.3 the extensions may be absent, RFC 5246 §7.4.1.2)
    static func body(_ bytes: [UInt8]) -> ClientHelloSummary? {
        var reader = ByteReader(bytes)
        guard reader.bytes(2 + 32) != nil,
              let sessionLength = reader.uint8(), sessionLength <= 32, reader.bytes(Int(sessionLength)) != nil,
              let suitesLength = reader.uint16(), suitesLength >= 2, suitesLength % 2 == 0, reader.bytes(Int(suitesLength)) != nil,
              let compressionLength = reader.uint8(), compressionLength >= 1, reader.bytes(Int(compressionLength)) != nil
        else { return nil }
        var summary = ClientHelloSummary(serverName: nil, applicationProtocols: [])
        if reader.isAtEnd { return summary }
        guard let extensionsLength = reader.uint16(), var extensions = reader.slice(Int(extensionsLength)), reader.isAtEnd else { return nil }
        var seen = Set<UInt16>()
        while !extensions.isAtEnd {
            // struct { ExtensionType extension_type; opaque extension_data<0..2^16-1>; } Extension;
            guard let type = extensions.uint16(), let length = extensions.uint16(), var data = extensions.slice(Int(length)) else { return nil }
            // RFC 8446 §4.2: no more than one extension of the same type.
            guard seen.insert(type).inserted else { return nil }
            switch type {
            case serverNameExtension:
                guard let name = serverName(&data) else { return nil }
                summary.serverName = name
            case alpnExtension:
                guard let protocols = applicationProtocols(&data) else { return nil }
                summary.applicationProtocols = protocols
            default:
                continue
            }
        }
        return summary
    }

    /// struct { NameType name_type; select (name_type) { case host_name: HostName; } name; } ServerName;
    /// struct { ServerName server_name_list<1..2^16-1> } ServerNameList;   (RFC 6066 §3)
    /// nil: malformed; `.some(nil)`: well-formed without a host_name entry.
    static func serverName(_ data: inout ByteReader) -> String?? {
        guard let listLength = data.uint16(), listLength >= 1, var list = data.slice(Int(listLength)), data.isAtEnd else { return nil }
        var hostName: String?
        while !list.isAtEnd {
            guard let type = list.uint8(), let length = list.uint16(), length >= 1, let name = list.bytes(Int(length)) else { return nil }
            // RFC 6066 §3: at most one name of each type; host_name is type 0, ASCII.
            if type == 0 {
                guard hostName == nil, name.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
                hostName = String(decoding: name, as: UTF8.self).lowercased()
            }
        }
        return .some(hostName)
    }

    /// opaque ProtocolName<1..2^8-1>; struct { ProtocolName protocol_name_list<2..2^16-1> } ProtocolNameList;   (RFC 7301 §3.1)
    static func applicationProtocols(_ data: inout ByteReader) -> [String]? {
        guard let listLength = data.uint16(), listLength >= 2, var list = data.slice(Int(listLength)), data.isAtEnd else { return nil }
        var names: [String] = []
        while !list.isAtEnd {
            guard let length = list.uint8(), length >= 1, let name = list.bytes(Int(length)) else { return nil }
            names.append(String(decoding: name, as: UTF8.self))
        }
        return names
    }
}

/// Reads big-endian integers and length-prefixed pieces from bytes, returning nil rather than
/// reading past the end.
struct ByteReader {
    private let bytes: [UInt8]
    private var index: Int
    private let end: Int

    init(_ bytes: [UInt8]) { self.init(bytes, from: 0, to: bytes.count) }
    private init(_ bytes: [UInt8], from start: Int, to end: Int) {
        self.bytes = bytes
        self.index = start
        self.end = end
    }

    var isAtEnd: Bool { index == end }

    mutating func uint8() -> UInt8? {
        guard index < end else { return nil }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func uint16() -> UInt16? {
        guard end - index >= 2 else { return nil }
        defer { index += 2 }
        return UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }

    mutating func bytes(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, end - index >= count else { return nil }
        defer { index += count }
        return bytes[index..<(index + count)]
    }

    /// The next `count` bytes as a reader of their own.
    mutating func slice(_ count: Int) -> ByteReader? {
        guard count >= 0, end - index >= count else { return nil }
        defer { index += count }
        return ByteReader(bytes, from: index, to: index + count)
    }
}
