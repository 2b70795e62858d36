import NIOCore
import SMTPProtocol
import Testing

/// RFC 5321 §4.1.2-§4.1.3 mailboxes, through RCPT TO (forward-path) unless noted.
@Suite struct AddressGrammarTests {
    private func recipient(_ path: String, utf8: Bool = false) throws(SMTPError) -> SMTPForwardPath {
        guard case .rcpt(let forward, _) = try parse("RCPT TO:\(path)", utf8: utf8) else { throw .commandUnrecognized }
        return forward
    }

    private func mailboxOf(_ path: String, utf8: Bool = false) throws -> SMTPMailbox {
        guard case .path(let p) = try recipient(path, utf8: utf8) else { throw SMTPError.commandUnrecognized }
        return p.mailbox
    }

    @Test func dotStringLocalParts() throws {
        #expect(try mailboxOf("<first.last@example.org>").localPart == "first.last")
        #expect(try mailboxOf("<!#$%&'*+-/=?^_`{|}~@example.org>").localPart == "!#$%&'*+-/=?^_`{|}~")
        #expect(try mailboxOf("<user+tag@example.org>").localPart == "user+tag")
    }

    /// Classic relay tricks parse; the local-part and host are reported exactly, for the session's
    /// relay check to judge (percent hack, bang path, quoted "@", IP literal, case variants).
    @Test func relayTricksAreReportedFaithfully() throws {
        #expect(try mailboxOf("<user%other.example@local.example>") == mailbox("user%other.example", "local.example"))
        #expect(try mailboxOf("<other.example!user@local.example>") == mailbox("other.example!user", "local.example"))
        #expect(try mailboxOf("<\"user@other.example\"@local.example>") == mailbox("user@other.example", "local.example"))
        #expect(try mailboxOf("<user@[192.0.2.7]>") == SMTPMailbox(localPart: "user", host: .addressLiteral(.ipv4([192, 0, 2, 7]))))
        #expect(try mailboxOf("<User@LOCAL.Example>") == mailbox("User", "LOCAL.Example"))
    }

    @Test func quotedStrings() throws {
        #expect(try mailboxOf("<\"John Smith\"@example.org>").localPart == "John Smith")
        #expect(try mailboxOf("<\"a\\\"b\\\\c\"@example.org>").localPart == "a\"b\\c")
        #expect(try mailboxOf("<\"\"@example.org>").localPart == "")
        // Quoted and unquoted forms are the same mailbox (RFC 5321 §4.1.2).
        #expect(try mailboxOf("<\"joe\"@example.org>") == mailboxOf("<joe@example.org>"))
        #expect(try mailboxOf("<\"John Smith\"@example.org>").description == "\"John Smith\"@example.org")
        #expect(try mailboxOf("<\"joe\"@example.org>").description == "joe@example.org")
    }

    @Test(arguments: ["<.a@example.org>", "<a.@example.org>", "<a..b@example.org>", "<a b@example.org>", "<a(b)@example.org>",
                      "<\"a\u{1}\"@example.org>", "<\"a\\\u{7}\"@example.org>", "<a@example..org>", "<a@-example.org>",
                      "<a@example-.org>", "<a@ex_ample.org>", "<a@example.org.>", "<a@.example.org>", "<a@b@c.example>",
                      "<a@[1.2.3]>", "<a@[1.2.3.256]>", "<a@[1.2.3.4.5]>", "<a@[1.2.3.4>", "<a@[IPv6:1:2:3:4:5:6:7]>",
                      "<a@[IPv6:1::2::3]>", "<a@[IPv6:12345::1]>", "<a@[IPv6:1:2:3:4:5:6:7::]>", "<a@[IPv6:::1.2.3]>",
                      "<a@[:x]>", "<a@[tag:]>", "<a@[a\\b]>"])
    func refusedMailboxes(_ path: String) {
        #expect(refusal("RCPT TO:\(path)") == .badRecipientAddressSyntax)
    }

