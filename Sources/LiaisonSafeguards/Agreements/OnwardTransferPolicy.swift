public import LiaisonCore

/// What a recipient means to do with information it received from another agency.
public enum OnwardUse: Sendable, Equatable {
    /// Pass it (or any entity from it) on to a third agency.
    case forward(to: String)
    /// Use it as evidence in judicial proceedings.
    case judicialProceedings
}

/// Enforces the provider's handling code on a recipient's further use of received information
/// (Europol handling codes, FACTS.md "Exchange"):
///
/// - H0: use only to prevent and combat crime — passing on to another law-enforcement partner
///   stays within that purpose and is allowed;
/// - H1: not to be disclosed in judicial proceedings without the provider's permission;
/// - H2: not to be passed on without the provider's permission;
/// - H3: other restrictions in free text — the node cannot read them, so any onward use needs the
///   provider's permission.
public enum OnwardTransferPolicy {
    /// - Parameters:
    ///   - use: the intended use.
    ///   - handlingCode: the code the originator attached.
    ///   - originator: the providing agency, named in the reasons.
    ///   - permissionGranted: whether the originator has granted permission for this use.
    public static func decide(_ use: OnwardUse, handlingCode: HandlingCode, restriction: String? = nil, originator: String, permissionGranted: Bool) -> Decision {
        if permissionGranted { return .permit }
        switch (handlingCode, use) {
        case (.h0, _):
            return .permit
        case (.h1, .forward):
            return .permit
        case (.h1, .judicialProceedings):
            return .deny([PolicyReason(code: .handlingCodeH1, sentence: "Handling code H1: \(originator) must permit its use in judicial proceedings first.")])
        case (.h2, .forward(let recipient)):
            return .deny([PolicyReason(code: .handlingCodeH2, sentence: "Handling code H2: \(originator) must permit passing it on to \(recipient) first.")])
        case (.h2, .judicialProceedings):
            return .permit
        case (.h3, _):
            return .deny([PolicyReason(code: .handlingCodeH3, sentence: "Handling code H3 (\(restriction ?? "restricted")): \(originator) must permit any further use first.")])
        }
    }
}
