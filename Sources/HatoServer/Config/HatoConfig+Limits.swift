import Foundation
import MailMessage

extension HatoConfig {
    /// `[limits]`: sizes, counts and deadlines every listener and parser is held to (docs/configuration.md).
    public struct Limits: Sendable {
        public var maxMessageSize: Int
        public var maxLineLength: Int
        public var maxRecipients: Int
        public var maxConnectionsPerIP: Int
        public var commandTimeout: Duration
        public var dataTimeout: Duration
        /// IMAP: command line bound, autologout after login (RFC 9051 §5.4), the login deadline,
        /// sessions per account, the per-command deadline, mailboxes per account, the command
        /// size before login.
        public var imapMaxLineLength: Int = 65_536
        public var imapIdleTimeout: Duration = .seconds(1800)
        public var imapLoginTimeout: Duration = .seconds(60)
        public var imapSessionsPerUser: Int = 50
        public var imapCommandTimeout: Duration = .seconds(60)
        public var imapMaxMailboxes: Int = 1000
        public var imapUnauthenticatedCommandSize: Int = 65_536
        /// `limits.imap_literal_minus`: LITERAL- (RFC 7888 §5) instead of LITERAL+.
        public var imapLiteralMinus = false
        /// `limits.imap_thread_max_references`: references per message THREAD=REFERENCES links.
        public var imapThreadMaxReferences = 100
        /// `limits.imap_catenate_max_urls`: URL parts of one CATENATE message (RFC 4469).
        public var imapCatenateMaxURLs = 100
        /// `limits.imap_metadata_max_size`, `limits.imap_metadata_max_entries` (RFC 5464).
        public var imapMetadataMaxSize = 16_384
        public var imapMetadataMaxEntries = 1_000
        /// `limits.imap_urlauth_max_urls`, `limits.imap_urlauth_max_url_length` (RFC 4467).
        public var imapURLAuthMaxURLs = 100
        public var imapURLAuthMaxURLLength = 4096
        /// `limits.imap_context_updates`: searches one IMAP session keeps live (RFC 5267 UPDATE).
        public var imapContextUpdates = 10
        /// `limits.imap_message_cache`: messages whose unchanging facts IMAP SEARCH, SORT and FETCH keep.
        public var imapMessageCache = 4_096
        /// `limits.imap_notify_mailboxes`, `limits.imap_notify_queue` (RFC 5465 NOTIFY).
        public var imapNotifyMailboxes = 200
        public var imapNotifyQueue = 1_000
        /// nil: derived from the descriptor limit at start (`ConnectionCaps`).
        public var maxConnections: Int?
        public var maxConnectionsPerListener: Int?
        public var maxUnsentOutput: Int = 262_144
        public var outputStallTimeout: Duration = .seconds(120)
        public var tlsHandshakeTimeout: Duration = .seconds(30)
        public var dataPhaseTimeout: Duration = .seconds(600)
        public var minDataRate: Int = 1024
        public var pop3LoginTimeout: Duration = .seconds(120)
        /// nil: twice `maxMessageSize` (see `sessionInputBudget`).
        public var maxSessionInput: Int?
        /// Parser caps for every message read (reception, APPEND, IMAP's views of stored mail).
        public var maxHeaderFields: Int = MessageLimits.default.maxHeaderFields
        public var maxMIMEDepth: Int = MessageLimits.default.maxDepth
        public var maxMIMEParts: Int = MessageLimits.default.maxTotalParts
        /// `limits.spool_threshold`: octets of a message held in memory while it arrives; the
        /// rest goes to `<data_dir>/spool` (SMTPServer/MessageSpool.swift).
        public var spoolThreshold: Int = 262_144
        /// `limits.listen_backlog`: listen(2) backlog of every listening socket.
        public var listenBacklog: Int = 4096
        /// `limits.processing_memory`: octets of received messages processed at once, across sessions.
        public var processingMemory: Int = 33_554_432

        /// Octets of client input one session may hold at once (`limits.max_session_input`):
        /// unset, two messages' worth, so a MULTIAPPEND of two full-size messages still fits.
        public var sessionInputBudget: Int { maxSessionInput ?? 2 * maxMessageSize }

        /// `limits.max_header_fields`, `max_mime_depth`, `max_mime_parts` as the parser takes them;
        /// one multipart holds at most 10,000 children (or all parts, when fewer are allowed).
        public var messageLimits: MessageLimits {
            MessageLimits(maxDepth: maxMIMEDepth, maxHeaderFields: maxHeaderFields,
                          maxPartsPerMultipart: min(MessageLimits.default.maxPartsPerMultipart, maxMIMEParts),
                          maxTotalParts: maxMIMEParts)
        }
    }
}
