import Benchmark
import Foundation
import LiaisonCore

/// The deadline engine's goal (issue 22): a clock computed in microseconds, against the naive
/// day-by-day walk of the same period in the same run. Each iteration reads the EIO's 90-day
/// execution clock and a 30-day recognition clock from 1,000 events spread over two years, in
/// Brussels time with holidays (Regulation 1182/71 counting).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock], maxDuration: .seconds(10), maxIterations: 100)
    let calendar = JurisdictionCalendar(jurisdiction: "XA", timeZone: "Europe/Brussels", holidays: ["2026-12-25", "2026-12-26", "2027-01-01", "2027-03-29", "2027-05-06", "2027-12-25", "2028-01-01"])
    let engine = try! DeadlineEngine(calendar)
    let start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01
    let events = (0..<1_000).map { start.addingTimeInterval(Double($0) * 63_113.0) }
    Benchmark("Deadlines baseline: 1,000 events × 2 clocks by a day-by-day walk") { benchmark in
        for event in events {
            blackHole(engine.walkedDeadline(from: event, period: .days(90)))
            blackHole(engine.walkedDeadline(from: event, period: .days(30)))
        }
    }
    Benchmark("Deadlines: 1,000 events × 2 clocks by the engine") { benchmark in
        for event in events {
            blackHole(engine.deadline(from: event, period: .days(90)))
            blackHole(engine.deadline(from: event, period: .days(30)))
        }
    }
    registerBenchmarks()
}
