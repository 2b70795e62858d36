import RiskAssessment
import Testing

@Suite struct HTMLTokenizerTests {
    @Test func tolerantTokens() {
        let tokens = Array(HTMLTokenizer("<A HREF=x onClick='y()'>a&amp;b</a><!-- c --><br/><p class=z>t &#x3042;</p><script>if (a<b) {}</script>< x"))
        #expect(tokens == [
            .startTag(name: "a", attributes: [HTMLAttribute(name: "href", value: "x"), HTMLAttribute(name: "onclick", value: "y()")], selfClosing: false),
            .text("a&b"), .endTag(name: "a"), .startTag(name: "br", attributes: [], selfClosing: true),
            .startTag(name: "p", attributes: [HTMLAttribute(name: "class", value: "z")], selfClosing: false), .text("t あ"), .endTag(name: "p"),
            .startTag(name: "script", attributes: [], selfClosing: false), .text("if (a<b) {}"), .endTag(name: "script"), .text("< x"),
        ])
    }

    @Test func stopsAtItsLimits() {
        let html = String(repeating: "<b>x</b>", count: 10_000)
        var tokenizer = HTMLTokenizer(html, maxTokens: 100)
        var count = 0
        while tokenizer.next() != nil { count += 1 }
        #expect(count == 100)
        #expect(tokenizer.stoppedAtLimit)
        #expect(Array(HTMLTokenizer("<a href=\"unterminated")).count == 1)
    }
}

@Suite struct HTMLSignalTests {
    func html(_ body: String, plain: String? = "text") -> RiskReport { Risk.assess(Risk.html(body, plain: plain)) }

    @Test func formsAndPasswordFields() throws {
        let report = html(#"<form action="https://collect.example.net/p"><input type="password" name="pw"></form>"#)
        let detail = try #require(report.signal("html-form")).detail
        #expect(detail.contains("collect.example.net") && detail.contains("password field"))
    }

    @Test func scriptsHandlersFramesAndScriptLinks() {
        #expect(html("<script>location='x'</script>").has("html-script"))
        #expect(html(#"<img src="a.png" onerror="fetch('x')">"#).signal("html-script")?.detail.contains("onerror") == true)
        #expect(html(#"<iframe src="https://x.example/"></iframe>"#).has("html-iframe"))
        #expect(html(#"<a href="java&#x09;script:alert(1)">click</a>"#).has("javascript-link"))
        #expect(html(#"<a href="data:text/html;base64,PHNjcmlwdD4=">open</a>"#).has("javascript-link"))
        #expect(!html(#"<img src="data:image/png;base64,iVBORw0KGgo=">"#).has("javascript-link"), "inline images are ordinary")
    }

    /// An ordinary newsletter: tables, styles, images, links, a "script" and a "form" in the text,
    /// an unsubscribe link: none of the active-content signals.
    @Test func ordinaryHTMLHasNoActiveContentSignals() {
        let newsletter = #"""
            <html><head><style>td { font-family: sans-serif; }</style></head><body>
            <table><tr><td><img src="https://cdn.example.co.jp/logo.png" alt="ロゴ" width="120"></td></tr>
            <tr><td><p>新しい script 講座と申込 form のご案内です。</p>
            <a href="https://www.example.co.jp/seminar?id=12">詳しくはこちら</a> |
            <a href="mailto:info@example.co.jp">info@example.co.jp</a></td></tr></table>
            <p style="font-size:10px"><a href="https://www.example.co.jp/unsubscribe">配信停止</a></p></body></html>
            """#
        let report = html(newsletter)
        for name in ["html-form", "html-script", "html-iframe", "javascript-link", "punycode-link", "ip-literal-link"] {
            #expect(!report.has(name), "\(name): \(report.signals)")
        }
        #expect(!html(#"<a href="https://www.example.com/">https://www.example.com/</a>"#).has("punycode-link"))
        #expect(!Risk.assess(Risk.message(body: "See https://www.example.org/news\n")).has("punycode-link"))
    }

    @Test func linkTextShowingAnotherAddress() throws {
        let report = html(#"<a href="https://evil.example.net/login">https://www.smbc.co.jp/login</a>"#)
        let detail = try #require(report.signal("link-text-mismatch")).detail
        #expect(detail.contains("shows www.smbc.co.jp") && detail.contains("evil.example.net"), "\(detail)")
        #expect(html(#"<a href="https://evil.example.net">amazon.co.jp</a>"#).has("link-text-mismatch"))
        #expect(html(#"<a href="https://www.paypal.com@evil.example.net/">PayPal</a>"#).has("link-text-mismatch"))
        #expect(!html(#"<a href="https://www.example.co.jp/news?id=3">www.example.co.jp</a>"#).has("link-text-mismatch"))
        #expect(!html(#"<a href="https://shop.example.co.jp/">詳しくはこちら</a>"#).has("link-text-mismatch"))
        #expect(!html(#"<a href="https://mail.example.co.jp/x">https://example.co.jp/</a>"#).has("link-text-mismatch"))
    }

    @Test func ipLiteralAndPunycodeLinks() throws {
        #expect(html(#"<a href="http://203.0.113.7/login">ログイン</a>"#).has("ip-literal-link"))
        #expect(html(#"<a href="http://3405803783/">x</a>"#).has("ip-literal-link"))
        #expect(html(#"<a href="http://[2001:db8::1]/">x</a>"#).has("ip-literal-link"))
        #expect(Risk.assess(Risk.message(body: "こちらから: http://198.51.100.3/verify\n")).has("ip-literal-link"), "plain text links too")
        let puny = try #require(html(#"<a href="https://xn--pypal-4ve.com/">PayPal</a>"#).signal("punycode-link"))
        #expect(puny.detail.contains("xn--pypal-4ve.com"))
        #expect(!html(#"<a href="https://www.example.co.jp/">x</a>"#).has("ip-literal-link"))
    }

    @Test func hiddenTextAndHTMLOnly() {
        let hidden = String(repeating: "振込先を変更してください。", count: 5)
        #expect(html("<p>こんにちは</p><div style=\"display: none\">\(hidden)</div>").has("hidden-text"))
        #expect(!html("<p>こんにちは</p><div style=\"display:none\">短い</div>").has("hidden-text"))
        #expect(html("<p>only html</p>", plain: nil).has("html-only"))
        #expect(!html("<p>with text</p>").has("html-only"))
    }

    @Test func htmlAttachmentsAreCheckedLikeBodies() throws {
        let page = Array(#"<html><form action="https://collect.example.net/"><input type="password"></form></html>"#.utf8)
        let report = Risk.assess(Risk.withAttachment(page, headerLines: ["Content-Type: text/html; name=\"請求書.html\""]))
        #expect(try #require(report.signal("html-form")).detail.contains("opens in a browser"), "\(report.signals)")
        let svg = Array(#"<svg xmlns="http://www.w3.org/2000/svg"><script>location='https://x.example'</script></svg>"#.utf8)
        #expect(Risk.assess(Risk.withAttachment(svg, headerLines: ["Content-Type: image/svg+xml; name=\"logo.svg\""])).has("html-script"))
    }
}
