import Benchmark
import LiaisonMatching

/// The joint-analysis goal (issue 23): over 1 million entities and 5 million links, the
/// neighbourhood of an entity to depth 2 and the shortest path between two entities answer in
/// under 50 ms at p95. The baseline is networkx over the same graph (the same SplitMix64 sequence,
/// seed 42), timed by `scripts/graph-baseline.py`; in this run, a plain adjacency read of one
/// entity is the floor.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock], maxDuration: .seconds(10), maxIterations: 10_000)

    Benchmark("Graph baseline: one entity's direct links (1M entities, 5M links)") { benchmark in
        let fixture = GraphFixture.shared
        var random = SplitMix64(seed: 7)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(fixture.graph.neighbourhood(of: "e\(random.next() % GraphFixture.entities)", depth: 1)?.entities.count)
        }
        benchmark.stopMeasurement()
    }

    Benchmark("Graph: neighbourhood to depth 2 (1M entities, 5M links)") { benchmark in
        let fixture = GraphFixture.shared
        var random = SplitMix64(seed: 7)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(fixture.graph.neighbourhood(of: "e\(random.next() % GraphFixture.entities)", depth: 2)?.entities.count)
        }
        benchmark.stopMeasurement()
    }

    Benchmark("Graph: shortest path between two entities (1M entities, 5M links)") { benchmark in
        let fixture = GraphFixture.shared
        var random = SplitMix64(seed: 11)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(fixture.graph.shortestPath(from: "e\(random.next() % GraphFixture.entities)", to: "e\(random.next() % GraphFixture.entities)")?.links.count)
        }
        benchmark.stopMeasurement()
    }
}

/// The random graph, built once: link i joins e(a) and e(b) for the next two numbers of
/// SplitMix64(42) modulo the entity count — what the Python baseline builds too.
final class GraphFixture: Sendable {
    static let entities: UInt64 = 1_000_000
    static let links = 5_000_000
    static let shared = GraphFixture()
    let graph: EntityGraph

    init() {
        var random = SplitMix64(seed: 42)
        var edges: [EntityGraph.Edge] = []
        edges.reserveCapacity(Self.links)
        for number in 0..<Self.links {
            let a = random.next() % Self.entities, b = random.next() % Self.entities
            edges.append(.init(id: "l\(number)", from: "e\(a)", to: "e\(b)"))
        }
        graph = EntityGraph(entities: (0..<Self.entities).map { "e\($0)" }, edges: edges)
    }
}

struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
