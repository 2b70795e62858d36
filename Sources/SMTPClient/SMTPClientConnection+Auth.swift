/// AUTH (RFC 4954) with SCRAM-SHA-256 (RFC 7677), PLAIN (RFC 4616) or LOGIN
/// (draft-murchison-sasl-login), in that order of preference, over TLS only.
extension SMTPClientConnection {
    func authenticate(_ credentials: SMTPClientCredentials) async throws(SMTPClientError) {
        // Credentials never cross a plaintext channel, whatever the peer offers.
        guard tlsActive else { throw .authenticationUnavailable("TLS is not active; credentials are only sent over TLS") }
        let offered = capabilities.authMechanisms
        if offered.contains("SCRAM-SHA-256") {
            try await authenticateSCRAMSHA256(credentials)
        } else if offered.contains("PLAIN") {
            try await authenticatePlain(credentials)
        } else if offered.contains("LOGIN") {
            try await authenticateLogin(credentials)
        } else {
            throw .authenticationUnavailable(offered.isEmpty ? "the peer offers no AUTH" : "no common mechanism in AUTH \(offered.joined(separator: " "))")
        }
    }

    // message = [authzid] UTF8NUL authcid UTF8NUL passwd              (RFC 4616 §2)
    // "AUTH" SP sasl-mech [SP initial-response]                        (RFC 4954 §4)
    private func authenticatePlain(_ credentials: SMTPClientCredentials) async throws(SMTPClientError) {
        let message = [0] + Array(credentials.username.utf8) + [0] + Array(credentials.password.utf8)
        var reply = try await command("AUTH PLAIN \(Self.base64(message))", stage: .auth)
        if reply.code == 334 {
            // A server that ignored the initial response asks for it (RFC 4954 §4).
            reply = try await command(Self.base64(message), stage: .auth)
        }
        try finish(reply)
    }

    private func authenticateLogin(_ credentials: SMTPClientCredentials) async throws(SMTPClientError) {
        var reply = try await command("AUTH LOGIN", stage: .auth)
        for secret in [credentials.username, credentials.password] where reply.code == 334 {
            reply = try await command(Self.base64(Array(secret.utf8)), stage: .auth)
        }
        try finish(reply)
    }

    /// 235 succeeds (RFC 4954 §6); anything else fails, and the failure closes the connection
    /// (so a peer still asking with 334 needs no "*" cancellation).
    private func finish(_ reply: SMTPClientReply) throws(SMTPClientError) {
        guard reply.code == 235 else { throw .authenticationFailed(reply) }
        logger.debug("authenticated")
    }

    static func base64(_ bytes: [UInt8]) -> String {
        String(decoding: Base64Lines.encode(bytes[...], lineLength: nil), as: UTF8.self)
    }
}
