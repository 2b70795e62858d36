/// RFC 4467 §9 (URLAUTH) and RFC 5524 §5 (URLAUTH=BINARY): RESETKEY, GENURLAUTH, URLFETCH. The
/// URLs are astrings here; what they say is read by `IMAPURL.parseAuthorized`.
extension GrammarParser {
    /// resetkey = "RESETKEY" [SP mailbox *(SP mechanism)]
    mutating func resetKey() throws -> IMAPCommand {
        guard skip(UInt8(ascii: " ")) else { return .resetKey(nil, mechanisms: []) }
        let mailbox = try mailbox()
        var mechanisms: [String] = []
        while skip(UInt8(ascii: " ")) {
            guard mechanisms.count < limits.maxListElements else { throw GrammarError("too many mechanisms", kind: .limitExceeded) }
            mechanisms.append(try urlAuthMechanism())
        }
        return .resetKey(mailbox, mechanisms: mechanisms)
    }

    /// genurlauth = "GENURLAUTH" 1*(SP url-rump SP mechanism) ; url-rump = astring
    mutating func genURLAuth() throws -> IMAPCommand {
        var requests: [IMAPGenURLAuthRequest] = []
        while skip(UInt8(ascii: " ")) {
            guard requests.count < limits.maxListElements else { throw GrammarError("too many URLs", kind: .limitExceeded) }
            let url = String(decoding: try astring(), as: UTF8.self)
            try sp()
            requests.append(IMAPGenURLAuthRequest(url: url, mechanism: try urlAuthMechanism()))
        }
        guard !requests.isEmpty else { throw GrammarError("expected a URL and a mechanism") }
        return .genURLAuth(requests)
    }

    /// urlfetch = "URLFETCH" 1*(SP url-fetch-arg) ; url-fetch-arg = url-fetch-simple / url-fetch-ext
    /// url-fetch-simple = url-full ; url-fetch-ext = "(" url-full *(SP url-fetch-param) ")"
    /// url-fetch-param = "BODY" / "BINARY" / "BODYPARTSTRUCTURE" / atom    (RFC 5524 §5)
    ///
    /// No other parameter is defined, so another atom is BAD, as is one given twice or BINARY
    /// with BODY (§3.1: "clients MUST NOT request both BINARY and BODY").
    mutating func urlFetch() throws -> IMAPCommand {
        var requests: [IMAPURLFetchRequest] = []
        while skip(UInt8(ascii: " ")) {
            guard requests.count < limits.maxListElements else { throw GrammarError("too many URLs", kind: .limitExceeded) }
            guard peek() == UInt8(ascii: "(") else {
                requests.append(IMAPURLFetchRequest(url: String(decoding: try astring(), as: UTF8.self)))
                continue
            }
            advance()
            let request = try nested { p -> IMAPURLFetchRequest in
                let url = String(decoding: try p.astring(), as: UTF8.self)
                var parameters: [IMAPURLFetchParameter] = []
                while p.skip(UInt8(ascii: " ")) {
                    let name = String(decoding: try p.atom().map(asciiUpper), as: UTF8.self)
                    guard let parameter = IMAPURLFetchParameter(rawValue: name) else { throw GrammarError("unknown URLFETCH parameter \(name)") }
                    guard !parameters.contains(parameter) else { throw GrammarError("URLFETCH parameter \(name) given twice") }
                    parameters.append(parameter)
                }
                guard !(parameters.contains(.binary) && parameters.contains(.body)) else {
                    throw GrammarError("BINARY and BODY cannot both be asked for")
                }
                try p.expect(UInt8(ascii: ")"))
                return IMAPURLFetchRequest(url: url, parameters: parameters)
            }
            requests.append(request)
        }
        guard !requests.isEmpty else { throw GrammarError("expected a URL") }
        return .urlFetch(requests)
    }

    /// mechanism = "INTERNAL" / 1*(ALPHA / DIGIT / "-" / ".") ; case-insensitive (RFC 4467 §9)
    private mutating func urlAuthMechanism() throws -> String {
        let name = try atom()
        guard name.allSatisfy({ IMAPURL.isAlphaNumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }) else {
            throw GrammarError("bad URLAUTH mechanism name")
        }
        return String(decoding: name.map(asciiUpper), as: UTF8.self)
    }
}
