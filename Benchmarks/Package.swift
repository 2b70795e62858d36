// swift-tools-version: 6.1
// Benchmarks for Hato, kept out of the main package so that `swift build` and `swift test`
// there never build ordo-one/benchmark. Run with `scripts/bench-store.sh` (store appends) and
// `scripts/bench-parse.sh` (message parsing, compared with Python's email package), or from here:
//   swift package --disable-sandbox benchmark
// Results and how to read them: docs/PERFORMANCE.md.
import PackageDescription

let package = Package(
    name: "HatoBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "hato", path: ".."),
        // The trait list replaces the package's default traits: MallocInterposer keeps the malloc
        // metrics; leaving out RuntimeInterposer avoids a dependency that is not available here.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: []
)

// One executable target per suite, its sources in Benchmarks/<Suite>/ (where the benchmark
// plugin looks for them).
package.targets += [
    .executableTarget(
        name: "MailStoreBenchmarks",
        dependencies: [
            .product(name: "Benchmark", package: "benchmark"),
            .product(name: "MailStore", package: "hato"),
            .product(name: "MailStoreSQLite", package: "hato"),
        ],
        path: "Benchmarks/MailStoreBenchmarks",
        swiftSettings: [.swiftLanguageMode(.v6)],
        plugins: [
            .plugin(name: "BenchmarkPlugin", package: "benchmark"),
        ]
    ),
    .executableTarget(
        name: "MailMessageBenchmarks",
        dependencies: [
            .product(name: "Benchmark", package: "benchmark"),
            .product(name: "MailMessage", package: "hato"),
        ],
        path: "Benchmarks/MailMessageBenchmarks",
        swiftSettings: [.swiftLanguageMode(.v6)],
        plugins: [
            .plugin(name: "BenchmarkPlugin", package: "benchmark"),
        ]
    ),
    .executableTarget(
        name: "DKIMBenchmarks",
        dependencies: [
            .product(name: "Benchmark", package: "benchmark"),
            .product(name: "MailAuth", package: "hato"),
        ],
        path: "Benchmarks/DKIMBenchmarks",
        swiftSettings: [.swiftLanguageMode(.v6)],
        plugins: [
            .plugin(name: "BenchmarkPlugin", package: "benchmark"),
        ]
    ),
]
