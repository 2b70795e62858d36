import IMAPProtocol
import MailStore
import NIOCore
import ServerRuntime

/// Large messages asked for whole (BODY[], BODY.PEEK[], RFC822) are sent from disk piece by
/// piece, each piece only once the client has read the previous one: a session never holds
/// more than one piece of a message, however large it is or however slowly the client reads.
extension IMAPSessionHandler {
    /// Messages above this size are streamed when only their whole octets are needed.
    static let streamedMessageSize: Int64 = 256 * 1024
    static let streamedPieceSize = 256 * 1024

    /// What the FETCH does after the streamed message.
    struct FetchRemainder: Sendable {
        var tag: String
        var rest: ArraySlice<StoredMessage>
        var attributes: [IMAPFetchAttribute]
        var uid: Bool
        var marksSeen: Bool
    }

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

    func fetchStreamed(_ message: StoredMessage, _ remainder: FetchRemainder, _ context: ChannelHandlerContext) {
        guard let selected = state.selected else {
            return finish(remainder.tag, remainder.uid ? "UID FETCH completed" : "FETCH completed", allowExpunge: false, context)
        }
        let responder = FetchResponder(includeModSeq: enabled.modSeqs, messageLimits: server.configuration.messageLimits)
        let store = server.store, id = selected.mailbox.id, logger = self.logger
        perform(context) {
            do {
                var message = message
                if remainder.marksSeen && !message.flags.system.contains(.seen) {
                    let (updated, _) = try await store.setFlags(
                        in: id, uids: [message.uid], change: .add(MessageFlags(system: .seen)), unchangedSince: nil)
                    message = updated.first ?? message
                }
                // No octets are given: the whole-message item comes out as NIL and is replaced
                // by the streamed literal below. (BINARY items never stream: they decode.)
                let items = (try? responder.items(for: message, attributes: remainder.attributes, uid: remainder.uid, body: nil)) ?? []
                let done = message
                return { handler, context in
                    guard let selected = handler.state.selected else { return }
                    guard let n = selected.sequenceNumber(of: done.uid),
                          let index = items.firstIndex(where: { $0.withEmptyLiteral != $0 }) else {
                        return handler.fetchChunk(remainder.tag, remainder.rest, remainder.attributes, uid: remainder.uid,
                                                  marksSeen: remainder.marksSeen, context)
                    }
                    if remainder.marksSeen { selected.noteFlags(done) }
                    let (head, tail) = handler.encoder.encodeFetch(n, items, literalAt: index, size: Int(done.size))
                    handler.sendRaw(context, head)
                    handler.whenWritable(context) { handler, context in
                        handler.streamPiece(done, offset: 0, tail: tail, remainder, context)
                    }
                }
            } catch {
                logger.error("FETCH failed", metadata: ["error": "\(LogSafe.escaped("\(error)"))"])
                return { handler, context in handler.no(remainder.tag, "cannot read messages now", code: .unavailable, context) }
            }
        }
    }

    private func streamPiece(_ message: StoredMessage, offset: Int, tail: ByteBuffer, _ remainder: FetchRemainder,
                             _ context: ChannelHandlerContext) {
        let size = Int(message.size)
        guard offset < size else {
            sendRaw(context, tail)
            return whenWritable(context) { handler, context in
                handler.fetchChunk(remainder.tag, remainder.rest, remainder.attributes, uid: remainder.uid,
                                   marksSeen: remainder.marksSeen, context)
            }
        }
        let store = server.store, length = min(Self.streamedPieceSize, size - offset), logger = self.logger
        perform(context) {
            let piece = try? await store.readBody(message.body, offset: offset, length: length)
            return { handler, context in
                guard let piece, piece.count == length else {
                    // The literal's length is already on the wire; with the file gone or shorter
                    // there is no way to finish the response but to end the connection.
                    logger.error("message body unreadable while streaming", metadata: ["uid": "\(message.uid)"])
                    return handler.close(context)
                }
                handler.sendRaw(context, ByteBuffer(bytes: piece))
                handler.whenWritable(context) { handler, context in
                    handler.streamPiece(message, offset: offset + length, tail: tail, remainder, context)
                }
            }
        }
    }
}
