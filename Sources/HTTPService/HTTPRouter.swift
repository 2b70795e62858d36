import HTTPTypes
import HummingbirdCore
import Logging
import MailCore
import NIOCore
import ServerRuntime

/// Which routes a listener answers: `web` (`[listen] http` and `https`) serves the client
/// set-up documents, MTA-STS, the OpenPGP Web Key Directory, ACME http-01 and `/healthz`; `admin` (`[listen] admin`) serves
/// `/metrics`, `/healthz` and the dashboard only, so neither reaches the public listeners.
public enum HTTPRole: String, Sendable {
    case web, admin
}

/// One answered request: the route's name (a metric label; a fixed, small set) and the response.
struct HTTPAnswer: Sendable {
    var route: String
    var response: Response
    /// Close the connection after this response (a body too large or too slow is not read on).
    var close = false
}

/// Maps a request to its document (docs/http.md lists every route). Paths are matched exactly,
/// Autodiscover's case-insensitively (clients spell it `Autodiscover/Autodiscover.xml` too).
struct HTTPRouter: Sendable {
    let configuration: HTTPServiceConfiguration
    let role: HTTPRole
    let logger: Logger
    /// The dashboard's sessions, on admin listeners with a dashboard only.
    let sessions: DashboardSessions?

    init(configuration: HTTPServiceConfiguration, role: HTTPRole, logger: Logger) {
        self.configuration = configuration
        self.role = role
        self.logger = logger
        self.sessions = role == .admin ? configuration.dashboard.map { DashboardSessions(limits: $0.limits) } : nil
    }

    static let acmePrefix = "/.well-known/acme-challenge/"
    static let autoconfigPaths: Set<String> = ["/mail/config-v1.1.xml", "/.well-known/autoconfig/mail/config-v1.1.xml"]

    func answer(_ request: Request, connection: ConnectionContext) async -> HTTPAnswer {
        let path = request.uri.path
        switch role {
        case .admin:
            if path == "/dashboard" || path.hasPrefix("/dashboard/") {
                guard let dashboard = configuration.dashboard, let sessions else { return Self.notFound }
                return await self.dashboard(request, connection: connection, dashboard: dashboard, sessions: sessions)
            }
            switch path {
            case "/healthz": return only([.get, .head], request, "healthz") { Self.text(.ok, "ok\n") }
            case "/metrics":
                guard let exposition = configuration.metricsExposition else { return Self.notFound }
                guard request.method == .get || request.method == .head else { return Self.methodNotAllowed("metrics", allow: "GET, HEAD") }
                let text = await exposition()
                return only([.get, .head], request, "metrics") { Self.text(.ok, text, type: "text/plain; version=0.0.4; charset=utf-8") }
            default: return Self.notFound
            }
        case .web:
            if path == "/healthz" { return only([.get, .head], request, "healthz") { Self.text(.ok, "ok\n") } }
            if path == "/.well-known/mta-sts.txt" { return await mtaSTS(request) }
            if Self.autoconfigPaths.contains(path) { return await autoconfig(request) }
            if path.lowercased() == "/autodiscover/autodiscover.xml" { return await autodiscover(request) }
            if path == "/apple/mobileconfig" { return await mobileconfig(request) }
            if path.hasPrefix(Self.acmePrefix) { return await acmeChallenge(String(path.dropFirst(Self.acmePrefix.count)), request) }
            if path.hasPrefix(WebKeyDirectory.prefix) { return await webKeyDirectory(path.dropFirst(WebKeyDirectory.prefix.count), request) }
            return Self.notFound
        }
    }

    // MARK: routes

    /// RFC 8461 §3.2: the policy host is `mta-sts.` + the Policy Domain.
    func mtaSTS(_ request: Request) async -> HTTPAnswer {
        guard let host = Self.host(request), host.hasPrefix("mta-sts."),
              let domain = try? Domain(String(host.dropFirst("mta-sts.".count))), await configuration.servesDomain(domain)
        else { return Self.notFound }
        return only([.get, .head], request, "mta-sts") { Self.text(.ok, configuration.mtaSTS.text, type: MTASTSPolicy.contentType) }
    }

    /// The domain comes from `emailaddress=`, else from the host name (`autoconfig.<domain>`, or
    /// the domain itself for the well-known path).
    func autoconfig(_ request: Request) async -> HTTPAnswer {
        let domain: Domain
        if let address = Self.emailAddress(request) {
            domain = address.domain
        } else if let host = Self.host(request),
                  let parsed = try? Domain(host.hasPrefix("autoconfig.") ? String(host.dropFirst("autoconfig.".count)) : host) {
            domain = parsed
        } else {
            return Self.badRequest("no emailaddress parameter and no usable host name")
        }
        guard await configuration.servesDomain(domain) else { return Self.notFound }
        guard let settings = configuration.clientSettings() else { return Self.starting }
        return only([.get, .head], request, "autoconfig") {
            Self.text(.ok, ThunderbirdAutoconfig.document(domain: domain, settings: settings), type: ThunderbirdAutoconfig.contentType)
        }
    }

