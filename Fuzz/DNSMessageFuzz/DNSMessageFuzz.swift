// libFuzzer target for the DNS wire decoder and the zone text parser.
// Contract: no input traps; whatever decodes re-encodes to a message that decodes to the same value.
// Build and run: see README.md beside this file.

import DNSMessage

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDNSMessage(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let message = try? DNSMessage(decoding: bytes), let again = try? message.encoded() {
        let decoded = try? DNSMessage(decoding: again)
        precondition(decoded == message, "re-encoding changed the message")
    }
    if let zone = try? DNSZone(parsing: String(decoding: bytes, as: UTF8.self)), let first = zone.records.first {
        _ = zone.answer(first.name, first.type)
    }
    return 0
}
