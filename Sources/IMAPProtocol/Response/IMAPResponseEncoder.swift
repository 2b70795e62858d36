import NIOCore

/// Writes responses that always match RFC 9051 §9: strings become atoms, quoted strings or
/// literals by content, free text is cleaned of CR/LF, numbers stay in range.
public struct IMAPResponseEncoder: Sendable {
    /// Mailbox names in modified UTF-7 (rev1) or UTF-8, and whether quoted strings may hold UTF-8.
    public var encoding: IMAPTextEncoding
    /// Strings longer than this go out as literals (quoted strings are for short values).
    public var maxQuotedLength: Int

    public init(encoding: IMAPTextEncoding = .imap4rev1, maxQuotedLength: Int = 1_024) {
        self.encoding = encoding
        self.maxQuotedLength = maxQuotedLength
    }

    /// One response with its CRLF.
    public func encode(_ response: IMAPResponse, into buffer: inout ByteBuffer) {
        // A short FETCH response (the most frequent) as one write, its "* " and CRLF included.
        if case .data(.fetch(let number, let items)) = response, writeShortFetch(number, items, framed: true, into: &buffer) { return }
        switch response {
        case .status(let tag, let status, let code, let text):
            buffer.writeString(tag ?? "*")
            buffer.writeString(" " + status.rawValue + " ")
            if let code {
                buffer.writeString("[")
                writeCode(code, into: &buffer)
                buffer.writeString("] ")
            }
            writeText(text.isEmpty ? "completed" : text, into: &buffer)
        case .continuation(let text):
            buffer.writeString("+ ")
            writeText(text.isEmpty ? "Ready" : text, into: &buffer)
        case .challenge(let bytes):
            buffer.writeString("+ " + IMAPSASLResponse.encodeBase64(bytes))
        case .data(let data):
            buffer.writeString("* ")
            writeData(data, into: &buffer)
        }
        buffer.writeString("\r\n")
    }

    /// The bytes of one response, for tests and small replies.
    public func encode(_ response: IMAPResponse) -> ByteBuffer {
        var buffer = ByteBuffer()
        encode(response, into: &buffer)
        return buffer
    }

    /// resp-text-code
    func writeCode(_ code: IMAPResponseCode, into b: inout ByteBuffer) {
        switch code {
        case .alert: b.writeString("ALERT")
        case .parse: b.writeString("PARSE")
        case .readOnly: b.writeString("READ-ONLY")
        case .readWrite: b.writeString("READ-WRITE")
        case .tryCreate: b.writeString("TRYCREATE")
        case .uidNotSticky: b.writeString("UIDNOTSTICKY")
        case .unavailable: b.writeString("UNAVAILABLE")
        case .authenticationFailed: b.writeString("AUTHENTICATIONFAILED")
        case .authorizationFailed: b.writeString("AUTHORIZATIONFAILED")
        case .expired: b.writeString("EXPIRED")
        case .privacyRequired: b.writeString("PRIVACYREQUIRED")
        case .contactAdmin: b.writeString("CONTACTADMIN")
        case .noPerm: b.writeString("NOPERM")
        case .inUse: b.writeString("INUSE")
        case .expungeIssued: b.writeString("EXPUNGEISSUED")
        case .corruption: b.writeString("CORRUPTION")
        case .serverBug: b.writeString("SERVERBUG")
        case .clientBug: b.writeString("CLIENTBUG")
        case .cannot: b.writeString("CANNOT")
        case .limit: b.writeString("LIMIT")
        case .overQuota: b.writeString("OVERQUOTA")
        case .alreadyExists: b.writeString("ALREADYEXISTS")
        case .nonExistent: b.writeString("NONEXISTENT")
        case .notSaved: b.writeString("NOTSAVED")
        case .hasChildren: b.writeString("HASCHILDREN")
        case .closed: b.writeString("CLOSED")
        case .unknownCTE: b.writeString("UNKNOWN-CTE")
        case .noModSeq: b.writeString("NOMODSEQ")
        case .tooBig: b.writeString("TOOBIG")
        case .compressionActive: b.writeString("COMPRESSIONACTIVE")
        case .useAttr: b.writeString("USEATTR")
        case .noUpdate(let tag):
            b.writeString("NOUPDATE ")
            writeString(tag, into: &b)
        case .badCharset(let charsets):
            b.writeString("BADCHARSET")
            if !charsets.isEmpty {
                b.writeString(" (")
                writeJoined(charsets, into: &b) { e, s, b in e.writeAtomOrString(Array(s.utf8), into: &b) }
                b.writeString(")")
            }
        case .capability(let names):
            b.writeString("CAPABILITY")
            for name in names { b.writeString(" "); writeAtom(name, into: &b) }
        case .permanentFlags(let flags):
            b.writeString("PERMANENTFLAGS ")
            writeFlagList(flags, into: &b)
        case .uidNext(let n): b.writeString("UIDNEXT \(max(n, 1))")
        case .uidValidity(let n): b.writeString("UIDVALIDITY \(max(n, 1))")
        case .unseen(let n): b.writeString("UNSEEN \(max(n, 1))")
        case .appendUID(let validity, let uids):
            b.writeString("APPENDUID \(max(validity, 1)) ")
            writeSequenceSet(uids, into: &b)
        case .copyUID(let validity, let source, let destination):
            b.writeString("COPYUID \(max(validity, 1)) ")
            writeSequenceSet(source, into: &b)
            b.writeString(" ")
            writeSequenceSet(destination, into: &b)
        case .highestModSeq(let n): b.writeString("HIGHESTMODSEQ \(n)")
        case .mailboxID(let id): b.writeString("MAILBOXID (\(id))")
        case .modified(let set):
            b.writeString("MODIFIED ")
            writeSequenceSet(set, into: &b)
        case .other(let name, let text):
            writeAtom(name, into: &b)
            if let text {
                let cleaned = Self.cleanText(text, utf8: encoding.utf8).filter { $0 != "]" }
                if !cleaned.isEmpty { b.writeString(" " + cleaned) }
            }
        }
    }

