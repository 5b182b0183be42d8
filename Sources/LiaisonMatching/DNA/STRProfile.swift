public import LiaisonCore

/// One allele call at an STR locus: a repeat number in tenths (`16.3` is 163), or a wildcard.
public enum Allele: Hashable, Sendable, Comparable, CustomStringConvertible {
    case value(Int)
    /// Matches any allele (Council Decision 2008/616/JHA Annex ch. 1 §1.1: a designation that
    /// cannot be made, or the second and third alleles of a tri-allelic locus).
    case wildcard

    public var description: String {
        switch self {
        case .wildcard: return "*"
        case .value(let tenths): return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
        }
    }

    /// A microvariant: an allele with an incomplete repeat, such as 9.3.
    public var isMicrovariant: Bool {
        if case .value(let tenths) = self { return tenths % 10 != 0 }
        return false
    }

    /// The common case without allocating: one to two digits, optionally `.` and one digit 1–4.
    private static func plainNumber(_ text: some StringProtocol) -> Allele? {
        var whole = 0, digits = 0, fraction = -1
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if fraction >= 0 {
                    guard fraction == 0 else { return nil }
                    fraction = Int(byte - UInt8(ascii: "0"))  // checked: the byte is a digit
                    guard (1...4).contains(fraction) else { return nil }
                } else {
                    // Three digits are never a plain allele: stop before `whole` can overflow on
                    // a long run of digits (the general parser refuses those with a message).
                    guard digits < 2 else { return nil }
                    whole = whole * 10 + Int(byte - UInt8(ascii: "0"))  // checked: a digit, and at most two of them
                    digits += 1
                }
            case UInt8(ascii: "."):
                guard fraction < 0, digits > 0 else { return nil }
                fraction = 0
            default:
                return nil
            }
        }
        guard digits > 0, digits <= 2, fraction != 0, (2...60).contains(whole), whole != 99 else { return nil }
        return .value(whole * 10 + max(fraction, 0))
    }

    /// Reads one allele designation as a file writes it.
    ///
    /// Wildcards (2008/616/JHA Annex ch. 1 §1.1, as `../shared/FACTS.md` summarises it): the
    /// non-numeric values `o`, `f`, `r`, `na`, `nr`, `un` and `*`, and the values 0, 1 and 99.
    /// - Returns: nil for an empty designation (the allele was not typed).
    /// - Throws: ``LiaisonError`` `.invalidInput` for anything else that is not a plausible repeat
    ///   number: 2 to 60 repeats with a fraction of .1 to .4 at most.
    public static func parse(_ text: some StringProtocol) throws(LiaisonError) -> Allele? {
        if let fast = plainNumber(text) { return fast }
        let trimmed = String(text.filter { $0 != " " && $0 != "\t" && $0 != "\"" })
        if trimmed.isEmpty { return nil }
        if ["o", "f", "r", "na", "nr", "un", "*"].contains(trimmed.lowercased()) { return .wildcard }
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let whole = Int(parts[0]), whole <= 999 else {  // checked: parses text: nil when it does not fit
            throw LiaisonError(.invalidInput, "'\(text)' is not an allele designation (a repeat number such as 16 or 9.3, or a wildcard)")
        }
        let fraction = parts.count == 2 ? Int(parts[1]) ?? 9 : 0  // checked: parses text: nil when it does not fit
        if parts.count == 1, [0, 1, 99].contains(whole) { return .wildcard }
        guard (2...60).contains(whole), parts.count == 1 || (parts[1].count == 1 && (1...4).contains(fraction)) else {
            throw LiaisonError(.invalidInput, "allele '\(text)' is implausible: expected 2 to 60 repeats, with a fraction of .1 to .4 at most")
        }
        return .value(whole * 10 + fraction)
    }
}

/// The two alleles typed at one locus, in ascending order with a wildcard last.
public struct Genotype: Hashable, Sendable, CustomStringConvertible {
    public let first: Allele
    public let second: Allele

    public init(_ a: Allele, _ b: Allele) {
        (first, second) = Genotype.order(a, b)
    }

    private static func order(_ a: Allele, _ b: Allele) -> (Allele, Allele) {
        switch (a, b) {
        case (.wildcard, _): return (b, a)
        case (_, .wildcard): return (a, b)
        default: return a <= b ? (a, b) : (b, a)
        }
    }

    /// Both alleles designated (no wildcard): the locus counts towards the Prüm minimum.
    public var isFullyDesignated: Bool { first != .wildcard && second != .wildcard }

    public var description: String { "\(first),\(second)" }
}

/// A single-source STR profile: its reference and a genotype at each typed locus.
public struct STRProfile: Hashable, Sendable {
    public var reference: String
    public var loci: [STRLocus: Genotype]

    public init(reference: String, loci: [STRLocus: Genotype]) {
        self.reference = reference
        self.loci = loci
    }

    /// Loci where both alleles are designated.
    public var fullyDesignatedLoci: Int { loci.values.filter(\.isFullyDesignated).count }

    /// Builds a profile from the alleles a file gives per locus.
    ///
    /// A locus with no alleles is untyped; one allele is a homozygote; three alleles keep the
    /// first and make the other two a wildcard (2008/616/JHA Annex ch. 1 §1.1); more than three
    /// mean a mixture, which Prüm does not exchange and Liaison refuses. Amelogenin is dropped.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the locus and what is wrong.
    public static func make(reference: String, alleles: [(locus: String, values: [String])]) throws(LiaisonError) -> STRProfile {
        let reference = reference.filter { !$0.isNewline }
        guard !reference.isEmpty, reference.count <= 100 else {
            throw LiaisonError(.invalidInput, "reference: must be 1 to 100 characters")
        }
        var loci: [STRLocus: Genotype] = [:]
        for (name, values) in alleles {
            guard let locus = STRLocus.named(name) else {
                if STRLocus.isAmelogenin(name) { continue }
                throw LiaisonError(.invalidInput, "unknown locus '\(name)'")
            }
            var parsed: [Allele] = []
            for value in values {
                do throws(LiaisonError) {
                    if let allele = try Allele.parse(value) { parsed.append(allele) }
                } catch {
                    throw LiaisonError(.invalidInput, "\(locus.name): \(error.message)")
                }
            }
            switch parsed.count {
            case 0: continue
            case 1: loci[locus] = Genotype(parsed[0], parsed[0])
            case 2: loci[locus] = Genotype(parsed[0], parsed[1])
            case 3: loci[locus] = Genotype(parsed[0], .wildcard)
            default:
                throw LiaisonError(.invalidInput, "\(locus.name): \(parsed.count) alleles mean a mixed profile, which is not exchanged (at most two per locus)")
            }
            if loci[locus] == Genotype(.wildcard, .wildcard) { loci[locus] = nil }
        }
        return STRProfile(reference: reference, loci: loci)
    }
}
