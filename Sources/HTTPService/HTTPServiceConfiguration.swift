import CoreMetrics
import MailCore

/// Bounds on what one HTTP client may send (`[http]` in the configuration, docs/http.md).
public struct HTTPLimits: Sendable, Equatable {
    /// Largest request body read (`http.max_request_body`); only Autodiscover's POST has one.
    /// Larger bodies get 413 and the connection is closed.
    public var maxRequestBody = 65536
    /// Largest request header section, and largest single field (`http.max_header_size`);
    /// larger ones get 400 and the connection is closed.
    public var maxHeaderSize = 16384
    /// Most header fields in one request (`http.max_header_fields`).
    public var maxHeaderFields = 100
    /// A connection with no request in progress for this long is closed, and a request head must
    /// arrive within it (`http.idle_timeout`).
    public var idleTimeout: Duration = .seconds(30)
    /// Time allowed to receive a request body once its head arrived (`http.request_timeout`).
    public var requestTimeout: Duration = .seconds(30)

    public init() {}
}

/// Answers ACME http-01 challenges (RFC 8555 §8.3): given the token from
/// `/.well-known/acme-challenge/{token}`, the key authorization to serve, or nil (404) when
/// there is no pending challenge with that token. Supplied by whoever runs the ACME client.
public typealias ACMEHTTP01Responder = @Sendable (_ token: String) async -> String?

/// What the HTTP listeners serve and where their answers come from. `HatoServer` builds it:
/// the server never sees the store, only these values and closures.
public struct HTTPServiceConfiguration: Sendable {
    public var limits: HTTPLimits
    /// The policy served at `mta-sts.<domain>/.well-known/mta-sts.txt` (RFC 8461 §3.2).
    public var mtaSTS: MTASTSPolicy
    /// Whether Hato receives mail for a domain: autoconfig, Autodiscover, the Apple profile and
    /// MTA-STS answer for those only (404 otherwise, so the listener tells nothing about others).
    public var servesDomain: @Sendable (Domain) async -> Bool
    /// The client-facing listeners, once they are bound (their real ports); nil before, when the
    /// documents are answered with 503.
    public var clientSettings: @Sendable () -> MailClientSettings?
    /// The ACME http-01 hook; nil: every challenge path is 404.
    public var acmeHTTP01: ACMEHTTP01Responder?
    /// The Prometheus text exposition (`/metrics`, admin listeners only); nil: 404.
    public var metricsExposition: (@Sendable () async -> String)?
    /// Where request latencies are recorded (`hato_http_request_duration_seconds`).
    public var metrics: any MetricsFactory
    /// The OpenPGP certificates (binary) published for a Web Key Directory hash in a domain
    /// (`WebKeyDirectory.hash(localPart:)`); nil: the directory is not served (404).
    public var webKeys: (@Sendable (_ domain: Domain, _ hash: String) async -> [[UInt8]])?
    /// The DMARC dashboard on admin listeners (docs/dashboard.md); nil: /dashboard is 404.
    public var dashboard: DashboardConfiguration?

    public init(limits: HTTPLimits = HTTPLimits(), mtaSTS: MTASTSPolicy,
                servesDomain: @escaping @Sendable (Domain) async -> Bool,
                clientSettings: @escaping @Sendable () -> MailClientSettings?,
                acmeHTTP01: ACMEHTTP01Responder? = nil, metricsExposition: (@Sendable () async -> String)? = nil,
                metrics: any MetricsFactory = NOOPMetricsHandler.instance, dashboard: DashboardConfiguration? = nil) {
        self.limits = limits
        self.mtaSTS = mtaSTS
        self.servesDomain = servesDomain
        self.clientSettings = clientSettings
        self.acmeHTTP01 = acmeHTTP01
        self.metricsExposition = metricsExposition
        self.metrics = metrics
        self.dashboard = dashboard
    }
}
