// `hato dns query NAME TYPE --dnssec`: the in-process validator's answer, its verdict
// (secure / insecure / bogus / indeterminate, RFC 4033 §5) and what the reply shows of the
// chain: the signatures over each RRset (signer, key tag, algorithm, validity, RFC 4034 §3)
// and the NSEC/NSEC3 records that prove a denial (RFC 4035 §5.4, RFC 5155 §8).

import ArgumentParser
import DNSClient
import DNSMessage
import Foundation

extension DNSCommand {
    static func validatedQuery(_ name: DNSName, _ type: DNSRecordType, servers: [DNSServer],
                               trustAnchorFile: String) async throws {
        let resolver: ValidatingResolver
        do {
            resolver = try ValidatingResolver(servers: servers, trustAnchorFiles: [trustAnchorFile])
        } catch {
            FileHandle.standardError.write(Data("hato dns: DNSSEC validator: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let response: ValidatedResponse
        do {
            response = try await resolver.query(name, type)
        } catch {
            FileHandle.standardError.write(Data("hato dns: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let via = servers.map(\.description).joined(separator: ", ")
        if let message = response.message {
            print(render(message, server: servers.first ?? DNSServer(host: "127.0.0.1")), terminator: "")
        }
        print("\n" + dnssecSummary(response, via: via, trustAnchorFile: trustAnchorFile), terminator: "")
        if response.security == .bogus || response.security == .indeterminate { throw ExitCode(2) }
    }

    static func dnssecSummary(_ response: ValidatedResponse, via: String, trustAnchorFile: String) -> String {
        var out = ";; DNSSEC \(response.security.rawValue) (validated in process from \(trustAnchorFile), forwarders \(via.isEmpty ? "resolv.conf" : via))\n"
        switch response.security {
        case .secure where response.message?.answers.isEmpty ?? true:
            out += ";; why: authenticated denial: the NSEC/NSEC3 records below prove the absence, signed by keys chained to the trust anchor\n"
        case .secure: out += ";; why: every RRset below chains to the trust anchor through DS and DNSKEY records\n"
        case .insecure: out += ";; why: no trust anchor covers the name, or a signed parent proved the delegation unsigned (no DS)\n"
        case .bogus: out += ";; why: \(response.whyBogus ?? "validation failed") — the answer is not believed\n"
        case .indeterminate: out += ";; why: no usable answer came to validate\n"
        }
        guard let message = response.message else { return out }
        for record in message.answers + message.authorities {
            switch record.data {
            case .rrsig(let sig):
                out += ";; \(record.name) \(sig.typeCovered) signed by \(sig.signerName) key \(sig.keyTag) algorithm \(sig.algorithm), valid \(timestamp(sig.inception)) to \(timestamp(sig.expiration))\n"
            case .nsec(let next, let types):
                out += ";; NSEC proof: \(record.name) to \(next) has \(types.map(\.description).joined(separator: " "))\n"
            case .nsec3:
                out += ";; NSEC3 proof: \(record.name)\n"
            default: break
            }
        }
        return out
    }

    private static func timestamp(_ seconds: UInt32) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
