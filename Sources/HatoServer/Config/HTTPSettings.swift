import HTTPService
import MailCore

/// The `[http]` and `[mta_sts]` sections: what the HTTP listeners accept and the MTA-STS policy
/// they serve (docs/http.md).
public struct HTTPSettings: Sendable {
    public var limits: HTTPLimits
    public var mtaSTS: MTASTSPolicy

    init(string: (String) -> String?, int: (String) -> Int, list: (String) -> [String]?, hostname: String) throws {
        limits = HTTPLimits()
        limits.maxRequestBody = int("http.max_request_body")
        limits.maxHeaderSize = int("http.max_header_size")
        limits.maxHeaderFields = int("http.max_header_fields")
        limits.idleTimeout = .seconds(int("http.idle_timeout"))
        limits.requestTimeout = .seconds(int("http.request_timeout"))
        for path in ["http.idle_timeout", "http.request_timeout"] where int(path) < 1 {
            throw ConfigKeyError(path: path, message: "must be at least 1 second")
        }
        if limits.maxHeaderSize < 1024 {
            throw ConfigKeyError(path: "http.max_header_size", message: "must be at least 1024 bytes")
        }
        let maxAge = int("mta_sts.max_age")
        if maxAge > MTASTSPolicy.maxMaxAge {
            throw ConfigKeyError(path: "mta_sts.max_age", message: "must be at most 31557600 seconds (RFC 8461 §3.2)")
        }
        let mode = MTASTSPolicy.Mode(rawValue: string("mta_sts.mode") ?? "testing") ?? .testing
        var mx: [String] = []
        for pattern in list("mta_sts.mx") ?? [hostname] {
            // RFC 8461 §3.2: a Domain, or "*." and a Domain; A-labels for IDNs.
            let name = pattern.hasPrefix("*.") ? String(pattern.dropFirst(2)) : pattern
            guard let domain = try? Domain(name), domain.name.contains(".") || pattern == hostname else {
                throw ConfigKeyError(path: "mta_sts.mx", message: "\"\(pattern)\" is not a host name or *.domain")
            }
            mx.append((pattern.hasPrefix("*.") ? "*." : "") + domain.name)
        }
        if mx.isEmpty && mode != .none {
            throw ConfigKeyError(path: "mta_sts.mx", message: "needs at least one MX pattern unless mta_sts.mode is none")
        }
        mtaSTS = MTASTSPolicy(mode: mode, maxAge: maxAge, mx: mx)
    }
}
