import HTTPService
import MailCore

/// Client settings and an HTTP configuration for tests: the listeners a typical deployment has.
enum HTTPFixture {
    static let settings = MailClientSettings(endpoints: [
        .init(service: .submission, hostname: "mail.example.test", port: 587, security: .startTLS, authentication: .passwordCleartext),
        .init(service: .imap, hostname: "mail.example.test", port: 143, security: .startTLS, authentication: .passwordCleartext),
        .init(service: .pop3, hostname: "mail.example.test", port: 995, security: .implicitTLS, authentication: .passwordCleartext),
        .init(service: .imap, hostname: "mail.example.test", port: 993, security: .implicitTLS, authentication: .passwordCleartext),
        .init(service: .submission, hostname: "mail.example.test", port: 465, security: .implicitTLS, authentication: .passwordCleartext),
    ])

    static func configuration(acme: ACMEHTTP01Responder? = nil, limits: HTTPLimits = HTTPLimits(),
                              metrics: (@Sendable () async -> String)? = nil) -> HTTPServiceConfiguration {
        HTTPServiceConfiguration(
            limits: limits, mtaSTS: MTASTSPolicy(mode: .testing, maxAge: 604800, mx: ["mail.example.test"]),
            servesDomain: { $0.name == "example.test" }, clientSettings: { settings }, acmeHTTP01: acme,
            metricsExposition: metrics)
    }
}
