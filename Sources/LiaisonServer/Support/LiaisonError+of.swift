package import Foundation
package import LiaisonCore

extension LiaisonError {
    /// The Liaison error that any error thrown while serving a request stands for: the one mapping
    /// that the API's problem middleware, the send audit and the CLI share (web forms catch
    /// ``LiaisonError`` and show it with the same ``LiaisonError/Kind/httpStatus``; the HTTP edge
    /// adds only the errors of the HTTP framework itself). An error of no known kind is a fault of the node: `internal`,
    /// with a message that discloses nothing (the error itself goes to the log).
    package static func of(_ error: any Error) -> LiaisonError {
        switch error {
        case let error as LiaisonError: error
        case let error as LineProblems: error.error
        case let error as DecodingError: LiaisonError(.invalidJSON, JSONBody.describe(error))
        default: LiaisonError(.internal, "The node could not complete the request; the error was logged.")
        }
    }
}
