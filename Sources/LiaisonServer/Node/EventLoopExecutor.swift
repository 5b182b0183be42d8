import NIOCore
import NIOPosix
import Synchronization

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
