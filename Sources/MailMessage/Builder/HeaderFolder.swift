// Writing header fields: RFC 2047 encoded-words and RFC 5322 §2.2.3 folding at 78 columns,
// never inside an encoded-word, never over 998 octets.
import Foundation

/// The charset used for encoded-words and text bodies the builder writes.
public enum HeaderCharset: String, Sendable, Codable {
    case utf8 = "UTF-8"
    /// RFC 1468; text that ISO-2022-JP cannot carry falls back to UTF-8.
    case iso2022jp = "ISO-2022-JP"
}

struct HeaderFolder {
    private var lines: [String] = []
    private var line: String
    private var lineHasToken = false
    static let width = MessageLimits.recommendedLineLength

    init(name: String) { line = name + ":" }

    /// Appends an unbreakable token after `separator` (WSP, or "" for no space), folding before
    /// the separator when the line would pass 78 columns.
    mutating func append(_ token: String, separator: String = " ") {
        if lineHasToken, !separator.isEmpty, line.utf8.count + separator.utf8.count + token.utf8.count > HeaderFolder.width {
            lines.append(line)
            line = separator + token
        } else {
            line += (separator.isEmpty && !lineHasToken ? " " : separator) + token
        }
        lineHasToken = true
    }

    /// Appends `text` as encoded-words (RFC 2047 §5), each at most 75 characters and fitting
    /// the line, split only between characters so every word decodes on its own.
    mutating func appendEncoded(_ text: String, charset: HeaderCharset, separator: String = " ") {
        var chars = Array(text)
        var sep = separator
        let effective = (charset == .iso2022jp && ISO2022JP.encode(text) == nil) ? HeaderCharset.utf8 : charset
        while !chars.isEmpty {
            var available = HeaderFolder.width - line.utf8.count - max(sep.utf8.count, 1)
            var foldedSeparator = " "
            if available < 24 && lineHasToken {
                lines.append(line)
                line = ""
                lineHasToken = false
                foldedSeparator = sep.isEmpty ? " " : sep
                available = HeaderFolder.width - foldedSeparator.utf8.count
            }
            let budget = min(MessageLimits.maxEncodedWordLength, available)
            var take = 1
            var word = HeaderFolder.encodedWord(chars[0..<1], charset: effective)
            while take < chars.count {
                let candidate = HeaderFolder.encodedWord(chars[0..<(take + 1)], charset: effective)
                if candidate.utf8.count > budget { break }
                word = candidate
                take += 1
            }
            if lineHasToken {
                line += sep.isEmpty ? " " : sep
            } else if line.isEmpty {
                line = foldedSeparator
            } else {
                line += " "
            }
            line += word
            lineHasToken = true
            chars.removeFirst(take)
            sep = " "
        }
    }

    static func encodedWord(_ chars: ArraySlice<Character>, charset: HeaderCharset) -> String {
        let text = String(chars)
        let bytes: [UInt8]
        switch charset {
        case .utf8: bytes = Array(text.utf8)
        case .iso2022jp: bytes = ISO2022JP.encode(text) ?? Array(text.utf8)
        }
        return "=?\(charset.rawValue)?B?" + String(decoding: Base64.encode(bytes), as: UTF8.self) + "?="
    }

    func finish() -> [UInt8] {
        Array((lines + [line]).joined(separator: "\r\n").utf8) + [ASCII.cr, ASCII.lf]
    }
}

enum HeaderEncoding {
    /// Whether `s` must be encoded in an unstructured field: non-ASCII, controls, a word that
    /// looks like an encoded-word, or a word too long to fold.
    static func needsEncoding(_ word: Substring) -> Bool {
        word.utf8.contains { $0 >= 0x7F || ($0 < 0x20 && $0 != 0x09) } || (word.contains("=?") && word.contains("?="))
            || word.utf8.count > 900
    }

    /// unstructured = (*([FWS] VCHAR) *WSP) (RFC 5322 §3.2.5), with RFC 2047 §5 (1) encoded-words
    /// for the runs of words that need them. Whitespace between encoded runs is carried inside
    /// the encoded-word, since whitespace between two encoded-words is dropped when decoding.
    static func unstructured(name: String, value: String, charset: HeaderCharset) -> [UInt8] {
        var folder = HeaderFolder(name: name)
        // split into (separator, word) pairs keeping the exact whitespace
        var pieces: [(sep: String, word: Substring)] = []
        var i = value.startIndex
        while i < value.endIndex {
            var j = i
            while j < value.endIndex, value[j] == " " || value[j] == "\t" { j = value.index(after: j) }
            let sep = String(value[i..<j])
            var k = j
            while k < value.endIndex, value[k] != " " && value[k] != "\t" { k = value.index(after: k) }
            pieces.append((sep, value[j..<k]))
            i = k
        }
        var index = 0
        var first = true
        while index < pieces.count {
            let p = pieces[index]
            if p.word.isEmpty {
                // trailing whitespace: keep it (inside the last token is not possible; drop)
                index += 1
                continue
            }
            if needsEncoding(p.word) {
                var run = String(p.word)
                var end = index + 1
                while end < pieces.count, !pieces[end].word.isEmpty, needsEncoding(pieces[end].word) {
                    run += pieces[end].sep + pieces[end].word
                    end += 1
                }
                folder.appendEncoded(run, charset: charset, separator: first ? " " : (p.sep.isEmpty ? " " : p.sep))
                index = end
            } else {
                folder.append(String(p.word), separator: first ? " " : p.sep)
                index += 1
            }
            first = false
        }
        return folder.finish()
    }

    /// A phrase for a display name (RFC 5322 §3.2.5): atoms as they are, quoted-string when
    /// specials appear, encoded-words (RFC 2047 §5 (3)) when non-ASCII.
    static func appendPhrase(_ name: String, to folder: inout HeaderFolder, charset: HeaderCharset, separator: String) {
        if name.utf8.contains(where: { $0 >= 0x7F || $0 < 0x20 }) || (name.contains("=?") && name.contains("?=")) {
            folder.appendEncoded(name, charset: charset, separator: separator)
            return
        }
        let words = name.split(separator: " ", omittingEmptySubsequences: false)
        let plain = words.allSatisfy { w in !w.isEmpty && w.utf8.allSatisfy { Lexer.isAtext($0) } }
        if plain {
            for (k, w) in words.enumerated() { folder.append(String(w), separator: k == 0 ? separator : " ") }
        } else {
            folder.append(Mailbox.quote(name), separator: separator)
        }
    }

    /// address-list with display names encoded as needed and folding between addresses.
    static func addressList(name: String, mailboxes: [Mailbox], charset: HeaderCharset) -> [UInt8] {
        var folder = HeaderFolder(name: name)
        for (k, m) in mailboxes.enumerated() {
            let last = k == mailboxes.count - 1
            let sep = " "
            if let display = m.displayName, !display.isEmpty {
                appendPhrase(display, to: &folder, charset: charset, separator: sep)
                folder.append("<\(m.address)>" + (last ? "" : ","), separator: " ")
            } else {
                folder.append(m.address + (last ? "" : ","), separator: sep)
            }
        }
        return folder.finish()
    }
}

extension HeaderSection {
    /// One unstructured header field ("Subject: ..."), CRLF-terminated, with RFC 2047
    /// encoded-words (UTF-8) for what is not plain ASCII and RFC 5322 §2.2.3 folding: how a
    /// reception stage rewrites a field (the risk assessment's subject tag).
    public static func unstructuredField(name: String, value: String) -> String {
        String(decoding: HeaderEncoding.unstructured(name: name, value: value, charset: .utf8), as: UTF8.self)
    }
}
