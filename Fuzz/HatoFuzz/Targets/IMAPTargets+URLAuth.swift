import IMAPProtocol

extension IMAPCommandTarget {
    /// RFC 4467 / RFC 5524: every URL of GENURLAUTH and URLFETCH goes through the authorized-URL
    /// parser, and URLFETCH and GENURLAUTH responses for them encode; an extended request never
    /// asks for a parameter twice or for BINARY with BODY (§3.1).
    static func checkURLAuth(_ command: IMAPCommand) {
        switch command {
        case .genURLAuth(let requests):
            for request in requests { checkAuthorizedURL(request.url) }
            precondition(IMAPResponseEncoder().encode(.data(.genURLAuth(requests.map(\.url)))).readableBytes > 0, "GENURLAUTH response")
        case .urlFetch(let requests):
            var results: [IMAPURLFetchResult] = []
            for request in requests {
                checkAuthorizedURL(request.url)
                guard let parameters = request.parameters else {
                    results.append(IMAPURLFetchResult(url: request.url, value: .simple(nil)))
                    continue
                }
                precondition(Set(parameters).count == parameters.count, "URLFETCH parameter twice")
                precondition(!(parameters.contains(.binary) && parameters.contains(.body)), "URLFETCH BINARY with BODY")
                results.append(IMAPURLFetchResult(url: request.url, value: .extended(parameters.map { parameter in
                    parameter == .binary ? .binary([0, 13, 10]) : .body(nil)
                })))
            }
            precondition(IMAPResponseEncoder().encode(.data(.urlFetch(results))).readableBytes > 0, "URLFETCH response")
        default: break
        }
    }

    /// A URLAUTH URL that parses is its rump URL, ":", the mechanism and the token (§6: the rump
    /// is the URL up to the access identifier, unchanged), and the rump parses on its own to the
    /// same message, owner and access; a token has at least 128 bits (§3).
    static func checkAuthorizedURL(_ url: String) {
        if let rump = IMAPURL.parseAuthorized(url, full: false) {
            precondition(rump.rump == url && rump.token == nil && rump.mechanism == nil, "rump URL not itself")
        }
        guard let full = IMAPURL.parseAuthorized(url, full: true) else { return }
        precondition(url.hasPrefix(full.rump + ":"), "rump URL not a prefix of the URL")
        precondition((full.token?.count ?? 0) >= 16 && full.mechanism?.isEmpty == false, "URLAUTH without a token of 128 bits")
        precondition(full.message.uid > 0 && !full.message.mailbox.name.isEmpty, "URLAUTH URL without a mailbox or UID")
        var alone = IMAPURL.parseAuthorized(full.rump, full: false)
        alone?.mechanism = full.mechanism
        alone?.token = full.token
        precondition(alone == full, "the rump of a URLAUTH URL parses differently alone")
    }
}
