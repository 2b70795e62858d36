// Revocation checking of a verified signer's chain (docs/smime.md "Revocation"): for each
// certificate below the trust anchor, its OCSP responder (RFC 6960 over HTTP, Appendix A.1),
// else (or when that gives no answer) its CRL distribution points (RFC 5280 §4.2.1.13, HTTP
// only). Answers are cached until their nextUpdate in a bounded cache; the whole check has one
// deadline, after which it gives up without waiting for the network.

import Foundation

/// HTTP for revocation data, given by the composition root (this module opens no socket).
public protocol SMIMERevocationFetching: Sendable {
    /// GET `url` (`post` nil) or POST `post` with `contentType`; the body of a 2xx answer of at
    /// most `limit` bytes, within `timeout`; throws otherwise.
    func fetch(_ url: String, post: [UInt8]?, contentType: String?, limit: Int, timeout: Duration) async throws -> [UInt8]
}

/// `[smime] revocation`.
public enum SMIMERevocationMode: String, Sendable, CaseIterable {
    case off
    /// An unanswered question does not fail the signature; the A-R comment says so.
    case softFail = "soft-fail"
    /// An unanswered question gives `smime=temperror`.
    case hardFail = "hard-fail"
}

public enum SMIMERevocationResult: Sendable, Equatable {
    /// Every certificate below the anchor was found not revoked, or names no source to ask.
    case good
    /// `position` 0 is the signer's certificate, 1 its issuer ...; `source` "OCSP responder" or "CRL".
    case revoked(position: Int, serial: String, reason: String?, source: String)
    /// At least one certificate's status could not be established (and none was revoked).
    case undetermined(String)
}

public struct SMIMERevocationLimits: Sendable {
    /// The deadline of a whole check (`smime.revocation_timeout`).
    public var timeout: Duration
    /// Largest OCSP response or CRL read (`smime.revocation_max_response`).
    public var maxResponse: Int
    /// Bytes of CRLs and OCSP answers kept (`smime.revocation_cache_size`).
    public var cacheSize: Int
    public init(timeout: Duration = .seconds(5), maxResponse: Int = 4 << 20, cacheSize: Int = 32 << 20) {
        self.timeout = timeout
        self.maxResponse = maxResponse
        self.cacheSize = cacheSize
    }
}

public struct SMIMERevocationChecker: Sendable {
    public let mode: SMIMERevocationMode
    public let fetcher: any SMIMERevocationFetching
    public let trust: SMIMETrustStore
    public let limits: SMIMERevocationLimits
    let cache: SMIMERevocationCache

    public init(mode: SMIMERevocationMode, fetcher: any SMIMERevocationFetching, trust: SMIMETrustStore, limits: SMIMERevocationLimits = .init()) {
        self.mode = mode
        self.fetcher = fetcher
        self.trust = trust
        self.limits = limits
        cache = SMIMERevocationCache(capacity: limits.cacheSize)
    }

    /// The status of `chain` (signer first, anchor last, as `SMIMESigner.chain`), within the deadline.
    public func check(_ chain: [SMIMECertificate]) async -> SMIMERevocationResult {
        let seconds = limits.timeout.components.seconds
        return await Self.withDeadline(limits.timeout, fallback: .undetermined("no answer within \(seconds) s")) { [self] in
            await checkAll(chain)
        }
    }

    func checkAll(_ chain: [SMIMECertificate]) async -> SMIMERevocationResult {
        var unanswered: [String] = []
        // The anchor is trusted as configured (RFC 5280 §6.1: the trust anchor is input, not checked).
        for position in 0..<max(chain.count - 1, 0) {
            switch await status(of: chain[position], issuer: chain[position + 1], chain: chain) {
            case .good: continue
            case .revoked(let reason, let source):
                return .revoked(position: position, serial: chain[position].serial, reason: reason, source: source)
            case .unknown(let why):
                unanswered.append(position == 0 ? why : "issuer certificate \(chain[position].serial): \(why)")
            }
        }
        return unanswered.isEmpty ? .good : .undetermined(unanswered.joined(separator: "; "))
    }

    enum CertificateStatus {
        case good
        case revoked(String?, source: String)
        case unknown(String)
    }

