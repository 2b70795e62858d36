import Foundation

/// HTML building with one escaping rule: every value that did not come from this file goes
/// through `escape` (text and attribute values alike, so `"` and `'` are escaped too). Pages are
/// plain Swift strings (docs/dashboard.md says why): no template engine, no JavaScript.
enum DashboardHTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // C0 controls other than tab, LF, CR are not allowed in HTML text (WHATWG §13.1.4).
                if character.value < 0x20 && character != "\t" && character != "\n" && character != "\r" || character.value == 0x7F {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(character)
                }
            }
        }
        return out
    }

    /// Percent-encodes a query parameter value (RFC 3986 §3.4 unreserved characters kept).
    static func query(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    static let style = """
        body{font-family:sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}
        th,td{border:1px solid #bbb;padding:.25em .6em;text-align:left}th a{color:inherit}td.n{text-align:right}
        .note{background:#fff6d5;border:1px solid #e0c060;padding:.5em;max-width:48em}.error{color:#a00}
        header{display:flex;gap:1em;align-items:center}header form{margin-left:auto}
        .legend span{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 1em;vertical-align:middle}
        """

    /// The page around `body`; `user` adds the logout button.
    static func page(title: String, user: String?, body: String) -> String {
        var html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(escape(title)) · Hato</title>"
        html += "<meta name=\"viewport\" content=\"width=device-width\"><style>\(style)</style></head><body><header><h1>\(escape(title))</h1>"
        if let user {
            html += "<span>\(escape(user))</span><form method=\"post\" action=\"/dashboard/logout\"><button type=\"submit\" id=\"logout\">Log out</button></form>"
        }
        return html + "</header>\n" + body + "\n</body></html>\n"
    }

    static func loginPage(message: String?) -> String {
        var body = ""
        if let message { body += "<p class=\"error\" id=\"login-error\">\(escape(message))</p>" }
        body += """
            <form method="post" action="/dashboard/login" id="login">
            <p><label>Address <input type="email" name="username" id="username" autocomplete="username" required></label></p>
            <p><label>Password <input type="password" name="password" id="password" autocomplete="current-password" required></label></p>
            <p><button type="submit" id="submit">Log in</button></p>
            </form>
            """
        return page(title: "Dashboard login", user: nil, body: body)
    }

    /// The domains with report data, with their message counts.
    static func overview(user: String, domains: [(String, Int)], days: Int) -> String {
        var body = "<p>DMARC aggregate reports received in the last \(days) days.</p>"
        if domains.isEmpty {
            body += "<p class=\"note\" id=\"no-reports\">No aggregate reports received in this period.</p>"
        } else {
            body += "<table id=\"domains\"><thead><tr><th>Domain</th><th>Messages</th></tr></thead><tbody>"
            for (domain, count) in domains {
                body += "<tr><td><a href=\"/dashboard/domain?name=\(escape(query(domain)))\">\(escape(domain))</a></td><td class=\"n\">\(count)</td></tr>"
            }
            body += "</tbody></table>"
        }
        return page(title: "DMARC reports", user: user, body: body)
    }
}
