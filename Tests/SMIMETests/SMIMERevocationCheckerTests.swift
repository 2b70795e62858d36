import Foundation
import HatoTesting
import SMIME
import Testing

/// The revocation checker's own rules with CRLs made by `openssl ca` and a fetcher that is
/// plain data (the HTTP path runs in SMIMERevocationServeTests): a revoked entry, the cache
/// until nextUpdate, a URL that failed not asked again, the deadline, and a CRL from another CA.
@Suite(.enabled(if: OpenSSLAvailability.available || OpenSSLAvailability.required, "openssl is not installed"))
struct SMIMERevocationCheckerTests {
    /// Answers from a table, counting the calls; `delay` before answering.
    final class TableFetcher: SMIMERevocationFetching, @unchecked Sendable {
        let answers: [String: [UInt8]]
        let delay: Duration
        private let lock = NSLock()
        private var counted = 0
        var calls: Int { lock.withLock { counted } }

        init(_ answers: [String: [UInt8]], delay: Duration = .zero) {
            self.answers = answers
            self.delay = delay
        }

        func fetch(_ url: String, post: [UInt8]?, contentType: String?, limit: Int, timeout: Duration) async throws -> [UInt8] {
            lock.withLock { counted += 1 }
            if delay > .zero { try await Task.sleep(for: delay) }
            guard let answer = answers[url] else { throw SMIMEError("connection refused") }
            return answer
        }
    }

    struct PKI {
        var directory: URL
        func certificate(_ name: String) throws -> SMIMECertificate {
            try SMIMECertificate.read(Array(try Data(contentsOf: directory.appendingPathComponent("\(name).pem"))))[0]
        }
        func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: directory.appendingPathComponent(name))) }
    }

    /// A root whose users name http://crl.test/root.crl; bob is revoked (keyCompromise); other.crl
    /// is a CRL of another CA with the same name.
    static func pki() async throws -> PKI {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hato-revocation-unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = try ChildProcess(executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-ec", #"""
            root() { # dir
              mkdir -p $1/db && : > $1/db/index.txt && echo 2000 > $1/db/serial && echo 1000 > $1/db/crlnumber
              openssl req -x509 -newkey rsa:2048 -nodes -keyout $1/ca.key -out $1/ca.pem -days 30 -subj "/CN=Unit Root" \
                -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
              printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s/db/index.txt\nserial=%s/db/serial\ncrlnumber=%s/db/crlnumber\nnew_certs_dir=%s/db\npolicy=p\ndefault_md=sha256\ndefault_days=30\ndefault_crl_days=1\nunique_subject=no\n[p]\ncommonName=supplied\n[u]\nsubjectAltName=email:$ENV::EMAIL\ncrlDistributionPoints=URI:http://crl.test/root.crl\n' $1 $1 $1 $1 > $1/ca.cnf
            }
            root . && root other
            for user in alice bob; do
              openssl req -new -newkey rsa:2048 -nodes -keyout $user.key -out $user.csr -subj "/CN=$user" 2>/dev/null
              EMAIL=$user@example.com openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in $user.csr -out $user.pem -extensions u 2>/dev/null
            done
            EMAIL=x openssl ca -config ca.cnf -cert ca.pem -keyfile ca.key -revoke bob.pem -crl_reason keyCompromise 2>/dev/null
            EMAIL=x openssl ca -config ca.cnf -cert ca.pem -keyfile ca.key -gencrl -out root.crl.pem 2>/dev/null
            openssl crl -in root.crl.pem -outform DER -out root.crl
            EMAIL=x openssl ca -config other/ca.cnf -cert other/ca.pem -keyfile other/ca.key -gencrl -out other.crl.pem 2>/dev/null
            openssl crl -in other.crl.pem -outform DER -out other.crl
            """#], directory: directory)
        process.closeInput()
        let status = await process.exit(timeout: .seconds(120))
        try #require(status == 0, "\(process.errorOutput)")
        return PKI(directory: directory)
    }

    func checker(_ fetcher: TableFetcher, pki: PKI, timeout: Duration = .seconds(5)) throws -> SMIMERevocationChecker {
        let trust = try SMIMETrustStore(sources: [pki.directory.appendingPathComponent("ca.pem").path])
        return SMIMERevocationChecker(mode: .softFail, fetcher: fetcher, trust: trust, limits: SMIMERevocationLimits(timeout: timeout))
    }

    @Test func aCRLSaysWhoIsRevokedAndIsKeptUntilItsNextUpdate() async throws {
        let pki = try await Self.pki()
        let root = try pki.certificate("ca"), alice = try pki.certificate("alice"), bob = try pki.certificate("bob")
        #expect(alice.crlURLs == ["http://crl.test/root.crl"] && alice.ocspURLs.isEmpty)
        let fetcher = TableFetcher(["http://crl.test/root.crl": try pki.bytes("root.crl")])
        let checker = try checker(fetcher, pki: pki)
        #expect(await checker.check([alice, root]) == .good)
        #expect(await checker.check([bob, root]) == .revoked(position: 0, serial: bob.serial, reason: "keyCompromise", source: "CRL"))
        #expect(fetcher.calls == 1, "the CRL is fetched once and kept until its nextUpdate")
        #expect(await checker.check([root]) == .good, "a trust anchor alone is not asked about")
    }

    @Test func aCRLOfAnotherCAIsNoAnswerAndAFailedURLWaitsAMinute() async throws {
        let pki = try await Self.pki()
        let root = try pki.certificate("ca"), alice = try pki.certificate("alice")
        let impostor = try checker(TableFetcher(["http://crl.test/root.crl": try pki.bytes("other.crl")]), pki: pki)
        #expect(await impostor.check([alice, root]) == .undetermined("CRL not signed by the issuer at http://crl.test/root.crl"))
        let down = TableFetcher([:])
        let checker = try checker(down, pki: pki)
        #expect(await checker.check([alice, root]) == .undetermined("CRL http://crl.test/root.crl: connection refused"))
        #expect(await checker.check([alice, root]) == .undetermined("CRL http://crl.test/root.crl: unreachable, failed within the last minute"))
        #expect(down.calls == 1)
    }

    @Test func aSlowAnswerIsNotWaitedForPastTheDeadline() async throws {
        let pki = try await Self.pki()
        let root = try pki.certificate("ca"), alice = try pki.certificate("alice")
        let slow = TableFetcher(["http://crl.test/root.crl": try pki.bytes("root.crl")], delay: .seconds(30))
        let checker = try checker(slow, pki: pki, timeout: .seconds(1))
        let start = ContinuousClock.now
        #expect(await checker.check([alice, root]) == .undetermined("no answer within 1 s"))
        #expect(ContinuousClock.now - start < .seconds(10))
    }
}
