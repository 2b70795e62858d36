import Crypto
import SASL

/// AUTH SCRAM-SHA-256 (RFC 5802, RFC 7677): the password never crosses the wire and the server
/// proves it knows the credentials too. Preferred over PLAIN and LOGIN whenever offered.
extension SMTPClientConnection {
    //  client-first-message = gs2-header client-first-message-bare      ; "n,," + "n=user,r=nonce"
    //  server-first-message = nonce "," salt "," iteration-count ["," extensions]
    //  client-final-message = "c=biws,r=" nonce "," proof
    //  server-final-message = ( server-error / verifier ) ["," extensions]      (RFC 5802 §7)
    func authenticateSCRAMSHA256(_ credentials: SMTPClientCredentials) async throws(SMTPClientError) {
        var generator = SystemRandomNumberGenerator()
        let clientNonce = SASLBase64.encode((0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let bare = "n=\(SASLName.escape(SASLPrep.prepare(credentials.username))),r=\(clientNonce)"
        let first = try await command("AUTH SCRAM-SHA-256 \(SASLBase64.encode(Array(("n,," + bare).utf8)))", stage: .auth)
        guard first.code == 334, let serverFirstBytes = SASLBase64.decode(first.text) else { throw .authenticationFailed(first) }
        let serverFirst = String(decoding: serverFirstBytes, as: UTF8.self)
        let fields = Self.scramAttributes(serverFirst)
        // The server's nonce must extend ours (RFC 5802 §5.1), or this is someone else's exchange.
        guard let nonce = fields["r"], nonce.hasPrefix(clientNonce), nonce.count > clientNonce.count,
              let salt = fields["s"].flatMap({ SASLBase64.decode($0) }), let iterations = fields["i"].flatMap({ Int($0) }),
              let salted = try? SCRAMCredentials.saltedPassword(password: credentials.password, hash: .sha256, salt: salt, iterations: iterations)
        else { throw .authenticationFailed(first) }

        let withoutProof = "c=biws,r=\(nonce)"
        let authMessage = Array("\(bare),\(serverFirst),\(withoutProof)".utf8)
        let clientKey = Self.hmac(salted, Array("Client Key".utf8))
        let clientSignature = Self.hmac(Array(SHA256.hash(data: clientKey)), authMessage)
        let proof = zip(clientKey, clientSignature).map { $0 ^ $1 }
        let final = try await command(SASLBase64.encode(Array("\(withoutProof),p=\(SASLBase64.encode(proof))".utf8)), stage: .auth)
        // RFC 4954 §4: the server-final-message comes as a 334 challenge, answered with an empty line.
        guard final.code == 334, let serverFinal = SASLBase64.decode(final.text) else { throw .authenticationFailed(final) }
        let verifier = Array("v=\(SASLBase64.encode(Self.hmac(Self.hmac(salted, Array("Server Key".utf8)), authMessage)))".utf8)
        let acknowledged = try await command("", stage: .auth)
        guard ConstantTime.equal(serverFinal, verifier) else {
            // "e=..." (the server refused) or a verifier that does not match (the server is not who it says).
            throw .authenticationFailed(acknowledged.code == 235 ? final : acknowledged)
        }
        guard acknowledged.code == 235 else { throw .authenticationFailed(acknowledged) }
    }

    /// "r=abc,s=QSXCR+Q6sek8bf92,i=4096" to its attributes (values may contain "=").
    static func scramAttributes(_ message: String) -> [String: String] {
        var result: [String: String] = [:]
        for part in message.split(separator: ",") where part.count >= 2 && part.dropFirst().first == "=" {
            let key = String(part.prefix(1))
            if result[key] == nil { result[key] = String(part.dropFirst(2)) }
        }
        return result
    }

    private static func hmac(_ key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: key)))
    }
}
