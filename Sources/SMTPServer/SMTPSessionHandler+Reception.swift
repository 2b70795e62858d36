import NIOCore
import Reception
import SMTPProtocol

/// Where the session meets the reception pipeline: it hands each phase's input to the stages
/// and maps their verdicts to replies; it decides no policy itself.
extension SMTPSessionHandler {
    /// The client as the stages see it, from the session state now.
    var receptionClient: ReceptionClient {
        var client = ReceptionClient(hostname: configuration.hostname, listener: configuration.profile,
                                     remoteIP: connection.remoteIP, logger: logger)
        client.helo = helo
        client.esmtp = esmtp
        client.tls = tlsActive ? (connection.tlsSession?.description ?? "TLS") : nil
        client.account = account
        return client
    }

    /// A stage's refusal as the reply. Policy refusals (unknown recipient, SPF, DMARC) are
    /// answers about the mail, not client errors: they do not count towards `maxErrors`, so a
    /// valid recipient after ten unknown ones still gets the message (RFC 5321 §4.3.2 is about
    /// misbehaving clients).
    func refuse(_ refusal: ReceptionRefusal, _ context: ChannelHandlerContext) {
        fail(SMTPError(refusal.code, refusal.enhancedCode, refusal.text, cause: refusal.cause), countsAsError: false, context)
    }

    /// The greeting, unless a connection stage refuses the client: then 554 (RFC 5321 §3.1) or
    /// 421 for a temporary refusal, and the connection closes.
    func greetThroughPipeline(_ context: ChannelHandlerContext) {
        guard server.pipeline.runs(.connection) else { return greet(context) }
        let pipeline = server.pipeline, client = receptionClient
        perform(context) {
            let refusal = await pipeline.connection(client)
            return { handler, context in
                guard let refusal else { return handler.greet(context) }
                let code = refusal.isTemporary ? 421 : 554
                handler.close(with: SMTPReply(code, refusal.enhancedCode, "\(handler.configuration.hostname) \(refusal.text)"), context)
            }
        }
    }

    /// RFC 5321 §4.1.1.1 EHLO/HELO, after the HELO stages.
    func checkHELO(_ context: ChannelHandlerContext) {
        guard server.pipeline.runs(.helo) else { return answerHELO(context) }
        let pipeline = server.pipeline, client = receptionClient
        perform(context) {
            let refusal = await pipeline.helo(client)
            return { handler, context in
                guard let refusal else { return handler.answerHELO(context) }
                handler.helo = nil
                handler.refuse(refusal, context)
            }
        }
    }

    func answerHELO(_ context: ChannelHandlerContext) {
        if esmtp {
            let greeting = "Hello \(TraceHeaders.sanitize(helo ?? ""))"
            reply(.ehlo(domain: configuration.hostname, greeting: greeting, capabilities: capabilities), context)
        } else {
            reply(.helo(domain: configuration.hostname), context)
        }
    }
}
