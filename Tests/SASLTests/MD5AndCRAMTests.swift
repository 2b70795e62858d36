import Crypto
import Foundation
import Testing
@testable import SASL

@Suite struct MD5StateTests {
    // RFC 1321 §A.5 test suite.
    @Test(arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
        (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
    ])
    func rfc1321Vectors(input: String, digest: String) {
        #expect(Hex.encode(MD5State.initial.finalize(input.bytes)) == digest)
    }

    @Test func agreesWithSwiftCryptoAcrossBlockBoundaries() {
        for length in [55, 56, 57, 63, 64, 65, 119, 120, 128, 200] {
            let input = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            #expect(MD5State.initial.finalize(input) == Array(Insecure.MD5.hash(data: input)), "length \(length)")
        }
    }
}

@Suite struct CRAMMD5CredentialsTests {
    @Test func storedStatesComputeHMACMD5() {
        for password in ["tanstaaftanstaaf", "", "ünïcødé", String(repeating: "k", count: 64), String(repeating: "long", count: 40)] {
            let credentials = CRAMMD5Credentials.derive(password: password)
            let message = "<1896.697170952@postoffice.reston.mci.net>".bytes
            let expected = HMAC<Insecure.MD5>.authenticationCode(for: message, using: SymmetricKey(data: Array(password.utf8)))
            #expect(credentials.hmac(message) == Array(expected))
        }
    }

    @Test func dovecotTextFormRoundTrips() throws {
        let credentials = CRAMMD5Credentials.derive(password: "tanstaaftanstaaf")
        let text = credentials.dovecotString
        #expect(text.hasPrefix("{CRAM-MD5}") && text.count == 10 + 64)
        #expect(CRAMMD5Credentials(dovecotString: text) == credentials)
        #expect(CRAMMD5Credentials(dovecotString: String(text.dropFirst(10))) == credentials)
        #expect(CRAMMD5Credentials(dovecotString: "{CRAM-MD5}abcd") == nil)
        #expect(CRAMMD5Credentials(dovecotString: "{CRAM-MD5}" + String(repeating: "zz", count: 32)) == nil)
        let json = try JSONEncoder().encode(credentials)
        #expect(try JSONDecoder().decode(CRAMMD5Credentials.self, from: json) == credentials)
        #expect(CRAMMD5Credentials(context: [1, 2, 3]) == nil)
    }

    @Test func layoutIsOuterStateThenInnerStateLittleEndian() {
        // The first word of the stored context is the outer (opad) state's A after one block.
        var outer = MD5State.initial
        outer.absorb(block: ArraySlice([UInt8](repeating: 0x5C, count: 64)))
        let context = CRAMMD5Credentials.derive(password: "").context
        let a = UInt32(context[0]) | UInt32(context[1]) << 8 | UInt32(context[2]) << 16 | UInt32(context[3]) << 24
        #expect(a == outer.words.0)
    }
}

@Suite struct CRAMMD5MechanismTests {
    static let rfcChallenge = "<1896.697170952@postoffice.reston.mci.net>".bytes

    // RFC 2195 §2 example.
    @Test func rfc2195Example() async throws {
        var mechanism = CRAMMD5Mechanism(lookup: try Fixture.lookup(), configuration: Fixture.configuration(), challenge: Self.rfcChallenge)
        let challenge = await mechanism.start(initialResponse: nil)
        #expect(challenge == .challenge(Self.rfcChallenge))
        #expect(SASLBase64.encode(Self.rfcChallenge) == "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+")
        let response = SASLBase64.decode("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw")!
        #expect(String(decoding: response, as: UTF8.self) == "tim b913a602c7eda7a495b4e6e7334d3890")
        let outcome = await mechanism.step(clientResponse: response)
        #expect(outcome == .success(serverFinal: nil, identity: SASLIdentity(username: "tim", mechanism: .cramMD5)))
        #expect(mechanism.attemptedUsername == "tim")
    }

    @Test func freshChallengesAreUniqueMessageIDs() async throws {
        var first = CRAMMD5Mechanism(lookup: try Fixture.lookup(), configuration: Fixture.configuration())
        var second = CRAMMD5Mechanism(lookup: try Fixture.lookup(), configuration: Fixture.configuration())
        let a = try #require(await first.start(initialResponse: nil).challengeText)
        let b = try #require(await second.start(initialResponse: nil).challengeText)
        #expect(a != b)
        #expect(a.hasPrefix("<") && a.hasSuffix("@mail.example>"))
        // A correct answer to a server-generated challenge also succeeds.
        let digest = Hex.encode(CRAMMD5Credentials.derive(password: "tanstaaftanstaaf").hmac(a.bytes))
        #expect(await first.step(clientResponse: "tim \(digest)".bytes).identity?.username == "tim")
    }

    @Test func wrongPasswordUnknownUserAndNotOptedInLookAlike() async throws {
        for (user, password) in [("tim", "wrong"), ("nobody", "tanstaaftanstaaf"), ("nocram", "secret")] {
            var mechanism = CRAMMD5Mechanism(lookup: try Fixture.lookup(), configuration: Fixture.configuration(), challenge: Self.rfcChallenge)
            _ = await mechanism.start(initialResponse: nil)
            let digest = Hex.encode(CRAMMD5Credentials.derive(password: password).hmac(Self.rfcChallenge))
            #expect(await mechanism.step(clientResponse: "\(user) \(digest)".bytes) == .failure(.invalidCredentials), "\(user)")
        }
    }

    @Test(arguments: ["tim", "tim b913", " b913a602c7eda7a495b4e6e7334d3890", "tim b913a602c7eda7a495b4e6e7334d389g", "tim\u{FF}"])
    func malformedResponses(response: String) async throws {
        var mechanism = CRAMMD5Mechanism(lookup: try Fixture.lookup(), configuration: Fixture.configuration(), challenge: Self.rfcChallenge)
        _ = await mechanism.start(initialResponse: nil)
        #expect(await mechanism.step(clientResponse: response.bytes).failure?.isMalformed == true)
    }

    @Test func uppercaseHexIsAccepted() async throws {
        var mechanism = CRAMMD5Mechanism(lookup: try Fixture.lookup(), configuration: Fixture.configuration(), challenge: Self.rfcChallenge)
        _ = await mechanism.start(initialResponse: nil)
        #expect(await mechanism.step(clientResponse: "tim B913A602C7EDA7A495B4E6E7334D3890".bytes).identity != nil)
    }

    @Test func initialResponseAndOutOfOrderStepsFail() async throws {
        var mechanism = CRAMMD5Mechanism(lookup: try Fixture.lookup(), configuration: Fixture.configuration())
        #expect(await mechanism.start(initialResponse: "tim".bytes).failure?.isMalformed == true)
        var other = CRAMMD5Mechanism(lookup: try Fixture.lookup(), configuration: Fixture.configuration())
        #expect(await other.step(clientResponse: "tim 00".bytes).failure?.isMalformed == true)
    }

    @Test func storeErrorIsTemporary() async throws {
        var mechanism = CRAMMD5Mechanism(lookup: MemoryLookup(error: StoreDown()), configuration: Fixture.configuration(), challenge: Self.rfcChallenge)
        _ = await mechanism.start(initialResponse: nil)
        #expect(await mechanism.step(clientResponse: "tim b913a602c7eda7a495b4e6e7334d3890".bytes) == .failure(.temporaryFailure))
    }
}

extension SASLFailure {
    var isMalformed: Bool {
        if case .malformedResponse = self { return true }
        return false
    }
}
