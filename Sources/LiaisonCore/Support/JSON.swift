#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// How Liaison writes and reads JSON: the one place where encoders are configured.
///
/// Every encoder sorts keys and writes dates as ISO 8601 (RFC 3339, UTC, whole seconds), so that
/// the same value is always the same bytes. The hand-written writers (``CanonicalJSONWriter``)
/// are tested byte for byte against these encoders.
public enum JSON {
    /// Stored documents, wire payloads (envelope contents, receipts) and API answers. Slashes are
    /// escaped, as `JSONEncoder` does by default: the stored bytes of earlier versions stay equal.
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    /// Canonical documents that are hashed and signed (evidence, custody events, audit leaves,
    /// packages) and lines that people read back: slashes not escaped.
    public static let canonicalEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    /// Documents for people and for files they may edit (the CLI's output, `node.json`): indented.
    public static let readableEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    /// Reads what any of the encoders wrote, and partners' and clients' JSON.
    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
