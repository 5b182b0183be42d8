package import Foundation
package import LiaisonMatching

/// Readable forms of match quality, shared by the CLI and the web pages.
package enum HitFormatting {
    package static func summary(_ match: HitMatch) -> String {
        var parts = [match.reference, match.quality.rawValue]
        if let dna = match.dna {
            parts.append("\(dna.comparedLoci) loci compared")
            if let locus = dna.mismatchedLocus { parts.append("1 allele differs at \(locus.name)") }
        }
        if let probability = match.randomMatchProbability { parts.append("random-match probability \(scientific(probability))") }
        if let score = match.nameScore { parts.append("name \(String(format: "%.2f", score))") }
        if let date = match.dateOfBirth { parts.append("date of birth \(date.rawValue)") }
        if let field = match.matchedOn { parts.append("on \(field)") }
        return parts.joined(separator: ", ")
    }

    /// `1 in 3.2 × 10^18` style, as forensic reports state a random-match probability.
    static func scientific(_ probability: Double) -> String {
        guard probability > 0 else { return "0" }
        if probability >= 0.001 { return String(format: "%.3g", probability) }
        let inverse = 1 / probability
        // A probability below the smallest normal Double has no finite inverse.
        guard inverse.isFinite, let exponent = Int(exactly: log10(inverse).rounded(.down)) else { return "1 in more than 10^308" }
        return String(format: "1 in %.1f × 10^%d", inverse / pow(10, Double(exponent)), exponent)
    }
}
