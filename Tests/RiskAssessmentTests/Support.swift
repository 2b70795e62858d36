import Foundation
import MailMessage
import RiskAssessment
import Testing

/// Test support: the Debian public suffix list (installed by .ci/run), messages from text, and
/// small ZIP and OLE files built byte by byte.
enum Risk {
    static let suffixes: PublicSuffixList = {
        PublicSuffixList(contentsOf: PublicSuffixList.debianPath) ?? .defaultRuleOnly
    }()

    static var assessor: RiskAssessor { RiskAssessor(policy: RiskPolicy(), suffixes: suffixes) }

    /// A context for mail arriving at example.co.jp's users from outside.
    static func context(_ edit: (inout RiskContext) -> Void = { _ in }) -> RiskContext {
        var context = RiskContext()
        context.ourDomains = ["ours.example.jp"]
        context.partnerDomains = ["example.co.jp", "microsoft.com", "paypal.com", "apple.com"]
        context.vips = [KnownPerson(name: "山田 太郎", address: "taro.yamada@ours.example.jp"),
                        KnownPerson(name: "Hanako Suzuki", address: "hanako@ours.example.jp")]
        context.correspondents = [KnownCorrespondent(address: "sato@example.co.jp", name: "佐藤 一郎", messages: 12)]
        edit(&context)
        return context
    }

    static func assess(_ text: String, _ context: RiskContext = Risk.context()) -> RiskReport {
        assessor.assess(MIMEMessage(parsing: Array(text.replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n").utf8)), context: context)
    }

    /// A plain message with the given header lines on top of the usual ones.
    static func message(from: String = "佐藤 一郎 <sato@example.co.jp>", headers: [String] = [], subject: String = "打ち合わせの件",
                        body: String = "いつもお世話になっております。\n来週の打ち合わせの件です。\n") -> String {
        (["From: \(from)", "To: user@ours.example.jp", "Subject: \(subject)", "Date: Mon, 1 Dec 2026 10:00:00 +0900",
          "Message-ID: <t1@example.co.jp>", "MIME-Version: 1.0"] + headers
            + ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "", body]).joined(separator: "\n")
    }

    /// A multipart/mixed message with a text part and one attachment (base64).
    static func withAttachment(_ data: [UInt8], headerLines: [String], from: String = "佐藤 一郎 <sato@example.co.jp>") -> String {
        let encoded = Data(data).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
        return (["From: \(from)", "To: user@ours.example.jp", "Subject: 資料送付", "MIME-Version: 1.0",
                 "Content-Type: multipart/mixed; boundary=\"b1\"", "", "--b1", "Content-Type: text/plain; charset=utf-8", "",
                 "資料をお送りします。", "--b1"] + headerLines + ["Content-Transfer-Encoding: base64", "", encoded, "--b1--", ""]).joined(separator: "\n")
    }

    static func html(_ html: String, plain: String? = nil, from: String = "佐藤 一郎 <sato@example.co.jp>") -> String {
        var lines = ["From: \(from)", "To: user@ours.example.jp", "Subject: お知らせ", "MIME-Version: 1.0"]
        if let plain {
            lines += ["Content-Type: multipart/alternative; boundary=\"alt\"", "", "--alt", "Content-Type: text/plain; charset=utf-8", "", plain,
                      "--alt", "Content-Type: text/html; charset=utf-8", "", html, "--alt--", ""]
        } else {
            lines += ["Content-Type: text/html; charset=utf-8", "", html]
        }
        return lines.joined(separator: "\n")
    }
}

extension RiskReport {
    func signal(_ name: String) -> RiskSignal? { signals.first { $0.name == name } }
    func has(_ name: String) -> Bool { signal(name) != nil }
}

/// A ZIP archive written by hand (APPNOTE 4.3): stored entries, optional flags and sizes.
struct ZipBuilder {
    struct Entry {
        var name: String
        var data: [UInt8]
        var encrypted = false
        var declaredUncompressed: UInt32? = nil
        var method: UInt16 = 0
    }

    var entries: [Entry] = []

    mutating func add(_ name: String, _ data: [UInt8] = Array("x".utf8), encrypted: Bool = false, declaredUncompressed: UInt32? = nil, method: UInt16 = 0) {
        entries.append(Entry(name: name, data: data, encrypted: encrypted, declaredUncompressed: declaredUncompressed, method: method))
    }

    func build() -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func le16(_ v: UInt16, _ to: inout [UInt8]) { to += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func le32(_ v: UInt32, _ to: inout [UInt8]) { to += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)] }
        for entry in entries {
            let offset = UInt32(out.count)
            let name = Array(entry.name.utf8)
            let flags: UInt16 = (entry.encrypted ? 1 : 0) | 0x0800
            le32(0x0403_4B50, &out); le16(20, &out); le16(flags, &out); le16(entry.method, &out); le32(0, &out); le32(0, &out)
            le32(UInt32(entry.data.count), &out); le32(entry.declaredUncompressed ?? UInt32(entry.data.count), &out)
            le16(UInt16(name.count), &out); le16(0, &out); out += name; out += entry.data
            le32(0x0201_4B50, &central); le16(20, &central); le16(20, &central); le16(flags, &central); le16(entry.method, &central)
            le32(0, &central); le32(0, &central); le32(UInt32(entry.data.count), &central)
            le32(entry.declaredUncompressed ?? UInt32(entry.data.count), &central)
            le16(UInt16(name.count), &central); le16(0, &central); le16(0, &central); le16(0, &central); le16(0, &central)
            le32(0, &central); le32(offset, &central); central += name
        }
        let centralOffset = UInt32(out.count)
        out += central
        le32(0x0605_4B50, &out); le16(0, &out); le16(0, &out); le16(UInt16(entries.count), &out); le16(UInt16(entries.count), &out)
        le32(UInt32(central.count), &out); le32(centralOffset, &out); le16(0, &out)
        return out
    }
}

