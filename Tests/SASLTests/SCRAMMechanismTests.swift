import Testing
@testable import SASL

@Suite struct SCRAMMechanismTests {
    func scram(
        _ name: SASLMechanismName, nonce: String = "3rfcNHYJY1ZVvWVs7j", binding: SASLChannelBinding? = nil,
        lookup: (any SASLCredentialLookup)? = nil
    ) throws -> SCRAMMechanism {
        try #require(SCRAMMechanism(name, lookup: try lookup ?? Fixture.lookup(), configuration: Fixture.configuration(nonce: nonce), channelBinding: binding))
    }

    // RFC 5802 §5: the full SCRAM-SHA-1 exchange, byte for byte.
    @Test func rfc5802Exchange() async throws {
        var mechanism = try scram(.scramSHA1)
        #expect(await mechanism.start(initialResponse: nil) == .challenge([]))
        let serverFirst = await mechanism.step(clientResponse: "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL".bytes)
        #expect(serverFirst.challengeText == "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096")
        let final = await mechanism.step(clientResponse:
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=".bytes)
        #expect(final == .success(serverFinal: "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=".bytes, identity: SASLIdentity(username: "user", mechanism: .scramSHA1)))
    }

    // RFC 7677 §3: the full SCRAM-SHA-256 exchange, byte for byte.
    @Test func rfc7677Exchange() async throws {
        var mechanism = try scram(.scramSHA256, nonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0")
        let serverFirst = await mechanism.start(initialResponse: "n,,n=user,r=rOprNGfwEbeRWgbNEkqO".bytes)
        #expect(serverFirst.challengeText == "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
        let final = await mechanism.step(clientResponse:
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=".bytes)
        #expect(final.serverFinalText == "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
        #expect(final.identity?.username == "user")
        #expect(await mechanism.step(clientResponse: []).failure?.isMalformed == true, "nothing after the outcome")
    }

    @Test func wrongProofFailsWithInvalidProof() async throws {
        var mechanism = try scram(.scramSHA1)
        _ = await mechanism.start(initialResponse: "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL".bytes)
        let final = await mechanism.step(clientResponse:
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=w0X8v3Bz2T0CJGbJQyF0X+HI4Ts=".bytes)
        #expect(final == .failure(.invalidCredentials, serverFinal: "e=invalid-proof".bytes))
    }

    @Test func unknownUserGetsAStableSaltAndTheSameError() async throws {
        var first = try scram(.scramSHA256)
        var second = try scram(.scramSHA256)
        let a = try #require(await first.start(initialResponse: "n,,n=ghost,r=abc".bytes).challengeText)
        let b = try #require(await second.start(initialResponse: "n,,n=ghost,r=abc".bytes).challengeText)
        #expect(a == b, "same salt and iterations on every attempt")
        #expect(a.hasSuffix(",i=4096"))
        let proof = SASLBase64.encode([UInt8](repeating: 1, count: 32))
        #expect(await first.step(clientResponse: "c=biws,r=abc3rfcNHYJY1ZVvWVs7j,p=\(proof)".bytes)
            == .failure(.invalidCredentials, serverFinal: "e=invalid-proof".bytes))
    }

    @Test func escapedUsernameAndAuthzid() async throws {
        // "a,b=c" is sent as n=a=2Cb=3Dc; the proof is computed like a client would.
        var mechanism = try scram(.scramSHA256, nonce: "S")
        let bare = "n=a=2Cb=3Dc,r=C"
        let serverFirst = try #require(await mechanism.start(initialResponse: "n,a=a=2Cb=3Dc,\(bare)".bytes).challengeText)
        let withoutProof = "c=\(SASLBase64.encode("n,a=a=2Cb=3Dc,".bytes)),r=CS"
        let proof = SCRAMTestClient.proof(password: "pw", hash: .sha256, salt: Fixture.rfcSalt256, authMessage: "\(bare),\(serverFirst),\(withoutProof)")
        let final = await mechanism.step(clientResponse: "\(withoutProof),p=\(proof)".bytes)
        #expect(final.identity == SASLIdentity(username: "a,b=c", mechanism: .scramSHA256))
    }

    @Test func authzidForSomeoneElseIsAuthorizationDenied() async throws {
        var mechanism = try scram(.scramSHA256, nonce: "S")
        let bare = "n=user,r=C"
        let serverFirst = try #require(await mechanism.start(initialResponse: "n,a=admin,\(bare)".bytes).challengeText)
        let withoutProof = "c=\(SASLBase64.encode("n,a=admin,".bytes)),r=CS"
        let proof = SCRAMTestClient.proof(password: "pencil", hash: .sha256, salt: Fixture.rfcSalt256, authMessage: "\(bare),\(serverFirst),\(withoutProof)")
        #expect(await mechanism.step(clientResponse: "\(withoutProof),p=\(proof)".bytes) == .failure(.authorizationDenied, serverFinal: "e=other-error".bytes))
    }

    // RFC 5802 §7 grammar violations in client-first, each with its e= value.
    @Test(arguments: [
        ("n,,m=ext,n=user,r=abc", "e=extensions-not-supported"),
        ("n,,n=user,r=abc,m=ext", "e=extensions-not-supported"),
        ("n,,n=us=2Xer,r=abc", "e=invalid-username-encoding"),
        ("n,,n=user=,r=abc", "e=invalid-username-encoding"),
        ("n,a=x=41,n=user,r=abc", "e=invalid-username-encoding"),
        ("x,,n=user,r=abc", "e=invalid-encoding"),
        ("n,b=admin,n=user,r=abc", "e=invalid-encoding"),
        ("n,,r=abc,n=user", "e=invalid-encoding"),
        ("n,,n=,r=abc", "e=invalid-encoding"),
        ("n,,n=user", "e=invalid-encoding"),
        ("n,,n=user,r=", "e=invalid-encoding"),
        ("n,,n=user,r=a\u{7F}", "e=invalid-encoding"),
        ("n,,n=user,r=abc,1=x", "e=invalid-encoding"),
        ("n,,n=user,r=abc,x", "e=invalid-encoding"),
        ("n,n=user,r=abc", "e=invalid-encoding"),
        ("p=,,n=user,r=abc", "e=invalid-encoding"),
        ("p=tls-unique,,n=user,r=abc", "e=channel-binding-not-supported"),
    ])
    func clientFirstErrors(message: String, error: String) async throws {
        var mechanism = try scram(.scramSHA256)
        let step = await mechanism.start(initialResponse: message.bytes)
        #expect(step.serverFinalText == error)
        #expect(step.failure != nil)
    }

    @Test func unknownOptionalExtensionsAreIgnored() async throws {
        var mechanism = try scram(.scramSHA256)
        #expect(await mechanism.start(initialResponse: "n,,n=user,r=abc,x=whatever".bytes).challengeText?.hasPrefix("r=abc3rfc") == true)
    }

    // RFC 5802 §7 grammar and checks in client-final.
    @Test(arguments: [
        ("c=biws,r=abc3rfcNHYJY1ZVvWVs7j", "e=invalid-encoding"),                         // no proof
        ("c=bi!s,r=abc3rfcNHYJY1ZVvWVs7j,p=AAAA", "e=invalid-encoding"),                 // bad base64 in c=
        ("c=biws,r=abc3rfcNHYJY1ZVvWVs7j,p=AA", "e=invalid-encoding"),                   // bad base64 in p=
        ("r=abc3rfcNHYJY1ZVvWVs7j,c=biws,p=AAAA", "e=invalid-encoding"),                 // order
        ("c=biws,r=abc3rfcNHYJY1ZVvWVs7j,m=x,p=AAAA", "e=extensions-not-supported"),
        ("c=eSws,r=abc3rfcNHYJY1ZVvWVs7j,p=AAAA", "e=channel-bindings-dont-match"),     // "y,," instead of "n,,"
        ("c=biws,r=abc3rfcNHYJY1ZVvWVs7jX,p=AAAA", "e=other-error"),                     // nonce changed
        ("c=biws,r=abc,p=AAAA", "e=other-error"),                                         // server nonce dropped
        ("c=biws,r=abc3rfcNHYJY1ZVvWVs7j,p=AAAA", "e=invalid-proof"),                    // short proof
        ("c=biws,r=abc3rfcNHYJY1ZVvWVs7j,x=1,p=AAAA", "e=invalid-proof"),                // optional ext ignored
    ])
    func clientFinalErrors(message: String, error: String) async throws {
        var mechanism = try scram(.scramSHA256)
        _ = await mechanism.start(initialResponse: "n,,n=user,r=abc".bytes)
        #expect(await mechanism.step(clientResponse: message.bytes).serverFinalText == error)
    }

    @Test func downgradeIsDetected() async throws {
        // The client says "y" (it supports binding but saw no -PLUS) while we advertised -PLUS.
        var mechanism = try scram(.scramSHA256, binding: SASLChannelBinding(tlsExporter: [1, 2, 3]))
        #expect(await mechanism.start(initialResponse: "y,,n=user,r=abc".bytes)
            == .failure(.invalidCredentials, serverFinal: "e=server-does-support-channel-binding".bytes))
        // Without -PLUS on offer, "y" is fine.
        var plain = try scram(.scramSHA256)
        #expect(await plain.start(initialResponse: "y,,n=user,r=abc".bytes).challengeText != nil)
    }

    @Test func plusNeedsBindingDataAndTheRightType() async throws {
        #expect(SCRAMMechanism(.scramSHA256Plus, lookup: MemoryLookup(), configuration: Fixture.configuration(), channelBinding: nil) == nil)
        #expect(SCRAMMechanism(.plain, lookup: MemoryLookup(), configuration: Fixture.configuration(), channelBinding: nil) == nil)
        let binding = SASLChannelBinding(tlsExporter: Array(repeating: 0xAB, count: 32))
        for (message, error) in [
            ("p=tls-unique,,n=user,r=abc", "e=unsupported-channel-binding-type"),
            ("n,,n=user,r=abc", "e=other-error"),
            ("y,,n=user,r=abc", "e=other-error"),
        ] {
            var mechanism = try scram(.scramSHA256Plus, binding: binding)
            #expect(await mechanism.start(initialResponse: message.bytes).serverFinalText == error, "\(message)")
        }
    }

    @Test(arguments: [SASLMechanismName.scramSHA1Plus, .scramSHA256Plus])
    func plusExchangeChecksTheExporterBytes(name: SASLMechanismName) async throws {
        let exporter = (0..<32).map { UInt8($0) }
        let hash = try #require(name.scramHash)
        let salt = hash == .sha1 ? Fixture.rfcSalt1 : Fixture.rfcSalt256
        for (sent, succeeds) in [(exporter, true), (Array(exporter.reversed()), false)] {
            var mechanism = try scram(name, nonce: "S", binding: SASLChannelBinding(tlsExporter: exporter))
            let header = "p=tls-exporter,,"
            let serverFirst = try #require(await mechanism.start(initialResponse: "\(header)n=user,r=C".bytes).challengeText)
            let withoutProof = "c=\(SASLBase64.encode(header.bytes + sent)),r=CS"
            let proof = SCRAMTestClient.proof(password: "pencil", hash: hash, salt: salt, authMessage: "n=user,r=C,\(serverFirst),\(withoutProof)")
            let final = await mechanism.step(clientResponse: "\(withoutProof),p=\(proof)".bytes)
            if succeeds {
                #expect(final.identity == SASLIdentity(username: "user", mechanism: name))
            } else {
                #expect(final == .failure(.invalidCredentials, serverFinal: "e=channel-bindings-dont-match".bytes))
            }
        }
    }

    @Test func accountWithoutKeysForThisHashFails() async throws {
        let lookup = MemoryLookup(accounts: ["user": SASLAccountCredentials(scram: [])])
        var mechanism = try scram(.scramSHA1, lookup: lookup)
        _ = await mechanism.start(initialResponse: "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL".bytes)
        #expect(await mechanism.step(clientResponse:
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=".bytes).failure == .invalidCredentials)
    }

    @Test func storeErrorIsTemporary() async throws {
        var mechanism = try scram(.scramSHA1, lookup: MemoryLookup(error: StoreDown()))
        #expect(await mechanism.start(initialResponse: "n,,n=user,r=abc".bytes) == .failure(.temporaryFailure))
    }

    @Test func defaultNoncesAreRandomAndPrintable() {
        let a = SASLRandom.nonce()
        let b = SASLRandom.nonce()
        #expect(a != b)
        #expect(a.count == 24 && !a.contains(","))
        #expect(SCRAMAttributes.isPrintable(Substring(a)))
    }

    @Test func saslNameEscaping() {
        #expect(SASLName.escape("a,b=c") == "a=2Cb=3Dc")
        #expect(SASLName.unescape("a=2Cb=3Dc") == "a,b=c")
        #expect(SASLName.unescape("a=2c") == nil)
        #expect(SASLName.unescape("") == nil)
        #expect(SASLName.unescape("=") == nil)
    }
}

/// The client side of RFC 5802 §3, just enough to compute proofs in tests.
enum SCRAMTestClient {
    static func proof(password: String, hash: SCRAMHash, salt: [UInt8], authMessage: String) -> String {
        let salted = try! SCRAMCredentials.saltedPassword(password: password, hash: hash, salt: salt, iterations: 4096)
        let clientKey = hash.hmac(key: salted, "Client Key".bytes)
        let signature = hash.hmac(key: hash.hash(clientKey), authMessage.bytes)
        return SASLBase64.encode(zip(clientKey, signature).map { $0 ^ $1 })
    }
}
