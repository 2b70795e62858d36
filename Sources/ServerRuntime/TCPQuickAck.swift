import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Asks the kernel to acknowledge the next segments at once instead of after the delayed-ACK
/// timer (Linux `TCP_QUICKACK`; the kernel falls back to delayed ACKs on its own later).
///
/// Why: after a continuation request ("+ Ready for literal data") a client typically writes the
/// literal and then its closing CRLF in a second, small write. With Nagle's algorithm on the
/// client (Python's imaplib, many others) that CRLF waits until the literal is acknowledged, and
/// the server, having nothing to send yet, delays that ACK by up to 40 ms: every APPEND took
/// 40+ ms. Dovecot sets the same option before its reads for the same reason.
public enum TCPQuickAck {
    public static func request(on channel: any Channel) {
        #if os(Linux)
        let option = ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: CInt(TCP_QUICKACK)))
        try? channel.syncOptions?.setOption(option, value: 1)
        #endif
    }
}
