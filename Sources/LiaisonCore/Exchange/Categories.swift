/// Categories of data that an agreement permits and a message or query carries.
public enum DataCategory: String, CaseIterable, Codable, Sendable, Comparable {
    case message
    case dna
    case fingerprint
    case vehicle
    case person
    case document
    case phone
    case bankAccount
    case cryptoWallet
    case evidence

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Categories of data subjects, as Directive (EU) 2016/680 Art. 6 requires controllers to
/// distinguish them: suspects; convicted persons; victims and potential victims; other parties
/// (witnesses, contacts and associates, and others).
public enum DataSubjectCategory: String, CaseIterable, Codable, Sendable, Comparable {
    case suspect
    case convicted
    case victim
    case witness
    case contact
    case other

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Europol handling codes, which restrict what the recipient may do with the information.
public enum HandlingCode: String, CaseIterable, Codable, Sendable {
    /// Use only to prevent and combat crime.
    case h0 = "H0"
    /// Not to be disclosed in judicial proceedings without the provider's permission.
    case h1 = "H1"
    /// Not to be passed on without the provider's permission.
    case h2 = "H2"
    /// Other restrictions, stated in free text.
    case h3 = "H3"
}

/// The "4x4" evaluation of a piece of information (Europol): how reliable the source is, and how
/// accurate the information.
public struct Evaluation: Codable, Sendable, Equatable {
    /// A: no doubt of authenticity, trustworthiness and competence, or reliable in all instances;
    /// B: reliable in most instances; C: unreliable in most instances; X: cannot be assessed.
    public enum Source: String, CaseIterable, Codable, Sendable { case a = "A", b = "B", c = "C", x = "X" }
    /// 1: not in doubt; 2: known personally to the source but not to the official passing it on;
    /// 3: not known personally to the source but corroborated; 4: not known personally to the
    /// source and cannot be corroborated.
    public enum Information: Int, CaseIterable, Codable, Sendable { case one = 1, two, three, four }

    public var source: Source
    public var information: Information

    public init(source: Source, information: Information) {
        self.source = source
        self.information = information
    }
}

/// Special categories of personal data (Directive (EU) 2016/680 Art. 10): processing is allowed
/// only where strictly necessary, with appropriate safeguards, and Liaison asks a supervisor first.
public enum SpecialCategory: String, CaseIterable, Codable, Sendable, Comparable {
    /// Biometric data processed to identify a person uniquely (fingerprints, face images).
    case biometric
    /// Genetic data (DNA profiles).
    case genetic
    case health
    /// Racial or ethnic origin.
    case ethnicOrigin = "ethnic-origin"
    case politicalOpinions = "political-opinions"
    /// Religious or philosophical beliefs.
    case religion
    /// Sex life or sexual orientation.
    case sexLife = "sex-life"
    case tradeUnionMembership = "trade-union-membership"

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The special category a data category always is: DNA profiles are genetic data,
    /// fingerprints biometric data (Art. 3(12) and (13)).
    public static func implied(by category: DataCategory) -> SpecialCategory? {
        switch category {
        case .dna: .genetic
        case .fingerprint: .biometric
        default: nil
        }
    }
}
