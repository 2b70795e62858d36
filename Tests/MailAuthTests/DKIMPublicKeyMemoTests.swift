import Crypto
import MailAuth
import Testing

/// Public keys made from a key record's p= are remembered (`DKIMPublicKey.parsed`): what comes
/// back must be what making the key anew gives, for the same bytes and the same RSA floor only.
@Suite struct DKIMPublicKeyMemoTests {
    @Test func aRememberedKeyChecksSignaturesAsANewOne() throws {
        let signer = try DKIMPrivateKey.generate(.rsa, rsaBits: 1024)
        let digest = SHA256.hash(data: Array("header data".utf8))
        let signature = try signer.sign(digest: digest)
        for _ in 0..<3 {
            let key = try DKIMPublicKey.parsed(type: .rsa, data: signer.publicKeyData, minimumRSABits: 1024)
            #expect(key.bits == 1024)
            #expect(key.isValid(signature: signature, digest: digest))
            #expect(!key.isValid(signature: signature, digest: SHA256.hash(data: Array("other".utf8))))
        }
        // The floor is part of what is remembered: the same bytes under a 2048-bit floor are short.
        #expect(throws: DKIMKeyError.tooShort(bits: 1024, minimum: 2048)) {
            try DKIMPublicKey.parsed(type: .rsa, data: signer.publicKeyData, minimumRSABits: 2048)
        }
        #expect(try DKIMPublicKey.parsed(type: .rsa, data: signer.publicKeyData, minimumRSABits: 1024).bits == 1024)
        // Bytes that are not a key fail every time, as they do when made anew.
        for _ in 0..<2 {
            #expect(throws: DKIMKeyError.self) { try DKIMPublicKey.parsed(type: .rsa, data: [0x30, 0x03, 0x02, 0x01, 0x01]) }
        }
        let ed = try DKIMPrivateKey.generate(.ed25519)
        let edSignature = try ed.sign(digest: digest)
        #expect(try DKIMPublicKey.parsed(type: .ed25519, data: ed.publicKeyData).isValid(signature: edSignature, digest: digest))
    }
}
