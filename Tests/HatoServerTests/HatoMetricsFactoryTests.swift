import CoreMetrics
@testable import HatoServer
import Testing

/// The metrics factory keeps each series' handler (sessions create a `Counter` per increment):
/// the same label and dimensions give the same handler, other dimensions or kinds their own,
/// and every increment shows in the exposition.
@Suite struct HatoMetricsFactoryTests {
    @Test func handlersAreKeptPerSeries() {
        let metrics = HatoMetrics()
        let factory = metrics.factory
        for _ in 0..<3 { Counter(label: "hato_spf_results_total", dimensions: [("result", "pass")], factory: factory).increment() }
        Counter(label: "hato_spf_results_total", dimensions: [("result", "fail")], factory: factory).increment(by: 2)
        Meter(label: "hato_connections_open", dimensions: [("listener", "mx")], factory: factory).set(4)
        Meter(label: "hato_connections_open", dimensions: [("listener", "imap")], factory: factory).set(1)
        let text = metrics.registry.emitToString()
        #expect(text.contains(#"hato_spf_results_total{result="pass"} 3"#), "\(text)")
        #expect(text.contains(#"hato_spf_results_total{result="fail"} 2"#), "\(text)")
        #expect(text.contains(#"hato_connections_open{listener="mx"} 4"#), "\(text)")
        #expect(text.contains(#"hato_connections_open{listener="imap"} 1"#), "\(text)")
        let first = factory.makeCounter(label: "hato_dmarc_results_total", dimensions: [("result", "pass")])
        #expect(first === factory.makeCounter(label: "hato_dmarc_results_total", dimensions: [("result", "pass")]))
        #expect(first !== factory.makeCounter(label: "hato_dmarc_results_total", dimensions: [("result", "none")]))
    }
}
