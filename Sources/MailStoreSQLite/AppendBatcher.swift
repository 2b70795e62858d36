import Foundation
import GRDB
import MailStore

/// One body already written and fsynced, waiting for its metadata commit.
struct PendingAppend: Sendable {
    let body: BodyReference
    let size: Int64
    let summary: Data?
    let flags: MessageFlags
    let internalDate: Date
    let targets: [MailboxID]
    var claimsRecent = false
}

typealias AppendOutcome = [Result<AppendResult, MailStoreError>]

/// Group commit: appends that arrive while a commit is running wait and go into the next one
/// together, sharing its directory fsyncs and its single WAL fsync. Under load the number of
/// fsyncs per message falls towards the per-file one; with one writer nothing waits.
actor AppendBatcher {
    typealias Commit = @Sendable ([PendingAppend]) async -> [AppendOutcome]
    private var pending: [(PendingAppend, CheckedContinuation<AppendOutcome, Never>)] = []
    private var draining = false
    /// Largest number of appends in one transaction; bounds commit latency under heavy load.
    let maxBatch: Int

    init(maxBatch: Int = 256) { self.maxBatch = maxBatch }

    func submit(_ append: PendingAppend, commit: @escaping Commit) async -> AppendOutcome {
        await withCheckedContinuation { continuation in
            pending.append((append, continuation))
            if !draining {
                draining = true
                Task { await self.drain(commit) }
            }
        }
    }

    private func drain(_ commit: Commit) async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(maxBatch))
            pending.removeFirst(batch.count)
            let outcomes = await commit(batch.map(\.0))
            for (index, entry) in batch.enumerated() { entry.1.resume(returning: outcomes[index]) }
        }
        draining = false
    }
}
