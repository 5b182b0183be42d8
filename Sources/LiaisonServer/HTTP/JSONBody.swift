import Foundation
import Hummingbird
import LiaisonCore
import NIOCore

/// Reading and writing JSON bodies with the node's rules: `application/json` only, a size limit,
/// and decoding errors that name the field.
enum JSONBody {
    /// Decodes a JSON request body.
    /// - Throws: ``LiaisonError`` 415 for another content type, 413 above `limit`, 400 for malformed JSON.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        let buffer = try await collect(request, limit: limit)
        do {
            return try JSON.decoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw LiaisonError(.invalidJSON, describe(error))
        }
    }

    /// The bytes of a JSON request body, for callers that read it without a `Decodable` type.
    /// - Throws: ``LiaisonError`` 415 for another content type, 413 above `limit`.
    static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") else {
            throw LiaisonError(.unsupportedMediaType, "Send the body as application/json (got '\(contentType.isEmpty ? "none" : contentType)').")
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch {
            throw LiaisonError(.bodyTooLarge, "The request body is larger than this node's limit of \(limit) bytes.")
        }
    }

    /// A 2xx JSON response.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        response(json: try JSON.encoder.encode(value), status: status)
    }

    /// A 2xx response with JSON already written.
    static func response(json: some Sequence<UInt8>, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }

    /// One readable sentence for a decoding error, naming the field.
    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.isEmpty ? "the body" : "'" + codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") + "'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "The field '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))' is required."
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath).capitalizedFirst) must be \(describe(type))."
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath).capitalizedFirst) must be \(describe(type)), not null."
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "The body is not valid JSON." }
            return "\(path(context.codingPath).capitalizedFirst) is invalid: \(context.debugDescription)"
        @unknown default:
            return "The body could not be read."
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        default: return "a \(type)"
        }
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
