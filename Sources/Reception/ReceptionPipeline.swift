// The inbound pipeline: ordered stages, each phase run stage by stage until one refuses.

import MailMessage

/// The ordered reception stages of one listener. Each phase runs the stages in order; the
/// first `defer` or `reject` ends the phase with that refusal, tags are applied as they come
/// (so a later stage sees the header fields an earlier one added).
public struct ReceptionPipeline: Sendable {
    public var stages: [any ReceptionStage]

    public init(stages: [any ReceptionStage]) {
        self.stages = stages
    }

    /// Whether any stage implements `phase`.
    public func runs(_ phase: ReceptionPhases) -> Bool {
        stages.contains { !$0.phases.isDisjoint(with: phase) }
    }

    public func connection(_ client: ReceptionClient) async -> ReceptionRefusal? {
        for stage in stages {
            if let refusal = await stage.connection(client).refusal { return logged(refusal, stage, client) }
        }
        return nil
    }

    public func helo(_ client: ReceptionClient) async -> ReceptionRefusal? {
        for stage in stages {
            if let refusal = await stage.helo(client).refusal { return logged(refusal, stage, client) }
        }
        return nil
    }

    public func mailFrom(_ transaction: inout ReceptionTransaction, client: ReceptionClient) async -> ReceptionRefusal? {
        for stage in stages {
            if let refusal = await stage.mailFrom(&transaction, client: client).refusal { return logged(refusal, stage, client) }
        }
        return nil
    }

    public func recipient(_ recipient: inout ReceptionRecipient, transaction: ReceptionTransaction,
                          client: ReceptionClient) async -> ReceptionRefusal? {
        for stage in stages {
            let verdict = await stage.recipient(&recipient, transaction: transaction, client: client)
            if let refusal = verdict.refusal { return logged(refusal, stage, client) }
        }
        return nil
    }

    /// The header section arrived while the body streams: stages start their lookups.
    public func headerReceived(_ header: HeaderSection, transaction: ReceptionTransaction, client: ReceptionClient) {
        for stage in stages where stage.phases.contains(.header) {
            stage.headerReceived(header, transaction: transaction, client: client)
        }
    }

    public func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                        client: ReceptionClient) async -> ReceptionRefusal? {
        for stage in stages {
            let verdict = await stage.message(&message, transaction: transaction, client: client)
            switch verdict {
            case .accept: continue
            case .defer(let refusal), .reject(let refusal): return logged(refusal, stage, client)
            case .tag(let tags):
                for tag in tags {
                    switch tag {
                    case .header(let fields): message.content.prepend(fields)
                    case .keyword(let keyword): if !message.keywords.contains(keyword) { message.keywords.append(keyword) }
                    case .junk: message.junk = true
                    }
                }
            }
        }
        return nil
    }

    private func logged(_ refusal: ReceptionRefusal, _ stage: any ReceptionStage, _ client: ReceptionClient) -> ReceptionRefusal {
        client.logger.info("refused by stage", metadata: [
            "stage": "\(stage.name)", "reply": "\(refusal.code) \(refusal.enhancedCode)", "cause": "\(refusal.cause ?? refusal.text)",
        ])
        return refusal
    }
}
