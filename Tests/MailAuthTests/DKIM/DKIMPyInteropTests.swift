import Foundation
import Testing
@testable import MailAuth

/// Cross-checks with dkimpy (PyPI), an implementation nobody here wrote: what it signs Hato
/// verifies, what Hato signs it verifies, and tampering breaks both.
@Suite(.serialized) struct DKIMPyInteropTests {
    /// Signs argv[1] (base64 message) with fresh keys for every algorithm, canonicalization and
    /// l= choice; prints JSON {"records": {name: txt}, "cases": [{name, message}]}.
    static let signScript = #"""
        import base64, json, subprocess, sys, dkim
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa, ed25519
        msg = base64.b64decode(sys.argv[1])
        b64 = lambda b: base64.b64encode(b).decode()
        def rsa_key(bits):
            if bits < 1024:
                pem = subprocess.run(["openssl", "genrsa", str(bits)], capture_output=True, check=True).stdout
            else:
                pem = rsa.generate_private_key(65537, bits).private_bytes(serialization.Encoding.PEM,
                    serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
            pub = serialization.load_pem_private_key(pem, None).public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
            return pem, "v=DKIM1; k=rsa; p=" + b64(pub)
        def ed_key():
            k = ed25519.Ed25519PrivateKey.generate()
            raw = serialization.Encoding.Raw
            seed = k.private_bytes(raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
            pub = k.public_key().public_bytes(raw, serialization.PublicFormat.Raw)
            return base64.b64encode(seed), "v=DKIM1; k=ed25519; p=" + b64(pub)
        keys = {"rsa": rsa_key(2048), "ed": ed_key(), "short": rsa_key(512)}
        records = {f"{name}._domainkey.example.com": rec for name, (_, rec) in keys.items()}
        cases = []
        def add(name, sel, alg, canon, length=False):
            sig = dkim.sign(msg, sel.encode(), b"example.com", keys[sel][0], canonicalize=canon,
                            signature_algorithm=alg, length=length,
                            include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
            cases.append({"name": name, "message": b64(sig + msg)})
        for sel, alg in (("rsa", b"rsa-sha256"), ("ed", b"ed25519-sha256")):
            for h in (b"simple", b"relaxed"):
                for b in (b"simple", b"relaxed"):
                    add(f"{alg.decode()} {h.decode()}/{b.decode()}", sel, alg, (h, b))
            add(f"{alg.decode()} relaxed/relaxed l=", sel, alg, (b"relaxed", b"relaxed"), length=True)
        add("rsa-sha1", "rsa", b"rsa-sha1", (b"relaxed", b"relaxed"))
        add("rsa-sha256 512-bit", "short", b"rsa-sha256", (b"relaxed", b"relaxed"))
        print(json.dumps({"records": records, "cases": cases}))
        """#

    /// Verifies every signature of argv[1] (base64 message) with the records in argv[2] (JSON);
    /// prints one "pass"/"fail" per signature.
    static let verifyScript = #"""
        import base64, json, sys, dkim
        msg = base64.b64decode(sys.argv[1])
        records = json.loads(sys.argv[2])
        def dnsfunc(name, timeout=5):
            return records.get(name.decode().rstrip("."), "").encode() or None
        d = dkim.DKIM(msg)
        count = len([h for h in d.headers if h[0].lower() == b"dkim-signature"])
        def check(i):
            try: return "pass" if d.verify(idx=i, dnsfunc=dnsfunc) else "fail"
            except dkim.DKIMException: return "fail"  # dkimpy raises for some failures (body hash)
        print(" ".join(check(i) for i in range(count)))
        """#

    struct Signed: Decodable {
        struct Case: Decodable { var name: String; var message: String }
        var records: [String: String]
        var cases: [Case]
    }

    static func dkimpySigned(_ message: [UInt8]) async throws -> Signed {
        let output = try await runPython(signScript, arguments: [Data(message).base64EncodedString()])
        return try JSONDecoder().decode(Signed.self, from: Data(output.utf8))
    }

    static func dkimpyVerify(_ message: [UInt8], records: [String: String]) async throws -> [String] {
        let json = String(decoding: try JSONEncoder().encode(records), as: UTF8.self)
        let output = try await runPython(verifyScript, arguments: [Data(message).base64EncodedString(), json])
        return output.split(whereSeparator: \.isWhitespace).map(String.init)
    }

    @Test func signaturesMadeByDkimpyVerifyInHato() async throws {
        // A body with trailing spaces, tabs and empty lines so the canonicalizations differ.
        let message = crlf(String(decoding: sampleMessage(bodyLines: 5), as: UTF8.self) + "trailing \t \n\n\n")
        let signed = try await Self.dkimpySigned(message)
        #expect(signed.cases.count == 12)
        for item in signed.cases {
            let bytes = Array(Data(base64Encoded: item.message)!)
            let results = try await verify(bytes, records: signed.records)
            try #require(results.count == 1, "\(item.name)")
            let result = results[0]
            switch item.name {
            case "rsa-sha1":
                #expect(result.result == .fail, "\(item.name)")
                #expect(result.reason == "rsa-sha1 is not accepted (RFC 8301 §3.1)")
            case "rsa-sha256 512-bit":
                #expect(result.result == .fail, "\(item.name)")
                #expect(result.keyBits == 512)
                #expect(result.reason == "RSA key of 512 bits is under 1024 (RFC 8301 §3.2)")
            default:
                #expect(result.result == .pass, "\(item.name): \(result.reason ?? "")")
                if item.name.hasSuffix("l=") {
                    #expect(result.bodyLength != nil)
                    // Appending to an l= message keeps it passing, but flagged.
                    let appended = bytes + crlf("Appended by someone else\n")
                    let later = try await verify(appended, records: signed.records)[0]
                    #expect(later.result == .pass)
                    #expect(later.bodyPartiallySigned)
                    #expect(later.reason?.contains("l= signs") == true)
                } else {
                    // Tampering with the body breaks it.
                    let tampered = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "Line 3", with: "Line 9").utf8)
                    #expect(try await verify(tampered, records: signed.records)[0].result == .fail, "\(item.name)")
                }
            }
        }
    }

    @Test func signaturesMadeByHatoVerifyWithDkimpy() async throws {
        let rsa = try DKIMPrivateKey.generate(.rsa)
        let ed = try DKIMPrivateKey.generate(.ed25519)
        let records = ["rsa._domainkey.example.com": rsa.keyRecord, "ed._domainkey.example.com": ed.keyRecord]
        for canonicalization in [DKIMCanonicalizationPair.relaxedRelaxed, DKIMCanonicalizationPair(header: .simple, body: .simple)] {
            let signer = DKIMSigner(keys: [DKIMSigningKey(domain: "example.com", selector: "rsa", privateKey: rsa),
                                           DKIMSigningKey(domain: "example.com", selector: "ed", privateKey: ed)],
                                    canonicalization: canonicalization)
            let signed = try signer.sign(sampleMessage(), now: Date())
            #expect(try await Self.dkimpyVerify(signed, records: records) == ["pass", "pass"], "\(canonicalization)")
            let tamperedBody = Array(String(decoding: signed, as: UTF8.self).replacingOccurrences(of: "Line 3", with: "Line 9").utf8)
            #expect(try await Self.dkimpyVerify(tamperedBody, records: records) == ["fail", "fail"])
            let tamperedHeader = Array(String(decoding: signed, as: UTF8.self)
                .replacingOccurrences(of: "Subject: Quarterly", with: "Subject: Yearly").utf8)
            #expect(try await Self.dkimpyVerify(tamperedHeader, records: records) == ["fail", "fail"])
        }
    }
}
