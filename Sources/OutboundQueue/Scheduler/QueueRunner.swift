import Foundation
import Logging
import MailCore
import MailStore
import ServiceLifecycle
import Synchronization

/// The outbound queue's scheduler (RFC 5321 §4.5.4): finds due recipients, groups them by
/// destination, and runs one connection per batch within a global and a per-destination limit.
///
/// A recipient is in flight from dispatch until its outcome is recorded, so it is never attempted
/// twice at once; the store is the only record, so a restart picks up exactly where the queue was.
/// Woken by enqueues in this process, by finished connections, by the earliest next attempt and
/// at `pollInterval` (for `hato queue flush` run from another process).
public final class QueueRunner: Service, Sendable {
    struct RecipientKey: Hashable {
        let message: QueueMessageID
        let address: EmailAddress
    }
    struct State {
        var inFlight: Set<RecipientKey> = []
        var connections: [String: Int] = [:]
        var totalConnections = 0
        var stopping = false
    }
    /// The scheduler's bookkeeping, shared with the connection tasks.
    final class SharedState: Sendable {
        let mutex = Mutex(State())
        func withLock<T: Sendable>(_ body: (inout State) -> T) -> T { mutex.withLock { body(&$0) } }
    }

    public let store: any MailStore
    public let configuration: OutboundConfiguration
    let router: DeliveryRouter
    let worker: DestinationWorker
    let logger: Logger
    let now: @Sendable () -> Date
    let state: SharedState
    let idle: IdleConnections
    private let wakeSignal = WakeSignal()

    public init(store: any MailStore, transport: any DeliveryTransport, router: DeliveryRouter, configuration: OutboundConfiguration,
                logger: Logger = Logger(label: "hato.queue"), now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.configuration = configuration
        self.router = router
        self.logger = logger
        self.now = now
        let bounces = BounceSender(store: store, hostname: configuration.hostname, logger: logger)
        let recorder = OutcomeRecorder(store: store, bounces: bounces, configuration: configuration, logger: logger, now: now)
        let state = SharedState()
        self.state = state
        let tlsSessions = TLSSessionRecorder(store: store, logger: logger, now: now)
        let idle = IdleConnections(idleTime: configuration.connectionIdleTime, maxMessages: configuration.maxMessagesPerConnection,
                                   capacity: configuration.maxConnections)
        self.idle = idle
        worker = DestinationWorker(router: router, transport: transport, store: store, recorder: recorder, tlsSessions: tlsSessions, idle: idle,
                                   logger: logger,
                                   isStopping: { state.withLock { $0.stopping } })
    }

