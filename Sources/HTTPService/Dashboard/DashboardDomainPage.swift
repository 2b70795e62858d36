import Foundation

/// The page of one domain: messages per day by outcome (an SVG bar chart drawn here), the
/// sending sources sortable by column (links with `sort=` and `order=`, sorted by the server),
/// the sources that would fail under p=reject, and the TLS reports' policies (`DashboardTLSView`).
enum DashboardDomainPage {
    static let colors: [DashboardSummary.Outcome: String] = [
        .pass: "#3a9a4a", .fail: "#d08a1e", .quarantined: "#8a5ac8", .rejected: "#c8323c",
    ]

    static func render(_ summary: DashboardSummary, user: String, sort: DashboardSummary.SortColumn, descending: Bool,
                       maxSources: Int, tlsPolicies: [DashboardTLSPolicy], days: Int) -> String {
        var body = "<p><a href=\"/dashboard\">All domains</a></p>"
        body += "<p id=\"total\">\(summary.messages) messages reported over \(summary.days.count) days.</p>"
        body += "<h2>Messages per day</h2>" + chart(summary.days) + legend()
        body += "<h2>Sending sources</h2>"
        let sources = DashboardSummary.sorted(summary.sources, by: sort, descending: descending)
        body += table(id: "sources", sources, limit: maxSources, domain: summary.domain, sort: sort, descending: descending, sortable: true)
        body += "<h2>Would fail under p=reject</h2>"
        if summary.wouldFailReject.isEmpty {
            body += "<p id=\"reject-none\">Every reported source passes DMARC (an aligned DKIM or SPF pass): p=reject would refuse none of them.</p>"
        } else {
            body += "<p>These sources pass neither aligned DKIM nor aligned SPF: receivers would refuse their mail under p=reject.</p>"
            body += table(id: "would-fail", summary.wouldFailReject, limit: maxSources, domain: summary.domain, sort: .count,
                          descending: true, sortable: false)
        }
        body += "<h2>TLS reports</h2>" + DashboardTLSView.render(tlsPolicies, domain: summary.domain, days: days)
        return DashboardHTML.page(title: "DMARC: \(summary.domain)", user: user, body: body)
    }

    /// Stacked bars, one per day, each `rect` labelled with its day, outcome and count.
    static func chart(_ days: [DashboardSummary.Day]) -> String {
        let barWidth = 18, gap = 4, height = 200, top = 10, bottom = 30, left = 40
        let width = left + days.count * (barWidth + gap) + 10
        let maximum = max(days.map(\.total).max() ?? 0, 1)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"chart\" role=\"img\" width=\"\(width)\" height=\"\(height + top + bottom)\" "
        svg += "viewBox=\"0 0 \(width) \(height + top + bottom)\"><title>Messages per day by result</title>"
        svg += "<line x1=\"\(left)\" y1=\"\(top + height)\" x2=\"\(width - 5)\" y2=\"\(top + height)\" stroke=\"#888\"/>"
        svg += "<text x=\"\(left - 4)\" y=\"\(top + 10)\" font-size=\"10\" text-anchor=\"end\">\(maximum)</text>"
        svg += "<text x=\"\(left - 4)\" y=\"\(top + height)\" font-size=\"10\" text-anchor=\"end\">0</text>"
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        for (index, day) in days.enumerated() {
            let x = left + index * (barWidth + gap) + gap
            let label = formatter.string(from: day.start)
            var y = top + height
            for outcome in DashboardSummary.Outcome.allCases {
                let count = day.counts[outcome] ?? 0
                guard count > 0 else { continue }
                let barHeight = max(1, Int((Double(count) / Double(maximum) * Double(height)).rounded()))
                y -= barHeight
                svg += "<rect class=\"bar\" data-day=\"\(label)\" data-result=\"\(outcome.rawValue)\" data-count=\"\(count)\" "
                svg += "x=\"\(x)\" y=\"\(y)\" width=\"\(barWidth)\" height=\"\(barHeight)\" fill=\"\(colors[outcome]!)\">"
                svg += "<title>\(label) \(outcome.rawValue): \(count)</title></rect>"
            }
            if index % 7 == days.count % 7 || index == days.count - 1 {
                svg += "<text x=\"\(x + barWidth / 2)\" y=\"\(top + height + 14)\" font-size=\"9\" text-anchor=\"middle\">\(label.dropFirst(5))</text>"
            }
        }
        return svg + "</svg>"
    }

    static func legend() -> String {
        "<p class=\"legend\">" + DashboardSummary.Outcome.allCases.map { "<span style=\"background:\(colors[$0]!)\"></span>\($0.rawValue)" }
            .joined() + "</p>"
    }

    static func table(id: String, _ sources: [DashboardSummary.Source], limit: Int, domain: String,
                      sort: DashboardSummary.SortColumn, descending: Bool, sortable: Bool) -> String {
        let headings: [(DashboardSummary.SortColumn, String)] = [
            (.ip, "Source IP"), (.count, "Messages"), (.spf, "SPF aligned"), (.dkim, "DKIM aligned"), (.disposition, "Disposition"),
        ]
        var html = "<table id=\"\(id)\"><thead><tr>"
        for (column, title) in headings {
            guard sortable else {
                html += "<th>\(title)</th>"
                continue
            }
            // The current column links to the other order; the others start descending for counts, ascending otherwise.
            let nextDescending = column == sort ? !descending : column == .count
            let arrow = column == sort ? (descending ? " ▼" : " ▲") : ""
            let href = "/dashboard/domain?name=\(DashboardHTML.query(domain))&sort=\(column.rawValue)&order=\(nextDescending ? "desc" : "asc")"
            html += "<th><a data-sort=\"\(column.rawValue)\" href=\"\(DashboardHTML.escape(href))\">\(title)\(arrow)</a></th>"
        }
        html += "</tr></thead><tbody>"
        for source in sources.prefix(max(limit, 0)) {
            html += "<tr><td>\(DashboardHTML.escape(source.ip))</td><td class=\"n\">\(source.count)</td>"
            html += "<td>\(DashboardHTML.escape(source.spf))</td><td>\(DashboardHTML.escape(source.dkim))</td>"
            html += "<td>\(DashboardHTML.escape(source.disposition))</td></tr>"
        }
        html += "</tbody></table>"
        if sources.count > limit {
            html += "<p>\(sources.count - limit) more sources not listed (dashboard.max_sources).</p>"
        }
        return html
    }
}
