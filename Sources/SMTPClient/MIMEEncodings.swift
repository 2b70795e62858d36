/// The header block of one MIME entity (RFC 5322 §2.2, RFC 2045 §3), just enough for the 7-bit
/// conversion: find fields by name, unfold values, drop and add fields.
struct MIMEHeader {
    /// The header fields and the blank line ending them; the body starts at `range.upperBound`.
    let range: Range<Int>
    /// Each field with its folded continuation lines, CRLFs included.
    private(set) var fields: [(name: String, bytes: ArraySlice<UInt8>)] = []

    init(_ entity: ArraySlice<UInt8>) {
        var position = entity.startIndex
        while position < entity.endIndex {
            let lineEnd = entity[position...].firstIndex(of: 10).map { $0 + 1 } ?? entity.endIndex
            let line = entity[position..<lineEnd]
            position = lineEnd
            if line.elementsEqual([13, 10]) || line.elementsEqual([10]) {
                break
            }
            if let first = line.first, first == 32 || first == 9, let last = fields.indices.last {
                let previous = fields[last].bytes
                fields[last].bytes = entity[previous.startIndex..<lineEnd]
            } else {
                let name = line.prefix(while: { $0 != UInt8(ascii: ":") })
                fields.append((String(decoding: name, as: UTF8.self).lowercased().trimmingSpaces(), line))
            }
        }
        range = entity.startIndex..<position
    }

    /// The unfolded value of the first field with this (lower-case) name.
    func value(of name: String) -> String? {
        guard let field = fields.first(where: { $0.name == name }) else { return nil }
        let value = field.bytes.drop(while: { $0 != UInt8(ascii: ":") }).dropFirst().filter { $0 != 13 && $0 != 10 }
        return String(decoding: value, as: UTF8.self).trimmingSpaces()
    }

    var contentType: MIMEContentType? { value(of: "content-type").map(MIMEContentType.init) }

    /// The header block without the fields of `name`, with `lines` added at its end.
    func replacingField(_ name: String, with lines: [String]) -> [UInt8] {
        var output: [UInt8] = []
        for field in fields where field.name != name {
            output += field.bytes
            if field.bytes.last != 10 { output += [13, 10] }
        }
        for line in lines { output += Array(line.utf8) + [13, 10] }
        output += [13, 10]
        return output
    }
}

/// content := "Content-Type" ":" type "/" subtype *(";" parameter)   (RFC 2045 §5.1)
struct MIMEContentType {
    let type: String
    let subtype: String
    let parameters: [String: String]

    init(_ value: String) {
        let pieces = Self.splitParameters(value)
        let media = (pieces.first ?? "").lowercased().trimmingSpaces()
        let slash = media.split(separator: "/", maxSplits: 1).map { String($0).trimmingSpaces() }
        type = slash.first ?? "text"
        subtype = slash.count > 1 ? slash[1] : ""
        var parameters: [String: String] = [:]
        for piece in pieces.dropFirst() {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            let key = piece[..<equals].lowercased().trimmingSpaces()
            var value = String(piece[piece.index(after: equals)...]).trimmingSpaces()
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                value = String(value.dropFirst().dropLast()).replacingBackslashEscapes()
            }
            parameters[key] = value
        }
        self.parameters = parameters
    }

    /// Splits at ";" outside quoted strings.
    private static func splitParameters(_ value: String) -> [String] {
        var pieces: [String] = [], current = "", quoted = false, escaped = false
        for character in value {
            if escaped { current.append(character); escaped = false; continue }
            switch character {
            case "\\" where quoted: escaped = true; current.append(character)
            case "\"": quoted.toggle(); current.append(character)
            case ";" where !quoted: pieces.append(current); current = ""
            default: current.append(character)
            }
        }
        pieces.append(current)
        return pieces
    }
}

extension String {
    fileprivate func replacingBackslashEscapes() -> String {
        var result = "", escaped = false
        for character in self {
            if !escaped, character == "\\" { escaped = true; continue }
            escaped = false
            result.append(character)
        }
        return result
    }
}

/// Quoted-printable (RFC 2045 §6.7) for text: line breaks stay hard breaks, encoded lines are at
/// most 76 characters (rule 5), trailing white space is encoded (rule 3), "=" and every octet
/// outside 33-126 (except inner SP and TAB) become "=XX".
enum QuotedPrintable {
    static func encode(_ body: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(body.count * 3 / 2)
        var lines = body.split(separator: 10, omittingEmptySubsequences: false).map { line -> ArraySlice<UInt8> in
            line.last == 13 ? line.dropLast() : line
        }
        if body.last == 10 { lines.removeLast() }  // the break after the last line is written below
        for (index, line) in lines.enumerated() {
            encodeLine(line, into: &output)
            if index < lines.count - 1 || body.last == 10 { output += [13, 10] }
        }
        return output
    }

    private static func encodeLine(_ line: ArraySlice<UInt8>, into output: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        var length = 0
        for index in line.indices {
            let byte = line[index]
            let isLast = index == line.index(before: line.endIndex)
            let literal = (33...126).contains(byte) && byte != UInt8(ascii: "=") || (byte == 32 || byte == 9) && !isLast
            let token: [UInt8] = literal ? [byte] : [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            // Room for a soft break "=" unless this token ends the line (76 with it, rule 5).
            let limit = isLast ? 76 : 75
            if length + token.count > limit {
                output += [UInt8(ascii: "="), 13, 10]
                length = 0
            }
            output += token
            length += token.count
        }
    }
}

/// Base64 (RFC 2045 §6.8) in lines of 76 characters, each ending in CRLF; or as one line without
/// CRLF (`lineLength` nil) for SASL (RFC 4954 §4).
enum Base64Lines {
    static func encode(_ body: ArraySlice<UInt8>, lineLength maxLine: Int? = 76) -> [UInt8] {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(body.count * 4 / 3 + body.count / 38 + 4)
        var lineLength = 0
        var index = body.startIndex
        while index < body.endIndex {
            let chunk = body[index..<min(index + 3, body.endIndex)]
            let b0 = chunk[chunk.startIndex]
            let b1 = chunk.count > 1 ? chunk[chunk.startIndex + 1] : 0
            let b2 = chunk.count > 2 ? chunk[chunk.startIndex + 2] : 0
            output.append(alphabet[Int(b0 >> 2)])
            output.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            output.append(chunk.count > 1 ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            output.append(chunk.count > 2 ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            lineLength += 4
            if lineLength == maxLine { output += [13, 10]; lineLength = 0 }
            index += 3
        }
        if lineLength > 0, maxLine != nil { output += [13, 10] }
        return output
    }
}
