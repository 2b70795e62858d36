// SASL (RFC 4422) as SMTP AUTH, IMAP AUTHENTICATE and POP3 AUTH run it: every server
// mechanism (PLAIN RFC 4616, LOGIN, CRAM-MD5 RFC 2195, SCRAM-SHA-1/-256 and -PLUS RFC 5802,
// RFC 7677, RFC 9266) fed arbitrary client messages through `SASLServerExchange`.

import SASL

/// `sasl`: byte 0 picks the mechanism, byte 1 the options (initial response, success data
/// allowed, channel binding, raw lines); the rest is the client's messages separated by LF.
/// Unless "raw lines" is set, each message is base64-encoded here, so the fuzzer works on the
/// mechanism's own grammar rather than on base64.
enum SASLTarget {
    /// "user"/"pencil" (RFC 5802's example) and "tim" with CRAM-MD5 (RFC 2195); 4096 iterations,
    /// the least SCRAMCredentials accepts. Other names make the lookup fail, so most inputs
    /// cost no PBKDF2 (the grammar is what is fuzzed; the password check is one code path).
    static let accounts: [String: SASLAccountCredentials] = {
        func credentials(_ password: String, cram: Bool) -> SASLAccountCredentials {
            let salt: [UInt8] = Array("fuzz-salt-16byte".utf8)
            return SASLAccountCredentials(
                scram: [
                    try! SCRAMCredentials.derive(password: password, hash: .sha256, salt: salt, iterations: 4096),
                    try! SCRAMCredentials.derive(password: password, hash: .sha1, salt: salt, iterations: 4096),
                ],
                cramMD5: cram ? CRAMMD5Credentials.derive(password: password) : nil)
        }
        return ["user": credentials("pencil", cram: false), "tim": credentials("tanstaaftanstaaf", cram: true)]
    }()

    static let lookup = SASLClosureLookup { username in
        guard let account = accounts[username] else { throw SASLFailure.tooManyFailures }
        return account
    }

    static let configuration = SASLServerConfiguration(
        hostname: "mail.example", iterations: 4096, dummySecret: Array(repeating: 7, count: 32),
        makeNonce: { "3rfcNHYJY1ZVvWVs7j" })

    static func run(_ bytes: [UInt8]) async {
        guard bytes.count >= 2 else { return }
        let mechanisms = SASLMechanismName.allCases
        let name = mechanisms[Int(bytes[0]) % mechanisms.count]
        let options = bytes[1]
        let binding = options & 4 != 0 ? SASLChannelBinding(tlsExporter: Array(repeating: 0x42, count: 32)) : nil
        guard var exchange = SASLServerExchange.make(
            name, lookup: lookup, configuration: configuration, channelBinding: binding, successDataAllowed: options & 2 != 0)
        else { return }
        var messages = bytes[2...].split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) }.makeIterator()
        let raw = options & 8 != 0
        func line(_ message: [UInt8]) -> String {
            raw ? String(decoding: message, as: UTF8.self) : SASLBase64.encode(message)
        }
        var action = await exchange.start(initialResponse: options & 1 != 0 ? messages.next().map(line) : nil)
        var rounds = 0
        while case .challenge = action, let message = messages.next() {
            rounds += 1
            precondition(rounds <= 16, "a SASL exchange that never ends")
            action = await exchange.receive(line: line(message))
        }
        if case .success(let identity, _) = action {
            // Only the fixture accounts can succeed, and only with their mechanism's proof.
            precondition(accounts[identity.username] != nil, "success for an unknown account")
        }
        _ = exchange.attemptedUsername
    }
}
