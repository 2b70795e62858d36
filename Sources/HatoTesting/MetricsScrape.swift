// Reads `/metrics` of a running `hato serve` (the admin listener) the way Prometheus would.

/// Series values from the Prometheus text exposition.
public enum MetricsScrape {
    /// "SERIES VALUE" for each series asked for ("SERIES absent" when it is not exposed).
    public static func values(port: String, _ series: [String]) async throws -> [String] {
        let scrape = try await Python.run("""
            import sys, urllib.request
            text = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=20).read().decode()
            values = {line.rsplit(" ", 1)[0]: line.rsplit(" ", 1)[1] for line in text.splitlines() if line and not line.startswith("#")}
            for series in sys.argv[2:]: print(series, values.get(series, "absent"))
            """, arguments: [port] + series)
        try require(scrape.status == 0, "scraping /metrics: \(scrape.stderr)")
        return scrape.stdout.split(separator: "\n").map(String.init)
    }
}
