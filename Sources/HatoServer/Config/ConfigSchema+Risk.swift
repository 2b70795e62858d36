// `[risk]`: the phishing/BEC assessment on the MX listener (issue 18, docs/security.md).

extension ConfigSchema {
    static let dispositions = ["deliver", "tag", "junk", "quarantine", "reject"]

    static let riskKeys: [ConfigKey] = [
        key("risk.assess", .choice(["on", "off"]), .string("on"),
            "Assess mail arriving on the smtp listener: Hato-Risk header, $Phishing/$Junk and the dispositions below (off still removes incoming Hato-Risk fields)."),
        key("risk.submission", .choice(["on", "off"]), .string("off"),
            "Assess mail from authenticated users too (outbound abuse); their correspondents are recorded either way."),
        key("risk.clean", .choice(dispositions), .string("deliver"), "What happens to mail assessed clean."),
        key("risk.suspicious", .choice(dispositions), .string("tag"), "What happens to mail assessed suspicious (tag: risk.tag_suspicious before the subject)."),
        key("risk.phishing", .choice(dispositions), .string("quarantine"),
            "What happens to mail assessed phishing (quarantine: held for the administrator, hato quarantine list)."),
        key("risk.spam", .choice(dispositions), .string("junk"), "What happens to mail assessed spam."),
        key("risk.tag_suspicious", .string, .string("[SUSPICIOUS]"), "Subject prefix for suspicious mail when risk.suspicious is tag."),
        key("risk.tag_phishing", .string, .string("[PHISHING]"), "Subject prefix for phishing mail when risk.phishing is tag."),
        key("risk.tag_spam", .string, .string("[SPAM]"), "Subject prefix for spam when risk.spam is tag."),
        key("risk.tag_external", .string, nil,
            "Subject prefix for every delivered message from outside the organisation, e.g. \"[外部]\" or \"[EXTERNAL]\". Unset: none."),
        key("risk.suspicious_score", .integer(min: 1, max: 1000), .int(4), "Score from which a message is suspicious."),
        key("risk.phishing_score", .integer(min: 1, max: 1000), .int(8), "Score (without spam signals) from which a message is phishing."),
        key("risk.spam_score", .integer(min: 1, max: 1000), .int(4), "Score of spam signals (dnsbl-listed) from which a message is spam."),
        key("risk.weights", .stringList, .list([]),
            "Signal weights that replace the defaults, as \"signal=weight\" (\"first-contact=2\", \"html-only=0\"); docs/security.md lists them."),
        key("risk.payment_keywords", .stringList, nil,
            "Payment and urgency wording that makes a first contact weigh first-contact-payment. Unset: 至急, 振込先, 口座変更, 請求書 and the other defaults."),
        key("risk.executable_extensions", .stringList, nil,
            "File name extensions counted as executable attachments. Unset: exe, scr, com, pif, js, jse, vbs, wsf, hta, lnk, iso, img, one, msi and their kin."),
        key("risk.partner_domains", .stringList, .list([]),
            "Partner and customer domains whose lookalikes are flagged (our own domains and correspondents' are protected anyway)."),
        key("risk.vip_names", .stringList, .list([]),
            "People whose names impersonators borrow, as \"Name <address>\" (\"山田 太郎 <taro@example.co.jp>\")."),
        key("risk.public_suffix_list", .path, .string("/usr/share/publicsuffix/public_suffix_list.dat"),
            "The public suffix list (Debian package publicsuffix) that finds registrable domains."),
        key("risk.correspondents", .choice(["on", "off"]), .string("on"),
            "Keep the correspondents record (who each account writes to and hears back from) that first-contact and lookalikes read."),
        key("risk.max_archive_entries", .integer(min: 1, max: 1_000_000), .int(10_000), "ZIP entries listed per archive; more is an archive-bomb."),
        key("risk.max_archive_depth", .integer(min: 1, max: 20), .int(3), "Archives inside archives followed; deeper is an archive-bomb."),
        key("risk.max_archive_size", .size, .int(1_073_741_824), "Declared uncompressed size of one archive beyond which it is an archive-bomb."),
        key("risk.max_html_size", .size, .int(2_097_152), "HTML bytes read per part for the HTML checks."),
    ]
}