    /// Runs until graceful shutdown: stops dispatching, lets each connection finish the message
    /// it is sending, and returns when they are done.
    public func run() async throws {
        let activity = store.queueActivity()
        let signal = wakeSignal
        let forwarder = Task {
            for await _ in activity { signal.signal() }
        }
        defer { forwarder.cancel() }
        // Another process asks for a pass through the marker file (QueueWakeMarker).
        let markerWatcher = configuration.wakeMarker.map { marker in
            Task { [interval = configuration.wakeMarkerInterval] in
                while !Task.isCancelled {
                    if marker.consume() { signal.signal() }
                    try? await Task.sleep(for: interval)
                }
            }
        }
        defer { markerWatcher?.cancel() }
        // RFC 8461 §10.3: persisted MTA-STS policies are fetched again before they expire.
        let refresher = router.transportSecurity?.mtaSTS.flatMap { cache in
            configuration.mtaSTSRefreshInterval.map { interval in
                Task {
                    while !Task.isCancelled {
                        await cache.refreshDue()
                        try? await Task.sleep(for: interval)
                    }
                }
            }
        }
        defer { refresher?.cancel() }
        logger.info("outbound queue running", metadata: ["relay": "\(configuration.relay.map { "\($0.host):\($0.port)" } ?? "none (MX)")"])
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                while !state.withLock({ $0.stopping }) && !Task.isCancelled {
                    let next = await dispatch(into: &group).nextDue
                    var timeout = configuration.pollInterval
                    if let next {
                        let untilNext = Duration.milliseconds(Int64(max(0, next.timeIntervalSince(now())) * 1000) + 10)
                        timeout = min(timeout, untilNext)
                    }
                    await wakeSignal.wait(timeout: timeout)
                }
            }
        } onGracefulShutdown: {
            self.state.withLock { $0.stopping = true }
            self.wakeSignal.signal()
        }
        await idle.closeAll(stopping: true)
        logger.info("outbound queue stopped")
    }

    /// Closes (QUIT) the connections left open for later batches (`delivery.connection_idle_time`),
    /// for tools and tests that run `deliverDue` and then stop.
    public func closeIdleConnections() async { await idle.closeAll(stopping: false) }

    /// Wakes the scheduler now (something was enqueued or made due).
    public func wake() { wakeSignal.signal() }

    /// One pass for tests and tools: dispatches everything due now and waits for those batches.
    /// Returns the number of batches (connections) it ran.
    @discardableResult
    public func deliverDue() async -> Int {
        var batches = 0
        await withDiscardingTaskGroup { group in
            batches = await dispatch(into: &group).batches
        }
        return batches
    }

    /// Starts a batch for every destination with due recipients, as far as the limits allow.
    /// Returns when the earliest waiting recipient becomes due.
    func dispatch(into group: inout DiscardingTaskGroup) async -> (nextDue: Date?, batches: Int) {
        let messages: [QueuedMessage]
        do {
            messages = try await store.queuedMessages()
        } catch {
            logger.error("cannot read the queue", metadata: ["error": "\(error)"])
            return (now().addingTimeInterval(5), 0)
        }
        // A millisecond of slack: a time stored as seconds since 1970 may read back one ulp later.
        let time = now().addingTimeInterval(0.001)
        var nextDue: Date?
        var due: [String: [(domain: String, item: DeliveryBatch.Item)]] = [:]
        var order: [String] = []
        let inFlight = state.withLock { $0.inFlight }
        for message in messages {
            var byDestination: [String: (domain: String, recipients: [QueuedRecipient])] = [:]
            var destinations: [String] = []
            for recipient in message.recipients where !recipient.state.isFinal {
                guard !inFlight.contains(RecipientKey(message: message.id, address: recipient.address)) else { continue }
                guard recipient.nextAttempt <= time else {
                    nextDue = min(nextDue ?? recipient.nextAttempt, recipient.nextAttempt)
                    continue
                }
                let domain = recipient.address.domain.name
                let destination = router.destination(of: domain)
                if byDestination[destination] == nil { destinations.append(destination) }
                byDestination[destination, default: (domain, [])].recipients.append(recipient)
            }
            for destination in destinations {
                let entry = byDestination[destination]!
                if due[destination] == nil { order.append(destination) }
                due[destination, default: []].append((entry.domain, DeliveryBatch.Item(message: message, recipients: entry.recipients)))
            }
        }
        var batches = 0
        for destination in order {
            var remaining = due[destination]![...]
            while !remaining.isEmpty {
                let chunk = Array(remaining.prefix(configuration.maxMessagesPerConnection))
                let keys = chunk.flatMap { entry in entry.item.recipients.map { RecipientKey(message: entry.item.message.id, address: $0.address) } }
                let admitted = state.withLock { state -> Bool in
                    guard !state.stopping, state.totalConnections < configuration.maxConnections,
                          state.connections[destination, default: 0] < configuration.maxConnectionsPerDestination else { return false }
                    state.totalConnections += 1
                    state.connections[destination, default: 0] += 1
                    state.inFlight.formUnion(keys)
                    return true
                }
                guard admitted else { break }
                remaining = remaining.dropFirst(chunk.count)
                let items = await claimed(chunk.map(\.item), keys: keys, now: time, destination: destination)
                guard !items.isEmpty else {
                    // Leased by another node: look again when its lease may have run out.
                    let retry = time.addingTimeInterval(min(5, configuration.lease.timeInterval))
                    nextDue = min(nextDue ?? retry, retry)
                    continue
                }
                batches += 1
                let batch = DeliveryBatch(destination: destination, domain: chunk[0].domain, items: items)
                let working = items.flatMap { item in item.recipients.map { RecipientKey(message: item.message.id, address: $0.address) } }
                let worker = self.worker, state = self.state, signal = self.wakeSignal
                let renewal = leaseRenewal(working)
                group.addTask {
                    await worker.run(batch)
                    renewal.cancel()
                    state.withLock { state in
                        state.totalConnections -= 1
                        state.connections[destination, default: 1] -= 1
                        if state.connections[destination] == 0 { state.connections[destination] = nil }
                        state.inFlight.subtract(working)
                    }
                    signal.signal()
                }
            }
        }
        return (nextDue, batches)
    }
}
