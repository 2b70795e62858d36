/// Finds the line where each key of a TOML document is written, so errors about a key's value can
/// name its line (TOMLKit reports positions only for syntax errors).
///
/// Understands what Hato's configuration uses: `[table]` headers, `key = value` and dotted keys
/// (`tls.cert = ...`), bare or quoted. Multi-line arrays are skipped until their closing bracket.
struct TOMLLineIndex {
    private(set) var lines: [String: Int] = [:]

    init(source: String) {
        var table = ""
        var depth = 0
        for (offset, rawLine) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = Self.stripComment(rawLine).trimmingCharacters(in: .whitespaces)
            if depth > 0 {
                depth += Self.bracketBalance(line)
                continue
            }
            guard !line.isEmpty else { continue }
            if line.hasPrefix("[[") {
                // An array of tables: its keys are reported at the array's first header.
                table = Self.unquote(String(line.dropFirst(2).prefix { $0 != "]" }))
                if lines[table] == nil { lines[table] = offset + 1 }
                table = "[[" + table + "]]"
                continue
            }
            if line.hasPrefix("[") {
                table = Self.unquote(String(line.dropFirst().prefix { $0 != "]" }))
                if lines[table] == nil { lines[table] = offset + 1 }
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = Self.unquote(String(line[..<equals]))
            let path = table.isEmpty ? key : table + "." + key
            if lines[path] == nil { lines[path] = offset + 1 }
            depth = max(0, Self.bracketBalance(String(line[line.index(after: equals)...])))
        }
    }

    func line(of path: String) -> Int? {
        var candidate = path
        while true {
            if let line = lines[candidate] { return line }
            guard let dot = candidate.lastIndex(of: ".") else { return nil }
            candidate = String(candidate[..<dot])
        }
    }

    private static func stripComment(_ line: Substring) -> String {
        var inString: Character? = nil
        var result = ""
        for character in line {
            if let quote = inString {
                if character == quote { inString = nil }
            } else if character == "\"" || character == "'" {
                inString = character
            } else if character == "#" {
                break
            }
            result.append(character)
        }
        return result
    }

    private static func bracketBalance(_ text: String) -> Int {
        text.reduce(0) { $0 + ($1 == "[" ? 1 : $1 == "]" ? -1 : 0) }
    }

    private static func unquote(_ key: String) -> String {
        key.split(separator: ".").map { part in
            part.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }.joined(separator: ".")
    }
}

import Foundation
