/// An undirected graph of entities and the links between them, for link analysis: the
/// neighbourhood of an entity to depth k, the shortest path between two, and the entities that
/// several sources (JIT members) contributed. Built once from its edges; nodes are interned to
/// dense integers and the adjacency is stored compressed (CSR), so that a million entities and
/// five million links take a few tens of megabytes and a traversal touches only arrays.
public struct EntityGraph: Sendable {
    /// The entity ids, by dense index.
    public let ids: [String]
    private let index: [String: Int32]
    /// `offsets[n]..<offsets[n + 1]` are node n's positions in `neighbours` and `via`.
    private let offsets: [Int32]
    private let neighbours: [Int32]
    /// For each adjacency entry, the edge (link) it came from.
    private let via: [Int32]
    /// The link ids, by edge index.
    public let links: [String]
    /// Edge e joins `edgeEnds[2e]` and `edgeEnds[2e + 1]`.
    private let edgeEnds: [Int32]

    /// One link between two entities.
    public struct Edge: Sendable, Equatable {
        public var id: String
        public var from: String
        public var to: String

        public init(id: String, from: String, to: String) {
            self.id = id
            self.from = from
            self.to = to
        }
    }

    /// Builds the graph.
    /// - Parameters:
    ///   - entities: entity ids that exist even without links.
    ///   - edges: the links; an end not among `entities` is added.
    public init(entities: [String] = [], edges: [Edge]) {
        var index: [String: Int32] = [:]
        var ids: [String] = []
        index.reserveCapacity(entities.count)
        ids.reserveCapacity(entities.count)
        func intern(_ id: String) -> Int32 {
            if let known = index[id] { return known }
            let next = Int32(truncatingIfNeeded: ids.count)
            index[id] = next
            ids.append(id)
            return next
        }
        for id in entities { _ = intern(id) }
        var ends: [(Int32, Int32)] = []
        ends.reserveCapacity(edges.count)
        for edge in edges { ends.append((intern(edge.from), intern(edge.to))) }
        var degree = [Int32](repeating: 0, count: ids.count + 1)
        for (a, b) in ends {
            degree[Int(truncatingIfNeeded: a) + 1] &+= 1
            if a != b { degree[Int(truncatingIfNeeded: b) + 1] &+= 1 }
        }
        for position in 1..<degree.count { degree[position] &+= degree[position - 1] }
        var fill = degree
        var neighbours = [Int32](repeating: 0, count: Int(truncatingIfNeeded: degree.last ?? 0))
        var via = [Int32](repeating: 0, count: neighbours.count)
        for (edge, (a, b)) in ends.enumerated() {
            neighbours[Int(truncatingIfNeeded: fill[Int(truncatingIfNeeded: a)])] = b
            via[Int(truncatingIfNeeded: fill[Int(truncatingIfNeeded: a)])] = Int32(truncatingIfNeeded: edge)
            fill[Int(truncatingIfNeeded: a)] &+= 1
            if a != b {
                neighbours[Int(truncatingIfNeeded: fill[Int(truncatingIfNeeded: b)])] = a
                via[Int(truncatingIfNeeded: fill[Int(truncatingIfNeeded: b)])] = Int32(truncatingIfNeeded: edge)
                fill[Int(truncatingIfNeeded: b)] &+= 1
            }
        }
        self.ids = ids
        self.index = index
        self.offsets = degree
        self.neighbours = neighbours
        self.via = via
        self.links = edges.map(\.id)
        var flat = [Int32](repeating: 0, count: 2 * ends.count)
        for (edge, (a, b)) in ends.enumerated() {
            flat[2 * edge] = a
            flat[2 * edge + 1] = b
        }
        self.edgeEnds = flat
    }

    public var entityCount: Int { ids.count }
    public var linkCount: Int { links.count }

    /// Whether the graph holds the entity.
    public func contains(_ id: String) -> Bool { index[id] != nil }

