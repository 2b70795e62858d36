// Replies a filter sends (mfdef.h `SMFIR_*`): verdicts, option negotiation, and the
// modification actions of the end-of-message step (Postfix milter8.c accepts the same set).

/// The filter's answer to option negotiation (SMFIC_OPTNEG).
public struct MilterNegotiation: Sendable, Equatable {
    public var version: UInt32
    public var actions: MilterActions
    public var protocolFlags: MilterProtocolFlags
    /// Macros the filter asks for per stage (SMFIR_SETSYMLIST appended to the reply).
    public var macroLists: [MilterMacroStage: [String]]

    public init(version: UInt32, actions: MilterActions, protocolFlags: MilterProtocolFlags,
                macroLists: [MilterMacroStage: [String]] = [:]) {
        self.version = version
        self.actions = actions
        self.protocolFlags = protocolFlags
        self.macroLists = macroLists
    }
}

/// A change a filter asks for at the end of the message.
public enum MilterModification: Sendable, Equatable {
    /// SMFIR_ADDHEADER: append a field at the end of the header.
    case addHeader(name: String, value: String)
    /// SMFIR_CHGHEADER: change the `index`-th (1-based) field called `name`; an empty value deletes it.
    case changeHeader(index: UInt32, name: String, value: String)
    /// SMFIR_INSHEADER: insert a field at position `index` (0 is the top).
    case insertHeader(index: UInt32, name: String, value: String)
    /// SMFIR_ADDRCPT / SMFIR_ADDRCPT_PAR.
    case addRecipient(String, parameters: String?)
    /// SMFIR_DELRCPT.
    case deleteRecipient(String)
    /// SMFIR_CHGFROM, with optional ESMTP parameters.
    case changeFrom(String, parameters: String?)
    /// SMFIR_REPLBODY: one chunk of the replacement body (chunks concatenate).
    case replaceBody([UInt8])
    /// SMFIR_QUARANTINE: hold the message, with a reason.
    case quarantine(String)
}

/// One reply packet, decoded.
public enum MilterReply: Sendable, Equatable {
    case negotiate(MilterNegotiation)
    case accept
    case `continue`
    case reject
    case tempfail
    case discard
    /// SMFIR_REPLYCODE: "xyz x.y.z text", possibly several lines joined by CRLF.
    case replyCode(code: Int, text: String)
    case skip
    /// SMFIR_PROGRESS: the filter is still working; the timeout restarts.
    case progress
    /// SMFIR_CONN_FAIL / SMFIR_SHUTDOWN: treated as a temporary failure.
    case connectionFailure
    case modification(MilterModification)

    /// Decodes one packet. Modifications are checked against `limits` (header sizes, chunk
    /// sizes); the caller counts them.
    public static func decode(_ packet: MilterPacket, limits: MilterLimits = .default) throws(MilterProtocolError) -> MilterReply {
        var reader = MilterDataReader(packet.data)
        switch packet.code {
        case UInt8(ascii: "O"): return .negotiate(try decodeNegotiation(&reader))
        case UInt8(ascii: "a"): return .accept
        case UInt8(ascii: "c"): return .continue
        case UInt8(ascii: "r"): return .reject
        case UInt8(ascii: "t"): return .tempfail
        case UInt8(ascii: "d"): return .discard
        case UInt8(ascii: "s"): return .skip
        case UInt8(ascii: "p"): return .progress
        case UInt8(ascii: "f"), UInt8(ascii: "4"): return .connectionFailure
        case UInt8(ascii: "y"): return try decodeReplyCode(&reader)
        case UInt8(ascii: "h"):
            let (name, value) = try header(&reader, limits)
            return .modification(.addHeader(name: name, value: value))
        case UInt8(ascii: "m"):
            let index = try reader.uint32()
            let (name, value) = try header(&reader, limits)
            return .modification(.changeHeader(index: index, name: name, value: value))
        case UInt8(ascii: "i"):
            let index = try reader.uint32()
            let (name, value) = try header(&reader, limits)
            return .modification(.insertHeader(index: index, name: name, value: value))
        case UInt8(ascii: "+"):
            return .modification(.addRecipient(try text(&reader, limits), parameters: nil))
        case UInt8(ascii: "2"):
            let address = try text(&reader, limits)
            let parameters = reader.isAtEnd ? nil : try text(&reader, limits)
            return .modification(.addRecipient(address, parameters: parameters))
        case UInt8(ascii: "-"): return .modification(.deleteRecipient(try text(&reader, limits)))
        case UInt8(ascii: "e"):
            let address = try text(&reader, limits)
            let parameters = reader.isAtEnd ? nil : try text(&reader, limits)
            return .modification(.changeFrom(address, parameters: parameters))
        case UInt8(ascii: "b"): return .modification(.replaceBody(reader.rest()))
        case UInt8(ascii: "q"): return .modification(.quarantine(try text(&reader, limits)))
        default: throw .unexpectedReply(packet.code)
        }
    }

