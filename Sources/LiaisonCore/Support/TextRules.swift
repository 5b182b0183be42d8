/// What a text field may hold, for every field that reaches storage, a page or a log from outside:
/// no NUL and no other control characters (a NUL cuts C strings and PostgreSQL text; other C0
/// characters garble logs and pages), and a bound on length.
package enum TextRules {
    /// A one-line field (a subject, a name, an id): no control characters at all.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the field.
    package static func checkLine(_ text: String, _ field: @autoclosure () -> String, maximum: Int = 1_000) throws(LiaisonError) {
        guard text.count <= maximum else { throw LiaisonError(.invalidInput, "\(field()) must be at most \(maximum) characters") }
        guard !text.unicodeScalars.contains(where: isControl) else {
            throw LiaisonError(.invalidInput, "\(field()) must not contain control characters (NUL, line breaks, escapes)")
        }
    }

    /// A free-text field (a body, a note): line breaks and tabs allowed, other control characters not.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the field.
    package static func checkText(_ text: String, _ field: @autoclosure () -> String) throws(LiaisonError) {
        guard !text.unicodeScalars.contains(where: { isControl($0) && !["\n", "\r", "\t"].contains($0) }) else {
            throw LiaisonError(.invalidInput, "\(field()) must not contain control characters other than line breaks and tabs (NUL, escapes)")
        }
    }

    /// C0 controls, DEL and C1 controls (Unicode general category Cc).
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
