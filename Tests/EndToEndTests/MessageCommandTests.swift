import Foundation
import HatoTesting
import Testing

/// `hato message inspect` on enclosed messages and `hato message assess` without a server,
/// through the real binary.
@Suite struct MessageCommandTests {
    static let forwarded = """
        From: 佐藤 一郎 <sato@example.co.jp>\r
        To: user@example.jp\r
        Subject: Fwd: =?UTF-8?B?6KuL5rGC5pu4?=\r
        MIME-Version: 1.0\r
        Content-Type: multipart/mixed; boundary="o"\r
        \r
        --o\r
        Content-Type: text/plain; charset=utf-8\r
        \r
        転送します。\r
        --o\r
        Content-Type: message/rfc822\r
        \r
        From: =?UTF-8?B?5bGx55Sw5aSq6YOO?= <ceo@example-co.jp>\r
        Subject: =?ISO-2022-JP?B?GyRCQEE1YT1xGyhC?=\r
        Date: Mon, 1 Dec 2026 09:00:00 +0900\r
        Content-Type: text/html; charset=utf-8\r
        \r
        <a href="http://192.0.2.9/pay">https://www.example.co.jp/pay</a>\r
        --o--\r

        """

    func write(_ text: String) throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory(prefix: "hato-message")
        let path = directory.url.appendingPathComponent("m.eml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return (directory, path)
    }

    @Test func inspectShowsEnclosedMessagesHeaders() async throws {
        let (directory, path) = try write(Self.forwarded)
        defer { withExtendedLifetime(directory) {} }
        let text = try await HatoBinary.run(["message", "inspect", path])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        let part = try #require(lines.firstIndex { $0.contains("2  message/rfc822") }, "\(text.stdout)")
        #expect(lines[part + 1].trimmingCharacters(in: .whitespaces) == "From:    山田太郎 <ceo@example-co.jp>", "\(lines[part + 1])")
        #expect(lines[part + 2].trimmingCharacters(in: .whitespaces) == "Subject: 請求書", "ISO-2022-JP decoded: \(lines[part + 2])")
        #expect(lines[part + 3].trimmingCharacters(in: .whitespaces) == "Date:    2026-12-01T00:00:00Z")

        let json = try await HatoBinary.run(["message", "inspect", path, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let parts = try #require(object["parts"] as? [[String: Any]])
        let enclosed = try #require(parts.compactMap { $0["enclosed"] as? [String: Any] }.first)
        #expect(enclosed["from"] as? [String] == ["山田太郎 <ceo@example-co.jp>"])
        #expect(enclosed["subject"] as? String == "請求書")
        #expect(enclosed["date"] as? String == "2026-12-01T00:00:00Z")
    }

    @Test func assessPrintsEachSignalWithItsEvidence() async throws {
        let (directory, path) = try write(Self.forwarded)
        defer { withExtendedLifetime(directory) {} }
        let text = try await HatoBinary.run(["message", "assess", path, "--to", "keiri@example.co.jp", "--mail-from", "<sato@example.co.jp>"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("lookalike-domain (6): enclosed message 2: example-co.jp differs from example.co.jp"), "\(text.stdout)")
        #expect(text.stdout.contains("link-text-mismatch (3): link text shows www.example.co.jp but the link goes to 192.0.2.9"))
        #expect(text.stdout.contains("\nHato-Risk: verdict="))
        let bad = try await HatoBinary.run(["message", "assess", path, "--to", "not an address"])
        #expect(bad.status != 0 && bad.stderr.contains("not an address"))
    }

    /// With --ip the authentication runs over DNS (--server) and feeds dmarc-fail; the JSON
    /// carries it under "authentication".
    @Test func assessWithAuthentication() async throws {
        let dns = try await TestDNSServer.start(zoneText: """
            _dmarc.bank.example. TXT "v=DMARC1; p=reject"
            bank.example. TXT "v=spf1 ip4:192.0.2.1 -all"
            """)
        let (directory, path) = try write("From: Bank <notice@bank.example>\r\nTo: user@example.jp\r\nSubject: notice\r\n\r\nhello\r\n")
        defer { withExtendedLifetime(directory) {} }
        let run = try await HatoBinary.run(["message", "assess", path, "--to", "user@example.jp", "--ip", "203.0.113.5",
                                            "--mail-from", "notice@bank.example", "--helo", "mx.attacker.example", "--server", dns.address, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout) \(run.stderr)")
        let authentication = try #require(object["authentication"] as? [String: Any])
        #expect(authentication["spf"] as? String == "fail" && authentication["dmarc"] as? String == "fail", "\(authentication)")
        #expect(authentication["dmarc_policy"] as? String == "reject" && authentication["from_domain"] as? String == "bank.example")
        let signals = try #require(object["signals"] as? [[String: Any]])
        let dmarc = try #require(signals.first { $0["name"] as? String == "dmarc-fail" })
        #expect(dmarc["weight"] as? Int == 4 && (dmarc["detail"] as? String)?.contains("bank.example") == true)
    }
}
