import Benchmark
import Foundation
import LiaisonEvaluation
import LiaisonMatching

/// Screening speed and memory, on the real lists of `../shared/data` (set LIAISON_SHARED_DATA
/// elsewhere). The goals: one screening against the OFAC SDN list p50 ≤ 0.1 ms; against one
/// million names p50 ≤ 5 ms; a million names in under 1 GB. Each is measured with its baseline in
/// the same run: a linear Jaro-Winkler scan over the same names, which is what token-wise peers
/// do per query. (The comparison with rapidfuzz, a Python library, is scripts/compare-rapidfuzz.py.)
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], timeUnits: .microseconds, maxDuration: .seconds(5))
    guard let shared = sharedData() else {
        print("ScreeningBenchmarks: ../shared/data is absent (set LIAISON_SHARED_DATA); nothing to measure")
        return
    }
    let evaluation = try! ScreeningEvaluation.standard(sharedData: shared)
    let queries = evaluation.queries.filter { $0.expected != nil && $0.variant != "script-organisation" }.map(\.query)
    let ofac = try! OFACList.parse(directory: shared.appendingPathComponent("sanctions/ofac")).parties
    let ofacMatcher = NameMatcher(index: NameIndex(parties: ofac))
    let ofacNames = ofac.flatMap(\.names).map { Array(NameNormalizer.normalize($0).text.utf8) }

    Benchmark("Screen one name against the OFAC SDN list (Liaison)") { benchmark in
        for iteration in benchmark.scaledIterations {
            blackHole(ofacMatcher.screen(queries[(benchmark.currentIteration + iteration) % queries.count]))
        }
    }

    Benchmark("Baseline: linear Jaro-Winkler scan of the OFAC SDN names", configuration: .init(maxDuration: .seconds(5), maxIterations: 200)) { benchmark in
        for iteration in benchmark.scaledIterations {
            let query = Array(NameNormalizer.normalize(queries[(benchmark.currentIteration + iteration) % queries.count].name).text.utf8)
            var best = 0.0
            for name in ofacNames { best = max(best, JaroWinkler.similarity(query, name)) }
            blackHole(best)
        }
    }

    Benchmark(
        "Screen one name against 1 million names (Liaison)",
        configuration: .init(metrics: [.wallClock, .throughput, .peakMemoryResident], maxDuration: .seconds(10))
    ) { benchmark, matcher in
        for iteration in benchmark.scaledIterations {
            blackHole(matcher.screen(queries[(benchmark.currentIteration + iteration) % queries.count]))
        }
    } setup: {
        NameMatcher(index: NameIndex(parties: evaluation.scaled(toNames: 1_000_000)))
    }
}

func sharedData() -> URL? {
    var candidates: [String] = []
    if let configured = ProcessInfo.processInfo.environment["LIAISON_SHARED_DATA"] { candidates.append(configured) }
    candidates += ["../../shared/data", "../shared/data", "/work/shared/data"]
    return candidates.map(URL.init(fileURLWithPath:)).first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("README.md").path) }
}
