// What a file is by its first bytes, whatever its name says.

import Foundation

enum FileType: Equatable {
    case windowsExecutable, elfExecutable, shortcut, oneNote, diskImage, zip, compoundFile, rar, sevenZip, htmlApplication
    case other

    /// The type from the content: PE "MZ", ELF, Windows shortcut ([MS-SHLLINK] §2.1 header
    /// size and CLSID), OneNote section GUID, ISO 9660 "CD001" at 32769, ZIP, OLE compound file,
    /// RAR, 7-Zip, and an HTML application (`<hta:application`) in the first 4 KiB.
    init(_ bytes: ArraySlice<UInt8>) {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && bytes.dropFirst(offset).prefix(prefix.count).elementsEqual(prefix)
        }
        if starts([0x4D, 0x5A]) { self = .windowsExecutable }
        else if starts([0x7F, 0x45, 0x4C, 0x46]) { self = .elfExecutable }
        else if starts([0x4C, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00]) { self = .shortcut }
        else if starts([0xE4, 0x52, 0x5C, 0x7B, 0x8C, 0xD8, 0xA7, 0x4D, 0xAE, 0xB1, 0x53, 0x78, 0xD0, 0x29, 0x96, 0xD3]) { self = .oneNote }
        else if starts(Array("CD001".utf8), at: 32769) { self = .diskImage }
        else if ZipDirectory.looksLikeZip(bytes) { self = .zip }
        else if CompoundFile.isCompoundFile(bytes) { self = .compoundFile }
        else if starts(Array("Rar!\u{1A}\u{07}".utf8)) { self = .rar }
        else if starts([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) { self = .sevenZip }
        else if Self.containsHTA(bytes.prefix(4096)) { self = .htmlApplication }
        else { self = .other }
    }

    var executableDescription: String? {
        switch self {
        case .windowsExecutable: "a Windows executable"
        case .elfExecutable: "an ELF executable"
        case .shortcut: "a Windows shortcut (.lnk)"
        case .oneNote: "a OneNote section"
        case .diskImage: "a disk image (ISO 9660)"
        case .htmlApplication: "an HTML application (HTA)"
        default: nil
        }
    }

    private static func containsHTA(_ bytes: ArraySlice<UInt8>) -> Bool {
        let needle = Array("<hta:application".utf8)
        let lowered = bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        guard lowered.count >= needle.count else { return false }
        for start in 0...(lowered.count - needle.count) where lowered[start] == needle[0] {
            if lowered[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}

/// File names: extensions, the decoy-then-executable pattern, and bidirectional controls.
enum FileName {
    /// RIGHT-TO-LEFT OVERRIDE and the other bidi embedding, override and isolate controls
    /// (U+202A-U+202E, U+2066-U+2069) and marks (U+200E, U+200F, U+061C) that reorder what a
    /// name shows: "invoice\u{202E}fdp.exe" displays as "invoiceexe.pdf".
    static func bidiControls(in name: String) -> [Unicode.Scalar] {
        name.unicodeScalars.filter { (0x202A...0x202E).contains($0.value) || (0x2066...0x2069).contains($0.value)
            || $0.value == 0x200E || $0.value == 0x200F || $0.value == 0x061C }
    }

    /// The name as a reader sees it, bidi controls shown as U+XXXX.
    static func visible(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            if bidiControls(in: String(scalar)).isEmpty { out.unicodeScalars.append(scalar) }
            else { out += "<U+\(String(scalar.value, radix: 16, uppercase: true))>" }
        }
        return out
    }

    /// Extensions, last first, lower-cased, of the base name (after the last "/" or "\").
    static func extensions(_ name: String) -> [String] {
        let base = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? name
        let cleaned = String(base.unicodeScalars.filter { bidiControls(in: String($0)).isEmpty }.map(Character.init))
        var parts = cleaned.split(separator: ".", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard parts.count > 1 else { return [] }
        parts.removeFirst()
        return parts.reversed()
    }

    /// Document and media types a double extension hides behind ("請求書.pdf.exe").
    static let decoys: Set<String> = [
        "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "rtf", "csv", "jpg", "jpeg", "png", "gif", "bmp",
        "mp3", "mp4", "mov", "avi", "wav", "zip", "html", "htm", "jtd", "odt", "ods",
    ]
}
