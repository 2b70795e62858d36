// A private copy of the shared test keyring for a test that runs gpg itself (from Python, with
// its own gpg-agent): the shared GNUPGHOME's agent is stopped after every script, which would
// cut off a gpg another test started there.

import Foundation

/// Sequoia's `sq` (Debian package `sq`), a second OpenPGP implementation sharing no code with
/// GnuPG or RNP; missing it fails CI (.ci/run installs it).
public enum SequoiaAvailability {
    public static let required = Python.requiredInCI
    public static let available = FileManager.default.isExecutableFile(atPath: "/usr/bin/sq")
}

extension GnuPGTestKeys {
    /// A new GNUPGHOME with the same public and secret keys; the caller removes it (and runs
    /// `gpgconf --kill all` in it when done).
    public func privateCopy() async throws -> URL {
        let copy = URL(fileURLWithPath: "/tmp/hato-gpg-\(UUID().uuidString.prefix(8))")
        try await shell("""
            mkdir -m 700 \(copy.path)
            cp -p pubring.kbx trustdb.gpg \(copy.path)/
            cp -rp private-keys-v1.d \(copy.path)/
            """)
        return copy
    }

    /// `user`'s secret key as `gpg --export-secret-keys --armor` writes it (unprotected: the
    /// test keys have an empty passphrase).
    public func exportSecret(_ user: String) async throws -> [UInt8] {
        let name = "\(user)-secret-\(UUID().uuidString).asc"  // one file per call, as `export`
        try await shell("gpg --batch --pinentry-mode loopback --passphrase '' --armor --export-secret-keys \(try fingerprint(user)) > \(name)")
        let file = directory.appendingPathComponent(name)
        defer { try? FileManager.default.removeItem(at: file) }
        return Array(try Data(contentsOf: file))
    }
}
