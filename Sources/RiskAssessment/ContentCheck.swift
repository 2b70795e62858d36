// The message's parts: attachments, HTML and text links, and enclosed messages (message/rfc822
// parts carry their own From, links and attachments and are checked the same way).

import MailMessage

struct ContentCheck {
    let assessor: RiskAssessor
    var html: HTMLCheck
    var attachments: AttachmentCheck
    private var inspected = 0
    private(set) var topLevelHasHTML = false
    private(set) var topLevelHasPlain = false
    /// The leaf parts' texts as `MIMEMessage.text(of:)` gave them, by section (with the body
    /// range, to be sure it is the same part): the first-contact check's keyword scan reuses
    /// them instead of decoding every part again.
    private(set) var texts: [[Int]: (body: ByteRange, text: String)] = [:]

    /// The text `text(of:)` gives for `part`, if this walk decoded it.
    func knownText(_ part: MIMEPart) -> String? {
        guard let known = texts[part.section], known.body == part.bodyRange else { return nil }
        return known.text
    }

    init(assessor: RiskAssessor) {
        self.assessor = assessor
        self.html = HTMLCheck(limits: assessor.policy.limits, suffixes: assessor.suffixes)
        self.attachments = AttachmentCheck(policy: assessor.policy, executables: assessor.executableExtensions)
    }

    mutating func walk(_ part: MIMEPart, message: MIMEMessage, enclosedIn: String?, sender: SenderCheck, into signals: inout SignalCollector) {
        switch part.content {
        case .multipart(let multipart):
            for child in multipart.parts { walk(child, message: message, enclosedIn: enclosedIn, sender: sender, into: &signals) }
        case .message(let inner):
            let place = "enclosed message \(part.sectionString)"
            sender.check(inner.header, place: place, envelope: false, into: &signals)
            walk(inner, message: message, enclosedIn: place, sender: sender, into: &signals)
        case .leaf:
            leaf(part, message: message, enclosedIn: enclosedIn, into: &signals)
        }
    }

    private mutating func leaf(_ part: MIMEPart, message: MIMEMessage, enclosedIn: String?, into signals: inout SignalCollector) {
        let section = part.sectionString.isEmpty ? "1" : part.sectionString
        let place = enclosedIn.map { "part \(section) in the \($0)" } ?? "part \(section)"
        let names = [part.contentDisposition?.filename, part.contentType.name].compactMap { $0 }.filter { !$0.isEmpty }
        if part.isAttachment || !names.isEmpty || !part.contentType.isText {
            inspected += 1
            if inspected <= assessor.policy.limits.maxAttachments {
                attachments.inspect(names: names, bytes: message.decodedBody(of: part)[...], place: place, into: &signals)
                // An HTML or SVG attachment opens in a browser: a credential form there is as
                // dangerous as in the body.
                let opensInBrowser = part.contentType.subtype == "html" || part.contentType.subtype == "svg+xml"
                    || names.contains { ["htm", "html", "shtml", "xhtml", "svg"].contains(FileName.extensions($0).first ?? "") }
                if opensInBrowser {
                    let decoded = message.text(of: part)?.text
                    if let decoded { texts[part.section] = (part.bodyRange, decoded) }
                    let text = decoded ?? String(decoding: message.decodedBody(of: part), as: UTF8.self)
                    html.inspect(text, place: "\(place), an attachment that opens in a browser", into: &signals)
                }
            } else {
                for name in names { attachments.checkName(name, place: place, into: &signals) }
            }
            return
        }
        let subtype = part.contentType.subtype
        if enclosedIn == nil {
            if subtype == "html" { topLevelHasHTML = true }
            if subtype == "plain" { topLevelHasPlain = true }
        }
        guard let text = message.text(of: part)?.text else { return }
        texts[part.section] = (part.bodyRange, text)
        if subtype == "html" {
            html.inspect(text, place: place, into: &signals)
        } else {
            for url in ShownAddress.urls(in: String(TextSearch.prefix(text, characters: assessor.policy.limits.maxHTMLBytes)), limit: assessor.policy.limits.maxLinks) {
                if let target = LinkTarget(url) { html.note(target, place: place, into: &signals) }
            }
        }
    }
}
