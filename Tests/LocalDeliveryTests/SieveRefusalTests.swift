import Foundation
import HatoTesting
import LocalDelivery
import MailCore
import MailMessage
import MailStore
import MailStoreSQLite
import SieveProtocol
import Testing

/// RFC 5429 refusal in the transaction (`deliverOrRefuse`) and RFC 5235's inputs at delivery:
/// `Hato-Risk` from the message, filter fields only when a milter vouched for them.
@Suite struct SieveRefusalTests {
    let directory = try! TemporaryDirectory(prefix: "hato-sieve-refusal")

    func setUp(_ scripts: [String: String]) async throws -> (SQLiteMailStore, LocalDelivery) {
        let store = try SQLiteMailStore(directory: directory.url)
        try await store.addDomain(try Domain("example.test"))
        for user in ["bob", "carol"] {
            let account = try await store.addAccount(try EmailAddress("\(user)@example.test"), credentials: [], quota: .unlimited)
            if let script = scripts[user] {
                try await store.putSieveScript(of: account.id, name: "main", source: script, at: Date())
                try await store.activateSieveScript(of: account.id, named: "main")
            }
        }
        return (store, LocalDelivery(store: store, sieve: SieveFilter(store: store)))
    }

    func request(_ store: SQLiteMailStore, _ message: String, to: [String], filterFields: [FilterField] = []) async throws -> DeliveryRequest {
        var recipients: [AcceptedRecipient] = []
        for to in to {
            let address = try EmailAddress(to)
            recipients.append(AcceptedRecipient(address: address, resolution: try await store.resolveRecipient(address)))
        }
        var request = DeliveryRequest(mailFrom: try EmailAddress("alice@remote.test"), recipients: recipients, traceHeaders: "",
                                      message: Array(message.replacingOccurrences(of: "\n", with: "\r\n").utf8))
        request.filterFields = filterFields
        return request
    }

    func count(_ store: SQLiteMailStore, _ user: String, _ mailbox: String = "INBOX") async throws -> Int {
        let account = try #require(try await store.account(try EmailAddress("\(user)@example.test")))
        guard let box = try await store.mailbox(of: account.id, named: mailbox) else { return 0 }
        return try await store.messages(in: box.id).count
    }

    static let reject = """
        require ["ereject", "reject", "vacation", "duplicate"];
        if duplicate { discard; stop; }
        if header :contains "subject" "spam" { ereject "No spam,\r\n\tthanks."; }
        if header :contains "subject" "請求" { reject "請求書は不要"; }
        if header :contains "subject" "迷惑" { ereject "迷惑です"; }
        """

    @Test func everyRecipientRejects() async throws {
        let (store, delivery) = try await setUp(["bob": Self.reject, "carol": Self.reject])
        let spam = "From: a@remote.test\nSubject: spam\nMessage-ID: <s1@remote.test>\n\nx\n"
        guard case .refused(let refusal) = await delivery.deliverOrRefuse(try await request(store, spam, to: ["bob@example.test", "carol@example.test"])) else {
            Issue.record("not refused"); return
        }
        #expect(refusal.text == "No spam, thanks.")
        #expect(try await count(store, "bob") == 0)
        #expect(try await store.queuedMessages().isEmpty)
        // Nothing was recorded either: the same Message-ID is not a duplicate the next time.
        guard case .refused = await delivery.deliverOrRefuse(try await request(store, spam, to: ["bob@example.test"])) else {
            Issue.record("the refused message was tracked as a duplicate"); return
        }
        // An ereject with a reason SMTP cannot carry: the generic text.
        guard case .refused(let generic) = await delivery.deliverOrRefuse(try await request(store, "Subject: 迷惑\n\nx\n", to: ["bob@example.test"])) else {
            Issue.record("not refused"); return
        }
        #expect(generic.text == SieveRefusal.genericText)
        try await store.close()
    }

    @Test func oneRecipientKeepsOrTheReasonNeedsAMessage() async throws {
        let (store, delivery) = try await setUp(["bob": Self.reject])
        let both = try await request(store, "Subject: spam\n\nx\n", to: ["bob@example.test", "carol@example.test"])
        guard case .delivered = await delivery.deliverOrRefuse(both) else { Issue.record("refused"); return }
        #expect(try await count(store, "carol") == 1)
        #expect(try await count(store, "bob") == 0)
        #expect(try await store.queuedMessages().count == 1, "bob's rejection goes back as a message")
        // reject (not ereject) with a Japanese reason: a message carries it (RFC 5429 §2.1).
        guard case .delivered = await delivery.deliverOrRefuse(try await request(store, "Subject: 請求\n\nx\n", to: ["bob@example.test"])) else {
            Issue.record("refused"); return
        }
        #expect(try await store.queuedMessages().count == 2)
        // deliver() never refuses: the rejection is a message.
        _ = await delivery.deliver(try await request(store, "Subject: spam\n\nx\n", to: ["bob@example.test"]))
        #expect(try await store.queuedMessages().count == 3)
        try await store.close()
    }

