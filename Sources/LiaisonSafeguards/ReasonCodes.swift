import LiaisonCore

extension PolicyReason {
    /// A reason's stable identifier: what audit entries, problem documents and alerts carry, and
    /// what code compares (never a string literal). The written form is ``rawValue``.
    public struct Code: Hashable, Sendable, Codable, CustomStringConvertible {
        public let rawValue: String

        public init(_ rawValue: String) {
            self.rawValue = rawValue
        }

        public var description: String { rawValue }

        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }
}

extension PolicyReason.Code {
    /// The agreement has expired (its sunset).
    public static let agreementExpired = Self("agreement-expired")
    /// The agreement is not yet in force.
    public static let agreementNotYetInForce = Self("agreement-not-yet-in-force")
    /// An approver refused the disclosure.
    public static let approvalRefused = Self("approval-refused")
    /// More records than the bulk threshold: a supervisor approves.
    public static let bulk = Self("bulk")
    /// The case named is closed: nothing new is disclosed under it.
    public static let caseClosed = Self("case-closed")
    /// The agreement does not cover a data category the flow carries.
    public static let dataCategoryNotCovered = Self("data-category-not-covered")
    /// The agreement does not cover a data-subject category the flow carries (Directive 2016/680 Art. 6).
    public static let dataSubjectCategoryNotCovered = Self("data-subject-category-not-covered")
    /// Handling code H1: the originator must permit use in judicial proceedings first.
    public static let handlingCodeH1 = Self("handling-code-h1")
    /// Handling code H2: the originator must permit passing the information on first.
    public static let handlingCodeH2 = Self("handling-code-h2")
    /// Handling code H3: the originator must permit any further use first.
    public static let handlingCodeH3 = Self("handling-code-h3")
    /// The agreement allows only hit/no-hit answers, not disclosures.
    public static let hitNoHitOnly = Self("hit-no-hit-only")
    /// The disclosure needs a written justification.
    public static let justificationRequired = Self("justification-required")
    /// A person under the age of majority: a supervisor approves.
    public static let minor = Self("minor")
    /// The safeguards hold the disclosure for approval where no one can wait for it.
    public static let needsApproval = Self("needs-approval")
    /// No cooperation agreement in force names both agencies.
    public static let noAgreement = Self("no-agreement")
    /// Personal data read or disclosed without a case reference.
    public static let noCaseLink = Self("no-case-link")
    /// No legal basis given (Directive 2016/680 Art. 8).
    public static let noLegalBasis = Self("no-legal-basis")
    /// No purpose given (purpose limitation, Directive 2016/680 Art. 4(1)(b)).
    public static let noPurpose = Self("no-purpose")
    /// No signed-in user where the operation needs one.
    public static let notAuthenticated = Self("not-authenticated")
    /// Victims, witnesses and other protected data subjects: a supervisor approves.
    public static let protectedDataSubject = Self("protected-data-subject")
    /// The agreement does not cover the purpose.
    public static let purposeNotCovered = Self("purpose-not-covered")
    /// No case on this node has the reference named.
    public static let unknownCase = Self("unknown-case")
    /// The user's role is not among those the operation admits.
    public static let roleNotPermitted = Self("role-not-permitted")
    /// Special categories of data (Directive 2016/680 Art. 10): a supervisor approves.
    public static let specialCategory = Self("special-category")
    /// A route that declares no roles: nobody may call it.
    public static let undeclaredOperation = Self("undeclared-operation")
}
