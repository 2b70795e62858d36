import Foundation
import HTTPTypes
import HummingbirdCore
import NIOCore
import SASL
import ServerRuntime

/// The dashboard's routes on the admin listener (docs/dashboard.md). Every page but the login
/// form needs a session cookie; without one a GET is sent to the form (303).
extension HTTPRouter {
    static let cookieName = "hato_session"

    func dashboard(_ request: Request, connection: ConnectionContext, dashboard: DashboardConfiguration,
                   sessions: DashboardSessions) async -> HTTPAnswer {
        let path = request.uri.path
        if path == "/dashboard/login" {
            if request.method == .post { return await login(request, connection: connection, dashboard: dashboard, sessions: sessions) }
            return only([.get, .head], request, "dashboard_login") { Self.html(.ok, DashboardHTML.loginPage(message: nil)) }
        }
        let cookie = Self.sessionCookie(request)
        let session = cookie.flatMap { sessions.session($0, now: dashboard.now()) }
        if path == "/dashboard/logout" {
            guard request.method == .post else { return Self.methodNotAllowed("dashboard_logout", allow: "POST") }
            if let cookie { sessions.end(cookie) }
            var response = Self.redirect("/dashboard/login")
            response.headers[.setCookie] = Self.setCookie("", maxAge: 0, secure: connection.implicitTLS)
            return HTTPAnswer(route: "dashboard_logout", response: response)
        }
        guard path == "/dashboard" || path == "/dashboard/domain" else { return Self.notFound }
        guard request.method == .get || request.method == .head else { return Self.methodNotAllowed("dashboard", allow: "GET, HEAD") }
        guard let session else { return HTTPAnswer(route: "dashboard", response: Self.redirect("/dashboard/login")) }
        let now = dashboard.now()
        let since = DashboardSummary.dayStart(now).addingTimeInterval(-Double(max(dashboard.limits.days, 1) - 1) * 86400)
        let records: [DashboardRecord]
        do {
            records = try await dashboard.records(since, dashboard.limits.maxReports)
        } catch {
            return HTTPAnswer(route: "dashboard", response: Self.plain(.internalServerError, "the reports could not be read\n"))
        }
        if path == "/dashboard" {
            var totals: [String: Int] = [:]
            for record in records where record.count > 0 { totals[record.domain, default: 0] += record.count }
            let domains = totals.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            return only([.get, .head], request, "dashboard") {
                Self.html(.ok, DashboardHTML.overview(user: session.username, domains: domains, days: dashboard.limits.days))
            }
        }
        let parameters = request.uri.queryParameters
        guard let name = parameters["name"].map(String.init), !name.isEmpty, records.contains(where: { $0.domain == name }) else {
            return HTTPAnswer(route: "dashboard", response: Self.html(.notFound, DashboardHTML.page(
                title: "No such domain", user: session.username, body: "<p>No report data for this domain. <a href=\"/dashboard\">All domains</a></p>")))
        }
        let sortText = parameters["sort"].map(String.init) ?? "count"
        guard let sort = DashboardSummary.SortColumn(rawValue: sortText) else {
            return Self.badRequest("sort= must be one of: \(DashboardSummary.SortColumn.allCases.map(\.rawValue).joined(separator: ", "))", route: "dashboard")
        }
        let orderText = parameters["order"].map(String.init) ?? (sort == .count ? "desc" : "asc")
        guard orderText == "asc" || orderText == "desc" else { return Self.badRequest("order= must be asc or desc", route: "dashboard") }
        let summary = DashboardSummary(domain: name, records: records, now: now, dayCount: dashboard.limits.days)
        // The chart's window; a store failure here leaves the TLS section empty rather than the page.
        let tlsPolicies = (try? await dashboard.tlsPolicies(name, since, dashboard.limits.maxReports)) ?? []
        return only([.get, .head], request, "dashboard") {
            Self.html(.ok, DashboardDomainPage.render(summary, user: session.username, sort: sort, descending: orderText == "desc",
                                                      maxSources: dashboard.limits.maxSources, tlsPolicies: tlsPolicies,
                                                      days: dashboard.limits.days))
        }
    }

