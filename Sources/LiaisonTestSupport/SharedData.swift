package import Foundation
package import Testing

/// The real public data beside the checkout (`../shared/data`, or `LIAISON_SHARED_DATA`): sanctions
/// lists, DNA population data, proof test vectors. Tests that need it skip with ``skipMessage``
/// when it is absent.
package enum SharedData {
    package static let directory: URL? = {
        var candidates: [String] = []
        if let configured = ProcessInfo.processInfo.environment["LIAISON_SHARED_DATA"] { candidates.append(configured) }
        // Sources/LiaisonTestSupport/Eventually.swift → the checkout → the folder beside it.
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(checkout.deletingLastPathComponent().appendingPathComponent("shared/data").path)
        return candidates.map(URL.init(fileURLWithPath:)).first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("README.md").path) }
    }()

    package static var available: Bool { directory != nil }

    package static func skipMessage(_ what: String) -> Comment {
        "../shared/data is absent (set LIAISON_SHARED_DATA to its path); \(what) skipped"
    }
}