/// A minimal OLE compound file ([MS-CFB] version 3): header, one FAT sector, one directory
/// sector holding the given storage/stream names.
enum CompoundFileBuilder {
    static func build(names: [String]) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 512)
        header.replaceSubrange(0..<8, with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
        func put16(_ v: UInt16, _ at: Int, _ to: inout [UInt8]) { to[at] = UInt8(v & 0xFF); to[at + 1] = UInt8(v >> 8) }
        func put32(_ v: UInt32, _ at: Int, _ to: inout [UInt8]) { for k in 0..<4 { to[at + k] = UInt8((v >> (8 * UInt32(k))) & 0xFF) } }
        put16(0x3E, 24, &header); put16(3, 26, &header); put16(0xFFFE, 28, &header); put16(9, 30, &header); put16(6, 32, &header)
        put32(1, 44, &header)          // one FAT sector
        put32(1, 48, &header)          // directory starts at sector 1
        put32(0xFFFF_FFFE, 60, &header); put32(0xFFFF_FFFE, 68, &header)
        put32(0, 76, &header)          // DIFAT[0]: the FAT is sector 0
        for k in 1..<109 { put32(0xFFFF_FFFF, 76 + 4 * k, &header) }
        var fat = [UInt8](repeating: 0xFF, count: 512)
        put32(0xFFFF_FFFD, 0, &fat)    // sector 0: FAT
        put32(0xFFFF_FFFE, 4, &fat)    // sector 1: directory, end of chain
        var directory = [UInt8](repeating: 0, count: 512)
        for (index, name) in (["Root Entry"] + names).prefix(4).enumerated() {
            let base = index * 128
            let units = Array(name.utf16)
            for (k, unit) in units.enumerated() { put16(unit, base + 2 * k, &directory) }
            put16(UInt16((units.count + 1) * 2), base + 64, &directory)
            directory[base + 66] = index == 0 ? 5 : (name == "VBA" || name == "Macros" ? 1 : 2)
        }
        return header + fat + directory
    }
}
