// `hato quarantine list|show|release|delete`: the messages the risk assessment held back
// (`risk.phishing = "quarantine"`, docs/security.md "Quarantine"); only the administrator sees them.

import ArgumentParser
import Foundation
import HatoServer
import LocalDelivery
import MailStore

struct QuarantineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine", abstract: "List, inspect, release or delete messages the risk assessment quarantined.",
        subcommands: [List.self, Show.self, Release.self, Delete.self])

    static func id(_ text: String) throws -> Int64 {
        guard let value = Int64(text), value > 0 else { throw ValidationError("\(text) is not a quarantine ID") }
        return value
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per held message.")
        @OptionGroup var options: ConfigOptions
        func run() async throws {
            let held = try await options.admin().store.quarantinedMessages()
            guard !held.isEmpty else { print("The quarantine is empty."); return }
            let rows = held.map { message in
                ["\(message.id)", QueueCommand.date(message.receivedAt), message.mailFrom?.description ?? "<>",
                 message.recipients.map(\.description).joined(separator: ","), QueueCommand.abbreviated(message.subject ?? "", limit: 40),
                 message.verdict.split(separator: ";").first.map(String.init) ?? message.verdict]
            }
            print(Table.render(["ID", "RECEIVED", "FROM", "TO", "SUBJECT", "VERDICT"], rows))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The envelope, the verdict with its evidence, and (with --raw) the message.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The quarantine ID (from hato quarantine list).") var id: String
        @Flag(help: "Print the held message itself after the summary.") var raw = false
        func run() async throws {
            let store = try options.admin().store
            let id = try QuarantineCommand.id(id)
            guard let held = try await store.quarantinedMessage(id) else { throw MailStoreError.quarantinedMessageNotFound(id) }
            print("ID:        \(held.id)")
            print("Received:  \(QueueCommand.date(held.receivedAt))")
            print("MAIL FROM: \(held.mailFrom?.description ?? "<>")")
            print("RCPT TO:   \(held.recipients.map(\.description).joined(separator: ", "))")
            if let from = held.from { print("From:      \(from)") }
            if let subject = held.subject { print("Subject:   \(subject)") }
            print("Hato-Risk: \(held.verdict)")
            print("Evidence:")
            for line in held.reason.components(separatedBy: " | ") { print("  \(line)") }
            if raw { print(""); print(String(decoding: try await store.readBody(held.body), as: UTF8.self), terminator: "") }
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deliver a held message to its recipients and remove it from the quarantine.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The quarantine ID.") var id: String
        func run() async throws {
            let admin = try options.admin()
            let outcomes = try await admin.releaseQuarantined(try QuarantineCommand.id(id))
            var queued = false
            for outcome in outcomes {
                switch outcome {
                case .delivered(let accounts): print("delivered to \(accounts.map(\.description).joined(separator: ", "))")
                case .queued(let queue, let local):
                    queued = true
                    print("queued as \(queue)" + (local.isEmpty ? "" : "; delivered to \(local.map(\.description).joined(separator: ", "))"))
                case .failed(let error): print("not delivered: \(error)")
                }
            }
            if queued { QueueCommand.wakeRunningQueue(admin) }
            guard outcomes.contains(where: { if case .failed = $0 { false } else { true } }) else {
                throw ValidationError("nobody could receive it; it stays in the quarantine")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a held message for good.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The quarantine ID.") var id: String
        func run() async throws {
            try await options.admin().store.removeQuarantined(try QuarantineCommand.id(id))
            print("deleted quarantined message \(id)")
        }
    }
}
