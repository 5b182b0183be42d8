public import LiaisonCore

/// Data minimisation on disclosure (Directive (EU) 2016/680 Art. 4(1)(c)): what the agreement does
/// not cover is removed, and the recipient is told what was removed and on what ground.
public enum Minimisation {
    /// Removes entities of, and properties that are identifiers of, the categories in `redact`.
    /// - Parameters:
    ///   - entities: the entities as the sender wrote them.
    ///   - redact: the categories the agreement does not cover (``PolicyOutcome/redact``).
    ///   - agreement: the agreement, named in the grounds.
    /// - Returns: the entities to disclose and one ``Redaction`` per removed entity or property.
    public static func apply(_ entities: [MessageEntity], removing redact: Set<DataCategory>, agreement: String) -> (entities: [MessageEntity], redactions: [Redaction]) {
        guard !redact.isEmpty else { return (entities, []) }
        var kept: [MessageEntity] = []
        var redactions: [Redaction] = []
        for entity in entities {
            if redact.contains(entity.dataCategory) {
                redactions.append(Redaction(entity: entity.id, property: nil, category: entity.dataCategory, ground: ground(entity.dataCategory, agreement)))
                continue
            }
            var minimised = entity
            for property in entity.properties.keys.sorted() {
                guard let category = MessageEntity.propertyCategory(property), redact.contains(category) else { continue }
                minimised.properties[property] = nil
                redactions.append(Redaction(entity: entity.id, property: property, category: category, ground: ground(category, agreement)))
            }
            kept.append(minimised)
        }
        return (kept, redactions)
    }

    static func ground(_ category: DataCategory, _ agreement: String) -> String {
        "Agreement \(agreement) does not cover the data category '\(category.rawValue)' (data minimisation, Directive 2016/680 Art. 4(1)(c))."
    }
}