    @Test func spamtestReadsOnlyWhatHatoWrote() async throws {
        let script = """
            require ["spamtest", "virustest", "relational", "comparator-i;ascii-numeric", "fileinto", "mailbox", "variables"];
            if spamtest :matches "*" { set "s" "${1}"; }
            if virustest :matches "*" { set "v" "${1}"; }
            fileinto :create "s${s}-v${v}";
            """
        let (store, delivery) = try await setUp(["bob": script])
        let forged = "Subject: x\nX-Spamd-Result: default: True [30.00 / 15.00]\nX-Virus-Status: Infected (Forged)\n\nx\n"
        _ = await delivery.deliver(try await request(store, forged, to: ["bob@example.test"]))
        #expect(try await count(store, "bob", "s0-v0") == 1, "fields no milter wrote are not read")
        _ = await delivery.deliver(try await request(store, forged, to: ["bob@example.test"], filterFields: [
            FilterField(name: "X-Spamd-Result", value: "default: True [30.00 / 15.00]"), FilterField(name: "X-Virus-Status", value: "Infected (Forged)"),
        ]))
        #expect(try await count(store, "bob", "s10-v5") == 1, "a milter's fields are")
        // A milter's field the message no longer carries with that value is not read.
        _ = await delivery.deliver(try await request(store, forged, to: ["bob@example.test"], filterFields: [FilterField(name: "X-Virus-Status", value: "Clean")]))
        #expect(try await count(store, "bob", "s0-v0") == 2)
        let risky = "Hato-Risk: verdict=suspicious; score=6; signals=executable-attachment,first-contact\nSubject: x\n\nx\n"
        _ = await delivery.deliver(try await request(store, risky, to: ["bob@example.test"]))
        #expect(try await count(store, "bob", "s6-v4") == 1)
        try await store.close()
    }

    /// RFC 5429 §2.1.1 with RFC 8098 and RFC 6522: the rejection message is an MDN, "deleted".
    @Test func rejectionMessageIsAnMDN() async throws {
        let (store, delivery) = try await setUp(["bob": Self.reject])
        let original = "From: a@remote.test\nSubject: =?UTF-8?B?6KuL5rGC5pu4?=\nMessage-ID: <r1@remote.test>\n\nx\n"
        _ = await delivery.deliver(try await request(store, original, to: ["bob@example.test"]))
        let queued = try #require(try await store.queuedMessages().first)
        #expect(queued.mailFrom == nil && queued.recipients.map(\.address.description) == ["alice@remote.test"])
        let mdn = MIMEMessage(parsing: try await store.readBody(queued.body))
        #expect(mdn.root.contentType.mimeType == "multipart/report")
        #expect(mdn.root.contentType.parameter("report-type") == "disposition-notification")
        #expect(mdn.header.subject == "Rejected: 請求書")
        #expect(mdn.header["Auto-Submitted"]?.hasPrefix("auto-replied") == true)
        let parts = mdn.root.allParts.filter(\.isLeaf)
        #expect(parts.map(\.contentType.mimeType) == ["text/plain", "message/disposition-notification", "text/rfc822-headers"])
        #expect(mdn.text(of: parts[0])?.text.contains("請求書は不要") == true, "the reason, decoded from base64")
        let report = String(decoding: mdn.decodedBody(of: parts[1]), as: UTF8.self)
        #expect(report.contains("Final-Recipient: rfc822; bob@example.test\r\n"))
        #expect(report.contains("Original-Message-ID: <r1@remote.test>\r\n"))
        #expect(report.contains("Disposition: automatic-action/MDN-sent-automatically; deleted\r\n"))
        #expect(String(decoding: mdn.decodedBody(of: parts[2]), as: UTF8.self).contains("Message-ID: <r1@remote.test>"))
        try await store.close()
    }

    /// Each script runs once: a vacation beside a rejecting recipient is answered once.
    @Test func sideEffectsHappenOnce() async throws {
        let vacation = #"require "vacation"; vacation :days 1 "away";"#
        let (store, delivery) = try await setUp(["bob": Self.reject, "carol": vacation])
        let message = "From: a@remote.test\nTo: bob@example.test, carol@example.test\nSubject: spam\nMessage-ID: <v1@remote.test>\n\nx\n"
        guard case .delivered = await delivery.deliverOrRefuse(try await request(store, message, to: ["bob@example.test", "carol@example.test"])) else {
            Issue.record("refused"); return
        }
        let queued = try await store.queuedMessages()
        #expect(queued.count == 2, "one rejection (bob) and one vacation response (carol)")
        #expect(try await count(store, "carol") == 1)
        try await store.close()
    }

    /// A script that does not compile (INBOX) keeps the message from being refused.
    @Test func aFailedScriptKeepsTheMessage() async throws {
        let (store, delivery) = try await setUp(["bob": Self.reject, "carol": #"require "fileinto"; fileinto;"#])
        guard case .delivered = await delivery.deliverOrRefuse(try await request(store, "Subject: spam\n\nx\n", to: ["bob@example.test", "carol@example.test"])) else {
            Issue.record("refused although carol's script does not run"); return
        }
        #expect(try await count(store, "carol") == 1)
        try await store.close()
    }
}