    private static func decodeNegotiation(_ reader: inout MilterDataReader) throws(MilterProtocolError) -> MilterNegotiation {
        let version = try reader.uint32()
        let actions = MilterActions(rawValue: try reader.uint32())
        let flags = MilterProtocolFlags(rawValue: try reader.uint32())
        var lists: [MilterMacroStage: [String]] = [:]
        while !reader.isAtEnd {
            let rawStage = try reader.uint32()
            let names = String(decoding: try reader.string(), as: UTF8.self)
            guard let stage = MilterMacroStage(rawValue: rawStage) else { throw .malformed("macro stage \(rawStage)") }
            lists[stage] = names.split(separator: " ").prefix(64).map(String.init)
        }
        return MilterNegotiation(version: version, actions: actions, protocolFlags: flags, macroLists: lists)
    }

    /// "xyz x.y.z text" where xyz is 4xx or 5xx (libmilter smfi_setreply refuses anything else).
    private static func decodeReplyCode(_ reader: inout MilterDataReader) throws(MilterProtocolError) -> MilterReply {
        let bytes = try reader.string()
        guard bytes.count >= 3, bytes.prefix(3).allSatisfy({ (0x30...0x39).contains($0) }),
              let code = Int(String(decoding: bytes.prefix(3), as: UTF8.self)), (400...599).contains(code),
              bytes.count == 3 || bytes[3] == 0x20 || bytes[3] == 0x2D
        else { throw .malformed("reply code") }
        return .replyCode(code: code, text: String(decoding: bytes, as: UTF8.self))
    }

    private static func header(_ reader: inout MilterDataReader, _ limits: MilterLimits) throws(MilterProtocolError) -> (String, String) {
        let name = try reader.string()
        let value = try reader.string()
        guard name.count + value.count <= limits.maxHeaderSize else { throw .limitExceeded("header field of \(name.count + value.count) octets") }
        // RFC 5322 §3.6.8: a field name is printable ASCII except the colon.
        guard !name.isEmpty, name.allSatisfy({ (33...126).contains($0) && $0 != 0x3A }) else { throw .malformed("header name") }
        guard !value.contains(where: { $0 == 0x0D || $0 == 0x0A }) || isFolded(value) else { throw .malformed("header value line ending") }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    /// A value with line breaks must be folded: every line break is CRLF or LF followed by WSP
    /// (libmilter passes LF; the stage writes CRLF).
    private static func isFolded(_ value: [UInt8]) -> Bool {
        for (index, octet) in value.enumerated() {
            if octet == 0x0D {
                guard index + 1 < value.count, value[index + 1] == 0x0A else { return false }
            } else if octet == 0x0A {
                guard index + 1 < value.count, value[index + 1] == 0x20 || value[index + 1] == 0x09 else { return false }
            }
        }
        return true
    }

    private static func text(_ reader: inout MilterDataReader, _ limits: MilterLimits) throws(MilterProtocolError) -> String {
        let bytes = try reader.string()
        guard bytes.count <= limits.maxHeaderSize else { throw .limitExceeded("argument of \(bytes.count) octets") }
        return String(decoding: bytes, as: UTF8.self)
    }
}
