// Applies a filter's end-of-message modifications (SMFIR_ADDHEADER, CHGHEADER, INSHEADER,
// REPLBODY) to the message bytes, the way Postfix's cleanup does for milter8.c.

import MilterProtocol

/// The message as header fields plus body, edited, then written back as bytes.
struct MilterMessageEditor {
    /// Each field's complete bytes, CRLF included.
    private(set) var fields: [(name: String, raw: [UInt8])]
    private(set) var body: [UInt8]
    private let leadingSpace: Bool
    private var replacementBody: [UInt8]?

    init(fields: [(name: String, raw: [UInt8])], body: [UInt8], leadingSpace: Bool) {
        self.fields = fields
        self.body = body
        self.leadingSpace = leadingSpace
    }

    mutating func apply(_ modification: MilterModification) {
        switch modification {
        case .addHeader(let name, let value):
            fields.append((name, field(name, value)))
        case .insertHeader(let index, let name, let value):
            fields.insert((name, field(name, value)), at: min(Int(index), fields.count))
        case .changeHeader(let index, let name, let value):
            // The index counts fields of that name from 1 (libmilter smfi_chgheader); 0 is taken as 1.
            let matching = fields.indices.filter { fields[$0].name.caseInsensitiveCompare(name) == .orderedSame }
            let wanted = max(Int(index), 1) - 1
            if wanted < matching.count {
                let position = matching[wanted]
                if value.isEmpty { fields.remove(at: position) } else { fields[position] = (name, field(name, value)) }
            } else if !value.isEmpty {
                // libmilter: changing a field that is not there adds it.
                fields.append((name, field(name, value)))
            }
        case .replaceBody(let chunk):
            replacementBody = (replacementBody ?? []) + chunk
        case .quarantine, .addRecipient, .deleteRecipient, .changeFrom:
            break  // not message edits: the stage handles quarantine and turns the others into envelope changes
        }
    }

    /// The edited message; bare line feeds from the filter become CRLF (RFC 5322 §2.3).
    var bytes: [UInt8] {
        var out: [UInt8] = []
        for field in fields { out += field.raw }
        out += [0x0D, 0x0A]
        if let replacementBody { out += Self.crlf(replacementBody) } else { out += body }
        return out
    }

    /// "Name: value" with CRLF line breaks; the space after the colon is ours unless the filter
    /// negotiated SMFIP_HDR_LEADSPC.
    private func field(_ name: String, _ value: String) -> [UInt8] {
        var out = Array(name.utf8) + [0x3A]
        if !leadingSpace { out.append(0x20) }
        out += Self.crlf(Array(value.utf8))
        out += [0x0D, 0x0A]
        return out
    }

    static func crlf(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for (index, octet) in bytes.enumerated() {
            if octet == 0x0A, index == 0 || bytes[index - 1] != 0x0D { out.append(0x0D) }
            if octet == 0x0D, index + 1 == bytes.count || bytes[index + 1] != 0x0A { continue }  // stray CR
            out.append(octet)
        }
        return out
    }
}