    // MARK: primitives

    /// text = 1*(TEXT-CHAR / UTF8-2 / UTF8-3 / UTF8-4): CR and LF become spaces, and non-ASCII
    /// becomes "?" for rev1 sessions (RFC 9051 §9: non-ASCII text only after ENABLE IMAP4rev2).
    func writeText(_ text: String, into b: inout ByteBuffer) {
        // Printable ASCII (every text the server writes itself) is what cleaning would give.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            b.writeString(text)
        } else {
            b.writeString(Self.cleanText(text, utf8: encoding.utf8))
        }
    }

    static func cleanText(_ text: String, utf8: Bool) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { s -> UnicodeScalar in
            if s.value < 0x20 || s.value == 0x7F { return " " }
            if s.value > 0x7F && !utf8 { return "?" }
            return s
        }))
    }

    /// An atom as given when it is one, else a string (never invalid syntax).
    func writeAtom(_ atom: String, into b: inout ByteBuffer) {
        writeAtomOrString(Array(atom.utf8), into: &b)
    }

    func writeAtomOrString(_ bytes: [UInt8], into b: inout ByteBuffer) {
        if !bytes.isEmpty, bytes.allSatisfy(GrammarParser.isAtomChar), bytes.map(asciiUpper) != Array("NIL".utf8) {
            b.writeBytes(bytes)
        } else {
            writeString(bytes, into: &b)
        }
    }

    /// string = quoted / literal — quoted when short, free of CR, LF and NUL, and 7-bit (or valid
    /// UTF-8 when the session accepts it); a literal otherwise.
    func writeString(_ bytes: [UInt8], into b: inout ByteBuffer) {
        bytes.withUnsafeBufferPointer { writeString($0, into: &b) }
    }

    func writeString(_ string: String, into b: inout ByteBuffer) {
        var string = string
        string.withUTF8 { writeString($0, into: &b) }
    }

    /// The octets between the quotes go out in runs up to each `"` or `\` (escaped), not one
    /// write per octet: ENVELOPE and BODYSTRUCTURE are mostly short strings, and a buffer write
    /// per octet was a fifth of FETCH BODYSTRUCTURE's encoding (issue 24).
    func writeString(_ bytes: UnsafeBufferPointer<UInt8>, into b: inout ByteBuffer) {
        guard canQuote(bytes) else {
            b.writeString("{\(bytes.count)}\r\n")
            b.writeBytes(UnsafeRawBufferPointer(bytes))
            return
        }
        b.reserveCapacity(minimumWritableBytes: bytes.count + 2)
        b.writeInteger(UInt8(ascii: "\""))
        var start = 0
        for i in 0..<bytes.count where bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "\\") {
            b.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<i])))
            b.writeInteger(UInt8(ascii: "\\"))
            start = i
        }
        b.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start...])))
        b.writeInteger(UInt8(ascii: "\""))
    }

    func canQuote(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { canQuote($0) }
    }

    func canQuote(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count <= maxQuotedLength else { return false }
        var eightBit = false
        for byte in bytes {
            if byte == 0 || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") { return false }
            if byte > 0x7F { eightBit = true }
        }
        return !eightBit || (encoding.utf8 && String(validating: bytes, as: UTF8.self) != nil)
    }

    /// nstring = string / nil
    func writeNString(_ string: String?, into b: inout ByteBuffer) {
        guard let string else { b.writeString("NIL"); return }
        writeString(string, into: &b)
    }

    /// A literal of message data (BODY[...]); NIL when absent.
    func writeLiteral(_ data: ByteBuffer?, binary: Bool = false, into b: inout ByteBuffer) {
        guard var data else { b.writeString("NIL"); return }
        b.writeString((binary ? "~{" : "{") + "\(data.readableBytes)}\r\n")
        b.writeBuffer(&data)
    }

    /// mailbox: modified UTF-7 for rev1, UTF-8 otherwise; an atom when possible.
    func writeMailbox(_ name: IMAPMailboxName, into b: inout ByteBuffer) {
        let wire = encoding.utf8 ? name.name : ModifiedUTF7.encode(name.name)
        let bytes = Array(wire.utf8)
        if !bytes.isEmpty, bytes.allSatisfy(GrammarParser.isAstringChar), bytes.map(asciiUpper) != Array("NIL".utf8) {
            b.writeBytes(bytes)
        } else {
            writeString(bytes, into: &b)
        }
    }

    /// flag-list = "(" [flag *(SP flag)] ")"
    func writeFlagList(_ flags: [String], into b: inout ByteBuffer) {
        b.writeInteger(UInt8(ascii: "("))
        var first = true
        for flag in flags where Self.isFlag(flag) {
            if !first { b.writeInteger(UInt8(ascii: " ")) }
            first = false
            b.writeString(flag)
        }
        b.writeInteger(UInt8(ascii: ")"))
    }

    /// flag = "\" atom / atom, and flag-perm's "\*"; anything else is dropped, never sent broken.
    /// Reads the UTF-8 view in place (no array per flag: every FLAGS item of a FETCH passes here).
    static func isFlag(_ flag: String) -> Bool {
        if flag == "\\*" { return true }
        let bytes = flag.utf8
        let atom = bytes.first == UInt8(ascii: "\\") ? bytes.dropFirst() : bytes[...]
        return !atom.isEmpty && atom.allSatisfy(GrammarParser.isAtomChar)
    }

    /// sequence-set / uid-set, written as given.
    func writeSequenceSet(_ set: IMAPSequenceSet, into b: inout ByteBuffer) {
        guard case .ranges(let ranges) = set, !ranges.isEmpty else { b.writeString("$"); return }
        func number(_ n: IMAPSequenceNumber) -> String {
            if case .number(let v) = n { return String(max(v, 1)) }
            return "*"
        }
        for (i, r) in ranges.enumerated() {
            if i > 0 { b.writeString(",") }
            b.writeString(r.first == r.last ? number(r.first) : number(r.first) + ":" + number(r.last))
        }
    }

    func writeJoined<T>(_ items: [T], separator: String = " ", into b: inout ByteBuffer,
                        _ write: (IMAPResponseEncoder, T, inout ByteBuffer) -> Void) {
        for (i, item) in items.enumerated() {
            if i > 0 { b.writeString(separator) }
            write(self, item, &b)
        }
    }
}
