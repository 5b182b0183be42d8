import Foundation
@testable import LiaisonServer
import LiaisonTestSupport
import Testing

@Suite("Wakeup")
struct WakeupTests {
    @Test("a pending signal returns at once, a signal wakes a waiting service long before its limit, and a wait that timed out leaves no signal behind")
    func wakeup() async throws {
        let wakeup = Wakeup()
        await wakeup.signal()
        let clock = ContinuousClock()
        #expect(await clock.measure { await wakeup.idle(upTo: .seconds(30)) } < .seconds(10))
        // Nothing pending now: a signal sent while waiting ends the wait.
        let waiting = Task { await clock.measure { await wakeup.idle(upTo: .seconds(30)) } }
        try await eventually("the task waits") { await wakeup.isWaiting }
        await wakeup.signal()
        #expect(await waiting.value < .seconds(10))
        // A wait that runs out is not ended early by its own timer later, nor is the next one.
        #expect(await clock.measure { await wakeup.idle(upTo: .milliseconds(50)) } >= .milliseconds(50))
        #expect(await wakeup.consume() == false)
    }

    @Test("cancelling the waiting task ends the wait")
    func cancellation() async throws {
        let wakeup = Wakeup()
        let clock = ContinuousClock()
        let waiting = Task { await clock.measure { await wakeup.idle(upTo: .seconds(30)) } }
        try await eventually("the task waits") { await wakeup.isWaiting }
        waiting.cancel()
        #expect(await waiting.value < .seconds(10))
    }
}
