#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Jaro-Winkler similarity (Winkler 1990) of two byte strings, in 0...1.
///
/// Jaro counts the characters that agree within a window of half the longer length, and the
/// transpositions among them; Winkler adds a bonus of 0.1 per agreeing leading character, up to
/// four, when the Jaro score is above 0.7.
public enum JaroWinkler {
    /// The Jaro-Winkler similarity of `a` and `b`.
    public static func similarity(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Double {
        let x = Array(a), y = Array(b)
        return x.withUnsafeBufferPointer { xs in y.withUnsafeBufferPointer { ys in similarity(xs, ys) } }
    }

    /// The Jaro-Winkler similarity of two strings compared by their UTF-8 bytes.
    public static func similarity(_ a: String, _ b: String) -> Double {
        similarity(Array(a.utf8), Array(b.utf8))
    }

    static func similarity(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Double {
        let jaro = jaro(a, b)
        guard jaro > 0.7 else { return jaro }
        var prefix = 0
        while prefix < min(4, a.count, b.count), a[prefix] == b[prefix] { prefix += 1 }
        return jaro + Double(prefix) * 0.1 * (1 - jaro)
    }

    static func jaro(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Double {
        if a.isEmpty || b.isEmpty { return a.isEmpty && b.isEmpty ? 1 : 0 }
        if a.count == b.count, memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 { return 1 }
        let window = max(0, max(a.count, b.count) / 2 - 1)
        // The matched flags live on the stack: names are short and this runs for every candidate token.
        return withUnsafeTemporaryAllocation(of: Bool.self, capacity: a.count + b.count) { flags in
            flags.initialize(repeating: false)
            let aMatched = UnsafeMutableBufferPointer(rebasing: flags[..<a.count])
            let bMatched = UnsafeMutableBufferPointer(rebasing: flags[a.count...])
            var matches = 0
            for i in 0..<a.count {
                let lower = max(0, i - window), upper = min(b.count - 1, i + window)
                if lower > upper { continue }
                for j in lower...upper where !bMatched[j] && a[i] == b[j] {
                    aMatched[i] = true
                    bMatched[j] = true
                    matches += 1
                    break
                }
            }
            guard matches > 0 else { return 0 }
            var transpositions = 0, j = 0
            for i in 0..<a.count where aMatched[i] {
                while !bMatched[j] { j += 1 }
                if a[i] != b[j] { transpositions += 1 }
                j += 1
            }
            let m = Double(matches)
            return (m / Double(a.count) + m / Double(b.count) + (m - Double(transpositions / 2)) / m) / 3
        }
    }
}
