#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Who a node speaks for: the agency's code, name and jurisdiction, and where partners reach it.
public struct NodeProfile: Codable, Sendable, Equatable {
    /// Short, unique code of the agency within the federation, e.g. `XA-POL`.
    public var agencyCode: String
    public var name: String
    /// ISO 3166-1 alpha-2 code of the state whose law the agency applies.
    public var jurisdiction: String
    /// The URL partners use to reach this node.
    public var endpoint: String

    /// Validates and normalises a profile.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the first bad field.
    public init(agencyCode: String, name: String, jurisdiction: String, endpoint: String) throws(LiaisonError) {
        let code = agencyCode.uppercased()
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
        guard (2...32).contains(code.count), code.allSatisfy({ allowed.contains($0) }),
            code.first != "-", code.last != "-"
        else {
            throw LiaisonError(
                .invalidInput,
                "agency code '\(agencyCode)' must be 2 to 32 letters, digits or inner hyphens (e.g. XA-POL)"
            )
        }
        let trimmedName = String(name.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        guard (1...200).contains(trimmedName.count), !trimmedName.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw LiaisonError(.invalidInput, "name must be 1 to 200 printable characters")
        }
        guard let url = URL(string: endpoint), let scheme = url.scheme, ["https", "http"].contains(scheme), url.host != nil else {
            throw LiaisonError(.invalidInput, "endpoint '\(endpoint)' must be an https:// URL with a host")
        }
        self.agencyCode = code
        self.name = trimmedName
        self.jurisdiction = try CountryCode.validate(jurisdiction, field: "jurisdiction")
        self.endpoint = endpoint
    }
}
