import Foundation
import HatoTesting
import Testing

/// Issue 21 "`gpg --locate-keys --auto-key-locate clear,wkd` must find a Hato user's key": GnuPG's
/// own WKD client (dirmngr) against `hato serve`, end to end. dirmngr takes no port or CA option
/// for WKD: it connects to port 443 of the name it resolves (its resolver reads /etc/hosts) and
/// trusts the system CA file (GnuTLS reads /etc/ssl/certs/ca-certificates.crt). So the test runs in
/// private namespaces (`unshare --user --mount --net`), which change nothing on the machine: a
/// network namespace with only loopback, and bind mounts, seen by no other process, of a test
/// /etc/hosts, an /etc/resolv.conf naming 127.0.0.1 (nothing answers: no query leaves) and a CA file
/// holding only the test CA. Inside, `hato serve` listens for HTTPS on 127.0.0.1:443 with a
/// certificate from that CA for example.com and openpgpkey.example.com. The user namespace maps
/// the caller to uid 1000 with its capabilities kept (`--keep-caps`): `hato serve` then runs as
/// an ordinary user allowed to bind 443 in its own network namespace (as root it would refuse a
/// privileged port without `[server] user`).
///
/// GnuPG finds alice's key by the advanced method (openpgpkey.example.com resolves), then, with
/// that name gone from the hosts file, by the direct method; each time Hato's log shows the path
/// with the hash `gpg --with-wkd-hash` prints, and the imported fingerprint is alice's. A
/// contact's key (`import-contact`) is not found.
@Suite(.heavy, .enabled(if: (GnuPGAvailability.available && PrivateNamespaces.available) || PrivateNamespaces.required,
                        "gpg is not installed or user namespaces (unshare --user --mount --net) are not available"))
