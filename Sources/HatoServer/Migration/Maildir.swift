import Foundation
import MailStore

/// Maildir (as Dovecot and Courier write it): `new/`, `cur/`, `tmp/`; flags in the file name after
/// `:2,` (D draft, F flagged, R replied, S seen, T trashed); keywords as letters a-z mapped by
/// the `dovecot-keywords` file; the received date is the file's modification time.
public enum Maildir {
    static let flagLetters: [(Character, SystemFlags)] = [("D", .draft), ("F", .flagged), ("R", .answered), ("S", .seen), ("T", .deleted)]

    public static func read(_ directory: URL) throws -> [MigratedMessage] {
        let fm = FileManager.default
        guard fm.fileExists(atPath: directory.appendingPathComponent("cur").path)
                || fm.fileExists(atPath: directory.appendingPathComponent("new").path) else {
            throw MigrationError.notMaildir(directory.path)
        }
        let keywords = readKeywords(directory)
        var entries: [(name: String, url: URL, isNew: Bool)] = []
        for sub in ["new", "cur"] {
            let folder = directory.appendingPathComponent(sub)
            for name in (try? fm.contentsOfDirectory(atPath: folder.path)) ?? [] where !name.hasPrefix(".") {
                entries.append((name, folder.appendingPathComponent(name), sub == "new"))
            }
        }
        // Maildir names start with the delivery time in seconds; sort numerically on it, then by name.
        entries.sort { (Self.timestamp($0.name), $0.name) < (Self.timestamp($1.name), $1.name) }
        return try entries.map { entry in
            let bytes = Array(try Data(contentsOf: entry.url))
            let date = (try? fm.attributesOfItem(atPath: entry.url.path))?[.modificationDate] as? Date ?? Date()
            let flags = entry.isNew ? MessageFlags() : parseFlags(entry.name, keywords: keywords)
            return MigratedMessage(bytes: LineEndings.toCRLF(bytes), flags: flags, internalDate: date)
        }
    }

    public static func write(_ messages: [MigratedMessage], to directory: URL, hostname: String, uids: [UInt32], uidValidity: UInt32) throws {
        let fm = FileManager.default
        for sub in ["cur", "new", "tmp"] {
            try fm.createDirectory(at: directory.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        var keywordOrder: [String] = []
        for message in messages {
            for keyword in message.flags.keywords where !keywordOrder.contains(keyword) && keywordOrder.count < 26 {
                keywordOrder.append(keyword)
            }
        }
        if !keywordOrder.isEmpty {
            let text = keywordOrder.enumerated().map { "\($0.offset) \($0.element)\n" }.joined()
            try Data(text.utf8).write(to: directory.appendingPathComponent("dovecot-keywords"))
        }
        let host = hostname.replacingOccurrences(of: "/", with: "\\057").replacingOccurrences(of: ":", with: "\\072")
        for (index, message) in messages.enumerated() {
            var info = flagLetters.filter { message.flags.system.contains($0.1) }.map { String($0.0) }.joined()
            info += message.flags.keywords.compactMap { keyword in
                keywordOrder.firstIndex(of: keyword).map { String(UnicodeScalar(UInt8(ascii: "a") + UInt8($0))) }
            }.joined()
            let seconds = Int(message.internalDate.timeIntervalSince1970)
            let name = "\(seconds).U\(uids[index])V\(uidValidity).\(host),S=\(message.bytes.count):2,\(info)"
            let file = directory.appendingPathComponent("cur").appendingPathComponent(name)
            try Data(message.bytes).write(to: file)
            try fm.setAttributes([.modificationDate: message.internalDate], ofItemAtPath: file.path)
        }
    }

    static func parseFlags(_ name: String, keywords: [Character: String]) -> MessageFlags {
        guard let range = name.range(of: ":2,") ?? name.range(of: "!2,") else { return MessageFlags() }
        var system: SystemFlags = []
        var names: [String] = []
        for letter in name[range.upperBound...] {
            if let flag = flagLetters.first(where: { $0.0 == letter }) { system.insert(flag.1) }
            if let keyword = keywords[letter] { names.append(keyword) }
        }
        return MessageFlags(system: system, keywords: names)
    }

    static func readKeywords(_ directory: URL) -> [Character: String] {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("dovecot-keywords"), encoding: .utf8) else { return [:] }
        var map: [Character: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let index = Int(parts[0]), (0..<26).contains(index) else { continue }
            map[Character(UnicodeScalar(UInt8(ascii: "a") + UInt8(index)))] = String(parts[1])
        }
        return map
    }

    static func timestamp(_ name: String) -> Int { Int(name.prefix { $0.isNumber }) ?? 0 }
}

public enum MigrationError: Error, CustomStringConvertible {
    case notMaildir(String)
    case unreadable(String, String)
    public var description: String {
        switch self {
        case .notMaildir(let path): "\(path) is not a Maildir folder (no cur/ or new/)"
        case .unreadable(let path, let why): "cannot read \(path): \(why)"
        }
    }
}
