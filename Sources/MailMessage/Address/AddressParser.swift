// Address lists (RFC 5322 §3.4, §4.4 obsolete forms, RFC 6532 UTF-8), read as well as possible.

public enum AddressParser {
    /// address-list = (address *("," address)) / obs-addr-list
    /// obs-addr-list = *([CFWS] ",") address *("," [address / CFWS])
    /// Never fails: unparseable pieces are skipped and reported through `problems`.
    public static func parseList<C: Collection>(_ value: C, fallbackCharset: String? = nil) -> [Address] where C.Element == UInt8 {
        parseListReporting(value, fallbackCharset: fallbackCharset).addresses
    }

    public static func parseList(_ value: String) -> [Address] { parseList(Array(value.utf8)) }

    static func parseListReporting<C: Collection>(_ value: C, fallbackCharset: String?) -> (addresses: [Address], problems: [MessageProblem]) where C.Element == UInt8 {
        let lexed = Lexer.lex(value)
        var state = State(tokens: lexed.tokens, comments: lexed.comments, fallbackCharset: fallbackCharset)
        var out: [Address] = []
        while state.i < state.tokens.count {
            if state.tokens[state.i].isSpecial(ASCII.comma) || state.tokens[state.i].isSpecial(ASCII.semicolon) {
                state.i += 1
                continue
            }
            let before = state.i
            if let address = state.address() { out.append(address) }
            if state.i == before { state.i += 1 }
        }
        return (out, state.problems)
    }

    private struct State {
        let tokens: [Token]
        let comments: [(before: Int, content: [UInt8])]
        let fallbackCharset: String?
        var i = 0
        var problems: [MessageProblem] = []

        init(tokens: [Token], comments: [(before: Int, content: [UInt8])], fallbackCharset: String?) {
            self.tokens = tokens
            self.comments = comments
            self.fallbackCharset = fallbackCharset
        }

        func text(_ bytes: [UInt8]) -> String { ByteText.string(bytes, fallbackCharset: fallbackCharset) }

        /// group = display-name ":" [group-list] ";" [CFWS]
        /// mailbox = name-addr / addr-spec ; name-addr = [display-name] angle-addr
        mutating func address(inGroup: Bool = false) -> Address? {
            let phraseStart = i
            while i < tokens.count, tokens[i].isWord || tokens[i].isSpecial(ASCII.dot) || tokens[i].kind == .domainLiteral {
                i += 1
            }
            let phrase = tokens[phraseStart..<i]
            guard i < tokens.count else { return bare(phrase) }
            let t = tokens[i]
            if t.isSpecial(ASCII.lessThan) {
                i += 1
                return angle(displayName: phrase).map { .mailbox($0) }
            }
            if t.isSpecial(ASCII.colon) && !inGroup {
                i += 1
                return .group(group(name: phrase))
            }
            if t.isSpecial(ASCII.at) {
                return addrSpec(after: phrase).map { .mailbox($0) }
            }
            if t.isSpecial(ASCII.comma) || t.isSpecial(ASCII.semicolon) { return bare(phrase) }
            // stray special: report, skip to the next comma
            problems.append(MessageProblem(.invalidAddress, detail: "unexpected \(text(t.bytes))"))
            while i < tokens.count, !tokens[i].isSpecial(ASCII.comma) { i += 1 }
            return bare(phrase)
        }

        /// A word or phrase with no "@" and no angle brackets: a local part alone.
        mutating func bare(_ phrase: ArraySlice<Token>) -> Address? {
            guard !phrase.isEmpty else { return nil }
            problems.append(MessageProblem(.invalidAddress, detail: "no domain"))
            let local = Phrase.raw(phrase)
            return .mailbox(Mailbox(displayName: nil, localPart: text(local), domain: nil))
        }

        /// addr-spec = local-part "@" domain, where the phrase tokens end with the local part.
        /// Missing angle brackets ("John Smith john@example.com"): the words before the last
        /// dot-separated word run become the display name.
        mutating func addrSpec(after phrase: ArraySlice<Token>) -> Mailbox? {
            var localStart = phrase.endIndex
            while localStart > phrase.startIndex {
                let candidate = tokens[localStart - 1]
                if localStart < phrase.endIndex {
                    let next = tokens[localStart]
                    if candidate.isWord && next.isWord && next.spaceBefore { break }
                }
                localStart -= 1
            }
            let localTokens = tokens[localStart..<phrase.endIndex]
            let nameTokens = tokens[phrase.startIndex..<localStart]
            i += 1  // "@"
            let domain = self.domain()
            var local: [UInt8] = []
            for t in localTokens { local += t.bytes }
            var mailbox = Mailbox(displayName: nil, localPart: text(local), domain: domain)
            if !nameTokens.isEmpty {
                problems.append(MessageProblem(.invalidAddress, detail: "missing angle brackets"))
                mailbox.displayName = Phrase.decode(nameTokens, fallbackCharset: fallbackCharset)
                mailbox.rawDisplayName = text(Phrase.raw(nameTokens))
            } else {
                nameFromComment(before: i, into: &mailbox)
            }
            return mailbox
        }