struct OpenPGPWKDGnuPGTests {
    @Test func gnupgLocatesTheKeyByWKDAdvancedAndDirect() async throws {
        try #require(PrivateNamespaces.available, "CI is set but `unshare --user --keep-caps --mount --net` fails here: \(PrivateNamespaces.probe)")
        let keys = try await GnuPGTestKeys.shared
        let directory = try TemporaryDirectory(prefix: "hato-wkd")
        let path = directory.url.path
        let config = "\(path)/hato.toml"
        try #"""
            hostname = "mail.example.com"
            data_dir = "data"
            log.level = "info"
            [listen]
            https = ["127.0.0.1:443"]
            [tls]
            cert = "leaf.crt"
            key = "leaf.key"
            """#.write(toFile: config, atomically: true, encoding: .utf8)
        func cli(_ arguments: String..., stdin: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await HatoBinary.run(arguments + ["--config", config], stdin: stdin)
        }
        #expect(try await cli("domain", "add", "example.com").status == 0)
        #expect(try await cli("account", "add", "alice@example.com", "--password-stdin", stdin: "alice long pw\n").status == 0)
        try Data(try await keys.export("alice")).write(to: URL(fileURLWithPath: "\(path)/alice.asc"))
        try Data(try await keys.export("bob")).write(to: URL(fileURLWithPath: "\(path)/bob.asc"))
        let alice = try await cli("pgp", "import", "alice@example.com", "\(path)/alice.asc")
        #expect(alice.status == 0, "\(alice.stderr)")
        let bob = try await cli("pgp", "import-contact", "\(path)/bob.asc")
        #expect(bob.status == 0, "\(bob.stderr)")
        let process = try ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/unshare"), arguments: PrivateNamespaces.flags + [
            "/usr/bin/python3", "-u", "-c", Self.script, path, try HatoBinary.url.path, try keys.fingerprint("alice")])
        process.closeInput()
        let status = await process.exit(timeout: 240)
        let lines = process.outputLines
        try #require(status == 0 && lines.count == 5, "\(process.output) \(process.errorOutput)")
        let hash = try await keys.wkdHash("alice@example.com")
        #expect(lines[0] == "wkd-hash \(hash)", "gpg --with-wkd-hash and gpg-wks-client agree: \(lines[0])")
        #expect(lines[1] == "advanced 0 True /.well-known/openpgpkey/example.com/hu/\(hash) 200", "\(lines[1])")
        #expect(lines[2] == "direct 0 True /.well-known/openpgpkey/hu/\(hash) 200", "\(lines[2])")
        #expect(lines[3] == "contact 2 False", "a contact's key is not published: \(lines[3])")
        #expect(lines[4] == "policy 200 0", "the policy file clients may read first: \(lines[4])")
    }

    /// Runs as uid 1000 in the private namespaces; prints one line per check.
    static let script = #"""
        import signal; signal.pthread_sigmask(signal.SIG_SETMASK, [])
        import subprocess, sys, os, time, re, ctypes, shutil, ssl, urllib.request
        d, hato, alice_fpr = sys.argv[1:4]
        os.chdir(d)
        def run(*args, **kw): return subprocess.run(args, capture_output=True, check=True, **kw)
        # The test CA and a certificate for both WKD host names (RFC 5280 server certificate).
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=Hato WKD test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
        run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr",
            "-subj", "/CN=openpgpkey.example.com")
        open("leaf.ext", "w").write("subjectAltName=DNS:openpgpkey.example.com,DNS:example.com\nextendedKeyUsage=serverAuth\n")
        run("openssl", "x509", "-req", "-in", "leaf.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", "0x21", "-days", "2",
            "-extfile", "leaf.ext", "-out", "leaf.crt")
        # Only in this mount namespace (unshare makes its mounts private): nothing outside sees them.
        run("ip", "link", "set", "lo", "up")
        open("hosts", "w").write("127.0.0.1 localhost example.com openpgpkey.example.com\n")
        open("resolv.conf", "w").write("nameserver 127.0.0.1\n")
        for source, target in (("hosts", "/etc/hosts"), ("resolv.conf", "/etc/resolv.conf"), ("ca.crt", "/etc/ssl/certs/ca-certificates.crt")):
            run("mount", "--bind", d + "/" + source, target)
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        def die_with_parent(): libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: no server outlives the test
        log = open("serve.log", "wb")
        server = subprocess.Popen([hato, "serve", "--config", d + "/hato.toml"], stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        try:
            deadline = time.time() + 90
            while b"https        listening on 127.0.0.1:443" not in open("serve.log", "rb").read():
                if server.poll() is not None or time.time() > deadline: sys.exit("hato serve did not start: " + open("serve.log").read())
                time.sleep(0.2)
            homes = []
            def gpg(name, *args):
                home = d + "/g-" + name
                if home not in homes: os.mkdir(home, 0o700); homes.append(home)
                return subprocess.run(["gpg", "--batch", "--status-fd", "1", *args], env=dict(os.environ, GNUPGHOME=home), capture_output=True, text=True)
            def requests():
                return re.findall(r"method=GET path=(\S+) .*?status=(\d+)", open("serve.log").read())
            def locate(name, address):
                before = len(requests())
                r = gpg(name, "--auto-key-locate", "clear,wkd", "--locate-keys", address)
                new = requests()[before:]
                return r, new
            r, new = locate("advanced", "alice@example.com")
            shown = gpg("advanced", "--with-wkd-hash", "--list-keys", "alice@example.com").stdout
            print("wkd-hash", re.search(r"^\s+(\w+)@example\.com$", shown, re.M).group(1))
            print("advanced", r.returncode, ("IMPORT_OK 1 " + alice_fpr) in r.stdout, *(new[-1] if new else ("none", r.stderr)))
            # Without openpgpkey.example.com (written in place: the bind mount follows the file).
            open("hosts", "w").write("127.0.0.1 localhost example.com\n")
            r, new = locate("direct", "alice@example.com")
            print("direct", r.returncode, ("IMPORT_OK 1 " + alice_fpr) in r.stdout, *(new[-1] if new else ("none", r.stderr)))
            r, new = locate("contact", "bob@example.com")
            print("contact", r.returncode, "IMPORT_OK" in r.stdout)
            context = ssl.create_default_context(cafile=d + "/ca.crt")
            with urllib.request.urlopen("https://example.com/.well-known/openpgpkey/policy", context=context, timeout=30) as response:
                print("policy", response.status, len(response.read()))
            for home in homes: subprocess.run(["gpgconf", "--kill", "all"], env=dict(os.environ, GNUPGHOME=home), capture_output=True)
        finally:
            server.kill(); server.wait()
        """#
}

/// Private user, mount and network namespaces (util-linux `unshare`), for tests that must
/// change what a peer sees of the machine (/etc/hosts, the CA file, port 443) without changing
/// the machine. CI runs on a VM like the development machine, where unprivileged user
/// namespaces are on: missing there fails the test.
enum PrivateNamespaces {
    static let flags = ["--map-user=1000", "--map-group=1000", "--keep-caps", "--mount", "--net"]
    static let required = Python.requiredInCI
    /// What the probe said (empty when it worked).
    static let probe: String = {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"),
              let process = try? ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/unshare"),
                                              arguments: flags + ["/bin/sh", "-c", "ip link set lo up && mount --bind /etc/hosts /etc/hosts"])
        else { return "/usr/bin/unshare is missing" }
        process.closeInput()
        return process.wait() == 0 ? "" : "status \(process.errorOutput)"
    }()
    static var available: Bool { probe.isEmpty }
}
