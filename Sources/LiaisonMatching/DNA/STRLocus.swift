/// The autosomal STR loci Liaison compares, with the names files use for them.
///
/// The catalogue holds the European Standard Set (ESS, Council Resolution 2009/C 296/01: 12
/// loci), the CODIS 20 core loci (FBI, 2017) and the other loci of the NIST 1036 population
/// sample, so that every column of that file is understood. Amelogenin (sex) is recognised and
/// never compared (Council Decision 2008/616/JHA Annex ch. 1 §1.1).
public struct STRLocus: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The canonical name, as STRBase writes it.
    public let name: String
    /// The repeat length in bases: 4 for tetranucleotide loci, 3 for D22S1045, 5 for the Penta loci.
    public let repeatLength: Int

    public var description: String { name }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.name < rhs.name }

    /// The ESS: D3S1358, vWA, D8S1179, D21S11, D18S51, TH01, FGA (the original seven, Council
    /// Resolution 2001/C 187/01) and D1S1656, D2S441, D10S1248, D12S391, D22S1045 (added 2009).
    public static let originalESS: [String] = ["D3S1358", "vWA", "D8S1179", "D21S11", "D18S51", "TH01", "FGA"]
    public static let ess: [String] = originalESS + ["D1S1656", "D2S441", "D10S1248", "D12S391", "D22S1045"]
    /// The CODIS 20 core loci (FBI, in force since 1 January 2017).
    public static let codis20: [String] = [
        "CSF1PO", "FGA", "TH01", "TPOX", "vWA", "D3S1358", "D5S818", "D7S820", "D8S1179", "D13S317",
        "D16S539", "D18S51", "D21S11", "D1S1656", "D2S441", "D2S1338", "D10S1248", "D12S391", "D19S433", "D22S1045",
    ]

    /// The CODIS 20 loci from the shortest amplicons to the longest, as common kits size them
    /// (approximately; kits differ): degraded DNA loses the long ones first, so a partial stain
    /// is typed at the first of them. D22S1045, D10S1248 and D2S441 joined the ESS in 2009 as
    /// short amplicons for degraded samples (Council Resolution 2009/C 296/01; Gill et al., "The
    /// evolution of DNA databases", Forensic Sci. Int. 156 (2006)).
    public static let shortestAmpliconsFirst = [
        "D2S441", "D10S1248", "TH01", "D22S1045", "D8S1179", "D3S1358", "D19S433", "D5S818", "D16S539", "vWA",
        "D1S1656", "D13S317", "D21S11", "D12S391", "D7S820", "D18S51", "TPOX", "CSF1PO", "D2S1338", "FGA",
    ]

    /// Every locus Liaison knows, sorted by name.
    public static let catalogue: [STRLocus] = {
        var loci = Set(codis20 + ess).map { STRLocus(name: $0, repeatLength: $0 == "D22S1045" ? 3 : 4) }
        loci += ["D6S1043", "SE33", "F13A01", "F13B", "FESFPS", "LPL"].map { STRLocus(name: $0, repeatLength: 4) }
        loci += ["Penta_C", "Penta_D", "Penta_E"].map { STRLocus(name: $0, repeatLength: 5) }
        return loci.sorted()
    }()

    private static let byKey: [String: STRLocus] = {
        var table: [String: STRLocus] = [:]
        for locus in catalogue { table[key(locus.name)] = locus }
        // Spellings seen in kit software and national databases.
        let aliases = ["VWA31": "vWA", "HUMVWA": "vWA", "HUMTH01": "TH01", "THO1": "TH01", "HUMFIBRA": "FGA", "FIBRA": "FGA",
                       "HUMCSF1PO": "CSF1PO", "HUMTPOX": "TPOX", "SE33ACTBP2": "SE33", "ACTBP2": "SE33"]
        for (alias, name) in aliases { table[key(alias)] = table[key(name)] }
        return table
    }()

    /// Names that mean amelogenin, which is read and ignored.
    static func isAmelogenin(_ name: String) -> Bool { ["AMEL", "AMELOGENIN", "AM", "AMELX", "AMELY"].contains(key(name)) }

    /// The locus a file's column or key names, ignoring case, spaces, `_`, `-` and `.`; nil when unknown.
    public static func named(_ name: String) -> STRLocus? { byExactName[name] ?? byKey[key(name)] }

    /// The catalogue's own spellings, looked up before any normalising (the common case).
    private static let byExactName: [String: STRLocus] = Dictionary(uniqueKeysWithValues: catalogue.map { ($0.name, $0) })

    private static func key(_ name: String) -> String {
        String(name.uppercased().unicodeScalars.filter { !" _-.".unicodeScalars.contains($0) }.map(Character.init))
    }
}
