import Foundation

/// SCRAM client messages (RFC 5802 §7), parsed strictly. Errors are the `server-error-value`
/// the server answers with (RFC 5802 §7 `server-error`).

/// RFC 5802 §7 server-error-value (the subset a server ever sends).
enum SCRAMServerError: String, Error, Sendable {
    case invalidEncoding = "invalid-encoding"
    case extensionsNotSupported = "extensions-not-supported"
    case invalidProof = "invalid-proof"
    case channelBindingsDontMatch = "channel-bindings-dont-match"
    case serverDoesSupportChannelBinding = "server-does-support-channel-binding"
    case channelBindingNotSupported = "channel-binding-not-supported"
    case unsupportedChannelBindingType = "unsupported-channel-binding-type"
    case invalidUsernameEncoding = "invalid-username-encoding"
    case otherError = "other-error"

    /// The server-final-message carrying this error: `"e=" server-error-value`.
    var serverFinal: [UInt8] { Array("e=\(rawValue)".utf8) }
}

/// gs2-cbind-flag (RFC 5802 §7).
enum SCRAMChannelBindingFlag: Equatable, Sendable {
    case clientDoesNotSupport          // "n"
    case clientThinksServerDoesNot     // "y"
    case required(name: String)        // "p=" cb-name
}

struct SCRAMClientFirst: Equatable, Sendable {
    let flag: SCRAMChannelBindingFlag
    let authzid: String?
    let username: String
    let clientNonce: String
    /// gs2-header verbatim, part of the c= input (RFC 5802 §7 cbind-input).
    let gs2Header: String
    /// client-first-message-bare verbatim, part of AuthMessage (RFC 5802 §3).
    let bare: String

    //   client-first-message = gs2-header client-first-message-bare
    //   gs2-header      = gs2-cbind-flag "," [ authzid ] ","
    //   gs2-cbind-flag  = ("p=" cb-name) / "n" / "y"
    //   cb-name         = 1*(ALPHA / DIGIT / "." / "-")
    //   authzid         = "a=" saslname
    //   client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]
    //   reserved-mext   = "m=" 1*(value-char)
    //   username        = "n=" saslname
    //   nonce           = "r=" c-nonce [s-nonce]
    //   c-nonce         = printable
    static func parse(_ bytes: [UInt8]) -> Result<SCRAMClientFirst, SCRAMServerError> {
        guard bytes.count <= SASLLimits.scramMessageBytes, let text = UTF8Text.decode(bytes) else {
            return .failure(.invalidEncoding)
        }
        let parts = text.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return .failure(.invalidEncoding) }
        let flag: SCRAMChannelBindingFlag
        switch parts[0] {
        case "n": flag = .clientDoesNotSupport
        case "y": flag = .clientThinksServerDoesNot
        case let field where field.hasPrefix("p="):
            let name = field.dropFirst(2)
            guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.isASCIIAlphanumeric || $0 == "." || $0 == "-" }) else {
                return .failure(.invalidEncoding)
            }
            flag = .required(name: String(name))
        default: return .failure(.invalidEncoding)
        }
        var authzid: String?
        if !parts[1].isEmpty {
            guard parts[1].hasPrefix("a=") else { return .failure(.invalidEncoding) }
            guard let name = SASLName.unescape(parts[1].dropFirst(2)) else { return .failure(.invalidUsernameEncoding) }
            authzid = name
        }
        let bare = String(parts[2])
        var attributes = SCRAMAttributes(bare)
        if attributes.peek(is: "m") { return .failure(.extensionsNotSupported) }
        guard let rawName = attributes.take("n"), let nonce = attributes.take("r") else {
            return .failure(.invalidEncoding)
        }
        guard let username = SASLName.unescape(rawName) else { return .failure(.invalidUsernameEncoding) }
        guard SCRAMAttributes.isPrintable(nonce) else { return .failure(.invalidEncoding) }
        if let error = attributes.checkExtensions() { return .failure(error) }
        let gs2Header = "\(parts[0]),\(parts[1]),"
        return .success(SCRAMClientFirst(
            flag: flag, authzid: authzid, username: username, clientNonce: String(nonce), gs2Header: gs2Header, bare: bare
        ))
    }
}

struct SCRAMClientFinal: Equatable, Sendable {
    let channelBinding: [UInt8]
    let nonce: String
    let proof: [UInt8]
    /// client-final-message-without-proof verbatim, part of AuthMessage.
    let withoutProof: String

