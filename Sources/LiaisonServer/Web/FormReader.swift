import Foundation
import Hummingbird
import MultipartKit
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore

/// Reads urlencoded forms with the node's body limit and checks their CSRF token.
struct FormReader: Sendable {
    let maxBodyBytes: Int

    func read<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
            throw LiaisonError(.unsupportedMediaType, "Send the form as application/x-www-form-urlencoded.")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            throw LiaisonError(.bodyTooLarge, "The form is larger than this node's limit of \(maxBodyBytes) bytes.")
        }
        do {
            return try URLEncodedFormDecoder().decode(T.self, from: String(buffer: buffer))
        } catch {
            throw LiaisonError(.invalidForm, "The form could not be read.")
        }
    }

    /// Reads a form as its name–value pairs in order, for forms whose fields are data (an
    /// instrument's official form): a name may repeat (ticked boxes).
    func readPairs(from request: Request) async throws -> [(String, String)] {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
            throw LiaisonError(.unsupportedMediaType, "Send the form as application/x-www-form-urlencoded.")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            throw LiaisonError(.bodyTooLarge, "The form is larger than this node's limit of \(maxBodyBytes) bytes.")
        }
        var pairs: [(String, String)] = []
        for part in String(buffer: buffer).split(separator: "&") {
            let halves = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) throws -> String {
                guard let decoded = text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                    throw LiaisonError(.invalidForm, "The form could not be read.")
                }
                return decoded
            }
            pairs.append((try decode(halves[0]), halves.count > 1 ? try decode(halves[1]) : ""))
        }
        return pairs
    }

    /// Reads a `multipart/form-data` form (a file upload) of at most `limit` bytes.
    func readMultipart<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.lowercased().hasPrefix("multipart/form-data") else {
            throw LiaisonError(.unsupportedMediaType, "Send the upload as multipart/form-data.")
        }
        // MultipartKit's parser traps on an empty boundary (a precondition): the boundary is
        // checked against RFC 2046 before any byte of the body is read.
        guard let delimiter = Self.boundary(ofContentType: contentType) else {
            throw LiaisonError(.invalidForm, "The upload's boundary is missing or not 1 to 70 of the characters RFC 2046 allows.")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw LiaisonError(.bodyTooLarge, "The upload is larger than \(limit / (1024 * 1024)) MB.")
        }
        // MultipartKit 4 indexes a 128-entry table with each header-name byte and traps on a byte
        // of 0x80 or above (found by the API fuzzer): such a body is refused before it gets there.
        guard Self.partHeadersAreASCII(Array(buffer.readableBytesView), boundary: delimiter) else {
            throw LiaisonError(.invalidForm, "The upload could not be read: a part's header name is not ASCII.")
        }
        do {
            return try FormDataDecoder().decode(T.self, from: buffer, boundary: delimiter)
        } catch {
            throw LiaisonError(.invalidForm, "The upload could not be read.")
        }
    }

    /// The `boundary` parameter of a `multipart/form-data` content type, when it is one that
    /// RFC 2046 §5.1.1 allows: 1 to 70 characters from `bchars`, not ending in a space, optionally
    /// quoted (RFC 9110 §5.6.6).
    /// - Returns: the boundary without quotes, or `nil` when it is absent or not allowed.
    static func boundary(ofContentType contentType: String) -> String? {
        let parameters = contentType.split(separator: ";").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parameters.filter { $0.lowercased().hasPrefix("boundary=") }.map { String($0.dropFirst("boundary=".count)) }
        guard values.count == 1, var value = values.first else { return nil }
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
        // RFC 2046 §5.1.1: bchars := bcharsnospace / " "; bcharsnospace := DIGIT / ALPHA / "'" / "(" / ")" / "+" / "_" / "," / "-" / "." / "/" / ":" / "=" / "?"
        let allowed = Set("'()+_,-./:=? ".utf8)
        guard (1...70).contains(value.utf8.count), !value.hasSuffix(" "),
              value.utf8.allSatisfy({ $0 < 0x80 && (allowed.contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)) })
        else { return nil }
        return value
    }

    /// Whether every header line of every part (the lines after each `--boundary` up to the blank
    /// line) has only ASCII bytes before its colon.
    static func partHeadersAreASCII(_ bytes: [UInt8], boundary: String) -> Bool {
        let delimiter = Array(("--" + boundary).utf8)
        guard !delimiter.isEmpty else { return true }
        var position = 0
        while position + delimiter.count <= bytes.count {
            guard bytes[position] == delimiter[0], bytes[position..<position + delimiter.count].elementsEqual(delimiter) else {
                position += 1
                continue
            }
            // The rest of the boundary line, then header lines until a blank one.
            guard var line = bytes[(position + delimiter.count)...].firstIndex(of: UInt8(ascii: "\n")).map({ $0 + 1 }) else { return true }
            while line < bytes.count {
                let end = bytes[line...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
                let content = bytes[line..<end]
                if content.isEmpty || content.elementsEqual([UInt8(ascii: "\r")]) { break }
                for byte in content {
                    if byte == UInt8(ascii: ":") { break }
                    if byte >= 0x80 { return false }
                }
                line = end + 1
            }
            position = max(line, position + delimiter.count)
        }
        return true
    }

    /// - Throws: ``LiaisonError`` 403 unless the form echoes the browser session's CSRF token.
    func checkCSRF(_ token: String?, context: LiaisonRequestContext) throws {
        guard case .session(let expected, _) = context.credential, let token, WebController.constantTimeEqual(token, expected) else {
            throw LiaisonError(.csrf, "The form's security token is missing or wrong; reload the page and try again.")
        }
    }
}
