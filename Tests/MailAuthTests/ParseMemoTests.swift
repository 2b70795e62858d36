import Foundation
import Testing
@testable import MailAuth

/// The remembered parses (ParseMemo.swift) give what parsing the text again gives, including
/// its error, on the first call and on every later one, and stay within their bound.
@Suite struct ParseMemoTests {
    @Test func theMemoIsBoundedAndAnswersWhatItParsed() {
        let memo = ParseMemo<Int, String>(capacity: 4)
        var parses = 0
        for round in 0..<3 {
            for key in 0..<10 {
                let value = memo.value(key) { key in parses += 1; return "v\(key)" }
                #expect(value == "v\(key)")
                #expect(memo.count <= 4, "round \(round)")
            }
        }
        #expect(parses == 30, "ten keys through four places: every lookup misses")
        parses = 0
        for _ in 0..<5 { _ = memo.value(42) { _ in parses += 1; return "x" } }
        #expect(parses == 1, "a key kept is parsed once")
    }

    static let signatures = [
        "v=1; a=rsa-sha256; c=relaxed/relaxed; d=Example.COM; s=sel; h=From:To:Subject; bh=MTIz; b=YWJj\r\n\t ZGVm; t=1700000000",
        "v=1; a=ed25519-sha256; d=example.com; i=user@sub.example.com; s=s1.s2; h=from; bh=MTIz; b=YWJj; l=10; q=dns/txt;",
        "v=1; a=rsa-sha1; d=example.com; s=s; h=from; bh=MTIz; b=YWJj",
        "v=2; a=rsa-sha256; d=example.com; s=s; h=from; bh=MTIz; b=YWJj",
        "v=1; a=rsa-sha256; d=example.com; s=s; h=to; bh=MTIz; b=YWJj",
        "v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=MTIz; b=!!!",
        "v=1; v=1", "", "garbage", "v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=MTIz; b=YWJj; x=5; t=10",
    ]

    @Test(arguments: signatures)
    func signaturesParseAsBefore(_ text: String) {
        let bytes = Array(text.utf8)
        let direct = Result { () throws(DKIMSignatureError) in try DKIMSignature(value: bytes) }
        for _ in 0..<2 {
            let remembered = Result { () throws(DKIMSignatureError) in try DKIMSignature.parsed(value: bytes[...]) }
            #expect(remembered == direct)
        }
    }

    @Test func keyRecordsParseAsBefore() {
        let texts = ["v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", "v=DKIM1; p=", "k=ed25519; p=YWJj; t=y:s; h=sha256",
                     "p=YWJj; v=DKIM1", "v=DKIM1; k=dsa; p=YWJj", "v=DKIM1", "p=!!!", "s=email:*; p=YW Jj"]
        for text in texts {
            let direct = Result { () throws(DKIMKeyRecordError) in try DKIMKeyRecord(text) }
            for _ in 0..<2 {
                #expect(Result { () throws(DKIMKeyRecordError) in try DKIMKeyRecord.parsed(text) } == direct, "\(text)")
            }
        }
    }

    @Test func spfRecordsParseAsBefore() {
        let texts = ["v=spf1 ip4:127.0.0.0/8 -all", "v=spf1 include:_spf.example.com ~all", "v=spf1 redirect=a.example redirect=b.example",
                     "v=spf1 a/24 mx:%{d}/16 exists:%{i}.bl.example exp=explain.%{d} ?all", "v=spf1 bad!term", "v=spf10", "spf1 -all",
                     "v=spf1  ip6:2001:db8::/32   +all "]
        for text in texts {
            let direct = Result { () throws(SPFSyntaxError) in try SPFRecord.parse(text) }
            for _ in 0..<2 {
                #expect(Result { () throws(SPFSyntaxError) in try SPFRecord.parsed(text) } == direct, "\(text)")
            }
        }
    }

    /// RFC 9989 §4.10 steps 1-2, as the tree walk did it before the memo.
    @Test func dmarcRecordsAreSelectedAsBefore() {
        let rrsets: [[String]] = [
            [], ["v=DMARC1; p=reject"], ["v=spf1 -all", "v=DMARC1; p=none; rua=mailto:a@b.example"],
            ["v=DMARC1; p=reject", "v=DMARC1; p=none"], ["v=DMARC1; p=none; p=reject"], ["v=DMARC1 p=reject"],
            ["V=DMARC1; p=reject"], [" v = DMARC1 ; p = quarantine ; pct=5; sp=reject; adkim=s"], ["v=DMARC1;p=reject;"],
        ]
        for texts in rrsets {
            let records = texts.filter(DMARCRecord.isDMARC)
            let expected = records.count == 1 ? try? DMARCRecord(parsing: records[0]) : nil
            for _ in 0..<2 { #expect(DMARCRecord.selected(from: texts) == expected, "\(texts)") }
        }
    }
}
