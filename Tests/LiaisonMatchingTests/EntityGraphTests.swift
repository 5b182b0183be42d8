import LiaisonMatching
import Testing

/// Link analysis over an entity graph: neighbourhoods by distance and shortest paths, checked on
/// a small known graph and against a plain breadth-first search on random graphs.
@Suite("Entity graph")
struct EntityGraphTests {
    // a — b — c — d, b — e, f alone, g — g (a loop)
    static let graph = EntityGraph(entities: ["f"], edges: [
        .init(id: "ab", from: "a", to: "b"), .init(id: "bc", from: "b", to: "c"), .init(id: "cd", from: "c", to: "d"),
        .init(id: "be", from: "e", to: "b"), .init(id: "gg", from: "g", to: "g"),
    ])

    @Test("the neighbourhood to depth k holds the entities within k links and the links among them")
    func neighbourhood() throws {
        let one = try #require(Self.graph.neighbourhood(of: "b", depth: 1))
        #expect(Dictionary(uniqueKeysWithValues: one.entities.map { ($0.id, $0.distance) }) == ["b": 0, "a": 1, "c": 1, "e": 1])
        #expect(Set(one.links) == ["ab", "bc", "be"])
        let two = try #require(Self.graph.neighbourhood(of: "a", depth: 2))
        #expect(Set(two.entities.map(\.id)) == ["a", "b", "c", "e"])
        #expect(!two.links.contains("cd"))
        #expect(Self.graph.neighbourhood(of: "f", depth: 3)?.entities.map(\.id) == ["f"])
        #expect(Self.graph.neighbourhood(of: "g", depth: 1)?.links == ["gg"])
        #expect(Self.graph.neighbourhood(of: "nobody", depth: 1) == nil)
        #expect(Self.graph.neighbourhood(of: "b", depth: 5, limit: 2)?.entities.count == 2)
    }

    @Test("the shortest path names the entities and the links in order; none to an unconnected entity")
    func shortestPath() throws {
        let path = try #require(Self.graph.shortestPath(from: "e", to: "d"))
        #expect(path.entities == ["e", "b", "c", "d"] && path.links == ["be", "bc", "cd"])
        #expect(Self.graph.shortestPath(from: "d", to: "a")?.entities == ["d", "c", "b", "a"])
        #expect(Self.graph.shortestPath(from: "a", to: "a")?.entities == ["a"])
        #expect(Self.graph.shortestPath(from: "a", to: "f") == nil)
        #expect(Self.graph.shortestPath(from: "a", to: "d", maximumLength: 2) == nil)
    }

    @Test("on random graphs, path lengths equal a plain breadth-first search's distances", arguments: [1, 2, 3, 4, 5])
    func randomGraphs(seed: UInt64) throws {
        var random = SplitMix(seed: seed)
        let count = 300
        var edges: [EntityGraph.Edge] = []
        var adjacency = [Set<Int>](repeating: [], count: count)
        for number in 0..<450 {
            let a = Int(random.next() % UInt64(count)), b = Int(random.next() % UInt64(count))
            edges.append(.init(id: "l\(number)", from: "n\(a)", to: "n\(b)"))
            adjacency[a].insert(b)
            adjacency[b].insert(a)
        }
        let graph = EntityGraph(entities: (0..<count).map { "n\($0)" }, edges: edges)
        for _ in 0..<40 {
            let from = Int(random.next() % UInt64(count)), to = Int(random.next() % UInt64(count))
            var distance = [from: 0]
            var queue = [from]
            while !queue.isEmpty {
                let node = queue.removeFirst()
                for next in adjacency[node] where distance[next] == nil {
                    distance[next] = distance[node]! + 1
                    queue.append(next)
                }
            }
            let path = graph.shortestPath(from: "n\(from)", to: "n\(to)", maximumLength: 1_000)
            #expect(path.map { $0.links.count } == distance[to], "n\(from) → n\(to)")
            if let path {
                // Each link joins the entities on either side of it.
                for (step, link) in path.links.enumerated() {
                    let edge = try #require(edges.first { $0.id == link })
                    #expect(Set([edge.from, edge.to]) == Set([path.entities[step], path.entities[step + 1]]))
                }
            }
            let reach = graph.neighbourhood(of: "n\(from)", depth: 2)?.entities ?? []
            #expect(Set(reach.map(\.id)) == Set(distance.filter { $0.value <= 2 }.map { "n\($0.key)" }))
        }
    }
}

/// A small deterministic generator for the tests' random graphs.
struct SplitMix {
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
