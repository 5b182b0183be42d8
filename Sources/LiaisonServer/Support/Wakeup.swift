/// Wakes a background service when new work is queued (outbox deliveries, audit events), so that
/// it need not wait for its next poll.
actor Wakeup {
    private var pending = false

    func signal() { pending = true }

    /// Returns whether a signal arrived since the last call, and clears it.
    func consume() -> Bool {
        defer { pending = false }
        return pending
    }

    /// Waits up to `limit` polls of `interval`, returning early when signalled.
    func idle(polls limit: Int = 50, every interval: Duration = .milliseconds(20)) async throws {
        for _ in 0..<limit {
            if consume() { return }
            try await Task.sleep(for: interval)
        }
    }
}
