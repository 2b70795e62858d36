import Foundation

/// A file through which another process (`hato queue retry`, `hato queue flush`) wakes the
/// running scheduler: the command changes the queue in the store, then creates the marker; the
/// runner looks for it every `wakeMarkerInterval` (one `stat` a second), removes it and runs a
/// pass. Removing before the pass keeps it correct when two commands race: a marker created
/// after the removal leads to another pass, and a store change made before a marker that got
/// removed is seen by the pass that removal triggers.
public struct QueueWakeMarker: Sendable {
    public let url: URL

    public init(url: URL) { self.url = url }

    /// `data_dir/queue.wake`, shared by `hato serve` and the CLI through the config.
    public init(dataDirectory: URL) { url = dataDirectory.appendingPathComponent("queue.wake") }

    /// Asks the running server for a pass now (called after the store change is committed).
    public func request() throws {
        try Data("wake\n".utf8).write(to: url, options: .atomic)
    }

    /// True when a request is pending; the request is consumed.
    public func consume() -> Bool {
        guard FileManager.default.fileExists(atPath: url.path) else { return false }
        try? FileManager.default.removeItem(at: url)
        return true
    }
}
