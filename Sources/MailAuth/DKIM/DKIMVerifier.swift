// DKIM verification, RFC 6376 §6 with RFC 8301 (no SHA-1, no RSA under 1024 bits) and RFC 8463
// (Ed25519). Every signature gets its own result; keys come from a DNSResolving.

import Crypto
import DNSMessage
import Foundation

public struct DKIMVerifier: Sendable {
    public let resolver: any DNSResolving
    public var configuration: DKIMVerifierConfiguration

    public init(resolver: any DNSResolving, configuration: DKIMVerifierConfiguration = DKIMVerifierConfiguration()) {
        self.resolver = resolver
        self.configuration = configuration
    }

    /// Verifies the first `maxSignatures` DKIM-Signature fields, top to bottom. An unsigned
    /// message gives an empty array (Authentication-Results says dkim=none for that).
    public func verify(_ message: [UInt8], now: Date) async -> [DKIMSignatureResult] {
        await verify(DKIMMessage(message), now: now)
    }

    public func verify(_ message: DKIMMessage, now: Date) async -> [DKIMSignatureResult] {
        let fields = message.headers.filter { $0.hasName("DKIM-Signature") }.prefix(configuration.maxSignatures)
        var results: [DKIMSignatureResult] = []
        // Body hashes are shared between signatures with the same canonicalization and l=.
        var bodyHashes: [String: (hash: [UInt8], canonicalLength: Int)] = [:]
        for field in fields {
            results.append(await verify(field, in: message, now: now, bodyHashes: &bodyHashes))
        }
        return results
    }

    private func verify(_ field: DKIMHeaderField, in message: DKIMMessage, now: Date,
                        bodyHashes: inout [String: (hash: [UInt8], canonicalLength: Int)]) async -> DKIMSignatureResult {
        var result = DKIMSignatureResult(result: .permerror, field: Array(field.raw))
        guard field.raw.count <= configuration.maxSignatureFieldLength else {
            result.reason = "DKIM-Signature field longer than \(configuration.maxSignatureFieldLength) bytes"
            return result
        }
        // §6.1.1: the field must parse and carry what a signature needs.
        let signature: DKIMSignature
        do {
            signature = try DKIMSignature.parsed(value: field.rawValue)
        } catch {
            // Report what could be read, so the operator sees whose signature was broken.
            if let tags = try? DKIMTagList(parsing: field.rawValue) {
                result.domain = tags["d"]?.lowercased()
                result.selector = tags["s"]
                result.algorithm = tags["a"]?.lowercased()
                result.signatureBase64 = tags["b"].map(DKIMTagList.removingWhitespace)
            }
            result.reason = error.description
            return result
        }
        result.domain = signature.domain
        result.selector = signature.selector
        result.identity = signature.identity
        result.algorithm = signature.algorithm.rawValue
        result.signatureBase64 = signature.signatureBase64
        result.underSignedHeaders = signature.underSignedHeaders(in: message)
        // RFC 8301 §3.1: rsa-sha1 signatures are not valid.
        if signature.algorithm == .rsaSHA1 {
            result.result = .fail
            result.reason = "rsa-sha1 is not accepted (RFC 8301 §3.1)"
            return result
        }
        // §6.1.1: an expired signature is a permanent failure; a future t= is not yet evaluable.
        let nowSeconds = Int(now.timeIntervalSince1970)
        if let expiration = signature.expiration, expiration + configuration.clockSkew < nowSeconds {
            result.reason = "signature expired (x=\(expiration))"
            return result
        }
        if let timestamp = signature.timestamp, timestamp > nowSeconds + configuration.clockSkew {
            result.result = .neutral
            result.reason = "signature timestamp t=\(timestamp) is in the future"
            return result
        }
        // §6.1.2: fetch and check the key.
        let key: DKIMPublicKey
        switch await fetchKey(selector: signature.selector, domain: signature.domain, algorithm: signature.algorithm) {
        case .failure(let failure):
            result.result = failure.result
            result.reason = failure.reason
            result.keyBits = failure.keyBits
            result.testing = failure.testing
            return result
        case .success(let fetched):
            key = fetched.key
            result.keyBits = key.bits
            result.keyDNSSEC = fetched.security
            result.testing = fetched.record.testing
            if let refusal = Self.policyRefusal(fetched.record, signature) {
                result.result = .policy
                result.reason = refusal
                return result
            }
        }
        // §6.1.3: body hash first (cheap), then the header signature.
        let bodyKey = "\(signature.canonicalization.body.rawValue)/\(signature.bodyLength.map(String.init) ?? "-")"
        let body = bodyHashes[bodyKey] ?? DKIMHashing.bodyHash(message.body, canonicalization: signature.canonicalization.body,
                                                               length: signature.bodyLength)
        bodyHashes[bodyKey] = body
        if let length = signature.bodyLength {
            result.bodyLength = length
            result.bodyLengthAvailable = body.canonicalLength
            guard length <= body.canonicalLength else {
                result.result = .fail
                result.reason = "l=\(length) is longer than the body (\(body.canonicalLength) canonical bytes)"
                return result
            }
        }
        guard body.hash == signature.bodyHash else {
            result.result = .fail
            result.reason = "body hash did not verify"
            return result
        }
        let digest = DKIMHashing.headerHash(message.selectHeaders(signature.signedHeaders), signatureField: field.raw,
                                            canonicalization: signature.canonicalization.header)
        guard key.isValid(signature: signature.signature, digest: digest) else {
            result.result = .fail
            result.reason = "signature did not verify"
            return result
        }
        result.result = .pass
        var notes: [String] = []
        if result.bodyPartiallySigned {
            notes.append("l= signs \(signature.bodyLength!) of \(body.canonicalLength) body bytes")
        }
        if !result.underSignedHeaders.isEmpty {
            notes.append("not over-signed: \(result.underSignedHeaders.joined(separator: ", "))")
        }
        if result.testing { notes.append("key in testing mode (t=y)") }
        result.reason = notes.isEmpty ? nil : notes.joined(separator: "; ")
        return result
    }

