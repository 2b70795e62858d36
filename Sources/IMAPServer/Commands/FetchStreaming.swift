import IMAPProtocol
import MailStore
import NIOCore
import ServerRuntime

/// A large message being sent from disk: the next offset, and the text after its literal.
struct FetchStream {
    var message: StoredMessage
    var offset: Int
    var tail: ByteBuffer
}

/// Large messages asked for whole (BODY[], BODY.PEEK[], RFC822) are sent from disk piece by
/// piece, each piece only once the client has read the previous one: a session never holds
/// more than one piece of a message, however large it is or however slowly the client reads.
extension IMAPSession {
    /// Messages above this size are streamed when only their whole octets are needed.
    static let streamedMessageSize: Int64 = 256 * 1024
    static let streamedPieceSize = 256 * 1024

    /// True when `message` is large and the items need no octets but the whole message once.
    static func streams(_ attributes: [IMAPFetchAttribute], _ message: StoredMessage) -> Bool {
        guard message.size > streamedMessageSize else { return false }
        let whole = attributes.filter { attribute in
            switch attribute {
            case .bodySection(let section, nil, _): section == .whole
            case .rfc822: true
            default: false
            }
        }
        guard whole.count == 1 else { return false }
        return !FetchResponder.needsBody(attributes.filter { $0 != whole[0] }, message: message)
    }

    /// The message's items came without its octets: the whole-message item is NIL and is
    /// replaced by the streamed literal.
    mutating func fetchStreamHeadRead(_ tag: String, _ message: StoredMessage, _ items: [IMAPFetchItem]) -> [IMAPAction] {
        guard let progress = fetch, let selected = state.selected else { return [] }
        guard let n = selected.sequenceNumber(of: message.uid),
              let index = items.firstIndex(where: { $0.withEmptyLiteral != $0 }) else {
            return nextFetchChunk()
        }
        if progress.plan.marksSeen { selected.noteFlags(message) }
        var presented = selected.presented(n, message, items)
        guard case .data(.fetch(_, let shown)) = presented.removeLast() else { return nextFetchChunk() }
        let (head, tail) = encoder.encodeFetch(n, shown, literalAt: index, size: Int(message.size))
        fetch?.stream = FetchStream(message: message, offset: 0, tail: tail)
        awaitingWritable = true
        return send(presented) + [.sendRaw(head), .continueWhenWritable]
    }

    mutating func streamNextPiece(_ tag: String, _ stream: FetchStream) -> [IMAPAction] {
        let size = Int(stream.message.size)
        guard stream.offset < size else {
            fetch?.stream = nil
            awaitingWritable = true
            return [.sendRaw(stream.tail), .continueWhenWritable]
        }
        let length = min(Self.streamedPieceSize, size - stream.offset)
        return run(.fetchPiece(tag: tag, stream.message, offset: stream.offset, length: length))
    }

    mutating func fetchPieceRead(_ tag: String, _ piece: [UInt8]?) -> [IMAPAction] {
        guard let stream = fetch?.stream else { return [] }
        let length = min(Self.streamedPieceSize, Int(stream.message.size) - stream.offset)
        guard let piece, piece.count == length else {
            // The literal's length is already on the wire; with the file gone or shorter there
            // is no way to finish the response but to end the connection.
            logger.error("message body unreadable while streaming", metadata: ["uid": "\(stream.message.uid)"])
            return closeSession()
        }
        fetch?.stream?.offset += length
        awaitingWritable = true
        return [.sendRaw(ByteBuffer(bytes: piece)), .continueWhenWritable]
    }
}

extension IMAPStepRunner {
    func fetchStreamHead(_ tag: String, _ mailbox: MailboxID, _ message: StoredMessage, _ plan: FetchPlan) async -> IMAPStepResult {
        let responder = FetchResponder(includeModSeq: plan.includeModSeq, messageLimits: configuration.messageLimits)
        do {
            var message = message
            if plan.marksSeen && !message.flags.system.contains(.seen) {
                let (updated, _) = try await store.setFlags(
                    in: mailbox, uids: [message.uid], change: .add(MessageFlags(system: .seen)), unchangedSince: nil)
                message = updated.first ?? message
            }
            // No octets are given: the whole-message item comes out as NIL. (BINARY items never
            // stream: they decode.)
            let items = (try? responder.items(for: message, attributes: plan.attributes, uid: plan.uid, body: nil)) ?? []
            return .fetchStreamHead(tag: tag, message, items)
        } catch {
            logger.error("FETCH failed", metadata: ["error": "\(LogSafe.escaped("\(error)"))"])
            return .failed(tag: tag, .unavailable("read messages"))
        }
    }

    func fetchPiece(_ tag: String, _ message: StoredMessage, offset: Int, length: Int) async -> IMAPStepResult {
        .fetchPiece(tag: tag, try? await store.readBody(message.body, offset: offset, length: length))
    }
}
