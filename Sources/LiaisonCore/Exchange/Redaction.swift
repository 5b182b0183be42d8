/// A part of a message that the sender's node removed before disclosure (data minimisation,
/// Directive (EU) 2016/680 Art. 4(1)(c)): the recipient learns that something was removed, which
/// entity it belonged to and on what ground, never what it was.
public struct Redaction: Codable, Sendable, Equatable {
    /// The entity concerned.
    public var entity: String
    /// The property removed, or `nil` when the whole entity was removed.
    public var property: String?
    /// The data category that the agreement does not cover.
    public var category: DataCategory
    /// The ground, in one sentence.
    public var ground: String
    /// On the sender's copy: the recipient whose copy lacked it (recipients under different
    /// agreements may get different copies). Absent on the copy a recipient receives.
    public var recipient: String?

    public init(entity: String, property: String?, category: DataCategory, ground: String) {
        self.entity = entity
        self.property = property
        self.category = category
        self.ground = ground
    }
}
