// Fetching a correspondent's certificate from their domain's Web Key Directory
// (draft-koch-openpgp-webkey-service-16 §3.1), as GnuPG's `--locate-keys --auto-key-locate wkd`
// does: the advanced method at `openpgpkey.<domain>` when that name exists, else the direct method
// at the domain itself; `?l=<local part>` added (§3.1); HTTPS only, no redirects followed, status
// 200 only, at most `max_certificate_size` octets. Names are resolved with Hato's own resolver
// (the system resolver would not see the same DNS), and addresses that are not global are refused
// unless `openpgp.lookup_private_addresses` allows them: a sender chooses the domain, and must not
// make the server fetch from its internal network.

import AsyncHTTPClient
import DNSMessage
import Foundation
import HTTPService
import MailCore
import NIOCore
import NIOSSL

struct WebKeyDirectoryClient: Sendable {
    enum Method: String, Sendable {
        case advanced = "wkd-advanced"
        case direct = "wkd-direct"
    }

    struct Miss: Error, CustomStringConvertible {
        var description: String
    }

    let resolver: any DNSResolving
    let tls: TLSConfiguration
    let port: Int
    let privateAddresses: Bool
    let maxSize: Int

    /// The certificate bytes the directory serves for `address`, and which method found them.
    func fetch(_ address: EmailAddress, timeout: Duration) async -> Result<(bytes: [UInt8], method: Method), Miss> {
        let domain = address.domain.name.lowercased()
        let hash = WebKeyDirectory.hash(localPart: address.localPart)
        let local = address.localPart.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+#"))) ?? ""
        // §3.1: "Only if the required sub-domain does not exist, they SHOULD fall back to the direct method."
        let advancedHost = "openpgpkey." + domain
        switch await addresses(of: advancedHost) {
        case .success(let ips):
            return await get(host: advancedHost, ips: ips, path: "/.well-known/openpgpkey/\(domain)/hu/\(hash)?l=\(local)", timeout: timeout)
                .map { ($0, .advanced) }
        case .failure(let miss) where !miss.notFound:
            return .failure(Miss(description: "\(advancedHost): \(miss.reason)"))
        case .failure:
            break
        }
        switch await addresses(of: domain) {
        case .success(let ips):
            return await get(host: domain, ips: ips, path: "/.well-known/openpgpkey/hu/\(hash)?l=\(local)", timeout: timeout)
                .map { ($0, .direct) }
        case .failure(let miss):
            return .failure(Miss(description: "\(domain): \(miss.reason)"))
        }
    }

    private struct AddressMiss: Error {
        var reason: String
        var notFound: Bool
    }

    /// A and AAAA of `host`, global ones only unless private addresses are allowed.
    private func addresses(of host: String) async -> Result<[IPAddress], AddressMiss> {
        var found: [IPAddress] = []
        var lastError: DNSError?
        for type in [DNSRecordType.a, .aaaa] {
            do {
                for record in try await resolver.lookup(host, type).records {
                    switch record.data {
                    case .a(let v4): found.append(.v4(v4))
                    case .aaaa(let v6): found.append(.v6(v6))
                    default: continue
                    }
                }
            } catch {
                if !error.isNotFound { lastError = error }
            }
        }
        if found.isEmpty {
            if let lastError { return .failure(AddressMiss(reason: "no address (\(lastError))", notFound: false)) }
            return .failure(AddressMiss(reason: "no address", notFound: true))
        }
        let allowed = privateAddresses ? found : found.filter(PublicAddresses.isGlobal)
        guard !allowed.isEmpty else {
            return .failure(AddressMiss(reason: "only non-global addresses (\(found.map(\.description).joined(separator: ", "))); openpgp.lookup_private_addresses is off", notFound: false))
        }
        return .success(allowed)
    }

    private func get(host: String, ips: [IPAddress], path: String, timeout: Duration) async -> Result<[UInt8], Miss> {
        // Connect to the address our resolver gave; TLS still checks the certificate for `host`.
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow)
        let amount = TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        configuration.timeout = .init(connect: amount, read: amount)
        configuration.dnsOverride = [host: ips[0].description]
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let authority = port == 443 ? host : "\(host):\(port)"
        let result = await request(client, url: "https://\(authority)\(path)", shown: "https://\(authority)\(path.prefix { $0 != "?" })", timeout: amount)
        try? await client.shutdown()
        return result
    }

    private func request(_ client: HTTPClient, url: String, shown: String, timeout: TimeAmount) async -> Result<[UInt8], Miss> {
        do {
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: timeout)
            guard response.status == .ok else { return .failure(Miss(description: "\(shown): HTTP status \(response.status.code)")) }
            return .success(Array(buffer: try await response.body.collect(upTo: maxSize)))
        } catch is NIOTooManyBytesError {
            return .failure(Miss(description: "\(shown): certificate larger than \(maxSize) octets"))
        } catch {
            return .failure(Miss(description: "\(shown): \(error)"))
        }
    }
}
