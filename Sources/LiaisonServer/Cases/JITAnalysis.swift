import Foundation
import LiaisonCore
import LiaisonMatching

/// Joint analysis over a JIT space: the entities and links its members contributed, as one
/// graph — the neighbourhood of an entity, the shortest path between two, the entities that
/// several members know — and its export as FollowTheMoney lines.
struct JITAnalysis: Sendable {
    /// FollowTheMoney relationship schemata and the two properties that hold their ends.
    static let linkEnds: [String: (String, String)] = [
        "Ownership": ("owner", "asset"), "Directorship": ("director", "organization"), "Family": ("person", "relative"),
        "Associate": ("person", "associate"), "Membership": ("member", "organization"), "Employment": ("employee", "employer"),
        "UnknownLink": ("subject", "object"), "Payment": ("payer", "beneficiary"), "Representation": ("agent", "client"),
        "Succession": ("predecessor", "successor"),
    ]

    struct Node: Encodable, Sendable {
        var id: String
        var schema: String
        var name: String
        /// The members that contributed it (by its id, or by the same schema and name).
        var contributedBy: [String]
        var distance: Int?
    }

    struct Link: Encodable, Sendable {
        var id: String
        var schema: String
        var from: String
        var to: String
        var contributedBy: [String]
    }

    struct View: Encodable, Sendable {
        var entities: [Node]
        var links: [Link]
    }

    let nodes: [String: Node]
    let edges: [String: Link]
    let graph: EntityGraph
    /// The FtM entities as contributed (latest version of each), for export.
    let entities: [MessageEntity]
    /// Entity id → the node or link it is (the same company from two members is one node).
    let keys: [String: String]
    /// Node id → the contributions that contributed it (every member's version).
    let sources: [String: [String]]
    /// Node id → its properties, every member's values together.
    let properties: [String: [String: [String]]]

    /// The analysis of a space's current contributions (superseded versions left out).
    init(_ contributions: [JITSpaceView.Contribution]) {
        var nodes: [String: Node] = [:]
        var edges: [String: Link] = [:]
        var entities: [String: MessageEntity] = [:]
        var byName: [String: String] = [:]
        var sources: [String: [String]] = [:]
        var properties: [String: [String: [String]]] = [:]
        let current = contributions.filter { !$0.superseded }.map(\.contribution)
        for contribution in current where contribution.kind == .entity {
            guard let entity = contribution.entity, Self.linkEnds[entity.schema] == nil else { continue }
            let name = Self.name(of: entity)
            // The same person or company contributed by two members under their own ids is one node.
            let key = "\(entity.schema)|\(name.lowercased())"
            let id = byName[key] ?? entity.id
            byName[key] = id
            var node = nodes[id] ?? Node(id: id, schema: entity.schema, name: name, contributedBy: [])
            if !node.contributedBy.contains(contribution.author) { node.contributedBy.append(contribution.author) }
            nodes[id] = node
            entities[id] = entity
            sources[id, default: []].append(contribution.id)
            for (property, values) in entity.properties {
                for value in values where !(properties[id]?[property]?.contains(value) ?? false) { properties[id, default: [:]][property, default: []].append(value) }
            }
            if id != entity.id { byName["id|\(entity.id)"] = id }
        }
        for contribution in current where contribution.kind == .link || contribution.kind == .entity {
            guard let entity = contribution.entity, let (fromKey, toKey) = Self.linkEnds[entity.schema],
                  let from = entity.properties[fromKey]?.first, let to = entity.properties[toKey]?.first else { continue }
            let resolve = { (id: String) in byName["id|\(id)"] ?? id }
            var link = edges[entity.id] ?? Link(id: entity.id, schema: entity.schema, from: resolve(from), to: resolve(to), contributedBy: [])
            if !link.contributedBy.contains(contribution.author) { link.contributedBy.append(contribution.author) }
            edges[entity.id] = link
            entities[entity.id] = entity
            for end in [link.from, link.to] where nodes[end] == nil {
                nodes[end] = Node(id: end, schema: "Thing", name: end, contributedBy: [])
            }
        }
        self.nodes = nodes
        self.edges = edges
        self.entities = entities.values.sorted { $0.id < $1.id }
        self.keys = Dictionary(entities.map { ($0.value.id, $0.key) }) { first, _ in first }
        self.sources = sources
        self.properties = properties
        self.graph = EntityGraph(entities: nodes.keys.sorted(), edges: edges.values.sorted { $0.id < $1.id }.map { .init(id: $0.id, from: $0.from, to: $0.to) })
    }

    static func name(of entity: MessageEntity) -> String {
        for property in ["name", "registrationNumber", "iban", "number", "accountNumber", "publicKey", "passportNumber"] {
            if let value = entity.properties[property]?.first, !value.isEmpty { return value }
        }
        return entity.id
    }

    /// Every entity and link (at most `limit` entities).
    func whole(limit: Int = 2_000) -> View {
        let shown = nodes.values.sorted { ($0.contributedBy.count, $1.name) > ($1.contributedBy.count, $0.name) }.prefix(limit)
        let ids = Set(shown.map(\.id))
        return View(entities: Array(shown), links: edges.values.filter { ids.contains($0.from) && ids.contains($0.to) }.sorted { $0.id < $1.id })
    }

