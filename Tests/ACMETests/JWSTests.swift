@testable import ACME
import Crypto
import Foundation
import Testing

/// The account key's JWK, thumbprint and signatures, checked by decoding what was produced and
/// verifying it independently of the signing code.
struct JWSTests {
    @Test func jwkIsTheRFC7638CanonicalFormAndTheThumbprintItsSHA256() throws {
        let key = ACMEAccountKey()
        let jwk = key.jwkJSON
        // RFC 7638 §3.2: required members only, lexicographic order, no whitespace.
        #expect(jwk.hasPrefix(#"{"crv":"P-256","kty":"EC","x":""#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(jwk.utf8)) as? [String: String])
        #expect(Set(object.keys) == ["crv", "kty", "x", "y"])
        let x = try #require(Base64URL.decode(object["x"]!)), y = try #require(Base64URL.decode(object["y"]!))
        #expect(x.count == 32 && y.count == 32)
        // The coordinates are the public key's.
        #expect(try P256.Signing.PublicKey(rawRepresentation: x + y).rawRepresentation == key.key.publicKey.rawRepresentation)
        let expected = Data(SHA256.hash(data: Data(jwk.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        #expect(key.thumbprint == expected)
        #expect(key.thumbprint.count == 43)
        #expect(key.keyAuthorization(token: "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA") == "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA." + key.thumbprint)
    }

    /// RFC 7638 §3.1's example thumbprint, reproduced through the same hashing and encoding
    /// (its JWK is RSA; the canonical JSON is given in the RFC).
    @Test func thumbprintEncodingMatchesRFC7638Example() {
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        let canonical = #"{"e":"AQAB","kty":"RSA","n":"\#(n)"}"#
        #expect(Base64URL.encode(SHA256.hash(data: Data(canonical.utf8))) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
    }

    @Test func signedRequestsVerifyAndCarryNonceURLAndKey() throws {
        let key = ACMEAccountKey()
        let body = try JWS.sign(payload: Data(#"{"termsOfServiceAgreed":true}"#.utf8), url: "https://ca.example/new-acct",
                                nonce: "n0nce", key: key, identification: .jwk)
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: String])
        let protected = try #require(Base64URL.decode(object["protected"]!))
        let header = try #require(try JSONSerialization.jsonObject(with: protected) as? [String: Any])
        #expect(header["alg"] as? String == "ES256")
        #expect(header["nonce"] as? String == "n0nce")
        #expect(header["url"] as? String == "https://ca.example/new-acct")
        #expect((header["jwk"] as? [String: String])?["kty"] == "EC")
        #expect(header["kid"] == nil)
        #expect(String(decoding: Base64URL.decode(object["payload"]!)!, as: UTF8.self) == #"{"termsOfServiceAgreed":true}"#)
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: try #require(Base64URL.decode(object["signature"]!)))
        #expect(key.key.publicKey.isValidSignature(signature, for: Data((object["protected"]! + "." + object["payload"]!).utf8)))

        // POST-as-GET (RFC 8555 §6.3): empty payload, the account URL as kid.
        let get = try JWS.sign(payload: nil, url: "https://ca.example/order/1", nonce: "n2", key: key, identification: .kid("https://ca.example/acct/7"))
        let getObject = try #require(try JSONSerialization.jsonObject(with: get) as? [String: String])
        #expect(getObject["payload"] == "")
        let getHeader = try #require(try JSONSerialization.jsonObject(with: Base64URL.decode(getObject["protected"]!)!) as? [String: Any])
        #expect(getHeader["kid"] as? String == "https://ca.example/acct/7")
        #expect(getHeader["jwk"] == nil)
    }

    @Test func accountKeySurvivesPEM() throws {
        let key = ACMEAccountKey()
        let again = try ACMEAccountKey(pem: key.pemRepresentation)
        #expect(again.thumbprint == key.thumbprint)
        #expect(throws: (any Error).self) { try ACMEAccountKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") }
    }
}
