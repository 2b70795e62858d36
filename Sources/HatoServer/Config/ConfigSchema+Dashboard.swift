// `[dashboard]`: the DMARC dashboard on the admin HTTP listener (issue 22, docs/dashboard.md).

extension ConfigSchema {
    static let dashboardKeys: [ConfigKey] = [
        key("dashboard.enabled", .choice(["on", "off"]), .string("on"),
            "Serve the DMARC dashboard at /dashboard on the admin listener; accounts log in after hato account admin ADDRESS on."),
        key("dashboard.max_sessions", .integer(min: 1, max: 100_000), .int(64),
            "Most dashboard sessions kept in memory; a login beyond it ends the oldest session."),
        key("dashboard.session_lifetime", .duration, .int(28_800),
            "A dashboard session ends this long after its login (checked by the server, whatever the browser keeps)."),
        key("dashboard.days", .integer(min: 1, max: 366), .int(30), "Days of received aggregate reports the dashboard shows."),
        key("dashboard.max_reports", .integer(min: 1, max: 1_000_000), .int(2000),
            "Most received aggregate reports read for one dashboard page, newest period first."),
        key("dashboard.max_sources", .integer(min: 1, max: 100_000), .int(500),
            "Most rows in a dashboard sources table; the rest are counted, not listed."),
    ]
}
