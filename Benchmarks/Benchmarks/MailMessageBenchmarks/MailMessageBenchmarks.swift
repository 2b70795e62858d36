// Parse throughput of MailMessage, as issue 3 asks: small (4 KB Japanese text), medium (100 KB
// multipart/alternative + attachment) and large (10 MB base64 attachment) messages parsed into
// their MIME structure with `MIMEMessage(parsing:)`, and a header-only input.
//
// MailMessage has no public header-only entry point (HeaderParser is internal), so the
// header-only case runs `MIMEMessage(parsing:)` on a message that is only a header section
// (about 4 KB of typical inbound fields and the blank line, no body).
//
// The inputs are generated deterministically (fixed dates, IDs, boundaries and pseudo-random
// attachment bytes). When HATO_PARSE_BENCH_DIR is set, the exact bytes measured are also written
// there (small.eml, medium.eml, large.eml, header-only.eml) so that scripts/bench-parse.sh can
// time Python's `email` package on the same files. Results: docs/PERFORMANCE.md.

import Benchmark
import Foundation
import MailMessage

/// One input: its name in the benchmark list, its file name, the bytes, and how many parses one
/// benchmark iteration makes (1 or 1,000, used as the scaling factor).
struct ParseInput: Sendable {
    var label: String
    var file: String
    var bytes: [UInt8]
    var parsesPerIteration: Int
}

let benchmarks: @Sendable () -> Void = {
    let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)

    let inputs = ParseInputs.all
    if let dir = ProcessInfo.processInfo.environment["HATO_PARSE_BENCH_DIR"], !dir.isEmpty {
        ParseInputs.write(inputs, to: dir)
    }

    for input in inputs {
        let bytes = input.bytes
        let parsesPerIteration = input.parsesPerIteration
        Benchmark(
            "MIMEMessage(parsing:) \(input.label)",
            configuration: .init(
                metrics: [.throughput, .wallClock, megabytesPerSecond],
                tags: ["bytes": "\(bytes.count)", "file": input.file],
                units: [megabytesPerSecond: .count],
                warmupIterations: 3,
                scalingFactor: BenchmarkScalingFactor(rawValue: parsesPerIteration)!,
                maxDuration: .seconds(3),
                maxIterations: 2_000
            ),
            closure: { benchmark in
                let start = ContinuousClock.now
                for _ in 0..<parsesPerIteration {
                    blackHole(MIMEMessage(parsing: bytes))
                }
                let elapsed = ContinuousClock.now - start
                benchmark.stopMeasurement()
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let mbps = Double(bytes.count * parsesPerIteration) / seconds / 1e6
                benchmark.measurement(megabytesPerSecond, Int(mbps.rounded()))
            }
        )
    }
}

enum ParseInputs {
    static let all: [ParseInput] = [
        ParseInput(label: "small 4 KB Japanese text", file: "small.eml", bytes: small(), parsesPerIteration: 1_000),
        ParseInput(label: "medium 100 KB multipart", file: "medium.eml", bytes: medium(), parsesPerIteration: 1),
        ParseInput(label: "large 10 MB attachment", file: "large.eml", bytes: large(), parsesPerIteration: 1),
        ParseInput(label: "header-only 4 KB", file: "header-only.eml", bytes: headerOnly(), parsesPerIteration: 1_000),
    ]

    static func write(_ inputs: [ParseInput], to dir: String) {
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for input in inputs {
            let url = URL(fileURLWithPath: dir).appendingPathComponent(input.file)
            do { try Data(input.bytes).write(to: url) } catch {
                fatalError("cannot write \(url.path): \(error)")
            }
        }
    }

    // MARK: the four inputs

    /// A Japanese plain-text message (ISO-2022-JP body and encoded-word subject), about 4 KB.
    static func small() -> [UInt8] {
        let sentence = "お世話になっております。来週の打ち合わせの件でご連絡いたします。資料は添付せず本文に記載します。\n"
        var text = "山田様\n\n"
        var message = builder(text: text).buildDeterministic()
        while message.count < 4_000 {
            text += sentence
            message = builder(text: text).buildDeterministic()
        }
        return message
    }

    /// multipart/mixed: multipart/alternative (text and HTML) plus a base64 attachment, about 100 KB.
    static func medium() -> [UInt8] {
        var b = builder(text: String(repeating: "The quarterly figures are attached; a summary follows below.\n", count: 100))
        b.htmlBody = "<html><body>"
            + String(repeating: "<p>The quarterly <b>figures</b> are attached; a summary follows below.</p>\n", count: 160)
            + "</body></html>\n"
        b.attachments = [.init(filename: "report.pdf", contentType: "application/pdf", data: pseudoRandomBytes(count: 56_500, seed: 1))]
        return b.buildDeterministic()
    }

    /// A short text and a 7.5 MB attachment, about 10 MB once base64-encoded.
    static func large() -> [UInt8] {
        var b = builder(text: "Photos from the trip, as promised.\n")
        b.attachments = [.init(filename: "photos.zip", contentType: "application/zip", data: pseudoRandomBytes(count: 7_500_000, seed: 2))]
        return b.buildDeterministic()
    }