    /// The form's POST: the password checked as SASL PLAIN checks it (`SASLLogin.password`: the
    /// shared throttle, dummy work for unknown users, the failure log line), then the admin flag.
    /// Plaintext passwords only inside TLS or from loopback (docs/security.md).
    func login(_ request: Request, connection: ConnectionContext, dashboard: DashboardConfiguration,
               sessions: DashboardSessions) async -> HTTPAnswer {
        let route = "dashboard_login"
        guard connection.implicitTLS || connection.isLoopback else {
            // The body (the password) is not read; the connection closes after the answer.
            return HTTPAnswer(route: route, response: Self.html(.forbidden, DashboardHTML.loginPage(
                message: "Passwords are accepted only over TLS or from this machine (loopback).")), close: true)
        }
        let body: ByteBuffer
        switch await HTTPBodyReader.read(request.body, limits: configuration.limits) {
        case .success(let read): body = read
        case .failure(.tooLarge): return HTTPAnswer(route: route, response: Self.plain(.contentTooLarge, "request body too large\n"), close: true)
        case .failure(.tooSlow): return HTTPAnswer(route: route, response: Self.plain(.requestTimeout, "request body too slow\n"), close: true)
        case .failure(.broken): return HTTPAnswer(route: route, response: Self.plain(.badRequest, "request body unreadable\n"), close: true)
        }
        let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard type == "application/x-www-form-urlencoded" else {
            return HTTPAnswer(route: route, response: Self.plain(.unsupportedMediaType, "send the form as application/x-www-form-urlencoded\n"))
        }
        // HTML form encoding (WHATWG URL §5.1): "+" is a space, a literal "+" comes as %2B.
        let fields = URI("/?" + String(buffer: body).replacingOccurrences(of: "+", with: "%20")).queryParameters
        guard let username = fields["username"].map(String.init), let password = fields["password"].map(String.init),
              !username.isEmpty, !password.isEmpty, username.utf8.count <= 320, password.utf8.count <= 1024
        else {
            return HTTPAnswer(route: route, response: Self.html(.badRequest, DashboardHTML.loginPage(message: "Give an address and a password.")))
        }
        switch await SASLLogin.password(username: username, password: password, connection: connection,
                                        authenticator: dashboard.authenticator, logger: logger) {
        case .refused(.tooManyFailures):
            return HTTPAnswer(route: route, response: Self.html(.tooManyRequests, DashboardHTML.loginPage(
                message: "Too many failed logins from your address; try again later.")))
        case .refused, .challenge:
            return HTTPAnswer(route: route, response: Self.html(.unauthorized, DashboardHTML.loginPage(message: "Wrong address or password.")))
        case .authenticated(let identity):
            guard await dashboard.isAdmin(identity.username) else {
                logger.notice("dashboard login refused: not an admin", metadata: ["user": "\(LogSafe.escaped(identity.username))"])
                return HTTPAnswer(route: route, response: Self.html(.forbidden, DashboardHTML.loginPage(
                    message: "This account may not use the dashboard (hato account admin ADDRESS on).")))
            }
            let id = sessions.create(username: identity.username, now: dashboard.now())
            var response = Self.redirect("/dashboard")
            response.headers[.setCookie] = Self.setCookie(id, maxAge: Int(dashboard.limits.sessionLifetime.components.seconds),
                                                          secure: connection.implicitTLS)
            logger.info("dashboard login", metadata: ["user": "\(LogSafe.escaped(identity.username))", "remote": "\(connection.remoteIP)"])
            return HTTPAnswer(route: route, response: response)
        }
    }

    /// RFC 6265 §4.1: HttpOnly keeps it from scripts, SameSite=Strict (RFC 6265bis §5.4.7) off
    /// other sites' requests (so a cross-site form cannot log out or in), Secure on TLS listeners.
    static func setCookie(_ value: String, maxAge: Int, secure: Bool) -> String {
        "\(cookieName)=\(value); Path=/dashboard; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    /// The session id from the Cookie field(s) (RFC 6265 §5.4: `name=value` pairs split by "; ").
    static func sessionCookie(_ request: Request) -> String? {
        for field in request.headers[values: .cookie] {
            for pair in field.split(separator: ";") {
                let trimmed = pair.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix(cookieName + "=") { return String(trimmed.dropFirst(cookieName.count + 1)) }
            }
        }
        return nil
    }

    /// RFC 9110 §15.4.4: 303 See Other, the browser follows with a GET.
    static func redirect(_ location: String) -> Response {
        var response = plain(.seeOther, "see \(location)\n")
        response.headers[.location] = location
        return response
    }

    /// A page with a content security policy that allows no script at all, and no framing.
    static func html(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var response = text(status, body, type: "text/html; charset=utf-8")
        response.headers[HTTPField.Name("Content-Security-Policy")!] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'"
        response.headers[.cacheControl] = "no-store"
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return response
    }
}