        /// The older form `user@host (Real Name)` (RFC 822 §6.1, still read by RFC 5322 §3.4):
        /// the comment right after a mailbox without a display name names it, as IMAP's ENVELOPE
        /// addr-name wants (RFC 3501 §7.4.2). Several comments there are joined by a space.
        func nameFromComment(before index: Int, into mailbox: inout Mailbox) {
            let found = comments.filter { $0.before == index }.map(\.content).filter { !$0.isEmpty }
            guard !found.isEmpty else { return }
            let raw = Array(found.joined(separator: [ASCII.space]))
            mailbox.rawDisplayName = text(raw)
            // RFC 2047 §5 (2): encoded-words may stand in a comment.
            mailbox.displayName = RFC2047.decodeUnstructured(raw, fallbackCharset: fallbackCharset)
        }

        /// domain = dot-atom / domain-literal / obs-domain
        mutating func domain() -> String? {
            var out: [UInt8] = []
            while i < tokens.count {
                let t = tokens[i]
                if t.kind == .atom || t.kind == .domainLiteral || t.isSpecial(ASCII.dot) {
                    if t.spaceBefore && !out.isEmpty && t.kind == .atom && out.last != ASCII.dot { break }
                    out += t.bytes
                    i += 1
                } else {
                    break
                }
            }
            return out.isEmpty ? nil : text(out)
        }

        /// angle-addr = [CFWS] "<" addr-spec ">" [CFWS] / obs-angle-addr
        /// obs-angle-addr = [CFWS] "<" obs-route addr-spec ">" [CFWS] ; obs-route = obs-domain-list ":"
        mutating func angle(displayName phrase: ArraySlice<Token>) -> Mailbox? {
            var route: [String] = []
            // obs-route: "@" domain *("," ["@" domain]) ":"
            if i < tokens.count, tokens[i].isSpecial(ASCII.at) {
                let save = i
                var ok = false
                while i < tokens.count {
                    if tokens[i].isSpecial(ASCII.at) { i += 1; if let d = domain() { route.append(d) } } else if tokens[i].isSpecial(ASCII.comma) { i += 1 } else if tokens[i].isSpecial(ASCII.colon) { i += 1; ok = true; break } else { break }
                }
                if !ok { i = save; route = [] }
            }
            let localStart = i
            while i < tokens.count, tokens[i].isWord || tokens[i].isSpecial(ASCII.dot) { i += 1 }
            var local: [UInt8] = []
            for t in tokens[localStart..<i] { local += t.bytes }
            var domain: String? = nil
            if i < tokens.count, tokens[i].isSpecial(ASCII.at) {
                i += 1
                domain = self.domain()
            }
            // skip to ">" (tolerating junk), and never past a comma when ">" is missing
            var closed = false
            while i < tokens.count {
                if tokens[i].isSpecial(ASCII.greaterThan) { i += 1; closed = true; break }
                if tokens[i].isSpecial(ASCII.comma) { break }
                i += 1
            }
            if !closed { problems.append(MessageProblem(.invalidAddress, detail: "missing >")) }
            var name: String? = nil, rawName: String? = nil
            if !phrase.isEmpty {
                name = Phrase.decode(phrase, fallbackCharset: fallbackCharset)
                rawName = text(Phrase.raw(phrase))
            }
            if local.isEmpty && domain == nil && phrase.isEmpty { return nil }
            var mailbox = Mailbox(displayName: name, localPart: text(local), domain: domain, route: route, rawDisplayName: rawName)
            // `<user@host> (Real Name)`: a comment after the angle-addr of a nameless mailbox.
            if phrase.isEmpty && closed { nameFromComment(before: i, into: &mailbox) }
            return mailbox
        }

        /// group-list = mailbox-list / CFWS / obs-group-list
        mutating func group(name phrase: ArraySlice<Token>) -> AddressGroup {
            var members: [Mailbox] = []
            while i < tokens.count {
                let t = tokens[i]
                if t.isSpecial(ASCII.semicolon) { i += 1; break }
                if t.isSpecial(ASCII.comma) { i += 1; continue }
                let before = i
                if let a = address(inGroup: true) { members += a.mailboxes }
                if i == before { i += 1 }
            }
            return AddressGroup(displayName: Phrase.decode(phrase, fallbackCharset: fallbackCharset), members: members,
                                rawDisplayName: text(Phrase.raw(phrase)))
        }
    }
}
