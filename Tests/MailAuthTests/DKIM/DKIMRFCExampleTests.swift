import Foundation
import Testing
@testable import MailAuth

/// The worked examples of RFC 8463 Appendix A and RFC 6376 Appendices A and C.
@Suite struct DKIMRFCExampleTests {
    static let rfc8463Records = [
        "brisbane._domainkey.football.example.com": "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
        "test._domainkey.football.example.com": "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
            + "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC"
            + "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3"
            + "Ip3G+2kryOTIKT+l/K4w3QIDAQAB",
    ]

    static let rfc8463Message = crlf("""
        DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;
         d=football.example.com; i=@football.example.com;
         q=dns/txt; s=brisbane; t=1528637909; h=from : to :
         subject : date : message-id : from : subject : date;
         bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;
         b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus
         Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==
        DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;
         d=football.example.com; i=@football.example.com;
         q=dns/txt; s=test; t=1528637909; h=from : to : subject :
         date : message-id : from : subject : date;
         bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;
         b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3
         DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz
         dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=

        """ + rfcExampleMessage)

    @Test func rfc8463BothSignaturesVerify() async throws {
        let results = try await verify(Self.rfc8463Message, records: Self.rfc8463Records)
        #expect(results.map(\.result) == [.pass, .pass])
        #expect(results.map(\.algorithm) == ["ed25519-sha256", "rsa-sha256"])
        #expect(results.map(\.selector) == ["brisbane", "test"])
        #expect(results.map(\.domain) == ["football.example.com", "football.example.com"])
        #expect(results.map(\.keyBits) == [256, 1024])
        #expect(results[0].headerB == "/gCrinpc")
        #expect(results[1].headerB == "F45dVWDf")
        // The example over-signs From, Subject and Date; To and Message-ID appear once and are signed once.
        #expect(results[0].underSignedHeaders.isEmpty)
    }

    @Test func rfc8463TamperedMessageFailsBoth() async throws {
        var text = String(decoding: Self.rfc8463Message, as: UTF8.self)
        text = text.replacingOccurrences(of: "Are you hungry yet?", with: "Are you hungry now?")
        let results = try await verify(Array(text.utf8), records: Self.rfc8463Records)
        #expect(results.map(\.result) == [.fail, .fail])
        #expect(results.allSatisfy { $0.reason == "body hash did not verify" })

        var header = String(decoding: Self.rfc8463Message, as: UTF8.self)
        header = header.replacingOccurrences(of: "Subject: Is dinner ready?", with: "Subject: Is lunch ready?")
        let headerResults = try await verify(Array(header.utf8), records: Self.rfc8463Records)
        #expect(headerResults.map(\.result) == [.fail, .fail])
        #expect(headerResults.allSatisfy { $0.reason == "signature did not verify" })
    }

    @Test func rfc8463SecretKeySignsWhatItsPublicKeyVerifies() async throws {
        // A.1's Ed25519 secret key (RFC 8032 §7.1 test 1) must correspond to A.2's p=.
        let seed = Data(base64Encoded: "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=")!
        let key = DKIMPrivateKey.ed25519(try .init(rawRepresentation: seed))
        #expect(key.keyRecord == "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
        let signer = DKIMSigner(keys: [DKIMSigningKey(domain: "football.example.com", selector: "brisbane", privateKey: key)])
        let signed = try signer.sign(crlf(rfcExampleMessage), now: Date(timeIntervalSince1970: 1_528_637_909))
        let results = try await verify(signed, records: Self.rfc8463Records, now: Date(timeIntervalSince1970: 1_528_637_999))
        #expect(results.map(\.result) == [.pass])
    }

