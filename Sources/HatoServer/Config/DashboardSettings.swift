import HTTPService

/// The `[dashboard]` keys, checked and typed (docs/dashboard.md).
public struct DashboardSettings: Sendable {
    public var enabled: Bool
    public var limits: DashboardLimits

    init(string: (String) -> String?, int: (String) -> Int) throws {
        enabled = (string("dashboard.enabled") ?? "on") == "on"
        limits = DashboardLimits()
        limits.maxSessions = int("dashboard.max_sessions")
        limits.sessionLifetime = .seconds(int("dashboard.session_lifetime"))
        limits.days = int("dashboard.days")
        limits.maxReports = int("dashboard.max_reports")
        limits.maxSources = int("dashboard.max_sources")
        if int("dashboard.session_lifetime") < 60 {
            throw ConfigKeyError(path: "dashboard.session_lifetime", message: "must be at least 60 seconds")
        }
    }
}
