/// The 32 offence categories that cross-border instruments name: Framework Decision
/// 2002/584/JHA Art. 2(2) (European Arrest Warrant, no dual-criminality check when punishable by
/// at least three years), repeated as Annex D of Directive 2014/41/EU (European Investigation
/// Order) and in Regulation (EU) 2018/1805 Art. 3(1). A case names the categories it concerns;
/// the legal instruments issued under it take theirs from here. `other` is for what the list does
/// not name.
public enum OffenceCategory: String, CaseIterable, Codable, Sendable, Comparable {
    case criminalOrganisation = "participation-in-a-criminal-organisation"
    case terrorism
    case traffickingInHumanBeings = "trafficking-in-human-beings"
    case childSexualExploitation = "sexual-exploitation-of-children-and-child-pornography"
    case drugTrafficking = "illicit-trafficking-in-narcotic-drugs-and-psychotropic-substances"
    case weaponsTrafficking = "illicit-trafficking-in-weapons-munitions-and-explosives"
    case corruption
    case fraud
    case moneyLaundering = "laundering-of-the-proceeds-of-crime"
    case currencyCounterfeiting = "counterfeiting-currency"
    case cybercrime = "computer-related-crime"
    case environmentalCrime = "environmental-crime"
    case migrantSmuggling = "facilitation-of-unauthorised-entry-and-residence"
    case murder = "murder-grievous-bodily-injury"
    case organTrafficking = "illicit-trade-in-human-organs-and-tissue"
    case kidnapping = "kidnapping-illegal-restraint-and-hostage-taking"
    case racismAndXenophobia = "racism-and-xenophobia"
    case robbery = "organised-or-armed-robbery"
    case culturalGoodsTrafficking = "illicit-trafficking-in-cultural-goods"
    case swindling
    case extortion = "racketeering-and-extortion"
    case productCounterfeiting = "counterfeiting-and-piracy-of-products"
    case documentForgery = "forgery-of-administrative-documents"
    case paymentMeansForgery = "forgery-of-means-of-payment"
    case hormoneTrafficking = "illicit-trafficking-in-hormonal-substances"
    case nuclearTrafficking = "illicit-trafficking-in-nuclear-or-radioactive-materials"
    case stolenVehicles = "trafficking-in-stolen-vehicles"
    case rape
    case arson
    case internationalCrimes = "crimes-within-the-jurisdiction-of-the-international-criminal-court"
    case aircraftOrShipSeizure = "unlawful-seizure-of-aircraft-or-ships"
    case sabotage
    /// Not one of the 32 categories (dual criminality is then checked case by case).
    case other

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Whether the category is one of the 32 listed offences (not `other`).
    public var isListed: Bool { self != .other }
}
