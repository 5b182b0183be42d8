/// Wakes a background service when new work is queued (outbox deliveries, audit events), so that
/// it need not wait for its next poll.
actor Wakeup {
    private var pending = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Wakes the waiting service, or the next one to wait.
    func signal() {
        if waiters.isEmpty {
            pending = true
        } else {
            resumeAll()
        }
    }

    /// Whether a service is waiting now.
    var isWaiting: Bool { !waiters.isEmpty }

    /// Returns whether a signal arrived since the last call, and clears it.
    func consume() -> Bool {
        defer { pending = false }
        return pending
    }

    /// Waits until signalled (at once if a signal is pending), `limit` has passed, or the task is cancelled.
    func idle(upTo limit: Duration = .seconds(1)) async {
        if consume() { return }
        let timer = Task { [weak self] in
            // Cancelled once the signal came first: then it must not wake the next wait.
            guard (try? await Task.sleep(for: limit)) != nil else { return }
            await self?.resumeAll()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { waiter in
                // Cancelled before waiting: the cancellation handler found no one to wake.
                if Task.isCancelled { waiter.resume() } else { waiters.append(waiter) }
            }
        } onCancel: {
            Task { await self.resumeAll() }
        }
        timer.cancel()
    }

    private func resumeAll() {
        let woken = waiters
        waiters = []
        for waiter in woken { waiter.resume() }
    }
}
