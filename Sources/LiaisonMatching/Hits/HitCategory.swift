public import LiaisonCore

/// The kinds of reference data a node answers hit/no-hit queries on.
public enum HitCategory: String, CaseIterable, Codable, Sendable, Comparable {
    case dna
    case vehicle
    case person
    case document
    case phone
    case bankAccount
    case cryptoWallet

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The agreement's data category that covers queries of this kind.
    public var dataCategory: DataCategory {
        switch self {
        case .dna: return .dna
        case .vehicle: return .vehicle
        case .person: return .person
        case .document: return .document
        case .phone: return .phone
        case .bankAccount: return .bankAccount
        case .cryptoWallet: return .cryptoWallet
        }
    }

    /// Categories matched on a canonical identifier alone, and so open to blinded queries.
    public var isExactIdentifier: Bool { self != .dna && self != .person }

    /// The columns (CSV header names, JSON keys) that identify a record of this category; the
    /// first column is always `reference`.
    public var identifyingFields: [String] {
        switch self {
        case .dna: return ["<locus>_a1", "<locus>_a2"]
        case .vehicle: return ["vin", "plate", "plateCountry"]
        case .person: return ["name", "dateOfBirth", "nationality"]
        case .document: return ["number", "type", "issuingCountry"]
        case .phone: return ["number"]
        case .bankAccount: return ["iban"]
        case .cryptoWallet: return ["address"]
        }
    }

    /// Parses a category as the API path and the CLI write it (`bank-account` or `bankAccount`).
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the categories.
    public static func parse(_ text: String) throws(LiaisonError) -> HitCategory {
        let key = text.lowercased().filter { $0 != "-" && $0 != "_" }
        guard let category = allCases.first(where: { $0.rawValue.lowercased() == key }) else {
            throw LiaisonError(.invalidInput, "category '\(text)' is not one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return category
    }
}

/// One problem in an imported or queried file, with the line it is on.
public struct LineProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}
