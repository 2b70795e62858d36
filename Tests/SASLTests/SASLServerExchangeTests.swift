import Testing
@testable import SASL

@Suite struct SASLServerExchangeTests {
    func exchange(_ name: SASLMechanismName, nonce: String = "3rfcNHYJY1ZVvWVs7j", successDataAllowed: Bool = false) throws -> SASLServerExchange {
        try #require(SASLServerExchange.make(
            name, lookup: try Fixture.lookup(), configuration: Fixture.configuration(nonce: nonce),
            channelBinding: nil, successDataAllowed: successDataAllowed
        ))
    }

    // RFC 4954 §4 example shape: AUTH PLAIN with an initial response, then 235.
    @Test func plainWithInitialResponse() async throws {
        var exchange = try exchange(.plain)
        let action = await exchange.start(initialResponse: SASLBase64.encode("\u{0}tim\u{0}tanstaaftanstaaf".bytes))
        #expect(action == .success(SASLIdentity(username: "tim", mechanism: .plain)))
        #expect(await exchange.receive(line: "") == .failure(.malformedResponse(reason: "no exchange in progress")))
    }

    @Test func plainWithoutInitialResponseGetsAnEmptyChallenge() async throws {
        var exchange = try exchange(.plain)
        #expect(await exchange.start(initialResponse: nil) == .challenge(""))
        #expect(await exchange.receive(line: "AHRpbQB0YW5zdGFhZnRhbnN0YWFm") == .success(SASLIdentity(username: "tim", mechanism: .plain)))
    }

    @Test func equalsIsAnEmptyInitialResponse() async throws {
        var login = try exchange(.login)
        #expect(await login.start(initialResponse: "=").isFailure(malformed: true))
        var scram = try exchange(.scramSHA1)
        #expect(await scram.start(initialResponse: "=") == .challenge(SASLBase64.encode("e=invalid-encoding".bytes)))
    }

    @Test func cancellationAndBase64Errors() async throws {
        var cancelled = try exchange(.login)
        #expect(await cancelled.start(initialResponse: nil) == .challenge(SASLBase64.encode("Username:".bytes)))
        #expect(await cancelled.receive(line: "*") == .failure(.cancelled))
        for line in ["dGlt=", "dGl", "dG!t", "dGltIA== ", "=", "dA==dA=="] {
            var exchange = try exchange(.login)
            _ = await exchange.start(initialResponse: nil)
            #expect(await exchange.receive(line: line) == .failure(.invalidBase64), "\(line)")
        }
        var badInitial = try exchange(.plain)
        #expect(await badInitial.start(initialResponse: "not base64!") == .failure(.invalidBase64))
        var emptyInitial = try exchange(.plain)
        #expect(await emptyInitial.start(initialResponse: "") == .failure(.invalidBase64))
        var long = try exchange(.login)
        _ = await long.start(initialResponse: nil)
        #expect(await long.receive(line: String(repeating: "A", count: SASLLimits.responseLineBytes + 4)) == .failure(.lineTooLong))
    }

    @Test func scramServerFinalGoesOutAsAChallengeWhenTheProtocolHasNoRoom() async throws {
        var exchange = try exchange(.scramSHA1)
        #expect(await exchange.start(initialResponse: SASLBase64.encode("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL".bytes))
            == .challenge(SASLBase64.encode("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096".bytes)))
        #expect(exchange.attemptedUsername == "user")
        let final = "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
        #expect(await exchange.receive(line: SASLBase64.encode(final.bytes)) == .challenge(SASLBase64.encode("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=".bytes)))
        #expect(await exchange.receive(line: "") == .success(SASLIdentity(username: "user", mechanism: .scramSHA1)))
    }

    @Test func successAcknowledgementMustBeEmpty() async throws {
        for (line, expected) in [("*", SASLFailure.cancelled), ("AA==", .malformedResponse(reason: "expected an empty response"))] {
            var exchange = try exchange(.scramSHA1)
            _ = await exchange.start(initialResponse: SASLBase64.encode("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL".bytes))
            _ = await exchange.receive(line: SASLBase64.encode("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=".bytes))
            #expect(await exchange.receive(line: line) == .failure(expected))
        }
    }

    @Test func successDataAllowedSkipsTheExtraRoundTrip() async throws {
        var exchange = try exchange(.scramSHA1, successDataAllowed: true)
        _ = await exchange.start(initialResponse: SASLBase64.encode("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL".bytes))
        #expect(await exchange.receive(line: SASLBase64.encode("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=".bytes))
            == .success(SASLIdentity(username: "user", mechanism: .scramSHA1), serverFinal: SASLBase64.encode("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=".bytes)))
    }

    @Test func scramErrorIsSentThenTheFailure() async throws {
        var exchange = try exchange(.scramSHA256)
        #expect(await exchange.start(initialResponse: SASLBase64.encode("n,,m=x,n=user,r=abc".bytes)) == .challenge(SASLBase64.encode("e=extensions-not-supported".bytes)))
        #expect(await exchange.receive(line: "*") == .failure(.malformedResponse(reason: "SCRAM extensions-not-supported")))
    }

    @Test func startingTwiceFails() async throws {
        var exchange = try exchange(.plain)
        _ = await exchange.start(initialResponse: nil)
        #expect(await exchange.start(initialResponse: nil).isFailure(malformed: true))
    }

    @Test func plusIsNotBuiltWithoutBinding() throws {
        #expect(SASLServerExchange.make(.scramSHA256Plus, lookup: MemoryLookup(), configuration: Fixture.configuration(), channelBinding: nil) == nil)
        #expect(SASLServerExchange.make(.scramSHA256Plus, lookup: MemoryLookup(), configuration: Fixture.configuration(),
                                        channelBinding: SASLChannelBinding(tlsExporter: [1]))?.mechanismName == .scramSHA256Plus)
    }
}

extension SASLServerExchange.Action {
    func isFailure(malformed: Bool) -> Bool {
        if case .failure(let failure) = self { return failure.isMalformed == malformed }
        return false
    }
}

@Suite struct SASLBase64Tests {
    @Test func roundTripsAndRejectsNonCanonicalInput() {
        for length in 0..<10 {
            let bytes = (0..<length).map { UInt8($0 * 37 & 0xFF) }
            #expect(SASLBase64.decode(SASLBase64.encode(bytes)) == bytes)
        }
        #expect(SASLBase64.encode("tim".bytes) == "dGlt")
        #expect(SASLBase64.decode("") == [])
        for bad in ["A", "AB=", "A===", "AB=C", "dGlt\r\n", "dG lt", "dGm=", "====", "AAA-"] {
            #expect(SASLBase64.decode(bad) == nil, "\(bad)")
        }
    }
}
