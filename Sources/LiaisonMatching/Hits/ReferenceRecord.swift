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

    /// Reads ``encoded``: the stored form, read for every record when an index is built, so it is
    /// parsed in place without splitting into arrays.
    /// - Throws: ``LiaisonError`` `.invalidInput` when the text is not in that form.
    public init(reference: String, encoded: String) throws(LiaisonError) {
        var loci: [STRLocus: Genotype] = [:]
        loci.reserveCapacity(24)
        let bytes = encoded.utf8
        var index = bytes.startIndex
        while index < bytes.endIndex {
            guard let equals = bytes[index...].firstIndex(of: UInt8(ascii: "=")) else {
                throw LiaisonError(.invalidInput, "'\(encoded)' is not locus=allele,allele;…")
            }
            let end = bytes[equals...].firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex
            guard let comma = bytes[equals..<end].firstIndex(of: UInt8(ascii: ",")),
                  let locus = STRLocus.named(String(Substring(encoded.utf8[index..<equals]))) else {
                throw LiaisonError(.invalidInput, "'\(encoded)' is not locus=allele,allele;…")
            }
            let first = try Allele.parse(Substring(bytes[bytes.index(after: equals)..<comma])) ?? .wildcard
            let second = try Allele.parse(Substring(bytes[bytes.index(after: comma)..<end])) ?? .wildcard
            loci[locus] = Genotype(first, second)
            index = end < bytes.endIndex ? bytes.index(after: end) : end
        }
        self.init(reference: reference, loci: loci)
    }
}