    /// Only a header section (typical inbound fields: Received, DKIM, ARC, list headers) and the
    /// blank line that ends it.
    static func headerOnly() -> [UInt8] {
        let message = builder(text: "").buildDeterministic()
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var i = 0
        while i + 4 <= message.count, Array(message[i..<i + 4]) != separator { i += 1 }
        return Array(message[..<(i + 4)])
    }

    // MARK: building blocks

    /// A builder with a fixed date, Message-ID and a realistic set of inbound header fields.
    static func builder(text: String) -> MessageBuilder {
        var b = MessageBuilder()
        b.from = [Mailbox(displayName: "佐藤 花子", address: "hanako.sato@example.co.jp")]
        b.to = [
            Mailbox(displayName: "山田 太郎", address: "taro.yamada@example.com"),
            Mailbox(displayName: "Project List", address: "project@lists.example.org"),
        ]
        b.cc = [Mailbox(displayName: "鈴木 一郎", address: "ichiro.suzuki@example.co.jp")]
        b.subject = "【ご連絡】来週の打ち合わせについて (Re: meeting next week)"
        b.date = Date(timeIntervalSince1970: 1_750_000_000)
        b.timeZone = TimeZone(identifier: "Asia/Tokyo")!
        b.messageID = "20250615.123456.abcdef@mail.example.co.jp"
        b.inReplyTo = ["20250614.000001.aaaaaa@mail.example.com"]
        b.references = (1...6).map { "2025061\($0).00000\($0).ref\($0)@mail.example.com" }
        b.headerCharset = .iso2022jp
        b.bodyCharset = .iso2022jp
        b.textBody = text
        b.extraHeaders = inboundHeaders
        return b
    }

    static let inboundHeaders: [(name: String, value: String)] = {
        var h: [(name: String, value: String)] = []
        for hop in 1...5 {
            h.append(("Received", "from mx\(hop).relay.example.net (mx\(hop).relay.example.net [192.0.2.\(hop)]) by mail.example.com (Hato) with ESMTPS id 4B\(hop)xYz\(hop)QwErTy for <taro.yamada@example.com>; Mon, 16 Jun 2025 00:06:4\(hop) +0900"))
        }
        let signature = String(pseudoRandomBytes(count: 256, seed: 3).map { Character(UnicodeScalar(base64Alphabet[Int($0) & 63])) })
        h.append(("DKIM-Signature", "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.co.jp; s=selector1; t=1750000000; h=from:to:cc:subject:date:message-id:in-reply-to:references:mime-version:content-type; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=\(signature)"))
        h.append(("ARC-Seal", "i=1; a=rsa-sha256; t=1750000000; cv=none; d=relay.example.net; s=arc-2025; b=\(signature)"))
        h.append(("ARC-Authentication-Results", "i=1; mx1.relay.example.net; dkim=pass header.d=example.co.jp header.s=selector1; spf=pass smtp.mailfrom=example.co.jp; dmarc=pass header.from=example.co.jp"))
        h.append(("Authentication-Results", "mail.example.com; dkim=pass header.d=example.co.jp header.s=selector1 header.b=abcdEFGH; spf=pass (mail.example.com: domain of hanako.sato@example.co.jp designates 192.0.2.1 as permitted sender) smtp.mailfrom=hanako.sato@example.co.jp; dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.co.jp"))
        h.append(("List-Id", "Project discussion <project.lists.example.org>"))
        h.append(("List-Unsubscribe", "<mailto:project-unsubscribe@lists.example.org>, <https://lists.example.org/unsubscribe/project>"))
        h.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
        h.append(("X-Mailer", "Hato benchmark generator 1.0"))
        h.append(("X-Spam-Status", "No, score=-0.1 required=5.0 tests=DKIM_SIGNED,DKIM_VALID,DKIM_VALID_AU,SPF_PASS autolearn=ham"))
        return h
    }()

    static let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Deterministic bytes (xorshift64*), incompressible like a real archive or image.
    static func pseudoRandomBytes(count: Int, seed: UInt64) -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &* (seed &+ 1)
        var out = [UInt8](repeating: 0, count: count)
        var i = 0
        while i < count {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            var word = state &* 0x2545_F491_4F6C_DD1D
            for _ in 0..<8 where i < count {
                out[i] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                i += 1
            }
        }
        return out
    }
}

extension MessageBuilder {
    /// `build()` with its random multipart boundaries replaced by fixed ones of the same length,
    /// so that every run parses the same bytes.
    func buildDeterministic() -> [UInt8] {
        var bytes = build()
        let prefix = Array("=_hato_".utf8)
        let randomLength = 24
        var replacements: [[UInt8]: [UInt8]] = [:]
        var i = 0
        while i + prefix.count + randomLength <= bytes.count {
            if bytes[i] == prefix[0], Array(bytes[i..<i + prefix.count]) == prefix {
                let start = i + prefix.count
                let random = Array(bytes[start..<start + randomLength])
                let fixed = replacements[random] ?? {
                    let text = String(format: "bench%019d", replacements.count + 1)
                    return Array(text.utf8)
                }()
                replacements[random] = fixed
                bytes.replaceSubrange(start..<start + randomLength, with: fixed)
                i = start + randomLength
            } else {
                i += 1
            }
        }
        return bytes
    }
}
