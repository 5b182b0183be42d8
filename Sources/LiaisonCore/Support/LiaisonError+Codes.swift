/// Every code a Liaison error carries, by concern. The code is the last part of the problem type
/// the API answers (`/problems/<code>`); its kind decides the HTTP status (``LiaisonError/Kind``).
extension LiaisonError.Code {
    // MARK: General

    /// Input failed validation; nothing was changed.
    public static let invalidInput = Self("invalid-input", .invalid)
    /// A JSON body could not be decoded.
    public static let invalidJSON = Self("invalid-json", .invalid)
    /// A form (urlencoded or multipart) could not be read.
    public static let invalidForm = Self("invalid-form", .invalid)
    /// The thing asked for does not exist.
    public static let notFound = Self("not-found", .notFound)
    /// The operation conflicts with existing state (for example a duplicate).
    public static let conflict = Self("conflict", .conflict)
    /// A body larger than the operation accepts.
    public static let bodyTooLarge = Self("body-too-large", .tooLarge)
    /// A body in a media type the operation does not read.
    public static let unsupportedMediaType = Self("unsupported-media-type", .unsupportedMediaType)
    /// The node is misconfigured (data directory, keys, configuration file).
    public static let configuration = Self("configuration", .internal)
    /// A fault of the node; the details are in its log, not in the answer.
    public static let `internal` = Self("internal", .internal)
    /// A dependency (database, network) could not be reached.
    public static let unavailable = Self("unavailable", .unavailable)
    /// The node is not ready to serve (its database is not reachable yet).
    public static let notReady = Self("not-ready", .unavailable)

    // MARK: Sign-in and access

    /// Credentials missing or wrong.
    public static let unauthenticated = Self("unauthenticated", .unauthenticated)
    /// No credentials where the operation needs a signed-in user.
    public static let notAuthenticated = Self("not-authenticated", .unauthenticated)
    /// Authenticated, but the role does not permit the operation.
    public static let forbidden = Self("forbidden", .forbidden)
    /// Too many failed attempts; try again later.
    public static let locked = Self("locked", .tooManyRequests)
    /// A web form without the browser session's CSRF token.
    public static let csrf = Self("csrf", .forbidden)
    /// Sign-out of something that is not a browser session.
    public static let notASession = Self("not-a-session", .invalid)

    // MARK: Federation

    /// A federation request from a client without a TLS certificate (mutual TLS).
    public static let partnerCertificateRequired = Self("partner-certificate-required", .unauthenticated)
    /// A federation request from a client whose certificate is not a partner's.
    public static let notAPartner = Self("not-a-partner", .forbidden)
    /// An envelope, receipt or query from an agency that is not a partner.
    public static let unknownPartner = Self("unknown-partner", .forbidden)
    /// A message addressed to an agency that is not a partner.
    public static let recipientNotPartner = Self("recipient-not-partner", .unprocessable)
    /// The agreement requires a post-quantum key that the partner's identity lacks.
    public static let noPostQuantumKey = Self("no-post-quantum-key", .unprocessable)
    /// No agreement in force covers the exchange.
    public static let notCoveredByAgreement = Self("not-covered-by-agreement", .forbidden)
    /// A partner's hit/no-hit queries above the agreed rate.
    public static let rateLimited = Self("rate-limited", .tooManyRequests)

    // MARK: Exchange

    /// An envelope that does not carry a valid message.
    public static let invalidMessage = Self("invalid-message", .invalid)
    /// A receipt that does not verify or does not match its envelope.
    public static let invalidReceipt = Self("invalid-receipt", .invalid)
    /// A batch of envelopes of the wrong size or shape.
    public static let invalidBatch = Self("invalid-batch", .invalid)
    /// An envelope addressed to another node.
    public static let wrongRecipient = Self("wrong-recipient", .invalid)
    /// An envelope older than the receiver accepts.
    public static let staleEnvelope = Self("stale-envelope", .invalid)
    /// An envelope of another kind than the endpoint takes.
    public static let wrongKind = Self("wrong-kind", .invalid)
    /// An envelope received before with other content.
    public static let replayedEnvelope = Self("replayed-envelope", .conflict)
    /// A handling code forbids the onward transfer.
    public static let onwardTransferRefused = Self("onward-transfer-refused", .forbidden)

    // MARK: Safeguards

    /// The safeguards refused the disclosure; ``LiaisonError/reasons`` says why.
    public static let refusedBySafeguards = Self("refused-by-safeguards", .forbidden)
    /// The safeguards hold the disclosure for a supervisor's approval.
    public static let heldForApproval = Self("held-for-approval", .conflict)
    /// The disclosure needs a written justification first.
    public static let justificationRequired = Self("justification-required", .unprocessable)
    /// The approver refused the disclosure.
    public static let approvalRefused = Self("approval-refused", .forbidden)
    /// An approval used before it was granted.
    public static let notApproved = Self("not-approved", .conflict)
    /// An approval decided by someone other than its approver.
    public static let notTheApprover = Self("not-the-approver", .forbidden)
    /// A request decided by the one who made it (four eyes).
    public static let ownRequest = Self("own-request", .forbidden)
    /// A data-subject request answered before the search that it needs.
    public static let searchFirst = Self("search-first", .unprocessable)
    /// A "nothing held" answer while the search found records.
    public static let recordsFound = Self("records-found", .unprocessable)
    /// A data-subject request answered before it was decided.
    public static let notDecided = Self("not-decided", .conflict)

    // MARK: Cases

    /// No case on this node has the reference named.
    public static let unknownCase = Self("unknown-case", .unprocessable)
    /// The case is closed: nothing new is added under it until a supervisor reopens it.
    public static let caseClosed = Self("case-closed", .conflict)
    /// The user is neither on the case's team nor a supervisor.
    public static let notOnTeam = Self("not-on-team", .forbidden)
    /// An instrument in a language the executing state does not accept (EAW Art. 8(2)).
    public static let languageNotAccepted = Self("language-not-accepted", .unprocessable)
    /// The executing authority requires a certified translation and none is attached.
    public static let translationRequired = Self("translation-required", .unprocessable)
    /// A JIT space's disposition returned the file to the member that shared it.
    public static let returnedToContributor = Self("returned-to-contributor", .conflict)
    /// Stored content no longer matches the hash it was stored under.
    public static let integrityFailure = Self("integrity-failure", .internal)

    // MARK: Hits

    /// A hit/no-hit query that is malformed or asks too much.
    public static let invalidQuery = Self("invalid-query", .invalid)
    /// A follow-up request that is malformed.
    public static let invalidFollowUp = Self("invalid-follow-up", .invalid)
    /// A follow-up about a query that had no hit.
    public static let noHitReported = Self("no-hit-reported", .forbidden)

    // MARK: Evidence and the audit log

    /// An evidence package or custody event that does not verify.
    public static let invalidEvidence = Self("invalid-evidence", .invalid)
    /// A checkpoint or add-checkpoint request that is malformed.
    public static let invalidCheckpoint = Self("invalid-checkpoint", .invalid)
    /// A checkpoint of a log that is not a partner's.
    public static let unknownLog = Self("unknown-log", .notFound)
    /// A checkpoint not signed by the partner's pinned key.
    public static let badSignature = Self("bad-signature", .forbidden)
    /// A partner's log that is not an extension of what it showed before.
    public static let splitView = Self("split-view", .unprocessable)
}
