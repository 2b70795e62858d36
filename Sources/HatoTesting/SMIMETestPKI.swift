// A throwaway PKI made by the openssl command line in a temp dir: a root CA, users signed by it
// (RSA and P-256, with and without emailProtection, one expired), and a second, untrusted CA.
// Messages are signed by `openssl cms -sign`: a peer Hato did
// not write.

import Foundation

public enum OpenSSLAvailability {
    public static let required = Python.requiredInCI
    public static let available = FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
}

public struct SMIMETestPKI: Sendable {
    public let directory: URL

    public var rootCA: String { directory.appendingPathComponent("ca.pem").path }
    public var otherCA: String { directory.appendingPathComponent("other-ca.pem").path }

    /// Users: alice (RSA), carol (P-256), dave (RSA, no emailProtection EKU), erin (expired),
    /// mallory (RSA, issued by the untrusted CA); under the intermediate CA: hana (RSA,
    /// hana@example.test), kenji (P-256 with keyAgreement, also as kenji.p12 with password
    /// "kenji-p12-pw"), bob (RSA, bob@example.net).
    public static func make() async throws -> SMIMETestPKI {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hato-smime-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try await shell(script, in: directory)
        return SMIMETestPKI(directory: directory)
    }

    /// A MIME entity (CRLF) signed by `user`: `opaque` for signed-data, else multipart/signed
    /// as `openssl cms -sign` writes it (its S/MIME output, headers included). `chain` names a
    /// PEM file of intermediates to carry in the signature (`-certfile`).
    public func sign(entity: String, user: String, opaque: Bool = false, chain: String? = nil) async throws -> String {
        let name = UUID().uuidString
        try Data(entity.utf8).write(to: directory.appendingPathComponent("\(name).in"))
        try await Self.shell("""
            openssl cms -sign -binary \(opaque ? "-nodetach" : "") -md sha256 -in \(name).in -signer \(user).pem -inkey \(user).key \(chain.map { "-certfile \($0)" } ?? "") -outform SMIME -out \(name).out
            """, in: directory)
        return try String(contentsOf: directory.appendingPathComponent("\(name).out"), encoding: .utf8)
    }

    static func shell(_ script: String, in directory: URL) async throws {
        let process = try ChildProcess(executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-ec", script], directory: directory)
        process.closeInput()
        let status = await process.exit(timeout: .seconds(120))
        guard status == 0 else { throw TestPKIError(message: "openssl failed (\(status)): \(process.errorOutput)") }
    }

    public struct TestPKIError: Error { public var message: String }

    static let script = #"""
        ca() { # name subject
          openssl req -x509 -newkey rsa:2048 -nodes -keyout $1.key -out $1.pem -days 30 -subj "$2" \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
        }
        user() { # name keyspec ca eku email
          openssl req -new -newkey $2 -nodes -keyout $1.key -out $1.csr -subj "/CN=$1" 2>/dev/null
          printf 'subjectAltName=email:%s\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n' "$5" "$4" > $1.ext
          openssl x509 -req -in $1.csr -CA $3.pem -CAkey $3.key -CAcreateserial -days 30 -extfile $1.ext -out $1.pem 2>/dev/null
        }
        ca ca "/CN=Hato Test Root"
        ca other-ca "/CN=Someone Else's Root"
        user alice rsa:2048 ca emailProtection alice@example.com
        user carol "ec -pkeyopt ec_paramgen_curve:P-256" ca emailProtection carol@example.com
        user dave rsa:2048 ca serverAuth dave@example.com
        user mallory rsa:2048 other-ca emailProtection alice@example.com
        # A chain: the root -> "Hato Test Intermediate" -> hana (RSA), kenji (P-256, keyAgreement, in a
        # PKCS#12 file), bob (a correspondent); hana-chain.pem is hana's certificate, then the intermediate.
        openssl req -new -newkey rsa:2048 -nodes -keyout inter.key -out inter.csr -subj "/CN=Hato Test Intermediate" 2>/dev/null
        printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' > inter.ext
        openssl x509 -req -in inter.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile inter.ext -out inter.pem 2>/dev/null
        user hana rsa:2048 inter emailProtection hana@example.test
        openssl req -new -newkey "ec" -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout kenji.key -out kenji.csr -subj "/CN=kenji" 2>/dev/null
        printf 'subjectAltName=email:kenji@example.test\nkeyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=emailProtection\n' > kenji.ext
        openssl x509 -req -in kenji.csr -CA inter.pem -CAkey inter.key -CAcreateserial -days 30 -extfile kenji.ext -out kenji.pem 2>/dev/null
        openssl pkcs12 -export -inkey kenji.key -in kenji.pem -certfile inter.pem -passout pass:kenji-p12-pw -out kenji.p12
        user bob rsa:2048 inter emailProtection bob@example.net
        cat hana.pem inter.pem > hana-chain.pem
        # erin: valid for one day in 2020, through `openssl ca`, which takes explicit dates.
        openssl req -new -newkey rsa:2048 -nodes -keyout erin.key -out erin.csr -subj "/CN=erin" 2>/dev/null
        mkdir -p db && : > db/index.txt && echo 1000 > db/serial
        printf '[ca]\ndefault_ca=d\n[d]\ndatabase=db/index.txt\nserial=db/serial\nnew_certs_dir=db\npolicy=p\ndefault_md=sha256\ncopy_extensions=none\n[p]\ncommonName=supplied\n[x]\nsubjectAltName=email:erin@example.com\nextendedKeyUsage=emailProtection\n' > ca.cnf
        openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in erin.csr -out erin.pem \
          -startdate 20200101000000Z -enddate 20200102000000Z -extensions x 2>/dev/null
        """#
}

extension SMIMETestPKI {
    /// `hato serve` for the S/MIME suites: each of `listeners` on a loopback ephemeral port, DNS
    /// from `dns` (host:port), the risk assessment off, cheap SCRAM keys, and `[smime] trust` =
    /// this PKI's root, followed by the `smime` lines given.
    public func serve(dns: String, listeners: [String], accounts: [(String, String)], smime: String = "") async throws -> ServedHato {
        try await ServedHato.start("""
            [listen]
            \(listeners.map { "\($0) = [\"127.0.0.1:0\"]" }.joined(separator: "\n"))
            [accounts]
            scram_iterations = 4096
            [dns]
            servers = ["\(dns)"]
            [risk]
            assess = "off"
            [smime]
            trust = ["\(rootCA)"]
            \(smime)
            """, accounts: accounts)
    }
}
