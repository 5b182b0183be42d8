extension Sequence<UInt8> {
    /// Lower-case hexadecimal, two digits a byte.
    package var lowercaseHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in self {
            text.append(digits[Int(byte >> 4)])  // checked: a byte widened to Int
            text.append(digits[Int(byte & 0x0F)])  // checked: a byte widened to Int
        }
        return String(decoding: text, as: UTF8.self)
    }
}
