import Foundation
import MailMessage
import RiskAssessment
import Testing

@Suite struct AttachmentSignalTests {
    static let pdf = Array("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n".utf8)
    static let exe: [UInt8] = [0x4D, 0x5A, 0x90, 0x00] + [UInt8](repeating: 0, count: 60)

    func attach(_ data: [UInt8], _ lines: [String]) -> RiskReport {
        Risk.assess(Risk.withAttachment(data, headerLines: lines))
    }

    @Test(arguments: ["exe", "scr", "com", "pif", "js", "jse", "vbs", "wsf", "hta", "lnk", "iso", "img", "one", "msi"])
    func executableByName(_ ext: String) throws {
        let report = attach(Array("text".utf8), ["Content-Type: application/octet-stream; name=\"setup.\(ext)\""])
        #expect(try #require(report.signal("executable-attachment")).detail.contains("setup.\(ext)"))
    }

    /// The extensions the assessor counts are worked out once per policy: a policy set on a
    /// running assessor (a configuration reload) is followed at once.
    @Test func executableExtensionsFollowThePolicy() throws {
        var assessor = Risk.assessor
        func flags(_ name: String) -> Bool {
            let text = Risk.withAttachment(Array("text".utf8), headerLines: ["Content-Type: application/octet-stream; name=\"\(name)\""])
            return assessor.assess(MIMEMessage(parsing: Array(text.replacingOccurrences(of: "\r\n", with: "\n")
                .replacingOccurrences(of: "\n", with: "\r\n").utf8)), context: Risk.context()).has("executable-attachment")
        }
        #expect(flags("setup.exe") && !flags("macro.XYZ"))
        assessor.policy.executableExtensions = ["XYZ"]
        #expect(flags("macro.xyz") && !flags("setup.exe"))
    }

    @Test func executableByContentWhateverTheName() throws {
        let report = attach(Self.exe, ["Content-Type: application/pdf", "Content-Disposition: attachment; filename=\"見積書.pdf\""])
        #expect(try #require(report.signal("executable-attachment")).detail.contains("Windows executable by its content"))
        var lnk: [UInt8] = [0x4C, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00]
        lnk += [UInt8](repeating: 0, count: 68)
        #expect(attach(lnk, ["Content-Type: application/octet-stream; name=\"photo.jpg\""]).has("executable-attachment"))
    }

    @Test func doubleExtensions() throws {
        let report = attach(Array("x".utf8), ["Content-Type: application/octet-stream", "Content-Disposition: attachment; filename=\"請求書.pdf.exe\""])
        #expect(try #require(report.signal("double-extension")).detail.contains("shows .pdf but is .exe"))
        #expect(!attach(Self.pdf, ["Content-Type: application/pdf; name=\"report.2026.12.pdf\""]).has("double-extension"))
        #expect(!attach(Array("a,b".utf8), ["Content-Type: text/csv; name=\"data.tar.csv\""]).has("double-extension"))
    }

    @Test func rightToLeftOverrideInEveryEncoding() throws {
        // "invoice<RLO>fdp.exe" shows as "invoiceexe.pdf". RFC 2231, RFC 2047 and raw UTF-8.
        let names = [
            "Content-Disposition: attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe",
            "Content-Type: application/octet-stream; name=\"=?UTF-8?B?\(Data("請求書\u{202E}fdp.scr".utf8).base64EncodedString())?=\"",
            "Content-Disposition: attachment; filename=\"photo\u{202E}gpj.js\"",
        ]
        for line in names {
            let report = attach(Array("x".utf8), line.hasPrefix("Content-Type") ? [line] : ["Content-Type: application/octet-stream", line])
            let signal = try #require(report.signal("rtl-override-filename"), "\(line): \(report.signals)")
            #expect(signal.detail.contains("U+202E"))
            #expect(report.verdict == .phishing, "RTL override plus an executable: \(report.score)")
        }
        #expect(!attach(Self.pdf, ["Content-Type: application/pdf; name=\"請求書.pdf\""]).has("rtl-override-filename"))
    }

