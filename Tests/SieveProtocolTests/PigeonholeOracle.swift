import Foundation
import HatoTesting
import SieveProtocol

/// Dovecot Pigeonhole's `sieve-test` (Debian dovecot-core + dovecot-sieve) as the oracle: it
/// runs a script on a message and prints the actions it would take. Both sides are reduced to
/// the same sorted lines ("store FOLDER flags=...", "redirect ADDR", "reject", "vacation SECONDS").
enum PigeonholeOracle {
    static let program = "/usr/bin/sieve-test"
    static let available = FileManager.default.isExecutableFile(atPath: program)
    static let required = Python.requiredInCI

    /// sieve-test refuses to run as root: the configuration makes it drop to nobody.
    /// `plugin`: more settings for the plugin section (RFC 5235 spamtest/virustest configuration).
    static func configuration(_ directory: String, plugin: String = "") -> String {
        """
        mail_uid = nobody
        mail_gid = nogroup
        mail_location = mbox:\(directory)/mail:INBOX=\(directory)/mail/inbox
        plugin {
          sieve = file:\(directory)/personal
          sieve_global = \(directory)/global
          sieve_extensions = +vacation-seconds +editheader\(plugin.isEmpty ? "" : " +spamtest +spamtestplus +virustest")
        \(plugin)}

        """
    }

    /// `personal` and `global`: the scripts `include` finds (RFC 6609), by name.
    static func actions(script: String, message: [UInt8], from: String, to: String, in directory: TemporaryDirectory,
                        personal: [String: String] = [:], global: [String: String] = [:], plugin: String = "") throws -> [String] {
        let fm = FileManager.default
        try fm.setAttributes([.posixPermissions: 0o777], ofItemAtPath: directory.path)
        for (folder, scripts) in [("personal", personal), ("global", global)] {
            let url = directory.url.appendingPathComponent(folder)
            try? fm.removeItem(at: url)
            try fm.createDirectory(at: url, withIntermediateDirectories: true)
            try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
            for (name, source) in scripts {
                let file = url.appendingPathComponent(name + ".sieve")
                try Data(source.utf8).write(to: file)
                try fm.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
            }
        }
        let scriptURL = directory.url.appendingPathComponent("s.sieve")
        let messageURL = directory.url.appendingPathComponent("m.eml")
        let configURL = directory.url.appendingPathComponent("dovecot.conf")
        try Data(script.utf8).write(to: scriptURL)
        try Data(message).write(to: messageURL)
        try Data(configuration(directory.path, plugin: plugin).utf8).write(to: configURL)
        for url in [scriptURL, messageURL, configURL] { try fm.setAttributes([.posixPermissions: 0o644], ofItemAtPath: url.path) }
        // Pigeonhole 0.5.19's sieve-test sometimes dies of SIGSEGV with no output at all (about 2%
        // of runs of a script with two missing optional includes, reproduced in a plain shell
        // loop): an oracle crash, not an answer, so a run killed by a signal is repeated.
        var data = Data()
        for _ in 0..<4 {
            let (output, crashed) = try run(arguments: ["-C", "-c", configURL.path, "-f", from, "-a", to, "-r", to, scriptURL.path, messageURL.path],
                                            home: directory.path)
            data = output
            if !crashed { break }
        }
        let text = String(decoding: data, as: UTF8.self)
        // A run that failed is resolved by the implicit keep (RFC 5228 §2.10.6), as Hato does.
        if text.contains("resolved with successful implicit keep") { return ["store INBOX flags="] }
        guard text.contains("Performed actions:") else { throw OracleFailure(output: text) }
        return parse(text)
    }

    /// One sieve-test run: its output (stdout and stderr) and whether a signal ended it.
    /// -C: compile every time. sieve-test otherwise loads the binary it saved beside the script
    /// when that looks newer: a script rewritten within the same second ran the old binary,
    /// and Pigeonhole 0.5.19 panics loading a saved binary with two missing optional includes
    /// (hash.c: hash_table_insert_node; seen once in ten full runs).
    private static func run(arguments: [String], home: String) throws -> (Data, crashed: Bool) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.environment = ["HOME": home, "PATH": "/usr/bin:/bin"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (data, process.terminationReason == .uncaughtSignal)
    }

    struct OracleFailure: Error, CustomStringConvertible {
        var output: String
        var description: String { "sieve-test printed no actions:\n\(output)" }
    }

    /// The "Performed actions:" and "Implicit keep:" sections of sieve-test's report.
    static func parse(_ text: String) -> [String] {
        var lines: [String] = []
        var inSections = false, inMessage = false
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix("Performed actions:") { inSections = true; continue }
            guard inSections else { continue }
            if line.hasPrefix("sieve-test") { break }
            if line.hasPrefix("START MESSAGE") { inMessage = true; continue }
            if line.hasPrefix("END MESSAGE") { inMessage = false; continue }
            if inMessage { continue }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("* ") {
                let action = String(trimmed.dropFirst(2))
                if action.hasPrefix("store message in folder: ") {
                    lines.append("store " + action.dropFirst("store message in folder: ".count) + " flags=")
                } else if action.hasPrefix("redirect message to: ") {
                    lines.append("redirect " + action.dropFirst("redirect message to: ".count).trimmingCharacters(in: CharacterSet(charactersIn: "<>")))
                } else if action.hasPrefix("reject message") {
                    lines.append("reject")
                } else if action.hasPrefix("track duplicate") || action.hasPrefix("track last duplicate") {
                    // "track duplicate", or "track duplicate with handle: NAME" when :handle is given
                    lines.append("track")  // RFC 7352: an id to record once delivered
                } else if action.hasPrefix("send vacation message") {
                    lines.append("vacation")
                } else if action != "discard" {
                    lines.append("unknown " + action)
                }
            } else if trimmed.hasPrefix("+ add IMAP flags: "), let last = lines.popLast() {
                let flags = trimmed.dropFirst("+ add IMAP flags: ".count).split(separator: " ").map { $0.lowercased() }.sorted()
                lines.append(last + flags.joined(separator: " "))
            } else if trimmed.hasPrefix("=> seconds : "), let last = lines.popLast() {
                lines.append(last + " " + trimmed.dropFirst("=> seconds : ".count))
            }
        }
        return lines.sorted()
    }

    /// Hato's actions in the same form; a runtime error is the implicit keep (RFC 5228 §2.10.6).
    static func normalize(_ result: Result<SieveResult, any Error>) -> [String] {
        guard case .success(let run) = result else { return ["store INBOX flags="] }
        return (run.actions.map { action in
            switch action {
            case .keep(let flags): "store INBOX flags=" + flags.map { $0.lowercased() }.sorted().joined(separator: " ")
            case .fileinto(let mailbox, let flags, _): "store \(mailbox) flags=" + flags.map { $0.lowercased() }.sorted().joined(separator: " ")
            case .redirect(let address): "redirect \(address)"
            case .reject: "reject"
            case .vacation(let reply): "vacation \(reply.period)"
            }
        } + run.duplicates.map { _ in "track" }).sorted()
    }
}
