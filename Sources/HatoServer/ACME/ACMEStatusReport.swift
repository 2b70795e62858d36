import Foundation

/// What `hato acme status` prints: for each certificate in the data directory (the configured
/// one first, then any left from earlier `acme.hostnames`), its names, expiry, issuer, when it
/// is renewed, and the last error with the next retry.
public struct ACMEStatusReport: Sendable {
    public struct Entry: Sendable, Codable, Equatable {
        public var names: [String]
        public var configured: Bool
        public var notAfter: Date?
        public var issuer: String?
        public var serial: String?
        public var nextRenewal: Date?
        public var lastError: String?
        public var failures: Int
        public var nextAttempt: Date?
        public var lastIssued: Date?
    }

    public var directory: String?
    public var challenge: String?
    public var entries: [Entry]

    public init(config: HatoConfig, now: Date = Date()) {
        guard let settings = config.acme else {
            directory = nil
            challenge = nil
            entries = []
            return
        }
        directory = settings.directory
        challenge = settings.challenge.rawValue
        let configured = ACMECertificateFiles(dataDirectory: config.dataDirectory, settings: settings)
        var entries = [Self.entry(configured, settings: settings, configured: true, now: now)]
        let others = (try? FileManager.default.contentsOfDirectory(atPath: configured.root.path)) ?? []
        for name in others.sorted() where name != settings.hostnames[0] {
            var old = settings
            old.hostnames = [name]
            let files = ACMECertificateFiles(dataDirectory: config.dataDirectory, settings: old)
            guard let installed = files.installed() else { continue }
            old.hostnames = [name] + installed.names.filter { $0 != name }
            entries.append(Self.entry(ACMECertificateFiles(dataDirectory: config.dataDirectory, settings: old), settings: old,
                                      configured: false, now: now))
        }
        self.entries = entries
    }

    static func entry(_ files: ACMECertificateFiles, settings: ACMESettings, configured: Bool, now: Date) -> Entry {
        let installed = files.installed(), state = files.loadState()
        var next: Date?
        if configured {
            switch ACMERenewalPlan.decide(installed: installed, configured: files.names, state: state, now: now,
                                          minimumInterval: settings.retryInitial) {
            case .wait(let until): next = until
            case .obtain: next = now
            }
        }
        return Entry(names: installed?.names ?? files.names, configured: configured, notAfter: installed?.notAfter,
                     issuer: installed?.issuer, serial: installed?.serial, nextRenewal: next,
                     lastError: state.names == files.names ? state.lastError : nil, failures: state.failures,
                     nextAttempt: state.nextAttempt, lastIssued: state.lastIssued)
    }

    public var text: String {
        guard let directory else { return "ACME is off: set [acme] email (docs/acme.md)." }
        var lines = ["directory: \(directory)", "challenge: \(challenge ?? "?")"]
        for entry in entries {
            lines.append("")
            lines.append("certificate: \(entry.names.joined(separator: ", "))" + (entry.configured ? "" : " (no longer configured)"))
            if let notAfter = entry.notAfter {
                lines.append("  not after:    \(Self.date(notAfter))")
                lines.append("  issuer:       \(entry.issuer ?? "?")")
                lines.append("  serial:       \(entry.serial ?? "?")")
            } else {
                lines.append("  not issued yet (the self-signed certificate is served meanwhile)")
            }
            if let next = entry.nextRenewal {
                lines.append("  next renewal: \(Self.date(next))" + (entry.failures > 0 ? " (retry \(entry.failures + 1) after \(entry.failures) failure(s))" : ""))
            }
            if let error = entry.lastError { lines.append("  last error:   \(error)") }
        }
        return lines.joined(separator: "\n")
    }

    public func json() throws -> String {
        let encoder = JSONEncoder.acme
        struct Document: Encodable {
            var directory: String?
            var challenge: String?
            var certificates: [Entry]
        }
        return String(decoding: try encoder.encode(Document(directory: directory, challenge: challenge, certificates: entries)), as: UTF8.self)
    }

    static func date(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
