// swift-tools-version: 6.1
// libFuzzer target for the MailMessage parser. Sources/CICU and Sources/MailMessage are symlinks
// to the main package's targets. Build and run with ./run.sh (bounded time and memory).
import PackageDescription

let package = Package(
    name: "MailMessageFuzz",
    targets: [
        .target(name: "CICU", linkerSettings: [.linkedLibrary("icuuc"), .linkedLibrary("icudata")]),
        .target(name: "MailMessage", dependencies: ["CICU"], swiftSettings: [.swiftLanguageMode(.v6)]),
        .executableTarget(
            name: "MailMessageFuzz",
            dependencies: ["MailMessage"],
            swiftSettings: [.swiftLanguageMode(.v6), .unsafeFlags(["-parse-as-library"])]
        ),
    ]
)
