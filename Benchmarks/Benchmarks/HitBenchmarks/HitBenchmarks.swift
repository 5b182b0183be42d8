import Benchmark
import Foundation
import LiaisonMatching

/// Hit/no-hit speed and memory at the issue's scale: 10 million DNA profiles drawn from the NIST
/// 1036 allele frequencies (set LIAISON_DNA_PROFILES for another size) and 10 million exact
/// identifiers. Goals (issue 29): a DNA query p99 < 5 ms, at least 50× faster than
/// a linear scan of the same profiles measured in the same run; exact lookups under 1 ms.
///
/// The stored profiles are a national database's mix (`STRProfileGenerator.nextOfMix`): 75 %
/// complete, 20 % partial profiles of degraded stains typed at 6–12 loci, 5 % with a wildcard or
/// a microvariant. The queries are of every kind, a quarter each: stored profiles (full hits),
/// stored profiles with one allele changed (near hits), partial stains of stored profiles (the
/// 6–12 loci with the shortest amplicons), and fresh profiles of the same mix (almost always no
/// hit).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], timeUnits: .microseconds, maxDuration: .seconds(10))

    Benchmark("DNA: one query against the index (Liaison)", configuration: .init(metrics: [.wallClock, .throughput, .peakMemoryResident], maxDuration: .seconds(10))) { benchmark in
        let shared = DNAFixture.shared
        for iteration in benchmark.scaledIterations {
            blackHole(shared.index.search(shared.queries[(benchmark.currentIteration + iteration) % shared.queries.count]))
        }
    }

    Benchmark("Baseline: linear scan of the same profiles", configuration: .init(maxDuration: .seconds(10), maxIterations: 20)) { benchmark in
        let shared = DNAFixture.shared
        for iteration in benchmark.scaledIterations {
            blackHole(shared.index.linearScan(shared.queries[(benchmark.currentIteration + iteration) % shared.queries.count]))
        }
    }

    Benchmark("Exact identifier: one lookup among 10 million IBANs (Liaison)") { benchmark in
        let shared = ExactFixture.shared
        for iteration in benchmark.scaledIterations {
            blackHole(shared.index.candidates(for: shared.queries[(benchmark.currentIteration + iteration) % shared.queries.count]).count)
        }
    }
}

/// The profiles, the index and the queries, built once per process; prints the comparison the
/// goals name.
final class DNAFixture: Sendable {
    static let shared = DNAFixture()

    let index: DNAIndex
    let queries: [STRProfile]

    private init() {
        let count = Int(ProcessInfo.processInfo.environment["LIAISON_DNA_PROFILES"] ?? "") ?? 10_000_000
        let clock = ContinuousClock()
        let started = clock.now
        var generator = STRProfileGenerator(seed: 20_260_001)
        var builder = DNAIndex.Builder(loci: STRLocus.codis20.compactMap(STRLocus.named), capacity: count)
        var stored: [STRProfile] = []
        for number in 0..<count {
            let profile = generator.nextOfMix(reference: "DNA-\(number)")
            if number % max(1, count / 100) == 0 { stored.append(profile) }
            try! builder.append(profile)
        }
        let generated = clock.now - started
        index = builder.build()
        let built = clock.now - started
        var queries: [STRProfile] = []
        var fresh = STRProfileGenerator(seed: 77)
        for (position, profile) in stored.enumerated() {
            switch position % 4 {
            case 0: queries.append(profile)
            case 1:
                var near = profile
                let locus = near.loci.keys.sorted()[position % near.loci.count]
                if case .value(let tenths) = near.loci[locus]!.second { near.loci[locus] = Genotype(near.loci[locus]!.first, .value(tenths + 10)) }
                queries.append(near)
            case 2:
                var stain = profile
                let kept = Set(STRLocus.shortestAmpliconsFirst.prefix(6 + position % 7))
                stain.loci = stain.loci.filter { kept.contains($0.key.name) }
                queries.append(stain)
            default: queries.append(fresh.nextOfMix(reference: "fresh-\(position)"))
            }
        }
        self.queries = queries

        // The comparison the goals name, in this run: indexed against a linear scan.
        var indexed: [Duration] = []
        var found = 0, usedIndex = 0
        var byKind: [[Duration]] = [[], [], [], []]
        for (position, query) in queries.enumerated() {
            let start = clock.now
            let (matches, used) = index.search(query)
            indexed.append(clock.now - start)
            byKind[position % 4].append(clock.now - start)
            if used { usedIndex += 1 }
            found += matches.count
        }
        indexed.sort()
        // What the searches read, by kind: rows checked one by one, candidates in all.
        var reads: [(rows: Int, candidates: Int)] = Array(repeating: (0, 0), count: 4)
        for (position, query) in queries.enumerated() {
            let plan = index.plan(query)
            reads[position % 4].rows += plan.rowsChecked
            reads[position % 4].candidates += plan.candidates
        }
        let groups = queries.first.map { index.plan($0).groups } ?? 0
        var scanned: [Duration] = []
        for query in queries.prefix(6) {
            let start = clock.now
            blackHole(index.linearScan(query))
            scanned.append(clock.now - start)
        }
        let mean = scanned.reduce(.zero, +) / scanned.count
        let p50 = indexed[indexed.count / 2], p99 = indexed[min(indexed.count - 1, indexed.count * 99 / 100)]
        let ms = { (duration: Duration) in String(format: "%.3f ms", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000) }
        print("""
            DNA \(count) profiles: generated in \(generated), index built in \(built - generated); index ≈ \(index.approximateBytes / 1_048_576) MB
            indexed search over \(queries.count) queries (\(usedIndex) through the index): p50 \(ms(p50)), p99 \(ms(p99)), \(found) matches
            by kind (p50 / max): \(zip(["stored", "near", "partial stain", "fresh"], byKind).map { name, times in
                let sorted = times.sorted()
                return "\(name) \(ms(sorted[sorted.count / 2])) / \(ms(sorted.last ?? .zero))"
            }.joined(separator: "; "))
            \(groups) locus groups; per query, rows checked one by one / candidates: \(zip(["stored", "near", "partial stain", "fresh"], reads).map { name, read in
                "\(name) \(read.rows / max(1, queries.count / 4)) / \(read.candidates / max(1, queries.count / 4))"
            }.joined(separator: "; "))
            linear scan over \(scanned.count) queries: mean \(ms(mean)); speed-up at p50 \(String(format: "%.0f", Double(mean / p50)))×, at p99 \(String(format: "%.0f", Double(mean / p99)))×
            """)
    }
}

final class ExactFixture: Sendable {
    static let shared = ExactFixture()

    let index: ExactKeyIndex
    let queries: [String]

    private init() {
        let count = Int(ProcessInfo.processInfo.environment["LIAISON_EXACT_RECORDS"] ?? "") ?? 10_000_000
        // Synthetic German IBANs: any 18 digits after DE and check digits; the index only hashes them.
        func iban(_ number: Int) -> String { "DE00" + String(number * 7919 % 1_000_000_000_000_000_000 + 100_000_000_000_000_000) }
        let start = ContinuousClock.now
        index = ExactKeyIndex(keys: (0..<count).lazy.map { (iban($0), UInt32($0)) })
        print("exact index of \(count) keys built in \(ContinuousClock.now - start), ≈ \(index.approximateBytes / 1_048_576) MB")
        queries = (0..<1000).map { $0 % 2 == 0 ? iban($0 * 9973 % count) : "DE99" + String($0) }
    }
}
