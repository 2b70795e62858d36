import NIOCore

/// RFC 5804 §1.3 response codes (and §4 `resp-code`).
public enum ManageSieveResponseCode: Sendable, Equatable {
    case authTooWeak
    case encryptNeeded
    case quota
    case quotaMaxScripts
    case quotaMaxSize
    /// `SASL` and the server's final data (base64).
    case sasl(String)
    case tryLater
    case active
    case nonexistent
    case alreadyExists
    case warnings
    /// `TAG` and the string NOOP gave (§2.13).
    case tag(String)

    func write(into buffer: inout ByteBuffer) {
        switch self {
        case .authTooWeak: buffer.writeString("AUTH-TOO-WEAK")
        case .encryptNeeded: buffer.writeString("ENCRYPT-NEEDED")
        case .quota: buffer.writeString("QUOTA")
        case .quotaMaxScripts: buffer.writeString("QUOTA/MAXSCRIPTS")
        case .quotaMaxSize: buffer.writeString("QUOTA/MAXSIZE")
        case .sasl(let data):
            buffer.writeString("SASL ")
            ManageSieveResponse.string(data, into: &buffer)
        case .tryLater: buffer.writeString("TRYLATER")
        case .active: buffer.writeString("ACTIVE")
        case .nonexistent: buffer.writeString("NONEXISTENT")
        case .alreadyExists: buffer.writeString("ALREADYEXISTS")
        case .warnings: buffer.writeString("WARNINGS")
        case .tag(let tag):
            buffer.writeString("TAG ")
            ManageSieveResponse.string(tag, into: &buffer)
        }
    }
}

/// Encodes server responses (RFC 5804 §4): `response-oknobye`, capability lines, strings.
public enum ManageSieveResponse {
    public enum Status: String, Sendable {
        case ok = "OK", no = "NO", bye = "BYE"
    }

    /// `response-ok / response-nobye = ("OK" / "NO" / "BYE") [SP "(" resp-code ")"] [SP string] CRLF`.
    public static func status(_ status: Status, code: ManageSieveResponseCode? = nil, text: String?, into buffer: inout ByteBuffer) {
        buffer.writeString(status.rawValue)
        if let code {
            buffer.writeString(" (")
            code.write(into: &buffer)
            buffer.writeString(")")
        }
        if let text {
            buffer.writeString(" ")
            string(text, into: &buffer)
        }
        buffer.writeString("\r\n")
    }

    /// `single-capability = capability-name [SP string] CRLF`.
    public static func capability(_ name: String, _ value: String?, into buffer: inout ByteBuffer) {
        string(name, into: &buffer)
        if let value {
            buffer.writeString(" ")
            string(value, into: &buffer)
        }
        buffer.writeString("\r\n")
    }

    /// `string = quoted / literal`: quoted when it fits the quoted rule (at most 1024 octets, no
    /// NUL, CR or LF), with `"` and `\` escaped; a `literal-s2c` `{n}` otherwise.
    public static func string(_ text: String, into buffer: inout ByteBuffer) {
        let utf8 = text.utf8
        if utf8.count <= ManageSieveLimits.maxQuotedLength && !utf8.contains(where: { $0 == 0 || $0 == 0x0D || $0 == 0x0A }) {
            buffer.writeString("\"")
            for byte in utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { buffer.writeInteger(UInt8(ascii: "\\")) }
                buffer.writeInteger(byte)
            }
            buffer.writeString("\"")
        } else {
            literal(Array(utf8), into: &buffer)
        }
    }

    /// `literal-s2c = "{" number "}" CRLF *OCTET` (GETSCRIPT's script, long texts).
    public static func literal(_ bytes: [UInt8], into buffer: inout ByteBuffer) {
        buffer.writeString("{\(bytes.count)}\r\n")
        buffer.writeBytes(bytes)
    }
}

/// RFC 5804 §1.6 script names.
public enum ManageSieveScriptName {
    /// Why `name` cannot name a script, or nil: not empty, at most
    /// `ManageSieveLimits.maxScriptNameLength` characters, no control characters (0000-001F,
    /// 007F-009F), no line or paragraph separator (2028, 2029), and no "/" (as `hato sieve put`).
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "Script name is empty" }
        if name.count > ManageSieveLimits.maxScriptNameLength {
            return "Script name longer than \(ManageSieveLimits.maxScriptNameLength) characters"
        }
        let forbidden = name.unicodeScalars.contains {
            $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.value == 0x2028 || $0.value == 0x2029 || $0 == "/"
        }
        return forbidden ? "Script name contains a control character, a line separator or \"/\"" : nil
    }
}
