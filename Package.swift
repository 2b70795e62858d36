// swift-tools-version: 6.1
// Hato: a complete mail server in one binary. Layout and import rules: docs/architecture.md.
import PackageDescription

let swift6: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "hato",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hato", targets: ["hato"]),
        .library(name: "MailCore", targets: ["MailCore"]),
        .library(name: "MailMessage", targets: ["MailMessage"]),
        .library(name: "MailAuth", targets: ["MailAuth"]),
        .library(name: "MailStore", targets: ["MailStore"]),
        .library(name: "MailStoreSQLite", targets: ["MailStoreSQLite"]),
        .library(name: "MailStorePostgres", targets: ["MailStorePostgres"]),
        .library(name: "HatoServer", targets: ["HatoServer"]),
        .library(name: "HatoTesting", targets: ["HatoTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        // The HTTP listener (docs/http.md): HummingbirdCore's HTTP/1.1 channel only, without the
        // swift-configuration and full-Foundation traits. Metrics (docs/metrics.md): swift-metrics
        // facades in the servers, a Prometheus registry in HatoServer.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // The ACME client's HTTP (docs/acme.md).
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // IMAP COMPRESS=DEFLATE (RFC 4978; docs/imap.md).
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        // The shared-database store (docs/scaling.md): MailStorePostgres.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // MARK: pure libraries (no sockets)
        .target(name: "MailCore", swiftSettings: swift6),
        .target(
            name: "CICU",
            // icui18n: uspoof (UTS #39 confusables) for the risk assessment's lookalike domains.
            linkerSettings: [.linkedLibrary("icui18n"), .linkedLibrary("icuuc"), .linkedLibrary("icudata")]
        ),
        .target(name: "MailMessage", dependencies: ["CICU"], swiftSettings: swift6),
        // zlib (Debian zlib1g-dev) behind a bounded inflate (DMARC report attachments, docs/dmarc-reports.md).
        // Bounds how many tests run at once in the test process (issue 16; see its source).
        .target(name: "CTestRunWidth", path: "Sources/CTestRunWidth"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "BoundedZlib", dependencies: ["CZlib"], swiftSettings: swift6),
        .testTarget(name: "BoundedZlibTests", dependencies: ["BoundedZlib"], swiftSettings: swift6),
        // DMARC aggregate reports (RFC 9990): build, gzip and parse; pure (issue 22; docs/dmarc-reports.md).
        .target(name: "DMARCReport", dependencies: ["MailStore", "MailCore", "MailMessage", "DNSMessage", "BoundedZlib", "RiskAssessment"], swiftSettings: swift6),
        .testTarget(
            name: "DMARCReportTests", dependencies: ["DMARCReport", "BoundedZlib", "MailStore", "MailMessage", "DNSMessage", "HatoTesting"],
            resources: [.copy("Fixtures")], swiftSettings: swift6
        ),
        // Phishing, BEC, attachment and HTML signals over a parsed message (issue 18; docs/security.md).
        .target(name: "RiskAssessment", dependencies: ["MailCore", "MailMessage", "MailAuth", "CICU"], swiftSettings: swift6),
        .target(
            name: "SASL",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swift6
        ),
        .target(
            name: "DNSMessage",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swift6
        ),
        .target(
            name: "MailAuth",
            dependencies: [
                "MailCore", "MailMessage", "DNSMessage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swift6
        ),

        .target(
            name: "SMTPProtocol",
            dependencies: ["MailCore", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swift6
        ),
        .target(
            name: "IMAPProtocol",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swift6
        ),
        .target(
            name: "POP3Protocol",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swift6
        ),

        // Sieve (RFC 5228 and extensions; docs/sieve.md): lexer, parser, compiler and a bounded interpreter.
        .target(name: "SieveProtocol", dependencies: ["MailMessage", "CICU"], swiftSettings: swift6),
        .testTarget(name: "SieveProtocolTests", dependencies: ["SieveProtocol", "MailMessage", "HatoTesting"], swiftSettings: swift6),
        // ManageSieve (RFC 5804; docs/sieve.md): framing with literals, command grammar, responses.
        .target(name: "ManageSieveProtocol", dependencies: [.product(name: "NIOCore", package: "swift-nio")], swiftSettings: swift6),
        .testTarget(name: "ManageSieveProtocolTests", dependencies: ["ManageSieveProtocol", .product(name: "NIOCore", package: "swift-nio")],
                    swiftSettings: swift6),

        // Milter protocol v6 (Sendmail/Postfix content filters): pure codec, then the NIO client.
        .target(name: "MilterProtocol", swiftSettings: swift6),
        .testTarget(name: "MilterProtocolTests", dependencies: ["MilterProtocol"], swiftSettings: swift6),
        .target(
            name: "MilterClient",
            dependencies: [
                "MilterProtocol", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swift6
        ),

        // MARK: storage
        .target(
            name: "MailStore",
            dependencies: ["MailCore", "SASL"],
            swiftSettings: swift6
        ),
        .target(
            name: "MailStoreSQLite",
            dependencies: [
                "SASL",
                "MailStore", "MailCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),  // StoreFormatReader: a connection that writes nothing
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swift6
        ),
        // The shared-database store (docs/scaling.md): bodies content-addressed in PostgreSQL, UID/MODSEQ
        // allocation under a row lock on the mailbox; the same conformance suite as MailStoreSQLite.
        .target(
            name: "MailStorePostgres",
            dependencies: [
                "SASL", "MailStore", "MailCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swift6
        ),

        // MARK: networking
        // libunbound for in-process DNSSEC validation (docs/dns.md); only UnboundContext.swift uses it.
        .systemLibrary(name: "CUnbound", path: "Sources/CUnbound", providers: [.apt(["libunbound-dev"])]),
        .target(
            name: "DNSClient",
            dependencies: [
                "DNSMessage",
                "CUnbound",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swift6
        ),

        // A bounded reader of TLS ClientHellos (SNI and ALPN), for answering ACME tls-alpn-01.
        .target(name: "TLSClientHello", dependencies: [.product(name: "NIOCore", package: "swift-nio")], swiftSettings: swift6),
        .target(
            name: "ServerRuntime",
            dependencies: [
                "SASL", "TLSClientHello",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swift6
        ),
        .testTarget(
            name: "ServerRuntimeTests",
            dependencies: [
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                "ServerRuntime", "HatoTesting", "TLSClientHello",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swift6
        ),

        .target(
            name: "SMTPClient",
            dependencies: [
                "MailCore", "SMTPProtocol", "SASL",
                .product(name: "Crypto", package: "swift-crypto"),
                // DANE-TA chains (RFC 7672 §3.1.2) are validated up to the TLSA-matched anchor.
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swift6
        ),
        // The HTTP/HTTPS listener: autoconfig, Autodiscover, mobileconfig, MTA-STS, ACME http-01,
        // health and metrics, as a ProtocolServer on ServerRuntime's listener (docs/http.md).
        .target(
            name: "HTTPService",
            dependencies: [
                "MailCore", "ServerRuntime", "SASL",
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swift6
        ),
        .testTarget(
            name: "HTTPServiceTests",
            dependencies: [
                "HTTPService", "ServerRuntime", "HatoTesting", "MailCore", "SASL",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swift6
        ),

        .testTarget(
            name: "SMTPClientTests",
            dependencies: [
                "SMTPClient", "SMTPProtocol", "SMTPServer", "MailStore", "MailStoreSQLite", "MailCore", "HatoTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swift6
        ),

        .target(
            name: "LocalDelivery",
            dependencies: ["MailCore", "MailMessage", "MailStore", "SieveProtocol", .product(name: "Logging", package: "swift-log"),
                           .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swift6
        ),

        // S/MIME (docs/smime.md): OpenSSL's CMS from libcrypto (Debian libssl-dev); only Sources/SMIME
        // imports CCMS. The BoringSSL copies in swift-nio-ssl/swift-crypto have prefixed symbols.
        .systemLibrary(name: "CCMS", path: "Sources/CCMS", providers: [.apt(["libssl-dev"])]),
        .target(name: "SMIME", dependencies: ["CCMS"], swiftSettings: swift6),
        .testTarget(name: "SMIMETests", dependencies: ["SMIME", "HatoTesting", "MailMessage", "MailAuth", "Reception", "MailCore", "MailStore", "LocalDelivery", "SMTPProtocol",
                                                  .product(name: "Logging", package: "swift-log")], swiftSettings: swift6),

        // OpenPGP (docs/openpgp.md): RNP 0.16 (Debian librnp-dev, Thunderbird's engine); only
        // Sources/OpenPGP imports CRNP.
        .systemLibrary(name: "CRNP", path: "Sources/CRNP", providers: [.apt(["librnp-dev"])]),
        .target(name: "OpenPGP", dependencies: ["CRNP"], swiftSettings: swift6),
        .testTarget(name: "OpenPGPTests", dependencies: ["OpenPGP", "HatoTesting", "MailStore", "MailCore", "MailMessage", "Reception",
                                                   "LocalDelivery", "SMTPProtocol",
                                                   .product(name: "Logging", package: "swift-log")], swiftSettings: swift6),

        // The inbound pipeline: ordered stages with typed verdicts (docs/architecture.md).
        .target(
            name: "Reception",
            dependencies: [
                "MailCore", "MailMessage", "MailAuth", "MailStore", "LocalDelivery", "DNSMessage", "SMTPProtocol", "RiskAssessment", "SMIME", "OpenPGP", "DMARCReport",
                .product(name: "Logging", package: "swift-log"),
                "MilterProtocol", "MilterClient", .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swift6
        ),
        .testTarget(
            name: "ReceptionTests",
            dependencies: ["Reception", "MailCore", "MailMessage", "MailAuth", "MailStore", "MailStoreSQLite", "LocalDelivery", "DNSMessage",
                           "SMTPProtocol", "HatoTesting", "RiskAssessment", .product(name: "Logging", package: "swift-log"),
                           "MilterProtocol", "MilterClient", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: swift6
        ),
        .testTarget(
            name: "LocalDeliveryTests",
            dependencies: ["LocalDelivery", "MailCore", "MailStore", "MailStoreSQLite", "HatoTesting", "SieveProtocol", "MailMessage"],
            swiftSettings: swift6
        ),

        .target(
            name: "OutboundQueue",
            dependencies: [
                "MailCore", "MailStore", "LocalDelivery", "DNSMessage", "SMTPClient", "MailAuth",
                // MTA-STS policies are fetched over HTTPS (RFC 8461 §3.3).
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swift6
        ),
        .testTarget(
            name: "OutboundQueueTests",
            dependencies: [
                "OutboundQueue", "SMTPClient", "MailCore", "MailStore", "MailStoreSQLite", "DNSMessage", "DNSClient", "HatoTesting",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swift6
        ),

        .target(
            name: "POP3Server",
            dependencies: [
                "POP3Protocol", "MailStore", "MailCore", "SASL", "ServerRuntime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swift6
        ),
        .testTarget(
            name: "SMTPProtocolTests",
            dependencies: ["SMTPProtocol", "MailCore", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOTestUtils", package: "swift-nio")],
            swiftSettings: swift6
        ),
        .testTarget(
            name: "IMAPProtocolTests",
            dependencies: ["IMAPProtocol", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOTestUtils", package: "swift-nio")],
            swiftSettings: swift6
        ),
        .testTarget(name: "POP3ProtocolTests", dependencies: ["POP3Protocol", .product(name: "NIOCore", package: "swift-nio")], swiftSettings: swift6),
        .testTarget(
            name: "POP3ServerTests",
            dependencies: [
                "POP3Server", "MailStore", "MailStoreSQLite", "MailCore", "HatoTesting", "SASL", "ServerRuntime",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swift6
        ),

        .target(
            name: "ManageSieveServer",
            dependencies: [
                "ManageSieveProtocol", "SieveProtocol", "MailStore", "MailCore", "SASL", "ServerRuntime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swift6
        ),
        .testTarget(
            name: "ManageSieveServerTests",
            dependencies: [
                "ManageSieveServer", "MailStore", "MailStoreSQLite", "MailCore", "HatoTesting", "SieveProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swift6
        ),

        .target(
            name: "IMAPServer",
            dependencies: [
                "IMAPProtocol", "MailStore", "MailCore", "MailMessage", "SASL", "ServerRuntime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Crypto", package: "swift-crypto"),  // URLAUTH's HMAC (RFC 4467 §2.4.1)
            ],
            swiftSettings: swift6
        ),
        .testTarget(
            name: "IMAPServerTests",
            dependencies: [
                "SASL", "ServerRuntime",
                "IMAPServer", "IMAPProtocol", "MailStore", "MailStoreSQLite", "MailCore", "MailMessage", "HatoTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swift6
        ),

        .target(
            name: "SMTPServer",
            dependencies: [
                "SMTPProtocol", "MailStore", "MailCore", "MailMessage", "SASL", "LocalDelivery", "ServerRuntime", "Reception",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swift6
        ),
        .testTarget(
            name: "SMTPServerTests",
            dependencies: ["SMTPProtocol", "SMTPServer", "MailStore", "MailStoreSQLite", "MailCore", "HatoTesting", "DNSMessage", "DNSClient",
                           "MailAuth", "Reception", "SASL", "ServerRuntime", "LocalDelivery", "MailMessage",
                           "RiskAssessment",
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: swift6
        ),

        // RFC 8555 ACME client (docs/acme.md): JWS on swift-crypto, CSRs from swift-certificates,
        // HTTP through AsyncHTTPClient. No socket of its own beyond the HTTP client.
        .target(
            name: "ACME",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swift6
        ),

        .testTarget(
            name: "ACMETests",
            dependencies: [
                "ACME", "HatoTesting", "ServerRuntime", "DNSMessage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swift6
        ),

        // MARK: composition
        .target(
            name: "HatoServer",
            dependencies: [
                "MilterProtocol", "MilterClient", "SieveProtocol",
                "SMTPProtocol",
                "MailCore", "MailMessage", "SASL", "MailStore", "MailStoreSQLite", "MailStorePostgres", "DNSMessage", "DNSClient", "ServerRuntime",
                "POP3Server", "SMTPServer", "IMAPServer", "IMAPProtocol", "ManageSieveServer", "MailAuth", "OutboundQueue", "SMTPClient",
                "Reception", "HTTPService", "RiskAssessment", "LocalDelivery", "ACME", "SMIME", "OpenPGP", "DMARCReport",
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                // hato check tls: the TLS probe's client connections and certificate details.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                // TLS-RPT reports to rua=https: destinations (RFC 8460 §5.3).
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swift6
        ),
        .executableTarget(
            name: "hato",
            dependencies: [
                "HatoServer", "MailCore", "MailMessage", "MailStore", "DNSMessage", "DNSClient", "MailAuth", "RiskAssessment", "LocalDelivery", "OpenPGP", "DMARCReport", "SMIME", "Reception",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swift6
        ),
        .target(
            name: "HatoTesting",
            dependencies: [
                "CTestRunWidth",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                "MailCore", "MailStore", "DNSMessage", "DNSClient", "ServerRuntime", "SASL",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swift6
        ),

        // Fuzz targets: corpus replayers in ordinary builds, libFuzzer drivers with -DFUZZING (Fuzz/*/README.md).
        .executableTarget(name: "DNSMessageFuzz", dependencies: ["DNSMessage"], path: "Fuzz/DNSMessageFuzz", exclude: ["README.md"], swiftSettings: swift6),
        // HatoFuzz: every network and message parser in one binary, the target chosen by HATO_FUZZ_TARGET
        // (Fuzz/HatoFuzz/README.md); HatoFuzzTests replays the seeds through every target on `swift test`.
        .target(
            name: "HatoFuzzTargets",
            dependencies: ["SMTPProtocol", "IMAPProtocol", "POP3Protocol", "ManageSieveProtocol", "SASL", "MailAuth", "MailMessage", "DNSMessage", "RiskAssessment", "TLSClientHello",
                           "MilterProtocol", "SMIME", "SieveProtocol", "OpenPGP", "DMARCReport", "BoundedZlib",
                           .product(name: "CompressNIO", package: "compress-nio"), .product(name: "NIOCore", package: "swift-nio")],
            path: "Fuzz/HatoFuzz/Targets", swiftSettings: swift6
        ),
        .executableTarget(name: "HatoFuzz", dependencies: ["HatoFuzzTargets"], path: "Fuzz/HatoFuzz/Main", swiftSettings: swift6),
        .testTarget(name: "HatoFuzzTests", dependencies: ["HatoFuzzTargets"], path: "Fuzz/HatoFuzz/Tests", swiftSettings: swift6),

        // MARK: tests (one per library target, plus end-to-end through the real binary)
        .testTarget(name: "MailCoreTests", dependencies: ["MailCore"], swiftSettings: swift6),
        .testTarget(
            name: "RiskAssessmentTests", dependencies: ["RiskAssessment", "MailMessage", "MailCore", "MailAuth"],
            resources: [.copy("Fixtures")], swiftSettings: swift6
        ),
        .testTarget(
            name: "MailMessageTests", dependencies: ["MailMessage", "HatoTesting"],
            resources: [.copy("Fixtures")], swiftSettings: swift6
        ),
        .testTarget(name: "SASLTests", dependencies: ["SASL", "HatoTesting", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: swift6),
        .testTarget(name: "DNSMessageTests", dependencies: ["DNSMessage", .product(name: "NIOCore", package: "swift-nio")], swiftSettings: swift6),
        .testTarget(name: "MailAuthTests", dependencies: ["MailAuth", "MailMessage", "DNSMessage", "HatoTesting"], swiftSettings: swift6),
        .testTarget(name: "MailStoreTests", dependencies: ["MailStore"], swiftSettings: swift6),
        .testTarget(
            name: "MailStoreSQLiteTests",
            dependencies: ["MailStoreSQLite", "MailStore", "MailCore", "HatoTesting", .product(name: "GRDB", package: "GRDB.swift")], swiftSettings: swift6
        ),
        .testTarget(
            name: "MailStorePostgresTests",
            dependencies: ["MailStorePostgres", "MailStore", "MailCore", "SASL", "HatoTesting", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swift6
        ),
        .testTarget(name: "DNSClientTests", dependencies: ["DNSClient", "DNSMessage", "HatoTesting", .product(name: "NIOCore", package: "swift-nio")], swiftSettings: swift6),
        .testTarget(
            name: "HatoServerTests",
            dependencies: ["HatoServer", "HatoTesting", "DNSClient", "DNSMessage", "MailAuth", "MailCore", "MailMessage", "MailStore", "MailStoreSQLite", "MailStorePostgres",
                           "Reception", "SMTPServer", "ServerRuntime", "RiskAssessment", "HTTPService",
                           "MilterClient", .product(name: "NIOCore", package: "swift-nio"),
                           "DMARCReport", "BoundedZlib", "SMIME", .product(name: "Logging", package: "swift-log")], swiftSettings: swift6),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["HatoTesting", "HatoServer", "MailCore", "MailMessage", "MailStore", "MailStoreSQLite", "DNSMessage"],
            // Store fixtures and their probe, read by path (StoreFixture.swift); made by scripts/make-store-fixture.sh.
            exclude: ["Fixtures"],
            swiftSettings: swift6
        ),
    ]
)
