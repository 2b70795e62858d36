// What an HTML part does that mail rarely needs and phishing often does (issue 18): forms,
// scripts and event handlers, frames, javascript:/data: links, link text showing one address
// while the link goes to another, IP-literal and punycode links, and hidden text.

import Foundation
import MailCore

/// The HTML findings of one part; signals go to the collector, link hosts to the caller (the
/// lookalike check runs on them with the sender's domains).
struct HTMLCheck {
    let limits: RiskLimits
    let suffixes: PublicSuffixList
    /// Hosts the links go to, in order, without repeats.
    private(set) var linkHosts: [String] = []

    init(limits: RiskLimits, suffixes: PublicSuffixList) {
        self.limits = limits
        self.suffixes = suffixes
    }

    static let voidElements: Set<String> = ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "param"]
    static let frameElements: Set<String> = ["iframe", "frame", "frameset", "object", "embed", "applet"]
    /// Where a URL is followed by a click or loaded as a document (an <img src="data:"> is not).
    static let navigatingAttributes: [String: Set<String>] = [
        "a": ["href"], "area": ["href"], "form": ["action"], "button": ["formaction"], "input": ["formaction"],
        "iframe": ["src"], "frame": ["src"], "object": ["data"], "embed": ["src"], "meta": ["content"],
    ]
    static let hiddenStyles = ["display:none", "visibility:hidden", "font-size:0", "opacity:0", "max-height:0", "mso-hide:all"]

    mutating func inspect(_ html: String, place: String, into signals: inout SignalCollector) {
        var tokenizer = HTMLTokenizer(html, maxBytes: limits.maxHTMLBytes, maxTokens: limits.maxHTMLTokens)
        var anchor: (href: String, text: String)? = nil
        var hiddenStack: [String] = []
        var hiddenCharacters = 0
        var links = 0
        while let token = tokenizer.next() {
            switch token {
            case .text(let text):
                if !hiddenStack.isEmpty { hiddenCharacters += text.unicodeScalars.filter { !$0.properties.isWhitespace }.count }
                if anchor != nil, anchor!.text.utf8.count < 2048 { anchor!.text += text }
            case .endTag(let name):
                if name == "a", let open = anchor {
                    checkShownText(open.text, href: open.href, place: place, into: &signals)
                    anchor = nil
                }
                if let last = hiddenStack.lastIndex(of: name) { hiddenStack.removeSubrange(last...) }
            case .startTag(let name, let attributes, let selfClosing):
                if name == "a", let open = anchor {
                    checkShownText(open.text, href: open.href, place: place, into: &signals)
                    anchor = nil
                }
                checkTag(name, attributes, place: place, into: &signals)
                for attribute in attributes where Self.navigatingAttributes[name]?.contains(attribute.name) == true {
                    links += 1
                    guard links <= limits.maxLinks else { continue }
                    checkURL(name == "meta" ? Self.refreshURL(attribute.value) : attribute.value, element: name, place: place, into: &signals)
                }
                if name == "a", let href = attributes.first(where: { $0.name == "href" })?.value { anchor = (href, "") }
                if !selfClosing, !Self.voidElements.contains(name) {
                    let style = (attributes.first { $0.name == "style" }?.value ?? "").lowercased().filter { !$0.isWhitespace }
                    let hiddenAttribute = attributes.contains { $0.name == "hidden" }
                    if hiddenAttribute || !hiddenStack.isEmpty || Self.hiddenStyles.contains(where: style.contains) {
                        if hiddenStack.count < 256 { hiddenStack.append(name) }
                    }
                }
            }
        }
        if let open = anchor { checkShownText(open.text, href: open.href, place: place, into: &signals) }
        if hiddenCharacters >= 40 {
            signals.add(RiskSignalName.hiddenText, "\(hiddenCharacters) characters of text are hidden from the reader (\(place))")
        }
    }

    private func checkTag(_ name: String, _ attributes: [HTMLAttribute], place: String, into signals: inout SignalCollector) {
        switch name {
        case "form":
            let action = attributes.first { $0.name == "action" }?.value
            signals.add(RiskSignalName.htmlForm, "a form" + (action.flatMap(LinkTarget.init).map { " sending to \($0.host)" } ?? "") + " (\(place))")
        case "input" where attributes.contains { $0.name == "type" && $0.value.lowercased() == "password" }:
            signals.add(RiskSignalName.htmlForm, "a password field (\(place))")
        case "script":
            signals.add(RiskSignalName.htmlScript, "a <script> element (\(place))")
        default:
            if Self.frameElements.contains(name) { signals.add(RiskSignalName.htmlIframe, "an <\(name)> element (\(place))") }
        }
        // WHATWG §8.1.8.2: every on* content attribute is an event handler (a script).
        if let handler = attributes.first(where: { $0.name.hasPrefix("on") && $0.name.count > 2 && $0.name.allSatisfy(\.isLetter) }) {
            signals.add(RiskSignalName.htmlScript, "an \(handler.name) event handler on <\(name)> (\(place))")
        }
    }

    private mutating func checkURL(_ value: String, element: String, place: String, into signals: inout SignalCollector) {
        let compact = String(value.unicodeScalars.filter { $0.value > 0x20 }.map(Character.init)).lowercased()
        for scheme in ["javascript:", "vbscript:", "data:"] where compact.hasPrefix(scheme) {
            signals.add(RiskSignalName.javascriptLink, "a \(scheme) URL on <\(element)> (\(place))")
            return
        }
        guard let target = LinkTarget(value) else { return }
        note(target, place: place, into: &signals)
    }

    /// Records a link's host and checks it for IP literals and punycode (HTML and plain text).
    mutating func note(_ target: LinkTarget, place: String, into signals: inout SignalCollector) {
        if !linkHosts.contains(target.host), linkHosts.count < limits.maxLinks { linkHosts.append(target.host) }
        if target.isIPLiteral {
            signals.add(RiskSignalName.ipLiteralLink, "a link to the IP address \(target.host) (\(place))")
        } else if target.isPunycode {
            let unicode = Domain.unicodeForm(of: target.host)
            signals.add(RiskSignalName.punycodeLink, "a link to \(target.host)" + (unicode == target.host ? "" : " (shown as \(unicode))") + " (\(place))")
        }
        if let userinfo = target.userinfo, userinfo.contains(".") {
            signals.add(RiskSignalName.linkTextMismatch, "a link starts with \"\(userinfo)@\" but goes to \(target.host) (\(place))")
        }
    }

    /// Link text that shows a URL or domain whose registrable domain differs from the href's.
    private func checkShownText(_ text: String, href: String, place: String, into signals: inout SignalCollector) {
        guard let shown = ShownAddress.host(in: text), let target = LinkTarget(href) else { return }
        let shownDomain = suffixes.registrableDomain(of: shown) ?? shown
        let targetDomain = suffixes.registrableDomain(of: target.host) ?? target.host
        guard shownDomain != targetDomain else { return }
        signals.add(RiskSignalName.linkTextMismatch, "link text shows \(shown) but the link goes to \(target.host) (\(place))")
    }

    /// `<meta http-equiv="refresh" content="0; url=...">`: the URL part.
    static func refreshURL(_ content: String) -> String {
        guard let range = content.range(of: "url=", options: .caseInsensitive) else { return "" }
        return String(content[range.upperBound...]).trimming(" '\"")
    }
}
