import HatoTesting
import NIOCore
import NIOEmbedded
import ServerRuntime
import Testing

/// `SessionDriver` alone, with a tiny machine (`TinyMachine`) on a testing channel: what every
/// protocol session (SMTP, IMAP, POP3) gets from it.
@Suite struct SessionDriverTests {
    /// The `read()`s that reached the channel so far.
    func reads(_ dialog: ChannelDialog) async throws -> Int {
        let channel = dialog.channel
        return try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: ReadCounter.self).reads
        }.get()
    }

    /// Asks for a read as NIO does after a read completes; returns how many reached the channel.
    func requestRead(_ dialog: ChannelDialog) async throws -> Int {
        let channel = dialog.channel
        return try await channel.eventLoop.submit {
            channel.pipeline.read()
            return try channel.pipeline.syncOperations.handler(type: ReadCounter.self).reads
        }.get()
    }

    func noLine(_ dialog: ChannelDialog) async -> Bool {
        (try? await dialog.line(within: 0.2)) == nil
    }

    @Test func greetsAndAnswersInOrder() async throws {
        let tiny = TinyProtocol(gate: StepGate())
        let dialog = try await ChannelDialog(tiny)
        #expect(try await dialog.line() == "hello")
        try await dialog.send("echo one\r\necho two\r\nnote x\r\n")
        #expect(try await dialog.lines(3) == ["one", "two", "noted"])
        #expect(tiny.notes.all == ["x"])
    }

    @Test func readsAreHeldWhileAStepRunsAndResumedAfter() async throws {
        let gate = StepGate()
        let dialog = try await ChannelDialog(TinyProtocol(gate: gate))
        _ = try await dialog.line()
        try await dialog.send("slow a\r\necho behind\r\n")
        let before = try await reads(dialog)
        #expect(try await requestRead(dialog) == before, "a read passed while the step ran")
        #expect(await noLine(dialog))
        await gate.open()
        // The pipelined command is answered after the step, in order.
        #expect(try await dialog.lines(2) == ["done a", "behind"])
        #expect(try await reads(dialog) == before + 1)
    }

    @Test func aFullBudgetHoldsReadsUntilInputIsUsed() async throws {
        let dialog = try await ChannelDialog(TinyProtocol(gate: StepGate(), inputBudget: 16))
        _ = try await dialog.line()
        try await dialog.send("echo " + String(repeating: "x", count: 20))
        let before = try await reads(dialog)
        #expect(try await requestRead(dialog) == before, "a read passed with the budget full")
        try await dialog.send("\r\n")
        #expect(try await dialog.line() == String(repeating: "x", count: 20))
        #expect(try await reads(dialog) == before + 1)
        #expect(try await requestRead(dialog) == before + 2)
    }

    @Test func timersFeedTheirEventOnTheChannelsClock() async throws {
        let dialog = try await ChannelDialog(TinyProtocol(gate: StepGate()))
        _ = try await dialog.line()
        try await dialog.send("timer\r\n")
        #expect(try await dialog.line() == "armed")
        await dialog.advanceTime(by: .seconds(4))
        #expect(await noLine(dialog))
        await dialog.advanceTime(by: .seconds(1))
        #expect(try await dialog.line() == "timeout")
        try await dialog.send("timer\r\ncancel\r\n")
        #expect(try await dialog.lines(2) == ["armed", "cancelled"])
        await dialog.advanceTime(by: .seconds(10))
        #expect(await noLine(dialog))
    }

    @Test func shutdownWaitsForTheRunningStep() async throws {
        let gate = StepGate()
        let dialog = try await ChannelDialog(TinyProtocol(gate: gate))
        _ = try await dialog.line()
        try await dialog.send("slow b\r\n")
        let channel = dialog.channel
        try await channel.eventLoop.submit { channel.pipeline.fireUserInboundEventTriggered(ServerShutdownEvent()) }.get()
        #expect(await noLine(dialog))
        await gate.open()
        #expect(try await dialog.lines(2) == ["done b", "shutting down"])
        await dialog.advanceTime(by: .seconds(3))
        #expect(await dialog.isClosed)
    }

    @Test func closesAfterTheLastReplyAndDropsLaterInput() async throws {
        let tiny = TinyProtocol(gate: StepGate())
        let dialog = try await ChannelDialog(tiny)
        _ = try await dialog.line()
        try await dialog.send("quit\r\necho too late\r\n")
        #expect(try await dialog.line() == "bye")
        try await dialog.send("echo later\r\n")
        #expect(await noLine(dialog))
        await dialog.advanceTime(by: .seconds(3))
        #expect(await dialog.isClosed)
        #expect(tiny.notes.all == ["connection closed"])
    }

    @Test func startTLSDiscardsWhatWasPipelinedBehindIt() async throws {
        // No TLS configured on this connection: the upgrade itself is a no-op here; what the
        // client sent behind the command must still be gone.
        let dialog = try await ChannelDialog(TinyProtocol(gate: StepGate()))
        _ = try await dialog.line()
        try await dialog.send("starttls\r\necho injected\r\n")
        #expect(try await dialog.line() == "go ahead")
        try await dialog.send("echo after\r\n")
        #expect(try await dialog.line() == "after")
        #expect(!dialog.transcript.contains("injected"))
    }

    @Test func aConnectionErrorClosesTheSession() async throws {
        let tiny = TinyProtocol(gate: StepGate())
        let dialog = try await ChannelDialog(tiny)
        _ = try await dialog.line()
        let channel = dialog.channel
        struct Broken: Error {}
        try await channel.eventLoop.submit { channel.pipeline.fireErrorCaught(Broken()) }.get()
        #expect(await dialog.isClosed)
        #expect(tiny.notes.all == ["connection closed"])
    }
}
