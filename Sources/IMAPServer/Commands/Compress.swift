import IMAPProtocol
import NIOCore
import ServerRuntime

/// RFC 4978 COMPRESS=DEFLATE. The tagged OK is the last uncompressed octets (§3); then the
/// driver puts `IMAPDeflate`'s handlers in front of the session.
extension IMAPSession {
    mutating func compress(_ tag: String, _ mechanism: String) -> [IMAPAction] {
        // §3: BAD for an unknown mechanism and for COMPRESS while DEFLATE is on (its Result list:
        // "BAD ... COMPRESS already active"; NO is for another layer compressing, which TLS 1.2+
        // never does here). The COMPRESSIONACTIVE code still says why.
        guard mechanism == "DEFLATE" else { return fail(tag, .unknownCompression) }
        guard !compressing else { return fail(tag, .compressionActive) }
        compressing = true
        // Skipping refused input (over-long lines, refused LITERAL+ octets) now costs the client
        // a thousandth of what it costs us: bound it for the rest of the session.
        decoder.setMaxDiscardedOctets(IMAPDeflate.maxDiscardedOctets)
        var responses = pendingUpdates(allowExpunge: true)
        responses.append(.status(tag: tag, .ok, text: "DEFLATE active"))
        return send(responses) + [.startCompression]
    }
}

extension IMAPSessionAdapter {
    /// After the tagged OK was written: what the client sent behind COMPRESS is compressed
    /// already, so it moves from the session's input to the inflater.
    func startCompression(_ driver: Driver, _ context: ChannelHandlerContext) {
        let leftover = driver.inbound.buffer
        driver.inbound.discardAll()
        do {
            try IMAPDeflate.install(before: context, leftover: leftover)
        } catch {
            logger.warning("COMPRESS could not start", metadata: ["error": "\(LogSafe.escaped("\(error)"))"])
            context.close(promise: nil)
        }
    }
}
