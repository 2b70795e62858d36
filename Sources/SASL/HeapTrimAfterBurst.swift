// After a burst of logins (thousands of sessions each waiting for its password check at once,
// see PasswordCheckGate) the memory those sessions held while waiting is freed, but glibc's
// allocator keeps the freed pages: it returns memory to the kernel only from the top of a heap,
// and a burst leaves live session state scattered over the whole of it. The process keeps the
// burst's high-water mark for good (measured: 16.6 KiB per idle session with 5,000 logins at
// once, of which 13.8 KiB is what a session keeps). `malloc_trim(0)` gives every whole free page
// back (madvise(MADV_DONTNEED) inside the free chunks of every arena), so once a burst has
// subsided — the gate idle for `delay` after at least `minimumChecks` checks — the process trims
// once. The trim walks the heap (a few milliseconds for hundreds of MiB), so it never runs
// while checks are in flight and never more than once per burst.

import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

public final class HeapTrimAfterBurst: Sendable {
    private struct State {
        var checksSinceTrim = 0
        var generation = 0
        var trims = 0
    }

    private let state = Mutex(State())
    private let minimumChecks: Int
    private let delay: DispatchTimeInterval
    private let queue = DispatchQueue(label: "hato.heap-trim", qos: .utility)

    /// `minimumChecks`: how many checks make a burst worth a trim; `delay`: how long the gate
    /// must stay idle before the trim.
    public init(minimumChecks: Int = 64, delay: DispatchTimeInterval = .milliseconds(500)) {
        self.minimumChecks = max(1, minimumChecks)
        self.delay = delay
    }

    /// How many trims ran (tests, metrics).
    public var trims: Int { state.withLock { $0.trims } }

    /// A check started: any pending trim waits for the next idle moment.
    func checkStarted() {
        state.withLock {
            $0.checksSinceTrim += 1
            $0.generation &+= 1
        }
    }

    /// The gate has nothing running and nothing waiting.
    func gateIdle() {
        let generation: Int? = state.withLock {
            $0.checksSinceTrim >= minimumChecks ? $0.generation : nil
        }
        guard let generation else { return }
        queue.asyncAfter(deadline: .now() + delay) { [self] in
            let due: Bool = state.withLock {
                guard $0.generation == generation, $0.checksSinceTrim >= minimumChecks else { return false }
                $0.checksSinceTrim = 0
                $0.trims += 1
                return true
            }
            if due { Self.trim() }
        }
    }

    static func trim() {
        #if canImport(Glibc)
        _ = mallocTrim?(0)
        #endif
    }

    #if canImport(Glibc)
    /// glibc's `malloc_trim(3)` (malloc.h, which Swift's Glibc module does not import), looked up
    /// once; nil under another C library.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()
    #endif
}
