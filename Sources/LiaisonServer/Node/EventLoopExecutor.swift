public import NIOCore
public import NIOPosix
public import Synchronization

/// Runs Swift concurrency's tasks on the node's event loops (SwiftNIO's
/// `unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor`), for `liaison serve`
/// and `liaison demo`.
///
/// Every request, envelope and write of a node hands work between its tasks and the event loops
/// that do its I/O; with tasks on a pool of their own, each hand-over wakes another thread, which
/// on a 2-core machine costs more than much of the work. On the event loops the hand-overs stay
/// on one thread. The exchange benchmark measures the difference (about a tenth more messages a
/// second). Nothing in the node blocks a thread while it waits (bcrypt and SQLite run on their
/// own thread pools), which is what this needs.
public enum EventLoopExecutor {
    private static let installed = Mutex(false)

    /// Installs the event loops as the global executor, once per process; later calls do nothing.
    /// - Returns: whether tasks now run on the event loops.
    @discardableResult
    public static func install() -> Bool {
        installed.withLock { installed in
            if !installed {
                installed = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
            }
            return installed
        }
    }
}

/// Runs a task's jobs on one event loop: work that a single request fans out (the envelopes of a
/// batch) is spread over the loops with one executor each, instead of all staying on the loop of
/// the connection it came in on (the global executor keeps a task on the loop it was started
/// from). Without it one loop of two ran out of time while the other was half idle.
public final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    public init(_ loop: any EventLoop) {
        self.loop = loop
    }

    /// One executor for each of the event loops that run this process's tasks (the singleton group's).
    public static let all: [EventLoopTaskExecutor] = MultiThreadedEventLoopGroup.singleton.makeIterator().map(EventLoopTaskExecutor.init)

    /// The executor for the `index`-th of several jobs, round the loops.
    public static func spreading(_ index: Int) -> EventLoopTaskExecutor {
        all[index % all.count]
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }
}
