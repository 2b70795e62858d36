import NIOCore

extension IMAPResponseEncoder {
    /// A FETCH response whose item at `index` (BODY[...] or RFC822 with a literal) carries
    /// `size` octets the caller sends itself, piece by piece (a large message streamed from
    /// disk): `head` is `* n FETCH (... BODY[] {size}` CRLF, `tail` the items after it and `)` CRLF.
    public func encodeFetch(_ number: UInt32, _ items: [IMAPFetchItem], literalAt index: Int, size: Int) -> (head: ByteBuffer, tail: ByteBuffer) {
        var head = ByteBuffer(), tail = ByteBuffer()
        head.writeString("* \(max(number, 1)) FETCH (")
        for (i, item) in items.enumerated() {
            if i < index {
                writeFetchItem(item, into: &head)
                head.writeString(" ")
            } else if i == index {
                var prefix = ByteBuffer()
                writeFetchItem(item.withEmptyLiteral, into: &prefix)
                // The item ends with the empty literal "{0}" CRLF just written: replace its count.
                prefix.moveWriterIndex(to: prefix.writerIndex - 5)
                head.writeBuffer(&prefix)
                head.writeString("{\(size)}\r\n")
            } else {
                tail.writeString(" ")
                writeFetchItem(item, into: &tail)
            }
        }
        tail.writeString(")\r\n")
        return (head, tail)
    }

    /// msg-att-dynamic / msg-att-static     (RFC 9051 §7.5.2, RFC 3516 §4.2, RFC 7162 §3.1.4)
    func writeFetchItem(_ item: IMAPFetchItem, into b: inout ByteBuffer) {
        switch item {
        case .flags(let flags):
            b.writeStaticString("FLAGS ")
            writeFlagList(flags, into: &b)
        case .uid(let uid):
            b.writeStaticString("UID ")
            writeNumber(max(uid, 1), into: &b)
        case .rfc822Size(let size):
            b.writeStaticString("RFC822.SIZE ")
            writeNumber(size, into: &b)
        case .modSeq(let modSeq):
            // fetch-mod-resp = "MODSEQ" SP "(" permsg-modsequence ")"
            b.writeStaticString("MODSEQ (")
            writeNumber(modSeq, into: &b)
            b.writeInteger(UInt8(ascii: ")"))
        case .internalDate(let date):
            b.writeString("INTERNALDATE ")
            writeDateTime(date, into: &b)
        case .envelope(let envelope):
            b.writeString("ENVELOPE ")
            writeEnvelope(envelope, into: &b)
        case .body(let body):
            b.writeString("BODY ")
            writeBody(body, extensible: false, into: &b)
        case .bodyStructure(let body):
            b.writeString("BODYSTRUCTURE ")
            writeBody(body, extensible: true, into: &b)
        case .bodySection(let section, let origin, let data):
            // "BODY" section ["<" number ">"] SP nstring
            b.writeString("BODY")
            writeSection(section, into: &b)
            if let origin { b.writeString("<\(origin)>") }
            b.writeInteger(UInt8(ascii: " "))
            writeLiteral(data, into: &b)
        case .binary(let part, let origin, let data):
            // "BINARY" section-binary SP (nstring / literal8)
            b.writeString("BINARY[" + part.map(String.init).joined(separator: ".") + "]")
            if let origin { b.writeString("<\(origin)>") }
            b.writeInteger(UInt8(ascii: " "))
            writeLiteral(data, binary: data?.readableBytesView.contains(0) ?? false, into: &b)
        case .binarySize(let part, let size):
            b.writeString("BINARY.SIZE[" + part.map(String.init).joined(separator: ".") + "] \(size)")
        case .rfc822(let data):
            b.writeString("RFC822 ")
            writeLiteral(data, into: &b)
        case .rfc822Header(let data):
            b.writeString("RFC822.HEADER ")
            writeLiteral(data, into: &b)
        case .rfc822Text(let data):
            b.writeString("RFC822.TEXT ")
            writeLiteral(data, into: &b)
        case .saveDate(let date):
            // msg-att-static =/ "SAVEDATE" SP (date-time / nil)   (RFC 8514 §5)
            b.writeString("SAVEDATE ")
            if let date { writeDateTime(date, into: &b) } else { b.writeString("NIL") }
        case .emailID(let id):
            // msg-att-static =/ "EMAILID" SP "(" objectid ")" / "THREADID" SP ("(" objectid ")" / nil)
            b.writeString("EMAILID (\(id))")
        case .threadID(let id):
            b.writeString(id.map { "THREADID (\($0))" } ?? "THREADID NIL")
        case .preview(let text):
            // msg-att-static =/ "PREVIEW" SP nstring (RFC 8970 §7); UTF-8, so a literal unless
            // the session takes UTF-8 in quoted strings (RFC 9051 §4.3, RFC 9755).
            b.writeString("PREVIEW ")
            writeNString(text, into: &b)
        }
    }

