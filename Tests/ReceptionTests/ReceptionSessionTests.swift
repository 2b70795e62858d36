import Reception
import Synchronization
import Testing

/// What stages keep for one connection (`ReceptionSession`): ending it hands back the closers in
/// the order they were added, once; nothing is kept after; a closer added later runs at once.
@Suite struct ReceptionSessionTests {
    @Test func endingHandsBackTheClosersOnceAndForgetsTheValues() async {
        let session = ReceptionSession()
        let ran = Mutex<[Int]>([])
        #expect(session.value("milter") { 7 } == 7)
        await session.onClose { ran.withLock { $0.append(1) } }
        await session.onClose { ran.withLock { $0.append(2) } }
        let closers = session.end()
        #expect(closers.count == 2)
        for closer in closers { await closer() }
        #expect(ran.withLock { $0 } == [1, 2])
        #expect(session.end().isEmpty, "only once")
        await session.close()
        #expect(ran.withLock { $0 } == [1, 2])
        #expect(session.value("milter") { 8 } == nil, "no state after the end")
        await session.onClose { ran.withLock { $0.append(3) } }
        #expect(ran.withLock { $0 } == [1, 2, 3], "a closer added after the end runs at once")
        #expect(ReceptionSession().end().isEmpty, "a session no stage used has nothing to run")
    }
}