    static let appendixCPrivateKey = """
        -----BEGIN RSA PRIVATE KEY-----
        MIICXwIBAAKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2SnFC
        jxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gb
        to/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB
        AoGBALmn+XwWk7akvkUlqb+dOxyLB9i5VBVfje89Teolwc9YJT36BGN/l4e0l6QX
        /1//6DWUTB3KI6wFcm7TWJcxbS0tcKZX7FsJvUz1SbQnkS54DJck1EZO/BLa5ckJ
        gAYIaqlA9C0ZwM6i58lLlPadX/rtHb7pWzeNcZHjKrjM461ZAkEA+itss2nRlmyO
        n1/5yDyCluST4dQfO8kAB3toSEVc7DeFeDhnC1mZdjASZNvdHS4gbLIA1hUGEF9m
        3hKsGUMMPwJBAPW5v/U+AWTADFCS22t72NUurgzeAbzb1HWMqO4y4+9Hpjk5wvL/
        eVYizyuce3/fGke7aRYw/ADKygMJdW8H/OcCQQDz5OQb4j2QDpPZc0Nc4QlbvMsj
        7p7otWRO5xRa6SzXqqV3+F0VpqvDmshEBkoCydaYwc2o6WQ5EBmExeV8124XAkEA
        qZzGsIxVP+sEVRWZmW6KNFSdVUpk3qzK0Tz/WjQMe5z0UunY9Ax9/4PVhp/j61bf
        eAYXunajbBSOLlx4D+TunwJBANkPI5S9iylsbLs6NkaMHV6k5ioHBBmgCak95JGX
        GMot/L2x0IYyMLAz6oLWh2hm7zwtb0CgOrPo1ke44hFYnfc=
        -----END RSA PRIVATE KEY-----
        """

    static let appendixCRecord = "v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQ"
        + "KBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYt"
        + "IxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v"
        + "/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhi"
        + "tdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB"

    static let appendixAMessage = crlf("""
        DKIM-Signature: v=1; a=rsa-sha256; s=brisbane; d=example.com;
             c=simple/simple; q=dns/txt; i=joe@football.example.com;
             h=Received : From : To : Subject : Date : Message-ID;
             bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;
             b=AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB
               4nujc7YopdG5dWLSdNg6xNAZpOPr+kHxt1IrE+NahM6L/LbvaHut
               KVdkLLkpVaVVQPzeRDI009SO2Il5Lu7rDNH6mZckBdrIx0orEtZV
               4bmp/YzhwvcubU4=;
        Received: from client1.football.example.com  [192.0.2.1]
             by submitserver.example.com with SUBMISSION;
             Fri, 11 Jul 2003 21:01:54 -0700 (PDT)

        """ + rfcExampleMessage)

    @Test func rfc6376AppendixAIsReadButItsPublishedBodyHashIsTheRelaxedOne() async throws {
        // The example says c=simple/simple, but its bh= is the hash of the relaxed body (the two
        // spaces in "game.  Are" collapse): no implementation verifies it, dkimpy included. We
        // read every tag, find the body hash mismatch, and confirm what the printed bh= is.
        let results = try await verify(Self.appendixAMessage, records: ["brisbane._domainkey.example.com": Self.appendixCRecord])
        #expect(results.count == 1)
        #expect(results[0].result == .fail)
        #expect(results[0].reason == "body hash did not verify")
        #expect(results[0].identity == "joe@football.example.com")
        #expect(results[0].keyBits == 1024)
        let body = DKIMMessage(Self.appendixAMessage).body
        #expect(base64(DKIMHashing.bodyHash(body, canonicalization: .relaxed).hash) == "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=")
    }

    @Test func appendixCKeySignsAppendixAMessage() async throws {
        let key = try DKIMPrivateKey(pem: Self.appendixCPrivateKey, type: .rsa)
        for canonicalization in [DKIMCanonicalizationPair(header: .simple, body: .simple), .relaxedRelaxed] {
            let signer = DKIMSigner(keys: [DKIMSigningKey(domain: "example.com", selector: "brisbane", privateKey: key)],
                                    canonicalization: canonicalization)
            let signed = try signer.sign(crlf(rfcExampleMessage), now: Date())
            let results = try await verify(signed, records: ["brisbane._domainkey.example.com": Self.appendixCRecord])
            #expect(results.map(\.result) == [.pass], "\(canonicalization)")
        }
    }
}