    /// The entities within `depth` links of `id` (itself at distance 0), with their distance, and
    /// the links among the ones reached; at most `limit` entities, nearest first.
    /// - Returns: `nil` when the entity is not in the graph.
    public func neighbourhood(of id: String, depth: Int, limit: Int = 10_000) -> (entities: [(id: String, distance: Int)], links: [String])? {
        guard let start = index[id] else { return nil }
        var distance: [Int32: Int] = [start: 0]
        var order: [Int32] = [start]
        var reachedLinks: Set<Int32> = []
        var frontier = [start]
        var level = 0
        while level < depth, !frontier.isEmpty, order.count < limit {
            level += 1
            var next: [Int32] = []
            for node in frontier {
                for position in Int(truncatingIfNeeded: offsets[Int(truncatingIfNeeded: node)])..<Int(truncatingIfNeeded: offsets[Int(truncatingIfNeeded: node) + 1]) {
                    let other = neighbours[position]
                    reachedLinks.insert(via[position])
                    guard distance[other] == nil, order.count < limit else { continue }
                    distance[other] = level
                    order.append(other)
                    next.append(other)
                }
            }
            frontier = next
        }
        // Only links between two entities returned.
        let kept = reachedLinks.filter { edge in
            let (a, b) = endpoints(of: edge)
            return distance[a] != nil && distance[b] != nil
        }
        return (order.map { (ids[Int(truncatingIfNeeded: $0)], distance[$0] ?? 0) }, kept.sorted().map { links[Int(truncatingIfNeeded: $0)] })
    }

    private func endpoints(of edge: Int32) -> (Int32, Int32) {
        (edgeEnds[2 * Int(truncatingIfNeeded: edge)], edgeEnds[2 * Int(truncatingIfNeeded: edge) + 1])
    }

    /// A shortest path from `from` to `to` (entity ids, alternating with the links used), by
    /// breadth-first search from both ends; at most `maximumLength` links.
    /// - Returns: `nil` when either entity is unknown or no path is that short.
    public func shortestPath(from: String, to: String, maximumLength: Int = 12) -> (entities: [String], links: [String])? {
        guard let source = index[from], let target = index[to] else { return nil }
        if source == target { return ([from], []) }
        // parent: node → (previous node, edge); one map per side.
        var forward: [Int32: (Int32, Int32)] = [source: (-1, -1)]
        var backward: [Int32: (Int32, Int32)] = [target: (-1, -1)]
        var forwardFrontier = [source]
        var backwardFrontier = [target]
        var length = 0
        while !forwardFrontier.isEmpty, !backwardFrontier.isEmpty, length < maximumLength {
            length += 1
            let expandForward = forwardFrontier.count <= backwardFrontier.count
            var next: [Int32] = []
            var meeting: Int32?
            let frontier = expandForward ? forwardFrontier : backwardFrontier
            outer: for node in frontier {
                for position in Int(truncatingIfNeeded: offsets[Int(truncatingIfNeeded: node)])..<Int(truncatingIfNeeded: offsets[Int(truncatingIfNeeded: node) + 1]) {
                    let other = neighbours[position]
                    if expandForward {
                        guard forward[other] == nil else { continue }
                        forward[other] = (node, via[position])
                        if backward[other] != nil { meeting = other; break outer }
                    } else {
                        guard backward[other] == nil else { continue }
                        backward[other] = (node, via[position])
                        if forward[other] != nil { meeting = other; break outer }
                    }
                    next.append(other)
                }
            }
            if let meeting {
                var entities: [Int32] = []
                var edges: [Int32] = []
                var node = meeting
                while let (previous, edge) = forward[node], previous >= 0 {
                    entities.append(node)
                    edges.append(edge)
                    node = previous
                }
                entities.append(source)
                entities.reverse()
                edges.reverse()
                node = meeting
                while let (previous, edge) = backward[node], previous >= 0 {
                    entities.append(previous)
                    edges.append(edge)
                    node = previous
                }
                return (entities.map { ids[Int(truncatingIfNeeded: $0)] }, edges.map { links[Int(truncatingIfNeeded: $0)] })
            }
            if expandForward { forwardFrontier = next } else { backwardFrontier = next }
        }
        return nil
    }
}
