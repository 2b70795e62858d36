import Foundation

extension HatoConfig {
    /// `[delivery]`: outbound routing, retries and the smarthost.
    public struct Delivery: Sendable {
        public var relay: ListenAddress?
        public var relayUsername: String?
        public var relayPassword: String?
        public var relayImplicitTLS: Bool
        public var relayCAFile: URL?
        public var mxPort: Int
        public var retryInitial: Int
        public var retryMaxInterval: Int
        public var maxQueueTime: Int
        /// Seconds; nil: no delay warnings.
        public var delayWarning: Int?
        public var maxConnections: Int
        public var maxConnectionsPerDomain: Int
        public var maxMessagesPerConnection: Int
        public var pollInterval: Int
        /// Seconds a node leases the queue entries it works (docs/scaling.md, "Shared queue").
        public var lease: Int = 900
        /// `delivery.connection_idle_time` in seconds (docs/delivery.md "Connection reuse").
        public var connectionIdleTime: Int = 5
        /// `delivery.dane`, `delivery.mta_sts`, `delivery.tls_ca_file` (docs/transport-security.md).
        public var dane: Bool = true
        public var mtaSTS: Bool = true
        /// `delivery.mta_sts_refresh_interval` in seconds; 0: no background refresh.
        public var mtaSTSRefreshInterval: Int = 3_600
        public var tlsCAFile: URL?
    }

    static func delivery(string: (String) -> String?, int: (String) -> Int, url: (String) -> URL?) throws -> Delivery {
        var relay: ListenAddress?
        if let text = string("delivery.relay") {
            guard let parsed = ValueParsing.listenAddress(text), parsed.port > 0 else {
                throw ConfigKeyError(path: "delivery.relay", message: "expected \"host:port\", found \"\(text)\"")
            }
            relay = parsed
        }
        var password = string("delivery.relay_password")
        if let file = url("delivery.relay_password_file") {
            guard password == nil else {
                throw ConfigKeyError(path: "delivery.relay_password_file", message: "set relay_password or relay_password_file, not both")
            }
            do {
                let text = try String(contentsOf: file, encoding: .utf8)
                password = String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
                    .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
            } catch {
                throw ConfigKeyError(path: "delivery.relay_password_file", message: "cannot read \(file.path): \(error.localizedDescription)")
            }
        }
        let username = string("delivery.relay_username")
        if (username == nil) != (password == nil) {
            throw ConfigKeyError(path: username == nil ? "delivery.relay_username" : "delivery.relay_password",
                                 message: "relay_username and a relay password must be set together")
        }
        let tls = string("delivery.relay_tls")
        let delay = int("delivery.delay_warning")
        var delivery = Delivery(
            relay: relay, relayUsername: username, relayPassword: password,
            relayImplicitTLS: tls.map { $0 == "implicit" } ?? (relay?.port == 465), relayCAFile: url("delivery.relay_ca_file"),
            mxPort: int("delivery.mx_port"), retryInitial: max(1, int("delivery.retry_initial")),
            retryMaxInterval: max(1, int("delivery.retry_max_interval")), maxQueueTime: int("delivery.max_queue_time"),
            delayWarning: delay > 0 ? delay : nil, maxConnections: int("delivery.max_connections"),
            maxConnectionsPerDomain: int("delivery.max_connections_per_domain"),
            maxMessagesPerConnection: int("delivery.max_messages_per_connection"), pollInterval: max(1, int("delivery.poll_interval")),
            dane: string("delivery.dane") != "off", mtaSTS: string("delivery.mta_sts") != "off",
            mtaSTSRefreshInterval: int("delivery.mta_sts_refresh_interval"), tlsCAFile: url("delivery.tls_ca_file"))
        delivery.lease = max(1, int("delivery.lease"))
        delivery.connectionIdleTime = min(int("delivery.connection_idle_time"), 3_600)
        return delivery
    }
}
