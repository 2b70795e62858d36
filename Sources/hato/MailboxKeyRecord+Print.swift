import ArgumentParser
import HatoServer
import MailCore

extension MailboxKeyRecord {
    /// Zone-file lines for `hato pgp dns` and `hato smime dns`: a heading comment, then each
    /// record under a comment naming its address and fingerprint.
    static func printZone(_ entries: [MailboxKeyRecord], domain: Domain?, importHint: String, heading: String) throws {
        guard !entries.isEmpty else {
            throw ValidationError("no account certificates\(domain.map { " in \($0.name)" } ?? ""): add one with \(importHint)")
        }
        print("; " + heading)
        for entry in entries {
            print("; \(entry.address.canonical) \(entry.fingerprint)")
            print("\(entry.record.name) \(entry.record.ttl) IN \(entry.record.data.type) \(entry.record.data)")
        }
    }
}
