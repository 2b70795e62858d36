// The stored form of a summary written by hand: the same JSON object Foundation's JSONEncoder
// writes for the synthesized Codable conformances (same keys, nil optionals left out, dates as
// seconds since 1970), without its boxing of every value. JSONEncoder took ~7.5% of SMTP's and
// ~5.7% of IMAP APPEND's instructions per message (issue 24). Reading stays JSONDecoder, so rows
// written by either encoder read the same (MessageSummaryJSONTests round-trips both ways).
// JSON text as RFC 8259: strings §7 (escapes), numbers §6.
import Foundation

struct SummaryJSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Whether the current object/array needs a comma before its next member.
    private var needsComma = false

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    // MARK: structure

    mutating func object(_ body: (inout SummaryJSONWriter) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
        body(&self)
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func array<S: Sequence>(_ elements: S, _ each: (inout SummaryJSONWriter, S.Element) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
        for element in elements { each(&self, element) }
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// `"key":` — the value written next belongs to it.
    mutating func key(_ key: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    // MARK: values

    /// RFC 8259 §7: quotation mark, reverse solidus and controls U+0000–U+001F escaped; every
    /// other scalar as its UTF-8 (JSON text is UTF-8, §8.1).
    mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for i in 0..<utf8.count {
                let b = utf8[i]
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i]))
                start = i + 1
                bytes.append(UInt8(ascii: "\\"))
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(b)
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(b >> 4)], hex[Int(b & 0xF)]])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<utf8.count]))
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    mutating func int(_ value: Int) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    /// A finite Double in Swift's shortest round-trip form ("1700000000.5", "1e+16"), which is
    /// RFC 8259 §6 number syntax; the caller refuses non-finite values as JSONEncoder does.
    mutating func double(_ value: Double) {
        separate()
        bytes.append(contentsOf: value.description.utf8)
        needsComma = true
    }

    // MARK: members

    mutating func member(_ key: StaticString, _ value: String) { self.key(key); string(value) }
    mutating func member(_ key: StaticString, _ value: Int) { self.key(key); int(value) }
    /// Synthesized Codable encodes optionals with encodeIfPresent: nil leaves the key out.
    mutating func member(_ key: StaticString, _ value: String?) {
        if let value { member(key, value) }
    }
    mutating func member(_ key: StaticString, _ value: Int?) {
        if let value { member(key, value) }
    }
    mutating func member(_ key: StaticString, _ value: [String]) {
        self.key(key); array(value) { $0.string($1) }
    }
}

extension MessageSummary {
    /// The stored form as JSONEncoder (`.secondsSince1970`) would write it; nil when the date is
    /// not finite, where JSONEncoder throws.
    func handWrittenStoredForm() -> [UInt8]? {
        if let date, !date.timeIntervalSince1970.isFinite { return nil }
        var w = SummaryJSONWriter(capacity: 1024 + sections.count * 96)
        w.object { w in
            w.member("size", size)
            w.key("envelope"); w.envelope(envelope)
            w.key("bodyStructure"); w.bodyStructure(bodyStructure)
            w.key("sections")
            w.array(sections) { w, s in
                w.object { w in
                    w.key("section"); w.array(s.section) { $0.int($1) }
                    w.key("header"); w.byteRange(s.header)
                    w.key("body"); w.byteRange(s.body)
                    if let r = s.messageHeader { w.key("messageHeader"); w.byteRange(r) }
                    if let r = s.messageText { w.key("messageText"); w.byteRange(r) }
                }
            }
            if let date { w.key("date"); w.double(date.timeIntervalSince1970) }
            w.member("subject", subject)
            w.member("messageID", messageID)
            w.member("inReplyTo", inReplyTo)
            w.member("references", references)
            w.key("hasAttachments"); w.bool(hasAttachments)
            w.key("problems")
            w.array(problems) { w, p in
                w.object { w in
                    w.member("kind", p.kind.rawValue)
                    w.member("section", p.section)
                    w.member("detail", p.detail)
                }
            }
        }
        return w.bytes
    }
}

extension SummaryJSONWriter {
    mutating func byteRange(_ r: ByteRange) {
        object { w in
            w.member("offset", r.offset)
            w.member("length", r.length)
        }
    }

    mutating func addresses(_ key: StaticString, _ list: [EnvelopeAddress]) {
        self.key(key)
        array(list) { w, a in
            w.object { w in
                w.member("name", a.name)
                w.member("adl", a.adl)
                w.member("mailbox", a.mailbox)
                w.member("host", a.host)
            }
        }
    }

    mutating func envelope(_ e: Envelope) {
        object { w in
            w.member("date", e.date)
            w.member("subject", e.subject)
            w.addresses("from", e.from)
            w.addresses("sender", e.sender)
            w.addresses("replyTo", e.replyTo)
            w.addresses("to", e.to)
            w.addresses("cc", e.cc)
            w.addresses("bcc", e.bcc)
            w.member("inReplyTo", e.inReplyTo)
            w.member("messageID", e.messageID)
        }
    }

    mutating func parameters(_ list: [MIMEParameter]) {
        key("parameters")
        array(list) { w, p in
            w.object { w in
                w.member("name", p.name)
                w.member("value", p.value)
            }
        }
    }

    /// The extension fields both part kinds share, in their declaration order.
    mutating func extensionFields(_ disposition: BodyStructure.Disposition?, _ language: [String]?, _ location: String?) {
        if let d = disposition {
            key("disposition")
            object { w in
                w.member("type", d.type)
                w.parameters(d.parameters)
            }
        }
        if let language { member("language", language) }
        member("location", location)
    }

    /// BodyStructure's own coding: {"single": SinglePart} or {"multipart": Multipart}.
    mutating func bodyStructure(_ b: BodyStructure) {
        object { w in
            switch b {
            case .singlePart(let s):
                w.key("single")
                w.object { w in
                    w.member("type", s.type)
                    w.member("subtype", s.subtype)
                    w.parameters(s.parameters)
                    w.member("id", s.id)
                    w.member("description", s.description)
                    w.member("encoding", s.encoding)
                    w.member("octets", s.octets)
                    w.member("lines", s.lines)
                    if let m = s.message {
                        w.key("message")
                        w.object { w in
                            w.key("envelope"); w.envelope(m.envelope)
                            w.key("body"); w.bodyStructure(m.body)
                        }
                    }
                    w.member("md5", s.md5)
                    w.extensionFields(s.disposition, s.language, s.location)
                }
            case .multipart(let m):
                w.key("multipart")
                w.object { w in
                    w.key("parts"); w.array(m.parts) { $0.bodyStructure($1) }
                    w.member("subtype", m.subtype)
                    w.parameters(m.parameters)
                    w.extensionFields(m.disposition, m.language, m.location)
                }
            }
        }
    }
}
