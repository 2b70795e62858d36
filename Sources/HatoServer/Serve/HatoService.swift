import Foundation
import Logging
import MailStore
import MailStoreSQLite
import ServiceLifecycle

/// `hato serve`: opens the store, prepares TLS, starts every configured listener whose protocol
/// this build serves, and shuts down gracefully on SIGTERM/SIGINT (listeners close, sessions
/// finish their command, then the store closes).
public struct HatoService {
    public let config: LoadedConfig
    public let logger: Logger
    /// Protocol servers available in this build, by listener kind. Protocols land one issue at a time.
    public var protocols: [HatoConfig.ListenerKind: any Service] = [:]

    public init(config: LoadedConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    public func run(output: (String) -> Void) async throws {
        let settings = config.settings
        try FileManager.default.createDirectory(at: settings.dataDirectory, withIntermediateDirectories: true)
        let store = try StoreFactory.open(settings, logger: logger)
        let swept = try await store.sweepOrphanBodies()
        if swept > 0 { logger.notice("removed unreferenced message files left by an earlier crash", metadata: ["count": "\(swept)"]) }
        let tls = try TLSSetup.prepare(settings)
        if settings.tlsCertificate == nil {
            logger.warning("using a self-signed certificate; set tls.cert and tls.key for production", metadata: ["cert": "\(tls.certificate.path)"])
        }
        output(banner(tls: tls, accounts: try await store.accounts().count))
        let storeService = StoreService(store: store, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: storeService)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        output("hato stopped")
    }

    func banner(tls: TLSSetup.Material, accounts: Int) -> String {
        let settings = config.settings
        var lines = ["hato \(HatoVersion.string) on \(settings.hostname)" + (settings.isDevelopment ? " (embedded development defaults)" : "")]
        lines.append("data: \(settings.dataDirectory.path)")
        lines.append("tls: \(tls.certificate.path)" + (tls.generated ? " (self-signed, generated now)" : settings.tlsCertificate == nil ? " (self-signed)" : ""))
        for kind in HatoConfig.ListenerKind.allCases {
            guard let addresses = settings.listeners[kind] else { continue }
            let state = protocols[kind] == nil ? "  (not served yet: this protocol is not in this build)" : ""
            lines.append("\(kind.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(addresses.map(\.description).joined(separator: ", "))\(state)")
        }
        if accounts == 0 {
            let configFlag = config.file.map { " --config \($0)" } ?? ""
            lines.append("no accounts yet; add the first one with:")
            lines.append("  hato domain add example.test\(configFlag)")
            lines.append("  hato account add you@example.test --password-stdin\(configFlag)")
        }
        return lines.joined(separator: "\n")
    }
}

/// Keeps the store open for the life of the server and closes it last, after every listener.
struct StoreService: Service {
    let store: SQLiteMailStore
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        try await store.close()
        logger.info("store closed")
    }
}

public enum HatoVersion {
    public static let string = "0.1.0"
}
