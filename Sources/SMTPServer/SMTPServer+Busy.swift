import SMTPProtocol
import ServerRuntime

extension SMTPServer {
    /// RFC 5321 §3.1: a server may answer 421 at connection time when it cannot take the
    /// session; RFC 3463 §3.4 X.3.2 "system not accepting network messages".
    public func serverBusyMessage() -> String {
        SMTPReply(421, SMTPEnhancedStatusCode(4, 3, 2), "\(configuration.hostname) too many connections, try again later").encoded()
    }
}
