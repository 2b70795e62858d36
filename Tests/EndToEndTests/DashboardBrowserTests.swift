import Foundation
import HatoTesting
import Testing

/// The DMARC dashboard of `hato serve` in a real browser: Debian's chromium driven by Selenium
/// (PyPI) through chromium-driver. Known aggregate reports (the DMARCReportTests fixtures, their
/// dates moved into the last days) go in with `hato report import`; the browser logs in through
/// the form, reads the chart's SVG bars and the tables, sorts by a column, and is refused for a
/// wrong password and for an account that is not an admin. Screenshots go to the test's output
/// directory (`HATO_TEST_OUTPUT`, else `.build/test-output/DashboardBrowserTests`). Heavy: a
/// Chromium is several processes and a few hundred MB, so it waits for the other heavy tests.
@Suite(.serialized, .heavy) struct DashboardBrowserTests {
    static let chromium = "/usr/bin/chromium"
    static let driver = "/usr/bin/chromedriver"
    static var browserAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: chromium) && FileManager.default.isExecutableFile(atPath: driver)
            && Python.hasModules("selenium")
    }

    static var outputDirectory: URL {
        if let configured = ProcessInfo.processInfo.environment["HATO_TEST_OUTPUT"] {
            return URL(fileURLWithPath: configured).appendingPathComponent("DashboardBrowserTests")
        }
        // Tests/EndToEndTests/<this file> -> the package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/test-output/DashboardBrowserTests")
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("DMARCReportTests/Fixtures")

    /// A fixture with its one-day period (1764806400, 2025-12-04) moved to start `daysAgo` days
    /// before today (UTC).
    static func movedFixture(_ name: String, daysAgo: Int, into directory: URL) throws -> String {
        let today = (Int(Date().timeIntervalSince1970) / 86400) * 86400
        let begin = today - daysAgo * 86400
        var text = try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
        text = text.replacingOccurrences(of: "1764806400", with: String(begin))
            .replacingOccurrences(of: "1764892799", with: String(begin + 86399))
            .replacingOccurrences(of: "1764892800", with: String(begin + 86400))
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func day(daysAgo: Int) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: Double((Int(Date().timeIntervalSince1970) / 86400 - daysAgo) * 86400)))
    }

    @Test(.enabled(if: browserAvailable || Python.requiredInCI, "chromium, chromium-driver or selenium missing: apt-get install chromium chromium-driver; pip install selenium"))
    func browserLogsInAndReadsTheReports() async throws {
        let served = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            admin = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            """, accounts: [("admin@example.test", "admin long pw"), ("bob@example.test", "bob long pw")])
        let granted = try await HatoBinary.run(["account", "admin", "admin@example.test", "on", "--config", served.config])
        #expect(granted.status == 0, "\(granted.stderr)")
        let listed = try await HatoBinary.run(["account", "list", "--config", served.config])
        #expect(listed.stdout.contains("ADMIN"), "\(listed.stdout)")
        let admins = listed.stdout.split(separator: "\n").map { $0.split(separator: " ") }.filter { $0.count > 1 }.map { "\($0.first!) \($0.last!)" }
        #expect(admins == ["ADDRESS ADMIN", "admin@example.test yes", "bob@example.test no"], "\(listed.stdout)")
        let shown = try await HatoBinary.run(["account", "admin", "bob@example.test", "--config", served.config])
        #expect(shown.stdout == "off\n", "\(shown.stderr)")

        let reports = served.directory.url
        let files = [try Self.movedFixture("google.xml", daysAgo: 1, into: reports),
                     try Self.movedFixture("microsoft.xml", daysAgo: 2, into: reports),
                     try Self.movedFixture("yahoo-namespaced.xml", daysAgo: 1, into: reports)]
        // A reporter's hostile policy domain: shown as text, never as markup.
        let hostile = reports.appendingPathComponent("hostile.xml").path
        try (try String(contentsOfFile: files[0], encoding: .utf8))
            .replacingOccurrences(of: "<domain>example.org</domain>\n    <adkim>", with: "<domain>&lt;script&gt;document.title='owned'&lt;/script&gt;.example</domain>\n    <adkim>")
            .replacingOccurrences(of: "12931761628468196331", with: "hostile-1")
            .write(toFile: hostile, atomically: true, encoding: .utf8)
        let imported = try await HatoBinary.run(["report", "import", "--config", served.config] + files + [hostile])
        #expect(imported.status == 0 && imported.stdout.components(separatedBy: "stored as").count == 5, "\(imported.stdout) \(imported.stderr)")
        // A TLS report about example.org (RFC 8460 §4.4's example, its day moved to yesterday).
        let tlsReport = reports.appendingPathComponent("company-x.json").path
        try Self.tlsReport(day: Self.day(daysAgo: 1)).write(toFile: tlsReport, atomically: true, encoding: .utf8)
        let importedTLS = try await HatoBinary.run(["report", "import", "--tls", "--config", served.config, tlsReport])
        #expect(importedTLS.status == 0 && importedTLS.stdout.contains("stored as"), "\(importedTLS.stdout) \(importedTLS.stderr)")

        let output = Self.outputDirectory
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let browser = try await Python.run(Self.script, arguments: [try served.port("admin"), output.path, Self.chromium, Self.driver],
                                           timeout: 180)
        let (d1, d2) = (Self.day(daysAgo: 1), Self.day(daysAgo: 2))
        #expect(browser.stdout == """
            login page Dashboard login · Hato
            wrong password Wrong address or password.
            not an admin This account may not use the dashboard (hato account admin ADDRESS on).
            cookie hato_session True Strict
            domains ["<script>document.title='owned'</script>.example", 'example.org']
            bar \(d2) pass 3
            bar \(d1) pass 15
            bar \(d1) quarantined 2
            source 192.0.2.25 14 pass pass none
            source 198.51.100.7 3 fail pass none
            source 2001:db8::53 2 fail fail quarantine
            source 203.0.113.9 1 pass fail none
            fail 2001:db8::53 2 fail fail quarantine
            tlsrpt 1 TLS report from 1 reporter over the last 30 days.
            tls sts mail.example.org 5326 303 certificate-expired: 200, starttls-not-supported: 103
            by ip ['192.0.2.25', '198.51.100.7', '203.0.113.9', '2001:db8::53']
            hostile title DMARC: <script>document.title='owned'</script>.example · Hato scripts 0
            hostile tlsrpt No TLS-RPT (RFC 8460) data for <script>document.title='owned'</script>.example: no TLS report about this domain has been received.
            logged out Dashboard login · Hato
            after logout Dashboard login · Hato

            """, "\(browser.stderr)")
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("dashboard-domain.png").path))
        #expect(await served.terminate() == 0)
    }

    /// RFC 8460 §4.4's example report, for `day` (YYYY-MM-DD).
    static func tlsReport(day: String) -> String {
        """
        {"organization-name": "Company-X", "date-range": {"start-datetime": "\(day)T00:00:00Z", "end-datetime": "\(day)T23:59:59Z"},
         "contact-info": "sts-reporting@company-x.example", "report-id": "5065427c-23d3-47ca-b6e0-946ea0e8c4be",
         "policies": [{"policy": {"policy-type": "sts", "policy-string": ["version: STSv1", "mode: enforce", "mx: mail.example.org", "max_age: 86400"],
                                  "policy-domain": "example.org", "mx-host": ["mail.example.org"]},
                       "summary": {"total-successful-session-count": 5326, "total-failure-session-count": 303},
                       "failure-details": [{"result-type": "certificate-expired", "sending-mta-ip": "2001:db8:abcd:0012::1",
                                            "receiving-mx-hostname": "mail.example.org", "failed-session-count": 200},
                                           {"result-type": "starttls-not-supported", "sending-mta-ip": "2001:db8:abcd:0013::1",
                                            "receiving-mx-hostname": "mail.example.org", "receiving-ip": "203.0.113.56", "failed-session-count": 103}]}]}
        """
    }

    static let script = """
        import sys, os
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait
        from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
        port, out, chromium, driver_path = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
        base = "http://127.0.0.1:%s" % port
        options = webdriver.ChromeOptions()
        for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1100,1400"]: options.add_argument(a)
        options.binary_location = chromium
        d = webdriver.Chrome(service=Service(driver_path), options=options)
        def follow(element):
            # click() returns before the next page loads: wait until the old one is gone. While the
            # page is being replaced Chromium may answer for the old node with "Node with given id
            # does not belong to the document" rather than a stale-element error (seen once in ten
            # runs): that means gone too.
            old = d.find_element(By.TAG_NAME, "html")
            element.click()
            def gone(driver):
                try:
                    old.is_enabled()
                    return False
                except StaleElementReferenceException:
                    return True
                except WebDriverException as e:
                    if "does not belong to the document" in str(e): return True
                    raise
            WebDriverWait(d, 30).until(gone)
        try:
            def login(user, pw):
                d.get(base + "/dashboard")
                d.find_element(By.ID, "username").send_keys(user)
                d.find_element(By.ID, "password").send_keys(pw)
                follow(d.find_element(By.ID, "submit"))
            d.get(base + "/dashboard"); print("login page", d.title)
            login("admin@example.test", "not it"); print("wrong password", d.find_element(By.ID, "login-error").text)
            login("bob@example.test", "bob long pw"); print("not an admin", d.find_element(By.ID, "login-error").text)
            login("admin@example.test", "admin long pw")
            c = d.get_cookie("hato_session"); print("cookie", c["name"], c["httpOnly"], c["sameSite"])
            print("domains", [a.text for a in d.find_elements(By.CSS_SELECTOR, "#domains a")])
            follow(d.find_element(By.LINK_TEXT, "example.org"))
            for bar in d.find_elements(By.CSS_SELECTOR, "#chart rect.bar"):
                print("bar", bar.get_attribute("data-day"), bar.get_attribute("data-result"), bar.get_attribute("data-count"))
            def rows(table): return [[td.text for td in tr.find_elements(By.TAG_NAME, "td")] for tr in d.find_elements(By.CSS_SELECTOR, "#%s tbody tr" % table)]
            for row in rows("sources"): print("source", *row)
            for row in rows("would-fail"): print("fail", *row)
            print("tlsrpt", d.find_element(By.ID, "tlsrpt-total").text)
            for row in rows("tls-policies"): print("tls", *row)
            d.save_screenshot(os.path.join(out, "dashboard-domain.png"))
            follow(d.find_element(By.CSS_SELECTOR, "#sources th a[data-sort=ip]"))
            print("by ip", [r[0] for r in rows("sources")])
            d.save_screenshot(os.path.join(out, "dashboard-sorted.png"))
            d.get(base + "/dashboard")
            follow(d.find_element(By.PARTIAL_LINK_TEXT, "<script>"))
            print("hostile title", d.title, "scripts", len(d.find_elements(By.TAG_NAME, "script")))
            print("hostile tlsrpt", d.find_element(By.ID, "no-tlsrpt").text)
            follow(d.find_element(By.ID, "logout")); print("logged out", d.title)
            d.get(base + "/dashboard"); print("after logout", d.title)
        finally:
            d.quit()
        """
}