    func autodiscover(_ request: Request) async -> HTTPAnswer {
        guard request.method == .post else { return Self.methodNotAllowed("autodiscover", allow: "POST") }
        let body: ByteBuffer
        switch await HTTPBodyReader.read(request.body, limits: configuration.limits) {
        case .success(let read): body = read
        case .failure(.tooLarge): return HTTPAnswer(route: "autodiscover", response: Self.plain(.contentTooLarge, "request body too large\n"), close: true)
        case .failure(.tooSlow): return HTTPAnswer(route: "autodiscover", response: Self.plain(.requestTimeout, "request body too slow\n"), close: true)
        case .failure(.broken): return HTTPAnswer(route: "autodiscover", response: Self.plain(.badRequest, "request body unreadable\n"), close: true)
        }
        guard let address = Autodiscover.requestedAddress(in: String(buffer: body)) else {
            return Self.badRequest("no valid EMailAddress in the request", route: "autodiscover")
        }
        guard await configuration.servesDomain(address.domain) else { return Self.notFound }
        guard let settings = configuration.clientSettings() else { return Self.starting }
        return HTTPAnswer(route: "autodiscover", response: Self.text(.ok, Autodiscover.document(address: address, settings: settings), type: Autodiscover.contentType))
    }

    func mobileconfig(_ request: Request) async -> HTTPAnswer {
        guard let address = Self.emailAddress(request) else { return Self.badRequest("emailaddress= must be a valid address", route: "mobileconfig") }
        guard await configuration.servesDomain(address.domain) else { return Self.notFound }
        guard let settings = configuration.clientSettings() else { return Self.starting }
        guard let profile = AppleMailProfile.document(address: address, settings: settings) else { return Self.notFound }
        return only([.get, .head], request, "mobileconfig") {
            var response = Self.text(.ok, profile, type: AppleMailProfile.contentType)
            response.headers[.contentDisposition] = "attachment; filename=\"\(AppleMailProfile.fileName(for: address))\""
            return response
        }
    }

    /// RFC 8555 §8.3: tokens are base64url without padding; anything else cannot be one.
    func acmeChallenge(_ token: String, _ request: Request) async -> HTTPAnswer {
        let base64url = token.utf8.allSatisfy { byte in
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x5F
        }
        guard !token.isEmpty, token.utf8.count <= 256, base64url, let responder = configuration.acmeHTTP01,
              let keyAuthorization = await responder(token)
        else { return HTTPAnswer(route: "acme", response: Self.plain(.notFound, "not found\n")) }
        return only([.get, .head], request, "acme") { Self.text(.ok, keyAuthorization, type: "application/octet-stream") }
    }

    // MARK: helpers

    /// Answers with `make()` for the allowed methods (HEAD without the body), 405 otherwise.
    func only(_ methods: [HTTPRequest.Method], _ request: Request, _ route: String, _ make: () -> Response) -> HTTPAnswer {
        guard methods.contains(request.method) else {
            return Self.methodNotAllowed(route, allow: methods.map(\.rawValue).joined(separator: ", "))
        }
        let response = make()
        return HTTPAnswer(route: route, response: request.method == .head ? response.createHeadResponse() : response)
    }

    /// The request's host name (Host header or absolute URI), lower-cased, without the port.
    static func host(_ request: Request) -> String? {
        guard var authority = request.head.authority, !authority.isEmpty, !authority.hasPrefix("[") else { return nil }
        if let colon = authority.lastIndex(of: ":") { authority = String(authority[..<colon]) }
        return authority.lowercased()
    }

    static func emailAddress(_ request: Request) -> EmailAddress? {
        guard let text = request.uri.queryParameters["emailaddress"], !text.isEmpty, text.utf8.count <= EmailAddress.maxLength + 2 else { return nil }
        return try? EmailAddress(String(text))
    }

    static func text(_ status: HTTPResponse.Status, _ body: String, type: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func plain(_ status: HTTPResponse.Status, _ body: String) -> Response { text(status, body) }

    static let notFound = HTTPAnswer(route: "not_found", response: plain(.notFound, "not found\n"))
    static let starting = HTTPAnswer(route: "starting", response: plain(.serviceUnavailable, "the mail listeners are not bound yet\n"))

    static func badRequest(_ why: String, route: String = "bad_request") -> HTTPAnswer {
        HTTPAnswer(route: route, response: plain(.badRequest, why + "\n"))
    }

    static func methodNotAllowed(_ route: String, allow: String) -> HTTPAnswer {
        var response = plain(.methodNotAllowed, "method not allowed; use \(allow)\n")
        response.headers[.allow] = allow
        return HTTPAnswer(route: route, response: response)
    }
}
