// `[[milter]]`: content filters spoken to over the milter protocol (docs/milter.md). Entries are
// tables of strings, like `[[tls.certificates]]`; values are checked here.

import MilterClient
import MilterProtocol
import NIOCore
import NIOPosix
import Reception

extension ConfigSchema {
    static let milterFields = ["socket", "name", "default_action", "listeners", "connect_timeout", "command_timeout",
                               "eom_timeout", "max_packet_size", "max_modifications", "max_header_size"]

    static let milterKeys: [ConfigKey] = [
        key("milter", .tableList(fields: milterFields, required: 1), nil,
            "Content filters (rspamd, clamav-milter, spamass-milter ...) run in order at the end of each message: [[milter]] entries with socket (\"inet:host:port\" or \"unix:/path\"), and optionally name, default_action (accept, tempfail, reject), listeners (\"mx\", \"submission\" or \"mx,submission\"), connect_timeout, command_timeout, eom_timeout, max_packet_size, max_modifications, max_header_size; docs/milter.md."),
    ]
}

/// The configured filters, in order.
public struct MilterSettings: Sendable {
    public var filters: [MilterFilter]

    /// The reception stage that runs them (none when no filter is configured); the filters'
    /// `listeners` pick the listeners.
    func stages(counters: ReceptionCounters) -> [any ReceptionStage] {
        filters.isEmpty ? [] : [MilterStage(filters: filters, group: MultiThreadedEventLoopGroup.singleton, counters: counters)]
    }

    static func parse(_ value: ConfigValue?) throws -> MilterSettings {
        guard case .tables(let entries) = value else { return MilterSettings(filters: []) }
        var filters: [MilterFilter] = []
        for (index, entry) in entries.enumerated() {
            func fail(_ message: String) -> ConfigKeyError { ConfigKeyError(path: "milter", message: "entry \(index + 1): \(message)") }
            guard let socket = entry["socket"], let endpoint = MilterEndpoint(socket) else {
                throw fail("socket must be inet:host:port or unix:/path")
            }
            let action = entry["default_action"] ?? "tempfail"
            guard let defaultAction = MilterDefaultAction(rawValue: action) else { throw fail("default_action must be accept, tempfail or reject") }
            var listeners: Set<ReceptionListener> = []
            for word in (entry["listeners"] ?? "mx").split(whereSeparator: { $0 == "," || $0 == " " }) {
                guard let listener = ReceptionListener(rawValue: word == "smtp" ? "mx" : String(word)) else { throw fail("listeners: \(word) is neither mx nor submission") }
                listeners.insert(listener)
            }
            func seconds(_ field: String, _ fallback: Int) throws -> TimeAmount {
                guard let text = entry[field] else { return .seconds(Int64(fallback)) }
                guard let value = ValueParsing.duration(text), (1...3600).contains(value) else { throw fail("\(field) must be a duration of 1s to 1h") }
                return .seconds(Int64(value))
            }
            func number(_ field: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
                guard let text = entry[field] else { return fallback }
                guard let value = ValueParsing.size(text), range.contains(value) else { throw fail("\(field) must be within \(range)") }
                return value
            }
            // Postfix's defaults: milter_connect_timeout 30s, milter_command_timeout 30s, milter_content_timeout 300s.
            let timeouts = MilterTimeouts(connect: try seconds("connect_timeout", 30), command: try seconds("command_timeout", 30),
                                          endOfMessage: try seconds("eom_timeout", 300))
            var limits = MilterLimits.default
            limits.maxPacketSize = try number("max_packet_size", limits.maxPacketSize, 65_536...(64 << 20))
            limits.maxModifications = try number("max_modifications", limits.maxModifications, 1...100_000)
            limits.maxHeaderSize = try number("max_header_size", limits.maxHeaderSize, 998...1_048_576)
            filters.append(MilterFilter(name: entry["name"] ?? "milter\(index + 1)", endpoint: endpoint, timeouts: timeouts,
                                        limits: limits, defaultAction: defaultAction, listeners: listeners))
        }
        return MilterSettings(filters: filters)
    }
}
