// The header section of a raw message as the authentication methods read it (RFC 5322 §2.2).

/// The header fields of a raw message, unfolded values kept as bytes (shared by DMARC, ARC and
/// the Authentication-Results removal).
enum MailAuthHeader {
    struct Field {
        var name: String
        /// After the colon, CRLFs of folding removed.
        var value: [UInt8]
        /// The field's bytes in the message, folding and final line end included.
        var range: Range<Int>
    }

    /// Fields up to the first empty line; a line that is neither a field nor a continuation
    /// ends the header section (RFC 5322 §2.2).
    static func fields(of message: [UInt8]) -> [Field] {
        var fields: [Field] = []
        var index = 0
        let count = message.count
        while index < count {
            if message[index] == 0x0D || message[index] == 0x0A { break }  // empty line: body follows
            let start = index
            // One logical field: lines until the next that does not start with WSP.
            var end = start
            repeat {
                while end < count && message[end] != 0x0A { end += 1 }
                if end < count { end += 1 }
            } while end < count && (message[end] == 0x20 || message[end] == 0x09)
            let line = message[start..<end]
            guard let colon = line.firstIndex(of: 0x3A) else { break }
            let name = String(decoding: message[start..<colon], as: UTF8.self).authTrimming(" \t")
            guard !name.isEmpty, !name.contains(where: { $0 == "\r" || $0 == "\n" }) else { break }
            let value = message[(colon + 1)..<end].filter { $0 != 0x0D && $0 != 0x0A }
            fields.append(Field(name: name, value: value, range: start..<end))
            index = end
        }
        return fields
    }
}

extension String {
    func authTrimming(_ set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
