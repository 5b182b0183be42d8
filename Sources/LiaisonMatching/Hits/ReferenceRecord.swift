public import LiaisonCore

/// A record a node holds and answers hit/no-hit queries on: its reference number, the canonical
/// keys it is found by, and the data behind the reference, which leaves the node only through an
/// approved follow-up request (step two).
public struct ReferenceRecord: Sendable, Hashable {
    public var category: HitCategory
    /// The owner's reference number, which a hit discloses.
    public var reference: String
    /// Canonical identifiers (`VIN:…`, `PLATE:DE:BMA1234`, `DE:C01X00T47`, `+4930…`, an IBAN,
    /// an address). Empty for DNA and persons, which are matched on their content.
    public var keys: [String]
    /// The fields of the record as imported (names, dates, notes), shown only on follow-up.
    public var fields: [String: String]
    /// The STR profile of a DNA record.
    public var profile: STRProfile?

    public init(category: HitCategory, reference: String, keys: [String] = [], fields: [String: String] = [:], profile: STRProfile? = nil) {
        self.category = category
        self.reference = reference
        self.keys = keys
        self.fields = fields
        self.profile = profile
    }

    /// The screening view of a person record.
    var listedParty: ListedParty {
        ListedParty(id: reference, kind: .person, names: [fields["name"] ?? ""], birthDates: fields["dateOfBirth"].map { [$0] } ?? [],
                    countries: fields["nationality"].map { [$0.lowercased()] } ?? [])
    }
}

extension STRProfile {
    /// A compact text form for storage: `D3S1358=15,16;vWA=17,*`, loci sorted by name.
    public var encoded: String {
        var text = ""
        text.reserveCapacity(loci.count * 16)
        for (locus, genotype) in loci.sorted(by: { $0.key < $1.key }) {
            if !text.isEmpty { text.append(";") }
            text.append(locus.name)
            text.append("=")
            text.append(genotype.first.description)
            text.append(",")
            text.append(genotype.second.description)
        }
        return text
    }

    /// Reads ``encoded``.
    /// - Throws: ``LiaisonError`` `.invalidInput` when the text is not in that form.
    public init(reference: String, encoded: String) throws(LiaisonError) {
        var alleles: [(locus: String, values: [String])] = []
        for part in encoded.split(separator: ";") {
            let pieces = part.split(separator: "=", maxSplits: 1)
            guard pieces.count == 2 else { throw LiaisonError(.invalidInput, "'\(part)' is not locus=allele,allele") }
            alleles.append((String(pieces[0]), pieces[1].split(separator: ",").map(String.init)))
        }
        self = try STRProfile.make(reference: reference, alleles: alleles)
    }
}
