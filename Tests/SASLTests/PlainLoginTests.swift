import Testing
@testable import SASL

@Suite struct PlainMechanismTests {
    func plain() throws -> PlainMechanism { PlainMechanism(lookup: try Fixture.lookup(), configuration: Fixture.configuration()) }

    // RFC 4616 §4, first example: empty challenge, then "\0tim\0tanstaaftanstaaf".
    @Test func rfc4616FirstExample() async throws {
        var mechanism = try plain()
        #expect(await mechanism.start(initialResponse: nil) == .challenge([]))
        let outcome = await mechanism.step(clientResponse: "\u{0}tim\u{0}tanstaaftanstaaf".bytes)
        #expect(outcome == .success(serverFinal: nil, identity: SASLIdentity(username: "tim", mechanism: .plain)))
    }

    // RFC 4616 §4, second example: authzid "Ursel" differs from authcid "Kurt": refused as an
    // authorization failure ("Not authorized to requested authorization identity").
    @Test func rfc4616SecondExampleIsAnAuthorizationFailure() async throws {
        var mechanism = try plain()
        #expect(await mechanism.start(initialResponse: "Ursel\u{0}Kurt\u{0}xipj3plmq".bytes) == .failure(.authorizationDenied))
        #expect(mechanism.attemptedUsername == "Kurt")
    }

    @Test func authzidEqualToAuthcidIsAccepted() async throws {
        var mechanism = try plain()
        #expect(await mechanism.start(initialResponse: "Kurt\u{0}Kurt\u{0}xipj3plmq".bytes).identity?.username == "Kurt")
    }

    @Test func authzidIsNotCheckedBeforeThePassword() async throws {
        var mechanism = try plain()
        #expect(await mechanism.start(initialResponse: "Ursel\u{0}Kurt\u{0}wrong".bytes) == .failure(.invalidCredentials))
    }

    @Test func wrongPasswordAndUnknownUserGiveTheSameFailure() async throws {
        var wrong = try plain()
        var unknown = try plain()
        #expect(await wrong.start(initialResponse: "\u{0}tim\u{0}tanstaaf".bytes) == .failure(.invalidCredentials))
        #expect(await unknown.start(initialResponse: "\u{0}nobody\u{0}tanstaaftanstaaf".bytes) == .failure(.invalidCredentials))
    }

    @Test func unknownUserRunsTheFullKeyDerivation() async throws {
        // The dummy verifier uses the configured iteration count and a stable salt.
        let configuration = Fixture.configuration()
        let dummy = configuration.dummySCRAM(for: "nobody", hash: .sha256)
        #expect(dummy.iterations == 4096)
        #expect(dummy.salt == configuration.dummySCRAM(for: "nobody", hash: .sha256).salt)
        #expect(dummy.salt != configuration.dummySCRAM(for: "somebody", hash: .sha256).salt)
        #expect(!dummy.verify(password: ""))
    }

    @Test(arguments: [
        "tim\u{0}tanstaaftanstaaf",              // one NUL
        "\u{0}tim\u{0}tans\u{0}taaf",            // three NULs
        "\u{0}\u{0}tanstaaftanstaaf",            // empty authcid
        "\u{0}tim\u{0}",                         // empty password
        "",                                      // empty message ("AUTH PLAIN =")
    ])
    func malformedMessages(message: String) async throws {
        var mechanism = try plain()
        #expect(await mechanism.start(initialResponse: message.bytes).failure?.isMalformed == true)
    }

    @Test func invalidUTF8AndOversizeAreMalformed() async throws {
        var invalid = try plain()
        #expect(await invalid.start(initialResponse: [0, 0x74, 0xFF, 0, 0x70]).failure?.isMalformed == true)
        var huge = try plain()
        let big = [0] + Array(repeating: UInt8(ascii: "a"), count: SASLLimits.plainMessageBytes) + [0, 0x70]
        #expect(await huge.start(initialResponse: big).failure?.isMalformed == true)
    }

    @Test func secondMessageIsRefused() async throws {
        var mechanism = try plain()
        _ = await mechanism.start(initialResponse: "\u{0}tim\u{0}tanstaaftanstaaf".bytes)
        #expect(await mechanism.step(clientResponse: "\u{0}tim\u{0}tanstaaftanstaaf".bytes).failure?.isMalformed == true)
    }

    @Test func storeErrorsAreTemporaryAndThrownFailuresPassThrough() async throws {
        var down = PlainMechanism(lookup: MemoryLookup(error: StoreDown()), configuration: Fixture.configuration())
        #expect(await down.start(initialResponse: "\u{0}tim\u{0}x".bytes) == .failure(.temporaryFailure))
        var locked = PlainMechanism(lookup: MemoryLookup(error: SASLFailure.tooManyFailures), configuration: Fixture.configuration())
        #expect(await locked.start(initialResponse: "\u{0}tim\u{0}x".bytes) == .failure(.tooManyFailures))
    }

    @Test func passwordsAreSASLPrepped() async throws {
        // RFC 4013: U+00A0 NO-BREAK SPACE maps to SPACE, on derivation and on verification alike.
        let lookup = MemoryLookup(accounts: [
            "u": SASLAccountCredentials(scram: [try SCRAMCredentials.derive(password: "a b", hash: .sha256, salt: [1], iterations: 4096)]),
        ])
        var mechanism = PlainMechanism(lookup: lookup, configuration: Fixture.configuration())
        #expect(await mechanism.start(initialResponse: "\u{0}u\u{0}a\u{00A0}b".bytes).identity != nil)
    }
}

@Suite struct LoginMechanismTests {
    func login() throws -> LoginMechanism { LoginMechanism(lookup: try Fixture.lookup(), configuration: Fixture.configuration()) }

    @Test func promptsForUsernameThenPassword() async throws {
        var mechanism = try login()
        #expect(await mechanism.start(initialResponse: nil).challengeText == "Username:")
        #expect(await mechanism.step(clientResponse: "tim".bytes).challengeText == "Password:")
        #expect(mechanism.attemptedUsername == "tim")
        #expect(await mechanism.step(clientResponse: "tanstaaftanstaaf".bytes).identity == SASLIdentity(username: "tim", mechanism: .login))
    }

    @Test func initialResponseIsTheUsername() async throws {
        var mechanism = try login()
        #expect(await mechanism.start(initialResponse: "tim".bytes).challengeText == "Password:")
        #expect(await mechanism.step(clientResponse: "wrong".bytes) == .failure(.invalidCredentials))
    }

    @Test func unknownUserFailsLikeAWrongPassword() async throws {
        var mechanism = try login()
        _ = await mechanism.start(initialResponse: "ghost".bytes)
        #expect(await mechanism.step(clientResponse: "tanstaaftanstaaf".bytes) == .failure(.invalidCredentials))
    }

    @Test func malformedFieldsAndExtraStepsFail() async throws {
        var empty = try login()
        #expect(await empty.start(initialResponse: []).failure?.isMalformed == true)
        var badPassword = try login()
        _ = await badPassword.start(initialResponse: "tim".bytes)
        #expect(await badPassword.step(clientResponse: [0xC3]).failure?.isMalformed == true)
        var extra = try login()
        _ = await extra.start(initialResponse: "tim".bytes)
        _ = await extra.step(clientResponse: "tanstaaftanstaaf".bytes)
        #expect(await extra.step(clientResponse: "again".bytes).failure?.isMalformed == true)
        var long = try login()
        #expect(await long.start(initialResponse: Array(repeating: 0x61, count: SASLLimits.fieldBytes + 1)).failure?.isMalformed == true)
    }
}