    /// RFC 1035 §2.3.4: labels up to 63 octets, names up to 255.
    @Test func domainLengths() throws {
        let label63 = String(repeating: "a", count: 63)
        #expect(try mailboxOf("<x@\(label63).example>").host == .domain("\(label63).example"))
        #expect(refusal("RCPT TO:<x@\(label63)a.example>") == .badRecipientAddressSyntax)
        let long = Array(repeating: label63, count: 4).joined(separator: ".")  // 255
        #expect(try mailboxOf("<x@\(long)>").host == .domain(long))
        #expect(refusal("RCPT TO:<x@a\(long)>") == .badRecipientAddressSyntax)
    }

    @Test func ipv6Literals() throws {
        func octets(_ literal: String) throws -> [UInt8] {
            guard case .addressLiteral(.ipv6(let bytes)) = try mailboxOf("<a@[\(literal)]>").host else { return [] }
            return bytes
        }
        #expect(try octets("IPv6:1:2:3:4:5:6:7:8") == [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8])
        #expect(try octets("IPv6:::1") == Array(repeating: 0, count: 15) + [1])
        #expect(try octets("ipv6:fe80::") == [0xfe, 0x80] + Array(repeating: 0, count: 14))
        #expect(try octets("IPv6:::ffff:192.0.2.1") == Array(repeating: 0, count: 10) + [0xff, 0xff, 192, 0, 2, 1])
        #expect(try octets("IPv6:1:2:3:4:5:6:192.0.2.1") == [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 192, 0, 2, 1])
        #expect(try octets("IPv6:1:2:3:4:5:6::") .count == 16)
        #expect(try mailboxOf("<a@[IPv6:2001:DB8::1]>").host.description == "[IPv6:2001:db8:0:0:0:0:0:1]")
        // RFC 5321: "::" stands for at least two groups, so seven explicit groups are too many.
        #expect(refusal("RCPT TO:<a@[IPv6:1:2:3:4:5:6::7]>") == .badRecipientAddressSyntax)
    }

    @Test func generalAddressLiteral() throws {
        #expect(try mailboxOf("<a@[x-tag:some.thing]>").host == .addressLiteral(.general(tag: "x-tag", content: "some.thing")))
    }

    /// RFC 6531: UTF-8 local-parts and U-labels only in an SMTPUTF8 transaction.
    @Test func internationalizedAddresses() throws {
        #expect(try mailboxOf("<山田@例え.jp>", utf8: true) == mailbox("山田", "例え.jp"))
        #expect(try mailboxOf("<\"山 田\"@example.jp>", utf8: true).localPart == "山 田")
        #expect(refusal("RCPT TO:<山田@例え.jp>") == .nonASCIIRecipientWithoutSMTPUTF8)
        #expect(refusal("RCPT TO:<山田@example.jp>", extensions: [.dsn]) == .badRecipientAddressSyntax)
        #expect(SMTPError.nonASCIIRecipientWithoutSMTPUTF8.reply.encoded() == "553 5.6.7 Non-ASCII addresses require SMTPUTF8\r\n")
        // Malformed UTF-8 is refused even when UTF-8 is allowed.
        var line = ByteBuffer(string: "RCPT TO:<a")
        line.writeBytes([0xC3, 0x28])
        line.writeString("@example.jp>")
        #expect(throws: SMTPError.badRecipientAddressSyntax) {
            try SMTPCommandParser(extensions: .all).parse(line, smtpUTF8Transaction: true)
        }
    }

    @Test func mailWithUTF8NeedsTheParameter() throws {
        #expect(refusal("MAIL FROM:<山田@例え.jp>") == .nonASCIISenderWithoutSMTPUTF8)
        let command = try parse("MAIL FROM:<山田@例え.jp> SMTPUTF8")
        #expect(command == .mail(.path(SMTPPath(mailbox: mailbox("山田", "例え.jp"))), SMTPMailParameters(smtpUTF8: true)))
        #expect(SMTPError.nonASCIISenderWithoutSMTPUTF8.code == 550)
    }

    @Test func pathDescriptions() throws {
        #expect(try recipient("<@a.example,@b.example:u@c.example>").description == "<@a.example,@b.example:u@c.example>")
        #expect(SMTPReversePath.null.description == "<>")
        #expect(SMTPForwardPath.postmaster.description == "<Postmaster>")
        #expect(SMTPAddressLiteral.ipv4([10, 0, 0, 1]).description == "[10.0.0.1]")
    }
}
