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
    /// One gpg at a time in this GNUPGHOME: each script stops the agent it started, which
    /// would cut off a gpg running beside it (tests run in parallel).
    let gate = SerialGate()

    /// One set of keys for the whole test process: generating them (two RSA 2048 keys among
    /// them) is the costliest thing a GnuPG test does, and every suite making its own in the
    /// first minute of a full run loaded two cores past what gpg-agent's start-up waits allow
    /// (issue 16). The tests only read, export and sign with them, never change the keyring.
    public static var shared: GnuPGTestKeys { get async throws { try await made.value } }
    private static let made = Task { try await make() }

    /// alice (Ed25519 + Cv25519 encryption subkey), bob (RSA 2048 + RSA encryption subkey),
    /// dave (Ed25519, no encryption subkey), erin (encryption subkey expired in 2020),
    /// carol (revoked), mallory (a second key claiming alice@example.com).
    /// A gpg that fails under load (its agent starting too slowly) is given one more try in a
    /// fresh directory; the first failure's output goes with the second's if that fails too.
    public static func make() async throws -> GnuPGTestKeys {
        do {
            return try await makeOnce()
        } catch let first as GnuPGError {
            do {
                return try await makeOnce()
            } catch let second as GnuPGError {
                throw GnuPGError(message: "twice: \(first.message)\n-- second try --\n\(second.message)")
            }
        }
    }

    private static func makeOnce() async throws -> GnuPGTestKeys {
        let directory = URL(fileURLWithPath: "/tmp/hato-gpg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let keys = GnuPGTestKeys(directory: directory)
        do {
            try await keys.shell(script)
        } catch {
            keys.remove()
            throw error
        }
        return keys
    }

    public func fingerprint(_ user: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent("\(user).fpr"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The user's certificate as `gpg --export` writes it (armored with --armor); carol's as
    /// exported after her revocation.
    public func export(_ user: String, armored: Bool = true) async throws -> [UInt8] {
        let revoked = directory.appendingPathComponent("\(user).revoked.asc")
        if FileManager.default.fileExists(atPath: revoked.path) { return Array(try Data(contentsOf: revoked)) }
        // A file of its own per call: tests share one keyring, and with one name per user the
        // shell's `>` of one export emptied the file another test was reading ("empty certificate").
        let name = "\(user)-\(UUID().uuidString).\(armored ? "asc" : "gpg")"
        try await shell("gpg --batch \(armored ? "--armor" : "") --export \(try fingerprint(user)) > \(name)")
        let file = directory.appendingPathComponent(name)
        defer { try? FileManager.default.removeItem(at: file) }
        return Array(try Data(contentsOf: file))
    }

    /// `text` cleartext-signed by `user` (`gpg --clearsign`, RFC 9580 §7), as inline PGP mail carries it.
    public func clearsign(_ text: String, as user: String) async throws -> String {
        let name = UUID().uuidString
        try Data(text.utf8).write(to: directory.appendingPathComponent("\(name).txt"))
        try await shell("""
            gpg --batch --yes --digest-algo SHA256 --local-user \(try fingerprint(user))! --clearsign --output \(name).asc \(name).txt
            """)
        return try String(contentsOf: directory.appendingPathComponent("\(name).asc"), encoding: .utf8)
    }

    /// The user's OPENPGPKEY record as GnuPG writes it (`--export-options export-dane`, RFC 7929).
    public func daneRecord(_ user: String) async throws -> String {
        try await shell("gpg --batch --export-options export-dane --export \(try fingerprint(user)) > \(user).dane")
        return try String(contentsOf: directory.appendingPathComponent("\(user).dane"), encoding: .utf8)
    }

    /// GnuPG's Web Key Directory hash of an address (`gpg-wks-client --print-wkd-hash`).
    public func wkdHash(_ address: String) async throws -> String {
        let name = UUID().uuidString
        try await shell("/usr/lib/gnupg/gpg-wks-client --print-wkd-hash '\(address)' > \(name).wkd")
        let line = try String(contentsOf: directory.appendingPathComponent("\(name).wkd"), encoding: .utf8)
        return String(line.split(separator: " ").first ?? "")
    }

    /// An armored detached signature by `user` over `data` (RFC 3156 §5 application/pgp-signature).
    public func sign(_ data: [UInt8], as user: String) async throws -> String {
        let name = UUID().uuidString
        try Data(data).write(to: directory.appendingPathComponent("\(name).in"))
        try await shell("""
            gpg --batch --yes --armor --digest-algo SHA256 \
              --local-user \(try fingerprint(user))! --detach-sign --output \(name).asc \(name).in
            """)
        return try String(contentsOf: directory.appendingPathComponent("\(name).asc"), encoding: .utf8)
    }

    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    func shell(_ script: String) async throws {
        await gate.enter()
        do {
            try await Self.run(script, in: directory)
            await gate.leave()
        } catch {
            await gate.leave()
            throw error
        }
    }

    static func run(_ script: String, in directory: URL) async throws {
        // The gpg-agent gpg starts goes with each script (the next gpg starts another): none
        // outlives a test. The script runs in its own `sh -e`, so its status is the one reported.
        let wrapper = #"sh -ec "$1"; status=$?; gpgconf --kill gpg-agent 2>/dev/null; exit $status"#
        let process = try ChildProcess(executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", wrapper, "gnupg-test", script],
                                       environment: ["GNUPGHOME": directory.path], directory: directory)
        process.closeInput()
        let status = await process.exit(timeout: .seconds(120))
        guard status == 0 else { throw GnuPGError(message: "gpg failed (\(status)): \(process.errorOutput)") }
    }

    public struct GnuPGError: Error { public var message: String }

    static let script = #"""
        # An empty passphrase: the keys are not protected. gpg's chatter goes to gpg.log, which is
        # printed when a step fails, so a failure says which command and why.
        q() { gpg --batch --passphrase '' "$@" 2>>gpg.log || { s=$?; echo "gpg $*: status $s" >&2; cat gpg.log >&2; return $s; }; }
        # The newest primary key with this User ID (mallory shares alice's).
        fpr() { gpg --with-colons --list-keys "$1" | awk -F: '/^pub/{p=1} /^fpr/ && p {f=$10; p=0} END{print f}'; }
        key() { # name uid algo [faked time]; --yes: mallory repeats alice's User ID
          q --yes ${4:+--faked-system-time $4} --quick-gen-key "$2" $3 sign never
          fpr "$2" > $1.fpr
        }
        key alice 'Alice <alice@example.com>' ed25519
        q --quick-add-key $(cat alice.fpr) cv25519 encr never
        key bob 'Bob <bob@example.com>' rsa2048
        q --quick-add-key $(cat bob.fpr) rsa2048 encr never
        key dave 'Dave <dave@example.com>' ed25519
        key erin 'Erin <erin@example.com>' ed25519 20200101T000000
        q --faked-system-time 20200101T000000 --quick-add-key $(cat erin.fpr) cv25519 encr 1d
        # carol's key (and so the revocation gpg writes with it) is dated a year back: a signature
        # made in the same second as the revocation counted as made before it, and verified.
        key carol 'Carol <carol@example.com>' ed25519 20251201T000000
        q --quick-add-key $(cat carol.fpr) cv25519 encr never
        # carol's certificate is exported revoked; her unrevoked secret key stays to sign with.
        gpg --batch --export-secret-keys $(cat carol.fpr) > carol-secret.gpg
        sed 's/^:-----/-----/' openpgp-revocs.d/$(cat carol.fpr).rev | q --import
        gpg --batch --armor --export $(cat carol.fpr) > carol.revoked.asc
        gpg --batch --yes --delete-secret-and-public-key $(cat carol.fpr)!
        q --import carol-secret.gpg
        key mallory 'Alice <alice@example.com>' ed25519
        q --quick-add-key $(cat mallory.fpr) cv25519 encr never
        """#
}

/// An async mutex: `enter` waits until every earlier holder has left.
actor SerialGate {
    private var held = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func enter() async {
        guard held else { held = true; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty { held = false } else { waiting.removeFirst().resume() }
    }
}
