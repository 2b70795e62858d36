import Foundation
@testable import HatoServer
import Testing

/// Issue 16: the connection caps stay below the descriptor limit unless set, and the new
/// `[limits]` keys reach the settings.
@Suite struct ConnectionCapsTests {
    @Test func unsetCapsLeaveAReserveOfDescriptors() {
        let caps = ConnectionCaps.resolve(configured: nil, perListener: nil, descriptorLimit: 20_000, deliveryConnections: 20)
        // 20,000 less max(256, 2,500) less 20 for outbound delivery.
        #expect(caps == ConnectionCaps(total: 17_480, perListener: 8_740))
        let small = ConnectionCaps.resolve(configured: nil, perListener: nil, descriptorLimit: 1024, deliveryConnections: 20)
        #expect(small == ConnectionCaps(total: 748, perListener: 374))
    }

    @Test func configuredCapsAreKept() {
        let caps = ConnectionCaps.resolve(configured: 5000, perListener: 100, descriptorLimit: 1024, deliveryConnections: 20)
        #expect(caps == ConnectionCaps(total: 5000, perListener: 100))
    }

    @Test func theSoftDescriptorLimitIsRaisedToTheHardOne() {
        var limit = rlimit()
        let raised = DescriptorLimit.raise()
        #expect(getrlimit(DescriptorLimit.resource, &limit) == 0)
        #expect(raised == Int(limit.rlim_cur))
        #expect(limit.rlim_cur == min(limit.rlim_max, rlim_t(1 << 20)))
    }

    @Test func abuseLimitKeysReachTheSettings() throws {
        let directory = try FileManager.default.url(for: .itemReplacementDirectory, in: .userDomainMask,
                                                    appropriateFor: URL(fileURLWithPath: "/tmp"), create: true)
        let file = directory.appendingPathComponent("hato.toml")
        try """
            hostname = "a.test"
            [limits]
            max_connections = 900
            max_connections_per_listener = 300
            max_unsent_output = "64K"
            output_stall_timeout = "2m"
            tls_handshake_timeout = 10
            data_phase_timeout = "20m"
            min_data_rate = 4096
            pop3_login_timeout = 90
            """.write(to: file, atomically: true, encoding: .utf8)
        let limits = try ConfigLoader.load(file: file.path, environment: [:]).settings.limits
        #expect(limits.maxConnections == 900 && limits.maxConnectionsPerListener == 300)
        #expect(limits.maxUnsentOutput == 65_536 && limits.outputStallTimeout == .seconds(120))
        #expect(limits.tlsHandshakeTimeout == .seconds(10) && limits.dataPhaseTimeout == .seconds(1200))
        #expect(limits.minDataRate == 4096 && limits.pop3LoginTimeout == .seconds(90))
        let defaults = try ConfigLoader.load(file: nil, environment: [:]).settings.limits
        #expect(defaults.maxConnections == nil && defaults.tlsHandshakeTimeout == .seconds(30))
    }
}
