import Foundation
import ServerRuntime

/// Bounds of the dashboard (`[dashboard]` in the configuration, docs/dashboard.md).
public struct DashboardLimits: Sendable, Equatable {
    /// Most logged-in sessions kept in memory (`dashboard.max_sessions`); a login beyond it
    /// ends the oldest session.
    public var maxSessions = 64
    /// A session ends this long after its login, whatever it does (`dashboard.session_lifetime`).
    public var sessionLifetime: Duration = .seconds(8 * 3600)
    /// Reports read per page, newest period first (`dashboard.max_reports`).
    public var maxReports = 2000
    /// Days shown in the chart, counted back from today (`dashboard.days`).
    public var days = 30
    /// Rows in the sources tables (`dashboard.max_sources`); the rest are counted, not listed.
    public var maxSources = 500

    public init() {}
}

/// One row of a received aggregate report (RFC 9990 `record`), flattened for the dashboard.
public struct DashboardRecord: Sendable, Equatable {
    /// policy_published/domain.
    public var domain: String
    /// The start of the report's date_range (the chart's day, UTC).
    public var periodBegin: Date
    public var reporter: String
    public var sourceIP: String
    public var count: Int
    /// policy_evaluated: disposition (none, quarantine, reject) and the DKIM and SPF alignment
    /// results (pass, fail).
    public var disposition: String
    public var dkim: String
    public var spf: String

    public init(domain: String, periodBegin: Date, reporter: String, sourceIP: String, count: Int, disposition: String,
                dkim: String, spf: String) {
        self.domain = domain
        self.periodBegin = periodBegin
        self.reporter = reporter
        self.sourceIP = sourceIP
        self.count = count
        self.disposition = disposition
        self.dkim = dkim
        self.spf = spf
    }
}

/// What the dashboard reads and whom it lets in, as closures `HatoServer` supplies: the HTTP
/// service never sees the store.
public struct DashboardConfiguration: Sendable {
    public var limits: DashboardLimits
    /// The login check: `SASLLogin.password` over this (the mail listeners' throttle and dummy
    /// work for unknown users).
    public var authenticator: SASLAuthenticator
    /// Whether a user who gave the right password may use the dashboard (`hato account admin`).
    public var isAdmin: @Sendable (_ username: String) async -> Bool
    /// Records of the received reports whose period ends at or after `since`, from at most
    /// `maxReports` reports.
    public var records: @Sendable (_ since: Date, _ maxReports: Int) async throws -> [DashboardRecord]
    /// The TLS-RPT (RFC 8460) reports received about the domain whose period ends at or after
    /// `since`, from at most `maxReports` reports, summed per policy; none: the page says so.
    public var tlsPolicies: @Sendable (_ domain: String, _ since: Date, _ maxReports: Int) async throws -> [DashboardTLSPolicy]
    /// The clock (tests move it).
    public var now: @Sendable () -> Date

    public init(limits: DashboardLimits = DashboardLimits(), authenticator: SASLAuthenticator,
                isAdmin: @escaping @Sendable (String) async -> Bool,
                records: @escaping @Sendable (Date, Int) async throws -> [DashboardRecord],
                tlsPolicies: @escaping @Sendable (String, Date, Int) async throws -> [DashboardTLSPolicy] = { _, _, _ in [] },
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.limits = limits
        self.authenticator = authenticator
        self.isAdmin = isAdmin
        self.records = records
        self.tlsPolicies = tlsPolicies
        self.now = now
    }
}
