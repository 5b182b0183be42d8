/// A failure with a stable machine-readable code, a readable message and the place it was raised.
///
/// Modelled on swift-certificates' `CertificateError`: callers switch on ``code``; people read
/// ``message``. Services throw it and nothing else; the server's HTTP edge alone turns it into an
/// RFC 9457 problem (its `type` is `/problems/<code>`, its status ``Kind/httpStatus``), and the
/// CLI prints ``message`` as one line. Every code is listed in `LiaisonError+Codes.swift`.
public struct LiaisonError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure a code is: it decides the HTTP status at the edge (and so what the
    /// audit log records of a refused request).
    public enum Kind: String, Sendable, CaseIterable {
        /// The input is malformed or breaks a rule; nothing was changed.
        case invalid
        /// Credentials are missing or wrong.
        case unauthenticated
        /// The caller may not do this (a role, an agreement, the safeguards).
        case forbidden
        case notFound
        /// The operation conflicts with the state of things (a duplicate, a decision already made).
        case conflict
        /// The input is larger than the node accepts.
        case tooLarge
        /// The input is in a media type the operation does not read.
        case unsupportedMediaType
        /// Well-formed, but the node cannot act on it (a recipient that is not a partner).
        case unprocessable
        /// Too many attempts or requests; try again later.
        case tooManyRequests
        /// A dependency (database, partner, network) could not be reached or is not ready.
        case unavailable
        /// A fault of the node itself (configuration, a bug).
        case `internal`

        /// The HTTP status this kind is answered with (RFC 9110 §15): the one mapping from an error
        /// to a status, used by the API, the web pages and the audit log alike.
        public var httpStatus: Int {
            switch self {
            case .invalid: 400
            case .unauthenticated: 401
            case .forbidden: 403
            case .notFound: 404
            case .conflict: 409
            case .tooLarge: 413
            case .unsupportedMediaType: 415
            case .unprocessable: 422
            case .tooManyRequests: 429
            case .unavailable: 503
            case .internal: 500
            }
        }

        /// The kind of an HTTP status a partner answered with (the inverse of ``httpStatus``).
        public init(httpStatus: Int) {
            self = Self.allCases.first { $0.httpStatus == httpStatus } ?? (httpStatus < 500 ? .invalid : .unavailable)
        }
    }

    /// What went wrong, as a stable identifier of a kind.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public let kind: Kind

        public init(_ rawValue: String, _ kind: Kind) {
            self.rawValue = rawValue
            self.kind = kind
        }

        public var description: String { rawValue }

        public static func == (lhs: Code, rhs: Code) -> Bool { lhs.rawValue == rhs.rawValue }
        public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
    }

    public let code: Code
    public let message: String
    /// Machine-readable reason codes of a policy decision (``PolicyReason`` codes), when the
    /// safeguards refused.
    public let reasons: [String]?
    /// One line for each problem in an uploaded file (`line 7: iban: …`).
    public let errors: [String]?
    public let file: String
    public let line: Int

    public init(_ code: Code, _ message: String, reasons: [String]? = nil, errors: [String]? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.reasons = reasons
        self.errors = errors
        self.file = file
        self.line = line
    }

    public var description: String { message }

    public static func == (lhs: LiaisonError, rhs: LiaisonError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }
}
