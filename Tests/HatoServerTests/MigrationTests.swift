import Foundation
@testable import HatoServer
import HatoTesting
import MailStore
import ServerRuntime
import Testing

@Suite struct MboxTests {
    static let date = Date(timeIntervalSince1970: 1_700_000_000)

    @Test func roundTripsWithFromQuoting() {
        let body = Array("Return-Path: <bob@example.test>\r\nSubject: hi\r\n\r\nFrom the start\r\n>From quoted\r\n>>From twice\r\nend\r\n".utf8)
        let other = Array("Subject: two\r\n\r\n\r\n".utf8)
        let messages = [MigratedMessage(bytes: body, flags: MessageFlags(), internalDate: Self.date),
                        MigratedMessage(bytes: other, flags: MessageFlags(), internalDate: Self.date)]
        let file = Mbox.write(messages, returnPaths: ["<bob@example.test>", nil])
        let text = String(decoding: file, as: UTF8.self)
        #expect(text.hasPrefix("From bob@example.test Tue Nov 14 22:13:20 2023\r\n"))
        #expect(text.contains("\r\n>From the start\r\n>>From quoted\r\n>>>From twice\r\n"))
        #expect(text.contains("From MAILER-DAEMON Tue Nov 14 22:13:20 2023\r\n"))
        let read = Mbox.read(file)
        #expect(read.map(\.bytes) == [body, other])
        #expect(read.map(\.internalDate) == [Self.date, Self.date])
    }

    @Test func readsUnixMboxWithFlags() {
        let file = """
            From alice@example.test Sat Jan  3 01:05:34 1996
            Status: RO
            X-Status: AF
            X-Keywords: $Label1 work
            Subject: one

            body
            >From escaped

            From bob@example.test Sat Jan  3 01:05:35 1996
            Subject: two

            second

            """
        let messages = Mbox.read(Array(file.utf8))
        #expect(messages.count == 2)
        #expect(messages[0].flags.system == [.seen, .answered, .flagged])
        #expect(messages[0].flags.keywords == ["$Label1", "work"])
        #expect(String(decoding: messages[0].bytes, as: UTF8.self).hasSuffix("body\r\nFrom escaped\r\n"))
        #expect(messages[1].flags == MessageFlags())
        #expect(messages[1].bytes == Array("Subject: two\r\n\r\nsecond\r\n".utf8))
        #expect(messages[0].internalDate == Date(timeIntervalSince1970: 820_631_134))
    }
}

@Suite struct MaildirTests {
    @Test func roundTripsFlagsKeywordsAndDates() throws {
        let directory = try TemporaryDirectory(prefix: "hato-maildir")
        let date = Date(timeIntervalSince1970: 1_600_000_000)
        let messages = [
            MigratedMessage(bytes: Array("Subject: a\r\n\r\nA\r\n".utf8), flags: MessageFlags(names: ["\\Seen", "\\Answered", "Work"]), internalDate: date),
            MigratedMessage(bytes: Array("Subject: b\r\n\r\nB\r\n".utf8), flags: MessageFlags(names: ["\\Flagged", "\\Draft", "\\Deleted"]), internalDate: date.addingTimeInterval(60)),
        ]
        try Maildir.write(messages, to: directory.url, hostname: "mx/1", uids: [1, 2], uidValidity: 7)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.url.appendingPathComponent("cur").path).sorted()
        #expect(names.first?.hasSuffix(":2,RSa") == true)
        #expect(names.last?.hasSuffix(":2,DFT") == true)
        #expect(try String(contentsOf: directory.url.appendingPathComponent("dovecot-keywords"), encoding: .utf8) == "0 Work\n")
        #expect(try Maildir.read(directory.url) == messages)
    }

    @Test func newMessagesAreUnseenAndLFBecomesCRLF() throws {
        let directory = try TemporaryDirectory(prefix: "hato-maildir")
        for sub in ["cur", "new", "tmp"] {
            try FileManager.default.createDirectory(at: directory.url.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try Data("Subject: n\n\nnew mail\n".utf8).write(to: directory.url.appendingPathComponent("new/1700000000.M1P2.host"))
        let read = try Maildir.read(directory.url)
        #expect(read.count == 1)
        #expect(read[0].flags == MessageFlags())
        #expect(read[0].bytes == Array("Subject: n\r\n\r\nnew mail\r\n".utf8))
    }

    @Test func refusesFoldersThatAreNotMaildirs() throws {
        let directory = try TemporaryDirectory(prefix: "hato-maildir")
        #expect(throws: MigrationError.self) { try Maildir.read(directory.url) }
    }
}

@Suite struct TLSSetupTests {
    @Test func generatesALoadableSelfSignedCertificateOnce() throws {
        let directory = try TemporaryDirectory(prefix: "hato-tls")
        let cert = directory.url.appendingPathComponent("tls/cert.pem"), key = directory.url.appendingPathComponent("tls/key.pem")
        #expect(try DevelopmentCertificate.ensure(certificate: cert, key: key, hostname: "mail.example.test"))
        #expect(try !DevelopmentCertificate.ensure(certificate: cert, key: key, hostname: "mail.example.test"))
        let attributes = try FileManager.default.attributesOfItem(atPath: key.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let path = directory.url.appendingPathComponent("hato.toml")
        try "data_dir = \"\(directory.path)\"\nhostname = \"mail.example.test\"\n".write(to: path, atomically: true, encoding: .utf8)
        let material = try TLSSetup.prepare(try ConfigLoader.load(file: path.path, environment: [:]).settings)
        #expect(material.certificate == cert)
        #expect(!material.generated)
    }
}
