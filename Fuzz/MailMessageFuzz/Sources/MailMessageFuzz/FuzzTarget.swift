// libFuzzer entry point: parse arbitrary bytes and touch every view the rest of Hato uses.
// Any crash, hang (libFuzzer -timeout) or runaway memory (-rss_limit_mb) is a finding.
import MailMessage

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let message = MIMEMessage(parsing: bytes, limits: MessageLimits(maxDepth: 32))
    let summary = MessageSummary(message)
    precondition(summary.size == bytes.count)
    for part in message.root.allParts {
        precondition(part.bodyRange.end <= bytes.count && part.headerRange.end <= bytes.count)
        _ = message.text(of: part)
        _ = part.filename
    }
    for location in summary.sections { precondition(message.part(at: location.section) != nil) }
    _ = message.decodedText
    _ = message.header.from
    _ = message.header.to
    _ = message.header.date
    _ = message.header.references
    return 0
}

// SwiftPM links executable targets with their entry point renamed to <Target>_main, which
// shadows libFuzzer's own main; so this main hands control to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("MailMessageFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return withUnsafeMutablePointer(to: &count) { c in
        withUnsafeMutablePointer(to: &arguments) { a in
            LLVMFuzzerRunDriver(c, UnsafeMutablePointer(OpaquePointer(a)), { data, size in fuzz(data, size) })
        }
    }
}