    /// OCSP first (fresher, smaller), then the CRL; a certificate naming neither is taken as
    /// not revoked (nothing can say otherwise).
    func status(of certificate: SMIMECertificate, issuer: SMIMECertificate, chain: [SMIMECertificate]) async -> CertificateStatus {
        let ocsp = certificate.ocspURLs.filter(Self.isHTTP), crls = certificate.crlURLs.filter(Self.isHTTP)
        guard !ocsp.isEmpty || !crls.isEmpty else { return .good }
        var reasons: [String] = []
        let key = "ocsp " + certificate.fingerprint + " " + issuer.fingerprint
        if !ocsp.isEmpty, let cached = await cache.ocspStatus(key) { return Self.certificateStatus(cached, source: "OCSP responder") }
        for url in ocsp.prefix(2) {
            do {
                let request = try SMIMERevocationEvidence.ocspRequest(for: certificate, issuer: issuer)
                let response = try await fetch(url, post: request, contentType: "application/ocsp-request")
                let status = SMIMERevocationEvidence.ocspStatus(response: response, request: request, certificate: certificate,
                                                                issuer: issuer, chain: chain, trust: trust)
                if case .unknown(let why) = status { reasons.append(why); continue }
                await cache.keepOCSP(key, status)
                return Self.certificateStatus(status, source: "OCSP responder")
            } catch {
                reasons.append("OCSP responder \(url): \(error)")
            }
        }
        for url in crls.prefix(2) {
            do {
                let crl: [UInt8]
                if let cached = await cache.crl(url) { crl = cached } else { crl = try await fetch(url, post: nil, contentType: nil) }
                let status = SMIMERevocationEvidence.crlStatus(crl, certificate: certificate, issuer: issuer)
                if case .unknown(let why) = status { reasons.append("\(why) at \(url)"); await cache.forgetCRL(url); continue }
                if case .good(let until?) = status { await cache.keepCRL(url, crl, until: until) }
                return Self.certificateStatus(status, source: "CRL")
            } catch {
                reasons.append("CRL \(url): \(error)")
            }
        }
        return .unknown(reasons.joined(separator: "; "))
    }

    /// A fetch that failed recently is not tried again for a minute, so a responder that is down
    /// costs one timeout, not one per message.
    func fetch(_ url: String, post: [UInt8]?, contentType: String?) async throws -> [UInt8] {
        if await cache.recentlyFailed(url) { throw SMIMEError("unreachable, failed within the last minute") }
        do {
            return try await fetcher.fetch(url, post: post, contentType: contentType, limit: limits.maxResponse, timeout: limits.timeout)
        } catch {
            await cache.failed(url)
            throw error
        }
    }

    static func certificateStatus(_ status: SMIMERevocationStatus, source: String) -> CertificateStatus {
        switch status {
        case .good: .good
        case .revoked(let reason): .revoked(reason, source: source)
        case .unknown(let why): .unknown(why)
        }
    }

    static func isHTTP(_ url: String) -> Bool { url.lowercased().hasPrefix("http://") }

    /// `work`'s result, or `fallback` once `timeout` has passed; `work` is cancelled then and not
    /// waited for.
    static func withDeadline<T: Sendable>(_ timeout: Duration, fallback: T, _ work: @escaping @Sendable () async -> T) async -> T {
        let once = ResumeOnce<T>()
        return await withCheckedContinuation { continuation in
            once.set(continuation)
            let worker = Task { once.resume(await work()) }
            Task {
                try? await Task.sleep(for: timeout)
                if once.resume(fallback) { worker.cancel() }
            }
        }
    }
}

/// Resumes a continuation once, whoever comes first.
final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Never>?
    private var early: T?
    private var done = false

    func set(_ continuation: CheckedContinuation<T, Never>) {
        lock.lock()
        if let early { lock.unlock(); continuation.resume(returning: early); return }
        self.continuation = continuation
        lock.unlock()
    }

    /// True when this call resumed it.
    @discardableResult
    func resume(_ value: T) -> Bool {
        lock.lock()
        guard !done else { lock.unlock(); return false }
        done = true
        guard let continuation else { early = value; lock.unlock(); return true }
        self.continuation = nil
        lock.unlock()
        continuation.resume(returning: value)
        return true
    }
}
