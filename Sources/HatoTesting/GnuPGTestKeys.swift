// OpenPGP keys made by real GnuPG (`gpg --batch --quick-gen-key`) in a throwaway GNUPGHOME, and
// detached signatures made by `gpg --detach-sign`: a peer Hato did not write (docs/openpgp.md).

import Foundation

public enum GnuPGAvailability {
    public static let required = Python.requiredInCI
    public static let available = FileManager.default.isExecutableFile(atPath: "/usr/bin/gpg")
}

public struct GnuPGTestKeys: Sendable {
    /// The GNUPGHOME; short, as gpg-agent's socket path must fit in sun_path.
    public let directory: URL

    /// alice (Ed25519 + Cv25519 encryption subkey), bob (RSA 2048 + RSA encryption subkey),
    /// dave (Ed25519, no encryption subkey), erin (encryption subkey expired in 2020),
    /// carol (revoked), mallory (a second key claiming alice@example.com).
    public static func make() async throws -> GnuPGTestKeys {
        let directory = URL(fileURLWithPath: "/tmp/hato-gpg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try await shell(script, in: directory)
        return GnuPGTestKeys(directory: directory)
    }

    public func fingerprint(_ user: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent("\(user).fpr"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The user's certificate as `gpg --export` writes it (armored with --armor).
    public func export(_ user: String, armored: Bool = true) async throws -> [UInt8] {
        let name = "\(user)-\(armored ? "asc" : "gpg")"
        try await Self.shell("gpg --batch \(armored ? "--armor" : "") --export \(try fingerprint(user)) > \(name)", in: directory)
        return Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// An armored detached signature by `user` over `data` (RFC 3156 §5 application/pgp-signature).
    public func sign(_ data: [UInt8], as user: String) async throws -> String {
        let name = UUID().uuidString
        try Data(data).write(to: directory.appendingPathComponent("\(name).in"))
        try await Self.shell("""
            gpg --batch --yes --pinentry-mode loopback --passphrase '' --armor --digest-algo SHA256 \
              --local-user \(try fingerprint(user))! --detach-sign --output \(name).asc \(name).in
            """, in: directory)
        return try String(contentsOf: directory.appendingPathComponent("\(name).asc"), encoding: .utf8)
    }

    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    static func shell(_ script: String, in directory: URL) async throws {
        // The gpg-agent gpg starts goes with each script (the next gpg starts another): none outlives a test.
        let process = try ChildProcess(executable: URL(fileURLWithPath: "/bin/sh"),
                                       arguments: ["-ec", "trap 'gpgconf --kill gpg-agent' EXIT\n" + script],
                                       environment: ["GNUPGHOME": directory.path], directory: directory)
        process.closeInput()
        let status = await process.exit(timeout: .seconds(120))
        guard status == 0 else { throw GnuPGError(message: "gpg failed (\(status)): \(process.errorOutput)") }
    }

    public struct GnuPGError: Error { public var message: String }

    static let script = #"""
        q="gpg --batch --pinentry-mode loopback --passphrase ''"
        # The newest primary key with this User ID (mallory shares alice's).
        fpr() { gpg --with-colons --list-keys "$1" | awk -F: '/^pub/{p=1} /^fpr/ && p {f=$10; p=0} END{print f}'; }
        key() { # name uid algo [faked time]; --yes: mallory repeats alice's User ID
          $q --yes ${4:+--faked-system-time $4} --quick-gen-key "$2" $3 sign never 2>/dev/null
          fpr "$2" > $1.fpr
        }
        key alice 'Alice <alice@example.com>' ed25519
        $q --quick-add-key $(cat alice.fpr) cv25519 encr never 2>/dev/null
        key bob 'Bob <bob@example.com>' rsa2048
        $q --quick-add-key $(cat bob.fpr) rsa2048 encr never 2>/dev/null
        key dave 'Dave <dave@example.com>' ed25519
        key erin 'Erin <erin@example.com>' ed25519 20200101T000000
        $q --faked-system-time 20200101T000000 --quick-add-key $(cat erin.fpr) cv25519 encr 1d 2>/dev/null
        key carol 'Carol <carol@example.com>' ed25519
        $q --quick-add-key $(cat carol.fpr) cv25519 encr never 2>/dev/null
        sed 's/^:-----/-----/' openpgp-revocs.d/$(cat carol.fpr).rev | $q --import 2>/dev/null
        key mallory 'Alice <alice@example.com>' ed25519
        $q --quick-add-key $(cat mallory.fpr) cv25519 encr never 2>/dev/null
        """#
}
