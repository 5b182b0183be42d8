/// A failure with a stable machine-readable code, a readable message and the place it was raised.
///
/// Modelled on swift-certificates' `CertificateError`: callers switch on ``code``; people read
/// ``message``. The server maps codes to HTTP status and RFC 9457 problem details at the edge;
/// the CLI prints ``message`` as one line.
public struct LiaisonError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as a stable identifier.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Input failed validation; nothing was changed.
        public static let invalidInput = Code("invalid-input")
        /// The thing asked for does not exist.
        public static let notFound = Code("not-found")
        /// The operation conflicts with existing state (for example a duplicate).
        public static let conflict = Code("conflict")
        /// Credentials missing or wrong.
        public static let unauthenticated = Code("unauthenticated")
        /// Authenticated, but the role does not permit the operation.
        public static let forbidden = Code("forbidden")
        /// Too many failed attempts; try again later.
        public static let locked = Code("locked")
        /// The node is misconfigured (data directory, keys, configuration file).
        public static let configuration = Code("configuration")
        /// A dependency (database, network) could not be reached.
        public static let unavailable = Code("unavailable")
    }

    public let code: Code
    public let message: String
    public let file: String
    public let line: Int

    public init(_ code: Code, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String { message }

    public static func == (lhs: LiaisonError, rhs: LiaisonError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }
}
