import Testing
import Foundation
@testable import SASL

@Suite struct SCRAMCredentialsTests {
    // RFC 5802 §5: user "user", password "pencil", salt QSXCR+Q6sek8bf92, i=4096.
    // The client proof there implies StoredKey; ServerKey gives the server signature
    // rmF9pqV8S7suAoZWja4dJRkFsKQ= for the exchange in that section.
    @Test func rfc5802Example() throws {
        let salt = Array(Data(base64Encoded: "QSXCR+Q6sek8bf92")!)
        let creds = try SCRAMCredentials.derive(password: "pencil", hash: .sha1, salt: salt, iterations: 4096)
        let authMessage = "n=user,r=fyko+d2lbbFgONRv9qkxdawL,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
            + "s=QSXCR+Q6sek8bf92,i=4096,c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j"
        let signature = SCRAMHash.sha1.hmac(key: creds.serverKey, Array(authMessage.utf8))
        #expect(Data(signature).base64EncodedString() == "rmF9pqV8S7suAoZWja4dJRkFsKQ=")
    }

    // RFC 7677 §3: same exchange with SHA-256, salt W22ZaJ0SNY7soEsUEjb6gQ==, server signature
    // 6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=.
    @Test func rfc7677Example() throws {
        let salt = Array(Data(base64Encoded: "W22ZaJ0SNY7soEsUEjb6gQ==")!)
        let creds = try SCRAMCredentials.derive(password: "pencil", hash: .sha256, salt: salt, iterations: 4096)
        let authMessage = "n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            + "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
        let signature = SCRAMHash.sha256.hmac(key: creds.serverKey, Array(authMessage.utf8))
        #expect(Data(signature).base64EncodedString() == "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
    }

    @Test func verifiesPasswordsWithoutStoringThem() throws {
        let creds = try SCRAMCredentials.derive(password: "correct horse", hash: .sha256)
        #expect(creds.verify(password: "correct horse"))
        #expect(!creds.verify(password: "correct horsE"))
        #expect(!creds.verify(password: ""))
        #expect(creds.salt.count == 16)
        let other = try SCRAMCredentials.derive(password: "correct horse", hash: .sha256)
        #expect(other.salt != creds.salt, "each derivation draws a new salt")
    }

    @Test func refusesTooFewIterations() {
        #expect(throws: SASLError.iterationCountTooLow(100)) {
            try SCRAMCredentials.derive(password: "x", hash: .sha1, salt: [1, 2, 3], iterations: 100)
        }
    }

    @Test func saslPrepMapsSpacesAndNormalizes() {
        #expect(SASLPrep.prepare("I\u{00AD}X") == "IX")
        #expect(SASLPrep.prepare("a\u{3000}b") == "a b")
        #expect(SASLPrep.prepare("\u{2168}") == "IX")  // ROMAN NUMERAL NINE, NFKC
        #expect(SASLPrep.prepare("plain") == "plain")
    }

    @Test func constantTimeEquality() {
        #expect(ConstantTime.equal([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equal([1, 2], [1, 2, 3]))
    }
}
