import Logging
import MailCore
import MailStore
import SieveProtocol

/// One account's script run, before anything it asked for was done.
struct SieveRun {
    var account: Account
    var envelopeTo: EmailAddress
    var mailboxes: [MailboxTarget]
    var result: SieveResult
}

enum SieveOutcome {
    /// No active script, or it failed: INBOX as without Sieve.
    case unfiltered
    /// The account's mailboxes could not be read.
    case failed(MailStoreError)
    case ran(SieveRun)
}

/// RFC 5429 §2.1-2.2: the message refused in the SMTP transaction, because every account it was
/// for rejected it. `text` is the reply text: the reason, sanitized and bounded.
public struct SieveRefusal: Sendable, Equatable {
    public var text: String

    /// Longest reason in a reply: RFC 5321 §4.5.3.1.5 bounds a reply line at 512 octets with
    /// "550 5.7.1 " and CRLF.
    public static let maxText = 400
    /// What an `ereject` whose reason cannot be written in a reply says (RFC 5321 replies are ASCII).
    public static let genericText = "Message rejected by the recipient's mail filter"

    /// The refusal when every run rejected and each can be said in the protocol: `ereject`
    /// always (RFC 5429 §2.2, with `genericText` when its reason is not ASCII), `reject` only when
    /// its reason is ASCII (otherwise the rejection message carries it, §2.1). The first run's
    /// reason is the reply.
    static func common(_ outcomes: [SieveOutcome]) -> SieveRefusal? {
        var texts: [String] = []
        for outcome in outcomes {
            guard case .ran(let run) = outcome,
                  let (reason, extended) = run.result.actions.lazy.compactMap({ action -> (String, Bool)? in
                      if case .reject(let reason, let extended) = action { (reason, extended) } else { nil }
                  }).first else { return nil }
            if let text = replyText(reason) { texts.append(text) } else if extended { texts.append(genericText) } else { return nil }
        }
        return texts.first.map(SieveRefusal.init(text:))
    }

    /// The reason on one line: control characters and runs of white space become one space; nil
    /// when it is empty or not printable ASCII. Longer than `maxText`: cut, with "...".
    static func replyText(_ reason: String) -> String? {
        var text = "", pendingSpace = false
        for scalar in reason.unicodeScalars {
            if scalar.value <= 0x20 || scalar.value == 0x7F {
                pendingSpace = !text.isEmpty
                continue
            }
            guard scalar.isASCII else { return nil }
            if pendingSpace { text += " "; pendingSpace = false }
            text.unicodeScalars.append(scalar)
        }
        guard !text.isEmpty else { return nil }
        if text.utf8.count > maxText { text = String(text.prefix(maxText - 3)) + "..." }
        return text
    }
}

/// What local delivery did with a message: delivered (per envelope recipient), or refused as a
/// whole by the recipients' scripts before anything was done.
public enum DeliveryOutcome: Sendable {
    case delivered([RecipientDelivery])
    case refused(SieveRefusal)
}

extension LocalDelivery {
    enum SievePhase {
        case refused(SieveRefusal)
        case filtered(unfiltered: [Account], filtered: [EmailAddress: Result<Void, MailStoreError>])
    }

    /// Runs every account's script once, then either refuses the message (`refusing`, and every
    /// run rejected it) or performs what each asked for.
    func runSieve(_ accounts: [Account], _ request: DeliveryRequest, _ sieve: SieveFilter, refusing: Bool) async -> SievePhase {
        var outcomes: [SieveOutcome] = []
        for account in accounts {
            // RFC 5228 §5.4: envelope "to" is the address the message came to (bob+tag@, an alias).
            let reachedBy = request.recipients.first { Self.targets($0.resolution).local.contains { $0.address == account.address } }?.address
            outcomes.append(await runScript(account, request, sieve, envelopeTo: reachedBy ?? account.address))
        }
        if refusing, !accounts.isEmpty, let refusal = SieveRefusal.common(outcomes) {
            logger.info("sieve: message refused in the SMTP transaction", metadata: [
                "to": "\(accounts.map(\.address.description).joined(separator: ","))", "reason": "\(refusal.text)",
            ])
            return .refused(refusal)
        }
        var unfiltered: [Account] = []
        var filtered: [EmailAddress: Result<Void, MailStoreError>] = [:]
        for (account, outcome) in zip(accounts, outcomes) {
            switch outcome {
            case .unfiltered: unfiltered.append(account)
            case .failed(let error): filtered[account.address] = .failure(error)
            case .ran(let run): filtered[account.address] = await deliverFiltered(run, request, sieve)
            }
        }
        return .filtered(unfiltered: unfiltered, filtered: filtered)
    }
}
