import ArgumentParser
import Foundation
import HatoServer
import MailStore

struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "Inspect and manage the outbound queue.",
        subcommands: [List.self, Show.self, Retry.self, Delete.self, Flush.self])

    static func id(_ text: String) throws -> QueueMessageID {
        guard let value = Int64(text), value > 0 else { throw ValidationError("\(text) is not a queue ID") }
        return QueueMessageID(value)
    }

    /// The last reply on one line, cut to fit a terminal row (`queue show` prints it in full).
    static func abbreviated(_ reply: String, limit: Int = 60) -> String {
        let line = reply.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count <= limit ? line : String(line.prefix(limit - 3)) + "..."
    }

    /// The store change is committed; a failure to write the marker only means the running
    /// server sees it at its next poll, so it is reported and not an error.
    static func wakeRunningQueue(_ admin: Admin) {
        do {
            try DeliverySetup.wakeRunningQueue(admin.config)
        } catch {
            FileHandle.standardError.write(Data("note: could not wake the running server (\(error)); it delivers at its next poll\n".utf8))
        }
    }

    static func date(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per queued recipient.")
        @OptionGroup var options: ConfigOptions
        func run() async throws {
            let messages = try await options.admin().store.queuedMessages()
            var rows: [[String]] = []
            for message in messages {
                for recipient in message.recipients {
                    rows.append(["\(message.id)", message.mailFrom?.description ?? "<>", recipient.address.description,
                                 recipient.state.rawValue, "\(recipient.attempts)",
                                 recipient.state.isFinal ? "-" : QueueCommand.date(recipient.nextAttempt), "\(message.size)",
                                 QueueCommand.abbreviated(recipient.lastReply ?? "-")])
                }
            }
            print(Table.render(["ID", "FROM", "TO", "STATE", "ATTEMPTS", "NEXT-ATTEMPT", "BYTES", "LAST-REPLY"], rows))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The envelope, each recipient's state and last reply.")
        @OptionGroup var options: ConfigOptions
        @Argument var id: String
        func run() async throws {
            let id = try QueueCommand.id(id)
            guard let message = try await options.admin().store.queuedMessage(id) else { throw MailStoreError.queueMessageNotFound(id.rawValue) }
            print("id: \(message.id)")
            print("from: \(message.mailFrom?.description ?? "<>")")
            print("size: \(message.size)")
            print("queued: \(QueueCommand.date(message.createdAt))")
            if let envid = message.envelopeID { print("envid: \(envid)") }
            if let ret = message.returnContent { print("ret: \(ret)") }
            if message.smtpUTF8 { print("smtputf8: yes") }
            switch message.tlsRequirement {
            case .required: print("tls: REQUIRETLS (RFC 8689: validated TLS to a peer offering REQUIRETLS, else bounce)")
            case .optional: print("tls: TLS-Required: No (RFC 8689: recipient TLS policies ignored)")
            case .policy: break
            }
            for recipient in message.recipients {
                print("to: \(recipient.address) state=\(recipient.state.rawValue) attempts=\(recipient.attempts) next=\(QueueCommand.date(recipient.nextAttempt))")
                if let reply = recipient.lastReply { print("    last reply: \(reply)") }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a message due for delivery now.")
        @OptionGroup var options: ConfigOptions
        @Argument var id: String
        func run() async throws {
            let id = try QueueCommand.id(id)
            let admin = try options.admin()
            try await admin.store.retryNow(id)
            QueueCommand.wakeRunningQueue(admin)
            print("message \(id) is due now")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a message from the queue without delivering it.")
        @OptionGroup var options: ConfigOptions
        @Argument var id: String
        func run() async throws {
            let id = try QueueCommand.id(id)
            try await options.admin().store.deleteQueued(id)
            print("deleted message \(id) from the queue")
        }
    }

    struct Flush: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make every queued message due now.")
        @OptionGroup var options: ConfigOptions
        func run() async throws {
            let admin = try options.admin()
            try await admin.store.retryAllNow()
            QueueCommand.wakeRunningQueue(admin)
            print("every queued message is due now")
        }
    }
}
