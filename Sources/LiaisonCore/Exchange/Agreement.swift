#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A cooperation agreement between agencies: the legal ground on which information flows.
/// Nothing flows without one in force; at ``validUntil`` it stops by itself (sunset).
public struct Agreement: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    /// Agency codes of the parties; each may send to each.
    public var parties: [String]
    public var legalBasis: String
    public var purposes: [String]
    public var dataCategories: [DataCategory]
    public var dataSubjectCategories: [DataSubjectCategory]
    /// Only hit/no-hit answers may flow: no messages with personal data.
    public var hitNoHitOnly: Bool
    public var validFrom: Date
    public var validUntil: Date
    /// Reference of the human-rights (data-protection) impact assessment behind the agreement.
    public var impactAssessmentRef: String
    /// Seal envelopes with the post-quantum hybrid suite (X-Wing: ML-KEM-768 with X25519).
    public var postQuantum: Bool
    /// Hit/no-hit queries (or blinded identifiers) each party may send the other per minute;
    /// nil leaves it to each node's own limit.
    public var hitQueriesPerMinute: Int?

    public init(
        id: String, parties: [String], legalBasis: String, purposes: [String], dataCategories: [DataCategory],
        dataSubjectCategories: [DataSubjectCategory], hitNoHitOnly: Bool, validFrom: Date, validUntil: Date,
        impactAssessmentRef: String, postQuantum: Bool = false, hitQueriesPerMinute: Int? = nil
    ) {
        self.id = id
        self.parties = parties
        self.legalBasis = legalBasis
        self.purposes = purposes
        self.dataCategories = dataCategories
        self.dataSubjectCategories = dataSubjectCategories
        self.hitNoHitOnly = hitNoHitOnly
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.impactAssessmentRef = impactAssessmentRef
        self.postQuantum = postQuantum
        self.hitQueriesPerMinute = hitQueriesPerMinute
    }

    enum CodingKeys: String, CodingKey {
        case id, parties, legalBasis, purposes, dataCategories, dataSubjectCategories, hitNoHitOnly, validFrom, validUntil, impactAssessmentRef, postQuantum
        case hitQueriesPerMinute
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        parties = try container.decode([String].self, forKey: .parties)
        legalBasis = try container.decode(String.self, forKey: .legalBasis)
        purposes = try container.decode([String].self, forKey: .purposes)
        dataCategories = try container.decode([DataCategory].self, forKey: .dataCategories)
        dataSubjectCategories = try container.decode([DataSubjectCategory].self, forKey: .dataSubjectCategories)
        hitNoHitOnly = try container.decode(Bool.self, forKey: .hitNoHitOnly)
        validFrom = try container.decode(Date.self, forKey: .validFrom)
        validUntil = try container.decode(Date.self, forKey: .validUntil)
        impactAssessmentRef = try container.decode(String.self, forKey: .impactAssessmentRef)
        postQuantum = try container.decodeIfPresent(Bool.self, forKey: .postQuantum) ?? false
        hitQueriesPerMinute = try container.decodeIfPresent(Int.self, forKey: .hitQueriesPerMinute)
    }

    /// Checks the agreement's own consistency.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the first bad field.
    public func validate() throws(LiaisonError) {
        let idCharacters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./")
        guard (1...64).contains(id.count), id.allSatisfy({ idCharacters.contains($0) }) else {
            throw LiaisonError(.invalidInput, "agreement id '\(id)' must be 1 to 64 letters, digits, '-', '_', '.' or '/'")
        }
        for party in parties {
            do {
                _ = try NodeProfile(agencyCode: party, name: party, jurisdiction: "XA", endpoint: "https://127.0.0.1")
            } catch {
                throw LiaisonError(.invalidInput, "parties: '\(party)' is not an agency code")
            }
        }
        guard Set(parties.map { $0.uppercased() }).count >= 2 else {
            throw LiaisonError(.invalidInput, "parties must name at least two different agencies")
        }
        guard !legalBasis.allSatisfy(\.isWhitespace) else { throw LiaisonError(.invalidInput, "legalBasis must not be empty") }
        if let limit = hitQueriesPerMinute, !(1...100_000).contains(limit) {
            throw LiaisonError(.invalidInput, "hitQueriesPerMinute must be 1 to 100000")
        }
        guard !purposes.isEmpty, purposes.allSatisfy({ !$0.allSatisfy(\.isWhitespace) }) else {
            throw LiaisonError(.invalidInput, "purposes must list at least one non-empty purpose")
        }
        guard !dataCategories.isEmpty else { throw LiaisonError(.invalidInput, "dataCategories must list at least one category") }
        guard !dataSubjectCategories.isEmpty else {
            throw LiaisonError(.invalidInput, "dataSubjectCategories must list at least one category (Directive 2016/680 Art. 6)")
        }
        guard validFrom < validUntil else { throw LiaisonError(.invalidInput, "validUntil must be after validFrom") }
        guard !impactAssessmentRef.allSatisfy(\.isWhitespace) else {
            throw LiaisonError(.invalidInput, "impactAssessmentRef must name the impact assessment behind the agreement")
        }
    }

    /// Whether the agreement binds both agencies (in either direction).
    public func binds(_ first: String, _ second: String) -> Bool {
        let upper = Set(parties.map { $0.uppercased() })
        return first.uppercased() != second.uppercased() && upper.contains(first.uppercased()) && upper.contains(second.uppercased())
    }

    /// Whether the agreement is in force at `date`: from ``validFrom`` inclusive to ``validUntil`` exclusive.
    public func isInForce(at date: Date) -> Bool {
        validFrom <= date && date < validUntil
    }
}

extension Agreement {
    /// Where an agreement stands at a moment.
    public enum Status: String, Codable, Sendable {
        case notYetInForce = "not-yet-in-force"
        case inForce = "in-force"
        case expired
        case revoked
    }

    /// The agreement's status at `date`, given whether it was revoked.
    public func status(at date: Date, revoked: Bool) -> Status {
        if revoked { return .revoked }
        if date < validFrom { return .notYetInForce }
        if date >= validUntil { return .expired }
        return .inForce
    }
}