    @Test func officeMacros() throws {
        var docm = ZipBuilder()
        docm.add("[Content_Types].xml")
        docm.add("word/document.xml")
        docm.add("word/vbaProject.bin")
        let ooxml = attach(docm.build(), ["Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name=\"見積.docx\""])
        #expect(try #require(ooxml.signal("macro-document")).detail.contains("vbaProject.bin"))
        let ole = attach(CompoundFileBuilder.build(names: ["WordDocument", "Macros", "VBA"]), ["Content-Type: application/msword; name=\"old.doc\""])
        #expect(try #require(ole.signal("macro-document")).detail.contains("OLE document with VBA macros"))
        #expect(attach(Array("x".utf8), ["Content-Type: application/octet-stream; name=\"売上.xlsm\""]).has("macro-document"))

        var docx = ZipBuilder()
        docx.add("[Content_Types].xml")
        docx.add("word/document.xml")
        #expect(!attach(docx.build(), ["Content-Type: application/octet-stream; name=\"見積.docx\""]).has("macro-document"))
        #expect(!attach(CompoundFileBuilder.build(names: ["WordDocument", "1Table"]), ["Content-Type: application/msword; name=\"a.doc\""])
            .has("macro-document"))
    }

    @Test func archivesListedWithoutExtraction() throws {
        var zip = ZipBuilder()
        zip.add("請求書/明細.pdf", Self.pdf)
        zip.add("請求書/明細.pdf.exe", Self.exe)
        let report = attach(zip.build(), ["Content-Type: application/zip; name=\"請求書.zip\""])
        let detail = try #require(report.signal("executable-attachment")).detail
        #expect(detail.contains("inside \"請求書.zip\""), "\(detail)")
        #expect(report.has("double-extension"))

        var locked = ZipBuilder()
        locked.add("見積書.pdf", Self.pdf, encrypted: true)
        let encrypted = attach(locked.build(), ["Content-Type: application/zip; name=\"見積書.zip\""])
        #expect(try #require(encrypted.signal("encrypted-archive")).detail.contains("password-protected"))

        var inner = ZipBuilder()
        inner.add("run.js", Array("WScript.Echo(1)".utf8))
        var outer = ZipBuilder()
        outer.add("inner.zip", inner.build())
        #expect(attach(outer.build(), ["Content-Type: application/zip; name=\"outer.zip\""]).signal("executable-attachment")?.detail
            .contains("run.js") == true)

        var plain = ZipBuilder()
        plain.add("明細.pdf", Self.pdf)
        plain.add("写真.jpg", [0xFF, 0xD8, 0xFF])
        let clean = attach(plain.build(), ["Content-Type: application/zip; name=\"資料.zip\""])
        #expect(!clean.has("executable-attachment") && !clean.has("encrypted-archive") && !clean.has("archive-bomb"), "\(clean.signals)")
    }

    @Test func archiveBombs() throws {
        var bomb = ZipBuilder()
        bomb.add("zeros.bin", [0x00, 0x01], declaredUncompressed: 4_000_000_000, method: 8)
        #expect(try #require(attach(bomb.build(), ["Content-Type: application/zip; name=\"a.zip\""]).signal("archive-bomb")).detail
            .contains("expands"))
        var level = ZipBuilder()
        level.add("deep.txt", Array("x".utf8))
        for depth in 0..<4 {
            var next = ZipBuilder()
            next.add("level\(depth).zip", level.build())
            level = next
        }
        let nested = attach(level.build(), ["Content-Type: application/zip; name=\"nested.zip\""])
        #expect(try #require(nested.signal("archive-bomb")).detail.contains("deeper than 3"))
    }

    @Test func brokenArchivesAreNotAFinding() {
        var zip = ZipBuilder()
        zip.add("a.pdf", Self.pdf)
        var bytes = zip.build()
        bytes.removeLast(30)
        let report = attach(bytes, ["Content-Type: application/zip; name=\"cut.zip\""])
        #expect(report.signals.allSatisfy { $0.name == "external-sender" }, "\(report.signals)")
    }
}