    /// §3.6.1 constraints a key record puts on the signatures it may verify.
    static func policyRefusal(_ record: DKIMKeyRecord, _ signature: DKIMSignature) -> String? {
        if let hashes = record.hashAlgorithms, !hashes.contains(signature.algorithm.hashName) {
            return "key record h= does not allow \(signature.algorithm.hashName)"
        }
        if !record.serviceTypes.contains("*") && !record.serviceTypes.contains("email") {
            return "key record s= does not include email"
        }
        if record.strictIdentity {
            let identityDomain = signature.identity.split(separator: "@").last.map { $0.lowercased() } ?? ""
            if identityDomain != signature.domain { return "key record t=s: i= must not be a subdomain of d=" }
        }
        return nil
    }

    /// A key fetched from DNS and the record it came from.
    public struct FetchedKey: Sendable {
        public var key: DKIMPublicKey
        public var record: DKIMKeyRecord
        /// DNSSEC status of the key record's answer (docs/dns.md, DNSSEC).
        public var security: DNSSecurityStatus = .insecure
    }

    /// Why no usable key was found, as the result it gives the signature.
    public struct KeyFailure: Error, Sendable {
        public var result: DKIMResult
        public var reason: String
        public var keyBits: Int? = nil
        public var testing = false
    }

    /// §6.1.2: TXT at selector._domainkey.domain; the first record that parses is the key.
    /// Public so ARC (RFC 8617 §5.1.2, same key records) fetches keys the same way.
    public func fetchKey(selector: String, domain: String, algorithm: DKIMAlgorithm) async -> Result<FetchedKey, KeyFailure> {
        let name = "\(selector)._domainkey.\(domain)"
        let texts: [String]
        let security: DNSSecurityStatus
        do {
            let answer = try await resolver.lookup(try DNSName(name), .txt)
            texts = answer.records.compactMap(\.data.joinedText)
            security = answer.security
        } catch let error as DNSError {
            if error.isNotFound { return .failure(KeyFailure(result: .permerror, reason: "no key for signature at \(name)")) }
            return .failure(KeyFailure(result: .temperror, reason: "key lookup at \(name) failed: \(error)"))
        } catch {
            return .failure(KeyFailure(result: .permerror, reason: "invalid key name \(name)"))
        }
        var firstError = "no key record at \(name)"
        for text in texts {
            let record: DKIMKeyRecord
            do { record = try DKIMKeyRecord.parsed(text) } catch {
                firstError = error.description
                continue
            }
            if record.isRevoked {
                return .failure(KeyFailure(result: .permerror, reason: "key revoked (empty p=) at \(name)", testing: record.testing))
            }
            guard record.keyType == algorithm.keyType else {
                return .failure(KeyFailure(result: .permerror,
                                           reason: "inappropriate key algorithm: k=\(record.keyType.rawValue) for a=\(algorithm.rawValue)"))
            }
            do {
                let key = try DKIMPublicKey.parsed(type: record.keyType, data: record.publicKey,
                                            minimumRSABits: configuration.minimumRSABits)
                return .success(FetchedKey(key: key, record: record, security: security))
            } catch {
                switch error {
                case .tooShort(let bits, _):
                    // RFC 8301 §3.2: a short key makes the signature fail, not an error.
                    return .failure(KeyFailure(result: .fail, reason: error.description, keyBits: bits, testing: record.testing))
                case .malformed:
                    return .failure(KeyFailure(result: .permerror, reason: "key record at \(name): \(error)"))
                }
            }
        }
        return .failure(KeyFailure(result: .permerror, reason: firstError))
    }
}
