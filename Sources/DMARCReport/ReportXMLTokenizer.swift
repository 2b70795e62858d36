// A strict reader of the XML 1.0 subset reports use (W3C XML 1.0 §2): the XML declaration and
// other processing instructions (§2.6) and comments (§2.5) are skipped; elements (§3.1) with
// attributes (read for well-formedness, then ignored); character data with the five predefined
// entities and character references (§4.1, §4.6); CDATA sections (§2.7). A DOCTYPE never gets
// here (AggregateReportParser refuses it), so no other entity exists. The document must be UTF-8
// with one root element whose end tags match. It allocates nothing per octet beyond the text
// it hands on, and the reader bounds depth, records and text.

enum ReportXMLTokenizer {
    static func read(_ bytes: [UInt8], into reader: AggregateReportReader) throws(DMARCReportError) {
        guard String(validating: bytes, as: UTF8.self) != nil else { throw .malformedXML("not UTF-8") }
        // §2.2 Char, for the raw octets as for references (decodeText): no C0 control but tab, LF
        // and CR, and no U+FFFE or U+FFFF. A NUL let through cut the text short where C reads it
        // (inet_pton saw "203.0.113.9" in "203.0.113.9\0..."; found by the dmarc-report fuzz target).
        if let bad = bytes.firstIndex(where: { $0 < 0x20 && !isWhitespace($0) }) {
            throw .malformedXML("control character 0x\(String(bytes[bad], radix: 16)) (XML 1.0 §2.2)")
        }
        if bytes.indices.contains(where: { $0 + 2 < bytes.count && bytes[$0] == 0xEF && bytes[$0 + 1] == 0xBF && bytes[$0 + 2] >= 0xBE }) {
            throw .malformedXML("U+FFFE or U+FFFF (XML 1.0 §2.2)")
        }
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var open: [ArraySlice<UInt8>] = []
        var rootSeen = false
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "<") else {
                let end = bytes[index...].firstIndex(of: UInt8(ascii: "<")) ?? bytes.count
                let run = bytes[index..<end]
                if open.isEmpty {
                    guard run.allSatisfy(isWhitespace) else { throw .malformedXML("text outside the root element") }
                } else {
                    try reader.characters(try decodeText(run))
                }
                index = end
                continue
            }
            if starts(bytes, index, "<?") {
                index = try skip(bytes, from: index + 2, past: "?>")
            } else if starts(bytes, index, "<!--") {
                index = try skip(bytes, from: index + 4, past: "-->")
            } else if starts(bytes, index, "<![CDATA[") {
                guard !open.isEmpty else { throw .malformedXML("CDATA outside the root element") }
                let end = try skip(bytes, from: index + 9, past: "]]>")
                try reader.characters(bytes[(index + 9)..<(end - 3)])
                index = end
            } else if starts(bytes, index, "<!") {
                throw .malformedXML("markup declaration")
            } else if starts(bytes, index, "</") {
                let (name, after) = try readName(bytes, from: index + 2)
                var cursor = after
                while cursor < bytes.count, isWhitespace(bytes[cursor]) { cursor += 1 }
                guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: ">") else { throw .malformedXML("bad end tag") }
                guard let top = open.last, top.elementsEqual(name) else { throw .malformedXML("end tag does not match its start tag") }
                open.removeLast()
                try reader.endElement()
                index = cursor + 1
            } else {
                guard !(open.isEmpty && rootSeen) else { throw .malformedXML("a second root element") }
                let (name, after) = try readName(bytes, from: index + 1)
                let (selfClosing, next) = try readAttributes(bytes, from: after)
                rootSeen = true
                try reader.startElement(String(decoding: name, as: UTF8.self))
                if selfClosing { try reader.endElement() } else { open.append(name) }
                index = next
            }
        }
        guard rootSeen, open.isEmpty else { throw .malformedXML("the document ends inside an element") }
    }

    static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }

    static func starts(_ bytes: [UInt8], _ index: Int, _ prefix: StaticString) -> Bool {
        let length = prefix.utf8CodeUnitCount
        guard index + length <= bytes.count else { return false }
        return prefix.withUTF8Buffer { bytes[index..<(index + length)].elementsEqual($0) }
    }

    /// The index just past `terminator`, searching from `from`.
    static func skip(_ bytes: [UInt8], from: Int, past terminator: StaticString) throws(DMARCReportError) -> Int {
        var index = from
        while index < bytes.count {
            if starts(bytes, index, terminator) { return index + terminator.utf8CodeUnitCount }
            index += 1
        }
        throw .malformedXML("unterminated markup")
    }

    /// §2.3 Name, loosely: anything up to white space, "/", ">" or "=", not starting with a digit, "-" or ".".
    static func readName(_ bytes: [UInt8], from: Int) throws(DMARCReportError) -> (ArraySlice<UInt8>, Int) {
        var index = from
        while index < bytes.count, !isWhitespace(bytes[index]), !"/>=<\"'&".utf8.contains(bytes[index]) { index += 1 }
        guard index > from, !"0123456789-.".utf8.contains(bytes[from]) else { throw .malformedXML("bad element or attribute name") }
        return (bytes[from..<index], index)
    }

    /// §3.1 Attribute*: name, "=", a quoted value without "<"; then ">" or "/>".
    static func readAttributes(_ bytes: [UInt8], from: Int) throws(DMARCReportError) -> (selfClosing: Bool, next: Int) {
        var index = from
        while true {
            var sawSpace = false
            while index < bytes.count, isWhitespace(bytes[index]) { index += 1; sawSpace = true }
            guard index < bytes.count else { throw .malformedXML("unterminated start tag") }
            if bytes[index] == UInt8(ascii: ">") { return (false, index + 1) }
            if starts(bytes, index, "/>") { return (true, index + 2) }
            guard sawSpace else { throw .malformedXML("attributes must be separated by white space") }
            let (_, afterName) = try readName(bytes, from: index)
            index = afterName
            while index < bytes.count, isWhitespace(bytes[index]) { index += 1 }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { throw .malformedXML("attribute without a value") }
            index += 1
            while index < bytes.count, isWhitespace(bytes[index]) { index += 1 }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
                throw .malformedXML("unquoted attribute value")
            }
            let quote = bytes[index]
            guard let close = bytes[(index + 1)...].firstIndex(of: quote) else { throw .malformedXML("unterminated attribute value") }
            guard !bytes[(index + 1)..<close].contains(UInt8(ascii: "<")) else { throw .malformedXML("\"<\" in an attribute value") }
            index = close + 1
        }
    }

    /// Character data with its references replaced (§4.1, §4.6); a "&" that is not one is an error.
    static func decodeText(_ run: ArraySlice<UInt8>) throws(DMARCReportError) -> [UInt8] {
        guard run.contains(UInt8(ascii: "&")) else { return Array(run) }
        var out: [UInt8] = []
        out.reserveCapacity(run.count)
        var index = run.startIndex
        while index < run.endIndex {
            guard run[index] == UInt8(ascii: "&") else {
                out.append(run[index])
                index += 1
                continue
            }
            guard let semicolon = run[index...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else { throw .malformedXML("bad reference") }
            let name = String(decoding: run[(index + 1)..<semicolon], as: UTF8.self)
            let scalar: Unicode.Scalar?
            switch name {
            case "amp": scalar = "&"
            case "lt": scalar = "<"
            case "gt": scalar = ">"
            case "quot": scalar = "\""
            case "apos": scalar = "'"
            default:
                if name.hasPrefix("#x") {
                    scalar = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
                } else if name.hasPrefix("#") {
                    scalar = UInt32(name.dropFirst(), radix: 10).flatMap(Unicode.Scalar.init)
                } else {
                    scalar = nil
                }
            }
            // §2.2 Char: no NUL and no other C0 control but tab, LF and CR.
            guard let scalar, scalar.value >= 0x20 || [0x09, 0x0A, 0x0D].contains(scalar.value) else { throw .malformedXML("bad reference &\(name.prefix(10));") }
            out.append(contentsOf: String(scalar).utf8)
            index = semicolon + 1
        }
        return out
    }
}
