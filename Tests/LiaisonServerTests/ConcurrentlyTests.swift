import Foundation
@testable import LiaisonServer
import NIOCore
import NIOPosix
import Synchronization
import LiaisonTestSupport
import Testing

@Suite("Fan-out over the event loops")
struct ConcurrentlyTests {
    @Test("concurrentMap keeps the elements' order and runs every job on one of the singleton's event loops, using each")
    func spreadInOrder() async {
        let loops = Array(MultiThreadedEventLoopGroup.singleton.makeIterator())
        let used = Mutex<Set<ObjectIdentifier>>([])
        let results = await Array(0..<64).concurrentMap { element in
            // A suspension in the middle: the job that resumes runs on a loop too.
            try? await simulatedWork(for: .milliseconds(Int.random(in: 0...5)))
            let loop = loops.first { $0.inEventLoop }
            #expect(loop != nil, "job \(element) ran off the event loops")
            if let loop { used.withLock { _ = $0.insert(ObjectIdentifier(loop)) } }
            return element * 2
        }
        #expect(results == (0..<64).map { $0 * 2 })
        #expect(used.withLock { $0.count } == loops.count)
    }

    @Test("an asynchronous throwing call's outcome is captured as a result")
    func resultCatching() async {
        let success = await Result { () async throws -> Int in 3 }
        let failure = await Result { () async throws -> Int in throw CancellationError() }
        #expect((try? success.get()) == 3)
        #expect((try? failure.get()) == nil)
    }
}