    /// section = "[" [section-spec] "]" — as the client asked, field names as atoms or strings.
    func writeSection(_ section: IMAPSection, into b: inout ByteBuffer) {
        b.writeString("[")
        b.writeString(section.part.map(String.init).joined(separator: "."))
        if let text = section.text {
            if !section.part.isEmpty { b.writeString(".") }
            switch text {
            case .header: b.writeString("HEADER")
            case .text: b.writeString("TEXT")
            case .mime: b.writeString("MIME")
            case .headerFields(let names), .headerFieldsNot(let names):
                if case .headerFields = text { b.writeString("HEADER.FIELDS (") } else { b.writeString("HEADER.FIELDS.NOT (") }
                writeJoined(names, into: &b) { e, name, b in e.writeAtomOrString(Array(name.utf8), into: &b) }
                b.writeInteger(UInt8(ascii: ")"))
            }
        }
        b.writeString("]")
    }

    /// date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
    func writeDateTime(_ d: IMAPDateTime, into b: inout ByteBuffer) {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let day = d.date.day < 10 ? " \(d.date.day)" : "\(d.date.day)"
        let month = IMAPDate.monthNames[max(1, min(12, d.date.month)) - 1]
        let y = String(max(0, min(9999, d.date.year)))
        let year = String(repeating: "0", count: 4 - y.count) + y
        let zone = abs(d.zoneMinutes)
        b.writeString("\"\(day)-\(month)-\(year) \(two(d.hour)):\(two(d.minute)):\(two(d.second)) ")
        b.writeString((d.zoneMinutes < 0 ? "-" : "+") + two(zone / 60 % 100) + two(zone % 60) + "\"")
    }

    /// envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP env-to SP
    ///            env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"
    func writeEnvelope(_ e: IMAPEnvelope, into b: inout ByteBuffer) {
        b.writeInteger(UInt8(ascii: "("))
        writeNString(e.date, into: &b)
        b.writeInteger(UInt8(ascii: " "))
        writeNString(e.subject, into: &b)
        for list in [e.from, e.sender, e.replyTo, e.to, e.cc, e.bcc] {
            b.writeInteger(UInt8(ascii: " "))
            writeAddresses(list, into: &b)
        }
        b.writeInteger(UInt8(ascii: " "))
        writeNString(e.inReplyTo, into: &b)
        b.writeInteger(UInt8(ascii: " "))
        writeNString(e.messageID, into: &b)
        b.writeInteger(UInt8(ascii: ")"))
    }

    /// env-from = "(" 1*address ")" / nil
    /// address  = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"
    func writeAddresses(_ addresses: [IMAPAddress], into b: inout ByteBuffer) {
        guard !addresses.isEmpty else { b.writeString("NIL"); return }
        b.writeInteger(UInt8(ascii: "("))
        for a in addresses {
            b.writeInteger(UInt8(ascii: "("))
            writeNString(a.name, into: &b)
            b.writeInteger(UInt8(ascii: " "))
            writeNString(a.adl, into: &b)
            b.writeInteger(UInt8(ascii: " "))
            writeNString(a.mailbox, into: &b)
            b.writeInteger(UInt8(ascii: " "))
            writeNString(a.host, into: &b)
            b.writeInteger(UInt8(ascii: ")"))
        }
        b.writeInteger(UInt8(ascii: ")"))
    }
}

extension IMAPFetchItem {
    /// BODY[...] or RFC822 whose data is a literal (not NIL): the item `encodeFetch(_:_:literalAt:size:)` can stream.
    public var withEmptyLiteral: IMAPFetchItem {
        switch self {
        case .bodySection(let section, let origin, _): .bodySection(section, origin: origin, data: ByteBuffer())
        case .rfc822: .rfc822(ByteBuffer())
        case .rfc822Text: .rfc822Text(ByteBuffer())
        case .rfc822Header: .rfc822Header(ByteBuffer())
        default: self
        }
    }
}
