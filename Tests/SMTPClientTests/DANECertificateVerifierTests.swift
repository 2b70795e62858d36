import Crypto
import Foundation
import NIOSSL
import SMTPClient
import Testing

/// TLSA matching (RFC 6698 §2.1, RFC 7671 §5, RFC 7672 §3.1) on a chain from the test CA: every
/// selector and matching type, DANE-EE without name checks, DANE-TA with them, unusable records.
@Suite struct DANECertificateVerifierTests {
    let ca: TestCertificateAuthority
    let leaf: NIOSSLCertificate
    let root: NIOSSLCertificate

    init() throws {
        ca = try TestCertificateAuthority(serverName: "mx.example.net")
        leaf = try NIOSSLCertificate.fromPEMFile(ca.serverCertificatePath)[0]
        root = try NIOSSLCertificate(bytes: Array(ca.caPEM.utf8), format: .pem)
    }

    static func record(_ usage: UInt8, _ selector: UInt8, _ matching: UInt8, of certificate: NIOSSLCertificate) throws -> TLSAssociation {
        let selected = selector == 0 ? try certificate.toDERBytes() : try certificate.extractPublicKey().toSPKIBytes()
        let data: [UInt8] = switch matching {
        case 1: Array(SHA256.hash(data: selected))
        case 2: Array(SHA512.hash(data: selected))
        default: selected
        }
        return TLSAssociation(usage: usage, selector: selector, matchingType: matching, data: data)
    }

    func failure(_ records: [TLSAssociation], names: [String] = ["mx.example.net"], chain: [NIOSSLCertificate]? = nil) async -> String? {
        await DANECertificateVerifier.failure(chain: chain ?? [leaf, root], authentication: DANEAuthentication(records: records, referenceNames: names))
    }

    @Test func endEntityMatchesEverySelectorAndMatchingTypeAndIgnoresNames() async throws {
        for selector: UInt8 in [0, 1] {
            for matching: UInt8 in [0, 1, 2] {
                let record = try Self.record(3, selector, matching, of: leaf)
                #expect(await failure([record], names: ["some.other.name"]) == nil, "3 \(selector) \(matching)")
            }
        }
        // The CA's key is not the server's: 3 1 1 of the root does not authenticate the leaf.
        let wrong = try #require(await failure([try Self.record(3, 1, 1, of: root)]))
        #expect(wrong.contains("no DANE-EE record matches"))
    }

    @Test func trustAnchorNeedsTheChainAndTheName() async throws {
        for selector: UInt8 in [0, 1] {
            #expect(await failure([try Self.record(2, selector, 1, of: root)]) == nil)
        }
        let name = try #require(await failure([try Self.record(2, 0, 1, of: root)], names: ["mx.elsewhere.example"]))
        #expect(name.contains("DANE-TA") && name.contains("mx.elsewhere.example"), "\(name)")
        // RFC 7671 §5.2.2: the anchor must come with the chain; the leaf alone does not match it.
        let absent = try #require(await failure([try Self.record(2, 0, 1, of: root)], chain: [leaf]))
        #expect(absent.contains("no DANE-TA record matches"))
        // The leaf is never its own trust anchor.
        #expect(await failure([try Self.record(2, 0, 1, of: leaf)], chain: [leaf]) != nil)
    }

    @Test func unusableRecordsAreDroppedAndLeaveEncryptionOnly() async throws {
        // RFC 7672 §3.1.3: PKIX-TA(0)/PKIX-EE(1) are unusable for SMTP, as are unknown selectors,
        // matching types and digests of the wrong length.
        let pkix = try Self.record(1, 1, 1, of: leaf)
        let unknown = TLSAssociation(usage: 3, selector: 7, matchingType: 1, data: Array(repeating: 0, count: 32))
        let short = TLSAssociation(usage: 3, selector: 1, matchingType: 1, data: [1, 2, 3])
        let authentication = DANEAuthentication(records: [pkix, unknown, short], referenceNames: ["mx.example.net"])
        #expect(authentication.records.isEmpty)
        #expect(await DANECertificateVerifier.failure(chain: [root], authentication: authentication) == nil)
        // A usable record next to them is what counts.
        let mixed = DANEAuthentication(records: [pkix, try Self.record(3, 1, 1, of: root)], referenceNames: [])
        #expect(mixed.records.count == 1)
        #expect(await DANECertificateVerifier.failure(chain: [leaf, root], authentication: mixed) != nil)
        #expect(try Self.record(3, 1, 1, of: leaf).description.hasPrefix("3 1 1 "))
    }
}