    /// The neighbourhood of an entity to depth k.
    /// - Throws: ``LiaisonError`` `.notFound` for an entity the space does not hold.
    func neighbourhood(of id: String, depth: Int) throws -> View {
        guard let found = graph.neighbourhood(of: id, depth: depth, limit: 2_000) else { throw LiaisonError(.notFound, "No entity \(id) in this JIT space.") }
        return View(
            entities: found.entities.compactMap { item in nodes[item.id].map { var node = $0; node.distance = item.distance; return node } },
            links: found.links.compactMap { edges[$0] }
        )
    }

    /// A shortest path between two entities, or an empty view when none within 12 links.
    func path(from: String, to: String) throws -> View {
        for id in [from, to] where nodes[id] == nil { throw LiaisonError(.notFound, "No entity \(id) in this JIT space.") }
        guard let path = graph.shortestPath(from: from, to: to) else { return View(entities: [], links: []) }
        return View(entities: path.entities.enumerated().compactMap { step, id in nodes[id].map { var node = $0; node.distance = step; return node } },
                    links: path.links.compactMap { edges[$0] })
    }

    /// The entities that more than one member contributed.
    var shared: [Node] { nodes.values.filter { $0.contributedBy.count > 1 }.sorted { $0.name < $1.name } }

    /// FollowTheMoney lines: `{"id","schema","properties"}` for every entity and link (or only
    /// those whose ids are in `only`).
    func followTheMoney(only: Set<String>? = nil) throws -> String {
        struct Line: Encodable { var id: String; var schema: String; var properties: [String: [String]] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let entities = only.map { ids in self.entities.filter { ids.contains(keys[$0.id] ?? $0.id) } } ?? self.entities
        return try entities.map { String(decoding: try encoder.encode(Line(id: $0.id, schema: $0.schema, properties: $0.properties)), as: UTF8.self) }
            .joined(separator: "\n") + (entities.isEmpty ? "" : "\n")
    }
}

/// A dossier on one entity of a JIT space: what the members know of it — its properties as each
/// contributed them, its direct links and neighbours, and the notes, tasks, decisions and minutes
/// that name it — as one document to print, file or export (FollowTheMoney lines).
struct JITDossier: Encodable, Sendable {
    struct Mention: Encodable, Sendable {
        var contribution: String
        var author: String
        var kind: String
        var title: String
        var text: String
        var by: String
        var at: Date
    }

    struct Relation: Encodable, Sendable {
        var schema: String
        /// `outgoing` when the entity is the link's first end (the owner, the payer…).
        var direction: String
        var other: String
        var otherName: String
        var contributedBy: [String]
    }

    var space: String
    var team: String
    var entity: JITAnalysis.Node
    var properties: [String: [String]]
    var contributions: [Mention]
    var relations: [Relation]
    var neighbours: [JITAnalysis.Node]
    var mentions: [Mention]
    var generatedAt: Date
    var generatedBy: String
    var followTheMoney: String

    private enum CodingKeys: String, CodingKey { case space, team, entity, properties, contributions, relations, neighbours, mentions, generatedAt, generatedBy }

    /// The dossier on `id` (a node of the space's graph).
    /// - Throws: ``LiaisonError`` `.notFound` for an entity the space does not hold.
    init(space: JITSpaceView, entity id: String, generatedBy: String, at now: Date) throws {
        let analysis = JITAnalysis(space.contributions)
        guard let node = analysis.nodes[id] else { throw LiaisonError(.notFound, "No entity \(id.prefix(64)) in this JIT space.") }
        let current = space.contributions.filter { !$0.superseded }.map(\.contribution)
        let byID = Dictionary(current.map { ($0.id, $0) }) { first, _ in first }
        func mention(_ item: JITContribution) -> Mention {
            Mention(contribution: item.id, author: item.author, kind: item.kind.rawValue, title: item.title, text: item.text, by: item.createdBy, at: item.createdAt)
        }
        let names = Set((analysis.properties[id]?["name"] ?? [node.name]).map { $0.lowercased() }.filter { $0.count >= 3 })
        self.space = space.id
        team = space.agreement.name
        entity = node
        properties = analysis.properties[id] ?? [:]
        contributions = (analysis.sources[id] ?? []).compactMap { byID[$0] }.map(mention)
        relations = analysis.edges.values.filter { $0.from == id || $0.to == id }.sorted { $0.id < $1.id }.map { link in
            let other = link.from == id ? link.to : link.from
            return Relation(schema: link.schema, direction: link.from == id ? "outgoing" : "incoming", other: other, otherName: analysis.nodes[other]?.name ?? other,
                            contributedBy: link.contributedBy)
        }
        neighbours = (try analysis.neighbourhood(of: id, depth: 1)).entities.filter { $0.id != id }
        mentions = current.filter { item in
            [.note, .task, .decision, .minutes].contains(item.kind) && names.contains { name in item.title.lowercased().contains(name) || item.text.lowercased().contains(name) }
        }.map(mention)
        generatedAt = now
        self.generatedBy = generatedBy
        let links = analysis.edges.values.filter { $0.from == id || $0.to == id }.map(\.id)
        followTheMoney = try analysis.followTheMoney(only: Set([id] + relations.map(\.other) + links))
    }
}

/// Something a JIT space asks of this node's people.
struct JITReminder: Encodable, Sendable {
    enum Kind: String, Encodable, Sendable { case signature, consent, task, evaluation }
    var kind: Kind
    var space: String
    var team: String
    var title: String
    var due: Date
    var overdue: Bool
}
