import NIOCore

/// A channel's event loop as a Swift task executor (SE-0417), for the short steps of a session.
///
/// A step started with `Task {}` runs on the global cooperative pool: the pool's thread is woken
/// to start it (a futex call and a context switch), and its result is handed back to the event
/// loop (the loop's eventfd, another wake-up). With this executor as the task's preference the
/// step starts on the loop thread the session already runs on, its awaits resume there, and its
/// result is applied there at once, without either wake-up: an IMAP SELECT or FETCH spends about
/// half its CPU in the kernel, most of it on such hand-offs (docs/PERFORMANCE.md, issue 24).
///
/// Only steps that do little CPU work between their awaits may run here (a store read or write,
/// a few messages' responses): while a job runs, no other connection of that loop is served.
/// Password hashing, message parsing and searches through bodies stay on the cooperative pool
/// (`SessionStepRunner.runsOnEventLoop`). Nothing run here may block: blocking I/O goes to
/// `BlockingIO` or the store's own threads, as everywhere.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        // On the loop already: queued behind what the loop is doing now (no wake-up needed).
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
