import DMARCReport
import Foundation
import HTTPService
import Logging
import MailCore
import MailStore
import SASL
import ServerRuntime
import Synchronization

/// Composes the HTTP listeners (docs/http.md): the `web` server for `[listen] http` and
/// `https`, the `admin` server for `[listen] admin`, both over the store only through closures.
enum HTTPSetup {
    /// The client-facing listeners as they were bound, filled in once every listener is up; the
    /// documents are 503 until then.
    final class ClientSettingsBox: Sendable {
        private let value = Mutex<MailClientSettings?>(nil)
        func set(_ settings: MailClientSettings) { value.withLock { $0 = settings } }
        func get() -> MailClientSettings? { value.withLock { $0 } }
    }

    static func protocols(_ settings: HatoConfig, store: any MailStore, clientSettings: ClientSettingsBox, metrics: HatoMetrics,
                          acmeHTTP01: ACMEHTTP01Responder?, throttle: any LoginThrottle) -> [HatoConfig.ListenerKind: any ProtocolServer] {
        var configuration = HTTPServiceConfiguration(
            limits: settings.http.limits, mtaSTS: settings.http.mtaSTS,
            servesDomain: { domain in (try? await store.isLocalDomain(domain)) ?? false },
            clientSettings: { clientSettings.get() }, acmeHTTP01: acmeHTTP01,
            metricsExposition: { await metrics.exposition(store: store) }, metrics: metrics.factory,
            dashboard: settings.dashboard.enabled ? dashboard(settings, store: store, throttle: throttle) : nil)
        if settings.openpgp.webKeyDirectory {
            configuration.webKeys = { domain, hash in await webKeys(store, domain: domain, hash: hash) }
        }
        let web = HTTPProtocolServer(configuration: configuration, role: .web, logger: Logger(label: "hato.http"))
        let admin = HTTPProtocolServer(configuration: configuration, role: .admin, logger: Logger(label: "hato.admin"))
        return [.http: web, .https: web, .admin: admin]
    }

    /// The accounts' own certificates (`hato pgp import`) whose account is in `domain` and whose
    /// local part has the Web Key Directory `hash`; correspondents' keys are never published.
    static func webKeys(_ store: any MailStore, domain: Domain, hash: String) async -> [[UInt8]] {
        let certificates = (try? await store.openPGPCertificates(account: nil)) ?? []
        return certificates.compactMap { certificate in
            guard case .account(let address) = certificate.owner, address.domain == domain,
                  WebKeyDirectory.hash(localPart: address.localPart) == hash else { return nil }
            return certificate.data
        }
    }

    /// The dashboard (docs/dashboard.md): logins checked like the mail listeners' (same
    /// throttle, same credentials), the admin flag from the account, records from the received
    /// aggregate reports, and the TLS reports received about the domain summed per policy.
    static func dashboard(_ settings: HatoConfig, store: any MailStore, throttle: any LoginThrottle) -> DashboardConfiguration {
        let authenticator = SASLAuthenticator(
            policy: SASLPolicy(mechanisms: [.plain]), throttle: throttle, lookup: store.saslCredentialLookup,
            configuration: SASLServerConfiguration(hostname: settings.hostname, iterations: settings.accounts.scramIterations))
        return DashboardConfiguration(
            limits: settings.dashboard.limits, authenticator: authenticator,
            isAdmin: { username in
                guard let address = try? EmailAddress(username) else { return false }
                return (try? await store.account(address))?.isAdmin ?? false
            },
            records: { since, maxReports in
                try await store.dmarcReceivedReports(domain: nil, since: since, limit: maxReports).flatMap { row -> [DashboardRecord] in
                    guard let report = DMARCReportIntake.report(of: row) else { return [] }
                    return report.records.map { record in
                        DashboardRecord(domain: report.policyPublished.domain.lowercased(), periodBegin: row.periodBegin,
                                        reporter: report.metadata.orgName, sourceIP: record.sourceIP, count: record.count,
                                        disposition: record.disposition, dkim: record.dkim, spf: record.spf)
                    }
                }
            },
            tlsPolicies: { domain, since, maxReports in
                DashboardTLSSummary.policies(try await store.tlsReceivedReports(domain: domain, since: since, limit: maxReports))
            })
    }

    /// What autoconfig, Autodiscover and the Apple profile describe: each bound IMAP, POP3 and
    /// submission port under `hostname`. Logins over IMAP and POP3 always accept the password
    /// inside TLS; submission says what `auth.mechanisms` offers.
    static func clientSettings(_ settings: HatoConfig, bound: [String: [Int]]) -> MailClientSettings {
        let kinds: [(HatoConfig.ListenerKind, MailClientSettings.Endpoint.Service)] = [
            (.imaps, .imap), (.imap, .imap), (.pop3s, .pop3), (.pop3, .pop3), (.submissions, .submission), (.submission, .submission),
        ]
        let mechanisms = Set(AuthSetup.mechanisms(settings))
        let submissionAuthentication: MailClientSettings.Endpoint.Authentication =
            mechanisms.contains(.plain) || mechanisms.contains(.login) ? .passwordCleartext : .passwordEncrypted
        var endpoints: [MailClientSettings.Endpoint] = []
        for (kind, service) in kinds {
            for port in Set(bound[kind.rawValue] ?? []).sorted() {
                endpoints.append(.init(service: service, hostname: settings.hostname, port: port,
                                       security: kind.implicitTLS ? .implicitTLS : .startTLS,
                                       authentication: service == .submission ? submissionAuthentication : .passwordCleartext))
            }
        }
        return MailClientSettings(endpoints: endpoints)
    }
}
