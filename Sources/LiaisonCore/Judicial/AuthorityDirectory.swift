#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// An authority competent for an instrument in a jurisdiction, as the European Judicial Network
/// publishes them per state and instrument (FACTS.md, languages): who issues, executes, receives
/// centrally or validates, which node reaches it, and in which languages it accepts the
/// instrument (EAW Art. 8(2); Directive 2014/41/EU Art. 5(2)).
public struct CompetentAuthority: Codable, Sendable, Equatable {
    public enum Function: String, Codable, Sendable, CaseIterable { case issuing, executing, central, validating }

    public var jurisdiction: String
    public var instrument: InstrumentKind
    public var function: Function
    public var name: String
    /// The agency code of the Liaison node that reaches it.
    public var agency: String
    /// ISO 639-1 codes of the languages it accepts the instrument in.
    public var languages: [String]
    /// Whether a certified translation must be attached.
    public var certifiedTranslation: Bool

    public init(jurisdiction: String, instrument: InstrumentKind, function: Function, name: String, agency: String, languages: [String], certifiedTranslation: Bool = false) {
        self.jurisdiction = jurisdiction
        self.instrument = instrument
        self.function = function
        self.name = name
        self.agency = agency
        self.languages = languages
        self.certifiedTranslation = certifiedTranslation
    }

    enum CodingKeys: String, CodingKey { case jurisdiction, instrument, function, name, agency, languages, certifiedTranslation }

    /// `certifiedTranslation` may be left out (no translation required).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        jurisdiction = try container.decode(String.self, forKey: .jurisdiction)
        instrument = try container.decode(InstrumentKind.self, forKey: .instrument)
        function = try container.decode(Function.self, forKey: .function)
        name = try container.decode(String.self, forKey: .name)
        agency = try container.decode(String.self, forKey: .agency)
        languages = try container.decode([String].self, forKey: .languages)
        certifiedTranslation = try container.decodeIfPresent(Bool.self, forKey: .certifiedTranslation) ?? false
    }
}

/// The directory of competent authorities and the calendars of the jurisdictions, kept as data
/// (a JSON document an administrator replaces), used to route an instrument to the right node,
/// to refuse one in a language the executing state does not accept, and to count its clocks.
public struct AuthorityDirectory: Codable, Sendable, Equatable {
    public var authorities: [CompetentAuthority]
    public var calendars: [JurisdictionCalendar]

    public init(authorities: [CompetentAuthority], calendars: [JurisdictionCalendar]) {
        self.authorities = authorities
        self.calendars = calendars
    }

    /// Reads a directory document, naming the entry at fault.
    /// - Throws: ``LiaisonError`` `.invalidInput`.
    public static func read(_ data: Data) throws -> AuthorityDirectory {
        let directory: AuthorityDirectory
        do {
            directory = try JSON.decoder.decode(AuthorityDirectory.self, from: data)
        } catch {
            throw LiaisonError(.invalidInput, "The authority directory is not valid JSON of authorities and calendars: \(error)")
        }
        for (index, calendar) in directory.calendars.enumerated() {
            do { try calendar.validate() } catch { throw LiaisonError(.invalidInput, "calendars[\(index)] (\(calendar.jurisdiction)): \(error.message)") }
        }
        for (index, authority) in directory.authorities.enumerated() {
            guard !authority.languages.isEmpty, authority.languages.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isLowercase) }) else {
                throw LiaisonError(.invalidInput, "authorities[\(index)] (\(authority.name)): languages are ISO 639-1 codes such as en, fr, de.")
            }
            guard directory.calendars.contains(where: { $0.jurisdiction == authority.jurisdiction }) else {
                throw LiaisonError(.invalidInput, "authorities[\(index)] (\(authority.name)): no calendar for jurisdiction \(authority.jurisdiction).")
            }
        }
        return directory
    }

    /// The authorities of a jurisdiction with a function for an instrument.
    public func authorities(in jurisdiction: String, for instrument: InstrumentKind, _ function: CompetentAuthority.Function) -> [CompetentAuthority] {
        authorities.filter { $0.jurisdiction == jurisdiction && $0.instrument == instrument && $0.function == function }
    }

    public func calendar(of jurisdiction: String) -> JurisdictionCalendar? {
        calendars.first { $0.jurisdiction == jurisdiction }
    }

    /// The executing authority an instrument in `language` goes to.
    /// - Throws: ``LiaisonError`` `.notFound` when the jurisdiction has no executing authority for
    ///   the instrument; `.unprocessable`-kind `.languageNotAccepted` naming the languages accepted.
    public func route(_ instrument: InstrumentKind, to jurisdiction: String, language: String) throws(LiaisonError) -> CompetentAuthority {
        let candidates = authorities(in: jurisdiction, for: instrument, .executing) + authorities(in: jurisdiction, for: instrument, .central)
        guard !candidates.isEmpty else {
            throw LiaisonError(.notFound, "No executing or central authority for \(instrument.rawValue) in \(jurisdiction) in the directory.")
        }
        guard let authority = candidates.first(where: { $0.languages.contains(language.lowercased()) }) else {
            let accepted = Array(Set(candidates.flatMap(\.languages))).sorted()
            throw LiaisonError(.languageNotAccepted, "\(jurisdiction) accepts a \(instrument.rawValue) in \(accepted.joined(separator: ", ")), not '\(language.prefix(8))': attach a translation.")
        }
        return authority
    }
}
