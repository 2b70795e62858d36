import Testing
@testable import MailAuth

@Suite struct DMARCRecordTests {
    @Test func everyTagParses() throws {
        let record = try DMARCRecord(parsing:
            "v=DMARC1; p=quarantine; sp=reject; np=none; adkim=s; aspf=s; t=y; psd=n; rua=mailto:agg@example.com!10m, mailto:b@example.net; ruf=mailto:f@example.com; fo=d:s:1")
        #expect(record.policy == .quarantine)
        #expect(record.subdomainPolicy == .reject)
        #expect(record.nonexistentPolicy == DMARCPolicy.none)
        #expect(record.dkimAlignment == .strict)
        #expect(record.spfAlignment == .strict)
        #expect(record.testing)
        #expect(record.psd == .no)
        #expect(record.aggregateReportURIs == ["mailto:agg@example.com", "mailto:b@example.net"])
        #expect(record.failureReportURIs == ["mailto:f@example.com"])
        #expect(record.failureOptions == ["d", "s", "1"])
        #expect(record.problems.isEmpty)
        #expect(!record.hasInvalidPolicyTag)
    }

    @Test func defaultsWhenTagsAreAbsent() throws {
        let record = try DMARCRecord(parsing: "v=DMARC1;p=reject;")
        #expect(record.policy == .reject)
        #expect(record.subdomainPolicy == nil)
        #expect(record.dkimAlignment == .relaxed)
        #expect(record.spfAlignment == .relaxed)
        #expect(!record.testing)
        #expect(record.psd == .unknown)
        #expect(record.failureOptions == ["0"])
    }

    @Test func whitespaceAroundSeparatorsAndEquals() throws {
        let record = try DMARCRecord(parsing: "v = DMARC1 ;\tp = reject ; adkim\t=\ts ;")
        #expect(record.policy == .reject)
        #expect(record.dkimAlignment == .strict)
    }

    /// §4.7 v: MUST be first, case-sensitive "DMARC1", else the whole record is ignored.
    @Test(arguments: ["p=reject; v=DMARC1", "v=dmarc1; p=reject", "v=DMARC2; p=reject", "p=reject", "", "v=DMARC1x; p=none"])
    func recordsThatAreNotDMARC(_ text: String) {
        #expect(!DMARCRecord.isDMARC(text))
        #expect(throws: DMARCRecord.ParseError.notDMARC) { try DMARCRecord(parsing: text) }
    }

    /// §4.8: unknown tags are ignored; a bad value falls back to the default.
    @Test func badValuesFallBackToDefaults() throws {
        let record = try DMARCRecord(parsing: "v=DMARC1; p=reject; adkim=x; aspf=relaxed; t=yes; psd=maybe; fo=0:1; future=thing")
        #expect(record.policy == .reject)
        #expect(record.dkimAlignment == .relaxed)
        #expect(record.spfAlignment == .relaxed)
        #expect(!record.testing)
        #expect(record.psd == .unknown)
        #expect(record.failureOptions == ["0"])
        #expect(record.problems.count == 5)
    }

    /// §4.10.1: an invalid p (or sp/np) is flagged for the rua rule.
    @Test func invalidPolicyTagsAreFlagged() throws {
        let badP = try DMARCRecord(parsing: "v=DMARC1; p=block; rua=mailto:a@example.com")
        #expect(badP.policy == nil)
        #expect(badP.hasInvalidPolicyTag)
        let badSP = try DMARCRecord(parsing: "v=DMARC1; p=reject; sp=maybe")
        #expect(badSP.policy == .reject)
        #expect(badSP.hasInvalidPolicyTag)
        let noP = try DMARCRecord(parsing: "v=DMARC1; rua=mailto:a@example.com")
        #expect(noP.policy == nil)
        #expect(!noP.hasInvalidPolicyTag)
    }

    /// RFC 6376 §3.2 (the tag-value syntax DMARC uses): a duplicated tag invalidates the list.
    @Test func duplicateTagsInvalidateTheRecord() {
        #expect(throws: DMARCRecord.ParseError.duplicateTag("p")) { try DMARCRecord(parsing: "v=DMARC1; p=none; p=reject") }
        #expect(throws: DMARCRecord.ParseError.malformedTag("p")) { try DMARCRecord(parsing: "v=DMARC1; p; sp=none") }
        #expect(throws: DMARCRecord.ParseError.malformedTag("a-b=c")) { try DMARCRecord(parsing: "v=DMARC1; a-b=c") }
    }

    @Test func reportURIs() {
        #expect(DMARCRecord.uriList("mailto:a@example.com!50k,https://r.example/x") == ["mailto:a@example.com", "https://r.example/x"])
        #expect(DMARCRecord.uriSizeLimits("mailto:a@example.com!50k, https://r.example/x, mailto:b@example.com!5q") == ["mailto:a@example.com": "50k"])
        #expect(DMARCRecord.uriList("not a uri, mailto:x@example.com!5q, :nothing") == [])
        #expect(DMARCRecord.failureOptions("s:d") == ["s", "d"])
        #expect(DMARCRecord.failureOptions("d:d") == nil)
        #expect(DMARCRecord.failureOptions("2") == nil)
    }
}
