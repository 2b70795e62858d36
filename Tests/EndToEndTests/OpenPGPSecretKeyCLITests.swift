import Foundation
import HatoTesting
import Testing

/// `hato pgp import ACCOUNT FILE --secret` through the real binary with secret keys GnuPG
/// exported: refusals say why, a passphrase-protected key needs --password-file (and the right
/// passphrase), `hato pgp list` shows the key as sealed, and the secret key material is nowhere
/// in the data directory in the clear (it is sealed with data_dir/server-secret.key).
@Suite(.heavy, .enabled(if: GnuPGAvailability.available || GnuPGAvailability.required, "gpg is not installed"))
struct OpenPGPSecretKeyCLITests {
    @Test func secretKeysAreCheckedAndSealed() async throws {
        let keys = try await GnuPGTestKeys.shared
        let workspace = try CLIWorkspace(prefix: "hato-pgp-secret")
        func hato(_ arguments: String..., stdin: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await workspace.hato(arguments, stdin: stdin)
        }
        let directory = workspace.directory.url.path
        func file(_ name: String, _ bytes: [UInt8]) throws -> String {
            try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/\(name)"))
            return "\(directory)/\(name)"
        }
        #expect(try await hato("domain", "add", "example.com").status == 0)
        for user in ["alice", "taro"] {
            #expect(try await hato("account", "add", "\(user)@example.com", "--password-stdin", stdin: "a long password\n").status == 0)
        }
        let alice = try keys.fingerprint("alice")
        let secret = try await keys.exportSecret("alice")
        let secretFile = try file("alice-secret.asc", secret)

        let certificateOnly = try await hato("pgp", "import", "alice@example.com", try file("alice.asc", try await keys.export("alice")), "--secret")
        #expect(certificateOnly.status != 0 && certificateOnly.stderr.contains("no secret key material in the file"), "\(certificateOnly.stderr)")
        let wrongAccount = try await hato("pgp", "import", "taro@example.com", secretFile, "--secret")
        #expect(wrongAccount.status != 0 && wrongAccount.stderr.contains("has no valid User ID with taro@example.com"), "\(wrongAccount.stderr)")
        let passwordAlone = try await hato("pgp", "import", "alice@example.com", secretFile, "--password-file", secretFile)
        #expect(passwordAlone.status != 0 && passwordAlone.stderr.contains("--password-file goes with --secret"), "\(passwordAlone.stderr)")

        // Without --secret only the public part is taken (as before): nothing sealed.
        #expect(try await hato("pgp", "import", "alice@example.com", secretFile).status == 0)
        #expect(try await hato("pgp", "list", "alice@example.com").stdout.contains("sealed") == false)
        let imported = try await hato("pgp", "import", "alice@example.com", secretFile, "--secret")
        #expect(imported.status == 0 && imported.stdout.hasPrefix("imported \(alice) for alice@example.com with its secret key, sealed (signing keys: \(alice);"),
                "\(imported.stdout) \(imported.stderr)")
        let listed = try await hato("pgp", "list", "alice@example.com")
        let row = try #require(listed.stdout.split(separator: "\n").dropFirst().first, "\(listed.stdout)")
        #expect(row.hasPrefix(alice) && row.hasSuffix("sealed"), "\(listed.stdout)")
        #expect(!listed.stdout.contains("PRIVATE") && !imported.stdout.contains("PRIVATE"))
        #expect(FileManager.default.fileExists(atPath: "\(directory)/data/server-secret.key"))

        // A passphrase-protected key (made here by gpg): refused without the passphrase, with a
        // wrong one, taken with the right one.
        let made = try await Python.run(#"""
            import subprocess, sys, os, tempfile, shutil
            d = sys.argv[1]; home = tempfile.mkdtemp(dir="/tmp"); env = dict(os.environ, GNUPGHOME=home)
            q = lambda *a: subprocess.run(["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "kumquat pass", *a], env=env, capture_output=True)
            q("--quick-gen-key", "Taro <taro@example.com>", "ed25519", "sign", "never")
            fpr = [l.split(":")[9] for l in subprocess.run(["gpg", "--with-colons", "--list-keys"], env=env, capture_output=True, text=True).stdout.splitlines() if l.startswith("fpr:")][0]
            q("--quick-add-key", fpr, "cv25519", "encr", "never")
            open(d + "/taro-secret.asc", "wb").write(q("--armor", "--export-secret-keys", fpr).stdout)
            open(d + "/right.pw", "w").write("kumquat pass\n"); open(d + "/wrong.pw", "w").write("plum\n")
            # The secret-key packet's last 20 octets (secret key material and checksum, RFC 9580 §5.5.3).
            b = q("--export-secret-keys", fpr).stdout
            h = b[0]
            if h & 0x40:
                l = b[1]; start, length = (2, l) if l < 192 else (3, ((l - 192) << 8) + b[2] + 192)
            else:
                n = {0: 1, 1: 2, 2: 4}[h & 3]; start, length = 1 + n, int.from_bytes(b[1:1 + n], "big")
            print(fpr, b[start:start + length][-20:].hex())
            subprocess.run(["gpgconf", "--kill", "all"], env=env, capture_output=True); shutil.rmtree(home, ignore_errors=True)
            """#, arguments: [directory], timeout: 120)
        let fields = made.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        try #require(fields.count == 2, "\(made.stdout) \(made.stderr)")
        let noPassphrase = try await hato("pgp", "import", "taro@example.com", "\(directory)/taro-secret.asc", "--secret")
        #expect(noPassphrase.status != 0 && noPassphrase.stderr.contains("is protected by a passphrase: give it with --password-file"), "\(noPassphrase.stderr)")
        let wrong = try await hato("pgp", "import", "taro@example.com", "\(directory)/taro-secret.asc", "--secret", "--password-file", "\(directory)/wrong.pw")
        #expect(wrong.status != 0 && wrong.stderr.contains("wrong passphrase for the secret key"), "\(wrong.stderr)")
        let right = try await hato("pgp", "import", "taro@example.com", "\(directory)/taro-secret.asc", "--secret", "--password-file", "\(directory)/right.pw")
        #expect(right.status == 0 && right.stdout.contains("imported \(fields[0]) for taro@example.com with its secret key, sealed"), "\(right.stdout) \(right.stderr)")

        // The unprotected secret material is in no file of the data directory.
        let tail = try #require(Self.bytes(hex: fields[1]))
        let data = URL(fileURLWithPath: "\(directory)/data")
        var searched = 0
        let files = try #require(FileManager.default.enumerator(at: data, includingPropertiesForKeys: nil))
        for case let url as URL in files {
            guard let contents = FileManager.default.contents(atPath: url.path) else { continue }
            searched += 1
            #expect(Array(contents).firstRange(of: tail) == nil, "the secret key in the clear in \(url.lastPathComponent)")
        }
        #expect(searched > 0)
    }

    static func bytes(hex: String) -> [UInt8]? {
        var out: [UInt8] = [], index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            out.append(byte)
            index = next
        }
        return out.count == 20 ? out : nil
    }
}
