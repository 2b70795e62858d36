/// The command grammar of RFC 5804 §4 over a framed command. One token kind per rule:
///
///     command  = command-name *(SP argument) CRLF   ; names are case-insensitive atoms
///     string   = quoted / literal-c2s
///     quoted   = DQUOTE *1024QUOTED-CHAR DQUOTE
///     QUOTED-CHAR = SAFE-UTF8-CHAR / "\" QUOTED-SPECIALS   ; no NUL, CR or LF
///     number   = 1*DIGIT                                   ; <= 4294967295
public enum ManageSieveParser {
    enum Token: Equatable {
        case atom(String)
        case string(String)
        case number(UInt64)
    }

    public static func parse(_ frame: ManageSieveFrame) throws(ManageSieveParseError) -> ManageSieveCommand {
        var tokens = try tokenize(frame)
        guard !tokens.isEmpty else { throw .empty }
        guard case .atom(let name) = tokens.removeFirst() else { throw .unknownCommand("") }
        let keyword = name.uppercased()
        func strings(_ count: ClosedRange<Int>, _ usage: String) throws(ManageSieveParseError) -> [String] {
            guard count.contains(tokens.count) else { throw .syntax("\(keyword) takes \(usage)") }
            var values: [String] = []
            for token in tokens {
                guard case .string(let value) = token else { throw .syntax("\(keyword) takes \(usage) as strings") }
                values.append(value)
            }
            return values
        }
        switch keyword {
        case "AUTHENTICATE":
            let values = try strings(1...2, "a mechanism name and an optional initial response")
            return .authenticate(mechanism: values[0], initialResponse: values.count > 1 ? values[1] : nil)
        case "STARTTLS": _ = try strings(0...0, "no arguments"); return .startTLS
        case "LOGOUT": _ = try strings(0...0, "no arguments"); return .logout
        case "CAPABILITY": _ = try strings(0...0, "no arguments"); return .capability
        case "LISTSCRIPTS": _ = try strings(0...0, "no arguments"); return .listScripts
        case "UNAUTHENTICATE": _ = try strings(0...0, "no arguments"); return .unauthenticate
        case "NOOP": return .noop(tag: try strings(0...1, "an optional string").first)
        case "HAVESPACE":
            guard tokens.count == 2, case .string(let name) = tokens[0], case .number(let size) = tokens[1] else {
                throw .syntax("HAVESPACE takes a script name and a size")
            }
            return .haveSpace(name: name, size: size)
        case "PUTSCRIPT":
            let values = try strings(2...2, "a script name and the script")
            return .putScript(name: values[0], script: values[1])
        case "SETACTIVE": return .setActive(name: try strings(1...1, "a script name")[0])
        case "GETSCRIPT": return .getScript(name: try strings(1...1, "a script name")[0])
        case "DELETESCRIPT": return .deleteScript(name: try strings(1...1, "a script name")[0])
        case "RENAMESCRIPT":
            let values = try strings(2...2, "the old and the new script name")
            return .renameScript(from: values[0], to: values[1])
        case "CHECKSCRIPT": return .checkScript(script: try strings(1...1, "the script")[0])
        default:
            let printable = keyword.count <= 16 && keyword.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) }
            throw .unknownCommand(printable ? keyword : "")
        }
    }

    /// The client's answer to a SASL challenge (RFC 5804 §2.1): one string, nothing else.
    public static func saslResponse(_ frame: ManageSieveFrame) throws(ManageSieveParseError) -> String {
        let tokens = try tokenize(frame)
        guard tokens.count == 1, case .string(let value) = tokens[0] else {
            throw .syntax("Expected one string answering the challenge")
        }
        return value
    }

    /// Splits the framed text into atoms, strings and numbers; a literal marker at the end of a
    /// text piece stands for the literal that follows it.
    static func tokenize(_ frame: ManageSieveFrame) throws(ManageSieveParseError) -> [Token] {
        var tokens: [Token] = []
        var index = 0
        let pieces = frame.pieces
        var separated = true
        while index < pieces.count {
            guard case .text(let line) = pieces[index] else { throw .syntax("Literal without a marker") }
            index += 1
            var position = 0
            while position < line.count {
                let byte = line[position]
                if byte == 0x20 {
                    separated = true
                    position += 1
                    continue
                }
                guard separated else { throw .syntax("Arguments must be separated by a space") }
                separated = false
                switch byte {
                case UInt8(ascii: "\""):
                    tokens.append(.string(try quoted(line, &position)))
                case UInt8(ascii: "{"):
                    // The marker ends the line (the decoder split there) and the literal follows.
                    guard index < pieces.count, case .literal(let bytes) = pieces[index],
                          line[position...].last == UInt8(ascii: "}") else {
                        throw .syntax("Malformed literal")
                    }
                    index += 1
                    position = line.count
                    guard let text = String(validating: bytes, as: UTF8.self) else { throw .syntax("Literal is not UTF-8") }
                    tokens.append(.string(text))
                default:
                    let start = position
                    while position < line.count, ![0x20, UInt8(ascii: "\""), UInt8(ascii: "{")].contains(line[position]) {
                        guard line[position] > 0x20 && line[position] < 0x7F else { throw .syntax("Invalid character in command") }
                        position += 1
                    }
                    let word = String(decoding: line[start..<position], as: UTF8.self)
                    if word.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
                        guard word.utf8.count <= 10, let value = UInt64(word), value <= ManageSieveLimits.maxNumber else {
                            throw .syntax("Number out of range")
                        }
                        tokens.append(.number(value))
                    } else {
                        tokens.append(.atom(word))
                    }
                }
            }
        }
        return tokens
    }

    /// `quoted`, starting at the opening quote; leaves `position` after the closing one.
    static func quoted(_ line: [UInt8], _ position: inout Int) throws(ManageSieveParseError) -> String {
        var bytes: [UInt8] = []
        position += 1
        while position < line.count {
            let byte = line[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard bytes.count <= ManageSieveLimits.maxQuotedLength else {
                    throw .syntax("Quoted string longer than \(ManageSieveLimits.maxQuotedLength) octets; send a literal")
                }
                guard let text = String(validating: bytes, as: UTF8.self) else { throw .syntax("Quoted string is not UTF-8") }
                return text
            case UInt8(ascii: "\\"):
                guard position < line.count, [UInt8(ascii: "\""), UInt8(ascii: "\\")].contains(line[position]) else {
                    throw .syntax("Only \\\" and \\\\ may be escaped in a quoted string")
                }
                bytes.append(line[position])
                position += 1
            case 0x00, 0x0D, 0x0A:
                throw .syntax("NUL, CR and LF are not allowed in a quoted string")
            default:
                bytes.append(byte)
            }
        }
        throw .syntax("Unterminated quoted string")
    }
}
