// The "base subject" SORT SUBJECT and THREAD compare (RFC 5256 §2.1), compared with the
// i;unicode-casemap comparator (RFC 5051; for ASCII the same as RFC 5256's default
// i;ascii-casemap, RFC 4790 §9.2).
import MailMessage

struct BaseSubject: Equatable, Sendable {
    /// The extracted base subject, as `UnicodeCasemap.key` maps it, as text.
    let key: String
    /// `key`'s UTF-8 octets: SORT and THREAD compare these (RFC 5051 §2.2).
    var octets: [UInt8] { Array(key.utf8) }
    /// True when extraction removed a reply/forward marker (RFC 5256 §2.1 (3)/(6));
    /// THREAD=REFERENCES step 5 uses this.
    let isReplyOrForward: Bool

    /// RFC 5256 §2.1 on the raw (possibly RFC 2047 encoded) Subject field value.
    init(rawSubject: [UInt8]) {
        // (1) decode encoded-words to UTF-8; tabs and continuations become space; runs of spaces one.
        let decoded = RFC2047.decodeUnstructured(rawSubject)
        var s: [Unicode.Scalar] = []
        for scalar in decoded.unicodeScalars {
            let c: Unicode.Scalar = (scalar == "\t" || scalar == "\r" || scalar == "\n") ? " " : scalar
            if c == " ", s.last == " " { continue }
            s.append(c)
        }
        var reply = false
        while true {
            // (2) subj-trailer = "(fwd)" / WSP, repeatedly.
            while true {
                if s.last == " " { s.removeLast(); continue }
                if Self.hasSuffix(s, "(fwd)") { s.removeLast(5); continue }
                break
            }
            // (5) repeat (3) and (4) until nothing changes.
            while true {
                var changed = false
                // (3) subj-leader = (*subj-blob subj-refwd) / WSP
                while let n = Self.leaderLength(s) {
                    s.removeFirst(n); changed = true; reply = true
                }
                while s.first == " " { s.removeFirst(); changed = true }
                // (4) a leading subj-blob, if what stays is a non-empty subj-base.
                if let n = Self.blobLength(s, from: 0), n < s.count, s[n...].contains(where: { $0 != " " }) {
                    s.removeFirst(n); changed = true
                }
                if !changed { break }
            }
            // (6) "[fwd:" ... "]" wrapping the whole subject.
            if Self.hasPrefix(s, "[fwd:"), s.last == "]" {
                s = Array(s[5..<(s.count - 1)]); reply = true
                continue
            }
            break
        }
        var base = String.UnicodeScalarView()
        base.append(contentsOf: s)
        key = String(decoding: UnicodeCasemap.key(String(base)), as: UTF8.self)
        isReplyOrForward = reply
    }

    /// subj-blob = "[" *BLOBCHAR "]" *WSP; BLOBCHAR is any character except "[" and "]".
    static func blobLength(_ s: [Unicode.Scalar], from start: Int) -> Int? {
        guard start < s.count, s[start] == "[" else { return nil }
        var i = start + 1
        while i < s.count, s[i] != "[", s[i] != "]" { i += 1 }
        guard i < s.count, s[i] == "]" else { return nil }
        i += 1
        while i < s.count, s[i] == " " { i += 1 }
        return i - start
    }

    /// *subj-blob subj-refwd, where subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":".
    static func leaderLength(_ s: [Unicode.Scalar]) -> Int? {
        var i = 0
        while true {
            if let n = refwdLength(s, from: i) { return i + n }
            guard let n = blobLength(s, from: i) else { return nil }
            i += n
        }
    }

    static func refwdLength(_ s: [Unicode.Scalar], from start: Int) -> Int? {
        var i = start
        if matches(s, at: i, "re") { i += 2 }
        else if matches(s, at: i, "fwd") { i += 3 }
        else if matches(s, at: i, "fw") { i += 2 }
        else { return nil }
        while i < s.count, s[i] == " " { i += 1 }
        if let n = blobLength(s, from: i) { i += n }
        guard i < s.count, s[i] == ":" else { return nil }
        return i + 1 - start
    }

    static func matches(_ s: [Unicode.Scalar], at start: Int, _ word: String) -> Bool {
        let w = Array(word.unicodeScalars)
        guard start + w.count <= s.count else { return false }
        for (k, c) in w.enumerated() {
            let x = s[start + k]
            let lower = ("A"..."Z").contains(x) ? Unicode.Scalar(x.value + 32)! : x
            if lower != c { return false }
        }
        return true
    }

    static func hasPrefix(_ s: [Unicode.Scalar], _ word: String) -> Bool { matches(s, at: 0, word) }
    static func hasSuffix(_ s: [Unicode.Scalar], _ word: String) -> Bool {
        let n = word.unicodeScalars.count
        return s.count >= n && matches(s, at: s.count - n, word)
    }
}
