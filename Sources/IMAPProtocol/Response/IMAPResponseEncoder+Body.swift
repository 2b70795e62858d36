import NIOCore

extension IMAPResponseEncoder {
    /// body = "(" (body-type-1part / body-type-mpart) ")"
    /// `extensible` false is the `BODY` form: no body-ext-1part / body-ext-mpart.
    func writeBody(_ body: IMAPBodyStructure, extensible: Bool, into b: inout ByteBuffer) {
        b.writeInteger(UInt8(ascii: "("))
        switch body {
        case .singlePart(let part): writeSinglePart(part, extensible: extensible, into: &b)
        case .multipart(let multi): writeMultipart(multi, extensible: extensible, into: &b)
        }
        b.writeInteger(UInt8(ascii: ")"))
    }

    /// body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
    /// body-ext-mpart  = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
    func writeMultipart(_ m: IMAPBodyStructure.Multipart, extensible: Bool, into b: inout ByteBuffer) {
        // 1*body: a multipart without parts (a broken message) is shown with one empty text part.
        let parts = m.parts.isEmpty ? [.singlePart(.init(type: "text", subtype: "plain", octets: 0, lines: 0))] : m.parts
        for part in parts { writeBody(part, extensible: extensible, into: &b) }
        b.writeInteger(UInt8(ascii: " "))
        writeString(m.subtype, into: &b)
        guard extensible else { return }
        b.writeInteger(UInt8(ascii: " "))
        writeParameters(m.parameters, into: &b)
        writeExtension(disposition: m.disposition, language: m.language, location: m.location, into: &b)
    }

    /// body-type-1part = (body-type-basic / body-type-msg / body-type-text) [SP body-ext-1part]
    /// body-type-basic = media-basic SP body-fields
    /// body-type-msg   = media-message SP body-fields SP envelope SP body SP body-fld-lines
    /// body-type-text  = media-text SP body-fields SP body-fld-lines
    /// body-fields     = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP body-fld-octets
    func writeSinglePart(_ p: IMAPBodyStructure.SinglePart, extensible: Bool, into b: inout ByteBuffer) {
        let type = p.type.lowercased(), subtype = p.subtype.lowercased()
        // media-message only with an encapsulated message; otherwise message/rfc822 would promise
        // an envelope that is not there, so it is described as application/octet-stream.
        let isMessage = type == "message" && (subtype == "rfc822" || subtype == "global")
        let (mediaType, mediaSubtype) = isMessage && p.message == nil ? ("application", "octet-stream") : (p.type, p.subtype)
        writeString(mediaType, into: &b)
        b.writeInteger(UInt8(ascii: " "))
        writeString(mediaSubtype, into: &b)
        b.writeInteger(UInt8(ascii: " "))
        writeParameters(p.parameters, into: &b)
        b.writeInteger(UInt8(ascii: " "))
        writeNString(p.id, into: &b)
        b.writeInteger(UInt8(ascii: " "))
        writeNString(p.description, into: &b)
        b.writeInteger(UInt8(ascii: " "))
        writeString(p.encoding.isEmpty ? "7BIT" : p.encoding, into: &b)
        b.writeInteger(UInt8(ascii: " "))
        Self.writeDecimal(UInt64(Self.clamp32(p.octets)), into: &b)
        if isMessage, let message = p.message {
            b.writeInteger(UInt8(ascii: " "))
            writeEnvelope(message.envelope, into: &b)
            b.writeInteger(UInt8(ascii: " "))
            writeBody(message.body, extensible: extensible, into: &b)
            b.writeInteger(UInt8(ascii: " "))
            Self.writeDecimal(UInt64(max(0, p.lines ?? 0)), into: &b)
        } else if type == "text" {
            b.writeInteger(UInt8(ascii: " "))
            Self.writeDecimal(UInt64(max(0, p.lines ?? 0)), into: &b)
        }
        guard extensible else { return }
        // body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
        b.writeInteger(UInt8(ascii: " "))
        writeNString(p.md5, into: &b)
        writeExtension(disposition: p.disposition, language: p.language, location: p.location, into: &b)
    }

    /// SP body-fld-dsp SP body-fld-lang SP body-fld-loc — always all three, as most servers do.
    private func writeExtension(disposition: IMAPBodyStructure.Disposition?, language: [String]?, location: String?,
                                into b: inout ByteBuffer) {
        // body-fld-dsp = "(" string SP body-fld-param ")" / nil
        b.writeInteger(UInt8(ascii: " "))
        if let disposition {
            b.writeInteger(UInt8(ascii: "("))
            writeString(disposition.type, into: &b)
            b.writeInteger(UInt8(ascii: " "))
            writeParameters(disposition.parameters, into: &b)
            b.writeInteger(UInt8(ascii: ")"))
        } else {
            b.writeString("NIL")
        }
        // body-fld-lang = nstring / "(" string *(SP string) ")"
        b.writeInteger(UInt8(ascii: " "))
        switch language ?? [] {
        case []: b.writeString("NIL")
        case let one where one.count == 1: writeString(one[0], into: &b)
        case let many:
            b.writeInteger(UInt8(ascii: "("))
            writeJoined(many, into: &b) { e, s, b in e.writeString(s, into: &b) }
            b.writeInteger(UInt8(ascii: ")"))
        }
        // body-fld-loc = nstring
        b.writeInteger(UInt8(ascii: " "))
        writeNString(location, into: &b)
    }

    /// body-fld-param = "(" string SP string *(SP string SP string) ")" / nil
    func writeParameters(_ parameters: [IMAPBodyParameter], into b: inout ByteBuffer) {
        guard !parameters.isEmpty else { b.writeString("NIL"); return }
        b.writeInteger(UInt8(ascii: "("))
        writeJoined(parameters, into: &b) { e, p, b in
            e.writeString(p.name, into: &b)
            b.writeInteger(UInt8(ascii: " "))
            e.writeString(p.value, into: &b)
        }
        b.writeInteger(UInt8(ascii: ")"))
    }

    /// body-fld-octets = number (32-bit)
    static func clamp32(_ n: Int) -> Int { max(0, min(n, Int(UInt32.max))) }
}