    //   client-final-message = client-final-message-without-proof "," proof
    //   client-final-message-without-proof = channel-binding "," nonce ["," extensions]
    //   channel-binding = "c=" base64
    //   proof           = "p=" base64
    static func parse(_ bytes: [UInt8]) -> Result<SCRAMClientFinal, SCRAMServerError> {
        guard bytes.count <= SASLLimits.scramMessageBytes, let text = UTF8Text.decode(bytes),
              let proofStart = text.range(of: ",p=", options: .backwards)
        else { return .failure(.invalidEncoding) }
        let withoutProof = String(text[..<proofStart.lowerBound])
        var attributes = SCRAMAttributes(withoutProof)
        if attributes.peek(is: "m") { return .failure(.extensionsNotSupported) }
        guard let binding = attributes.take("c"), let nonce = attributes.take("r"),
              let bindingBytes = SASLBase64.decode(binding), SCRAMAttributes.isPrintable(nonce),
              let proof = SASLBase64.decode(text[proofStart.upperBound...]), !proof.isEmpty
        else { return .failure(.invalidEncoding) }
        if let error = attributes.checkExtensions() { return .failure(error) }
        return .success(SCRAMClientFinal(channelBinding: bindingBytes, nonce: String(nonce), proof: proof, withoutProof: withoutProof))
    }
}

/// A cursor over the comma-separated `attr=value` list of a SCRAM message.
struct SCRAMAttributes {
    private var fields: ArraySlice<Substring>

    init(_ text: String) {
        fields = ArraySlice(text.split(separator: ",", omittingEmptySubsequences: false))
    }

    func peek(is name: Character) -> Bool {
        guard let first = fields.first else { return false }
        return first.first == name && first.dropFirst().first == "="
    }

    /// Takes the next field if it is `name=value` with a non-empty value.
    mutating func take(_ name: Character) -> Substring? {
        guard peek(is: name), let field = fields.first, field.count > 2 else { return nil }
        fields = fields.dropFirst()
        return field.dropFirst(2)
    }

    //   extensions = attr-val *("," attr-val)
    //   attr-val   = ALPHA "=" value
    //   value      = 1*value-char
    //   value-char = value-safe-char / "="
    /// RFC 5802 §5.1: unknown optional extensions are ignored, but "m" anywhere is mandatory
    /// and unsupported; malformed fields are invalid encoding.
    mutating func checkExtensions() -> SCRAMServerError? {
        for field in fields {
            guard let name = field.first, name.isASCII, name.isLetter, field.dropFirst().first == "=", field.count > 2 else {
                return .invalidEncoding
            }
            if name == "m" { return .extensionsNotSupported }
            if field.utf8.contains(0) { return .invalidEncoding }
        }
        fields = []
        return nil
    }

    //   printable = %x21-2B / %x2D-7E  ;; Printable ASCII except ","
    static func isPrintable(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= 0x21 && $0 <= 0x7E && $0 != UInt8(ascii: ",") }
    }
}

/// saslname escaping (RFC 5802 §5.1 "n"): "," is sent as "=2C" and "=" as "=3D".
public enum SASLName {
    //   saslname        = 1*(value-safe-char / "=2C" / "=3D")
    //   value-safe-char = %x01-2B / %x2D-3C / %x3E-7F / UTF8-2 / UTF8-3 / UTF8-4
    /// nil if empty, if it contains NUL, or if an "=" is not followed by "2C" or "3D".
    public static func unescape(_ text: some StringProtocol) -> String? {
        guard !text.isEmpty, !text.utf8.contains(0), !text.utf8.contains(UInt8(ascii: ",")) else { return nil }
        var out = ""
        var rest = Substring(text)
        while let equals = rest.firstIndex(of: "=") {
            out += rest[..<equals]
            let code = rest[rest.index(after: equals)...].prefix(2)
            switch code {
            case "2C": out += ","
            case "3D": out += "="
            default: return nil
            }
            rest = rest[rest.index(equals, offsetBy: 3)...]
        }
        return out + rest
    }

    public static func escape(_ name: String) -> String {
        name.replacingOccurrences(of: "=", with: "=3D").replacingOccurrences(of: ",", with: "=2C")
    }
}

extension Unicode.Scalar {
    var isASCIIAlphanumeric: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self)
    }
}
