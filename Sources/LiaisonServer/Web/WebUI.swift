import Foundation
import Hummingbird
import LiaisonSafeguards
import LiaisonCore
import Mustache
import NIOCore

/// The text of the web UI in each language, from `Resources/strings/<language>.json`.
struct StringsCatalogue: Sendable {
    let languages: [String: [String: String]]
    static let fallback = "en"

    init(directory: URL) throws {
        var languages: [String: [String: String]] = [:]
        for file in try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil) where file.pathExtension == "json" {
            languages[file.deletingPathExtension().lastPathComponent] = try JSON.decoder.decode([String: String].self, from: Data(contentsOf: file))
        }
        guard languages[Self.fallback] != nil else {
            throw LiaisonError(.configuration, "the web UI's English strings are missing from \(directory.path)")
        }
        self.languages = languages
    }

    /// The best language for an `Accept-Language` header, falling back to English.
    func language(for acceptLanguage: String?) -> String {
        for part in (acceptLanguage ?? "").split(separator: ",") {
            let tag = part.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased()
            let primary = String(tag.split(separator: "-").first ?? "")
            if languages[primary] != nil { return primary }
        }
        return Self.fallback
    }

    /// The strings of a language, with English for any key it lacks.
    func strings(_ language: String) -> [String: String] {
        (languages[Self.fallback] ?? [:]).merging(languages[language] ?? [:]) { _, translated in translated }
    }
}

/// Renders the server-side pages.
struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let strings: StringsCatalogue
    let identity: IdentityDocument

    static func load(resources: URL, identity: IdentityDocument) async throws -> PageRenderer {
        PageRenderer(
            library: try await MustacheLibrary(directory: resources.appendingPathComponent("templates").path),
            strings: try StringsCatalogue(directory: resources.appendingPathComponent("strings")),
            identity: identity
        )
    }

    /// Renders `template` with the common context (strings, node, signed-in user) plus `values`.
    func page(_ template: String, title: (([String: String]) -> String), request: Request, context: LiaisonRequestContext, status: HTTPResponse.Status = .ok, values: [String: Any] = [:], headers: HTTPFields = [:]) -> Response {
        let language = strings.language(for: request.headers[.acceptLanguage])
        let text = strings.strings(language)
        var object: [String: Any] = [
            "lang": language,
            "t": text,
            "title": title(text),
            "agencyCode": identity.agencyCode,
            "agencyName": identity.name,
        ]
        if let principal = context.principal, case .session(let csrf, _) = context.credential {
            object["user"] = [
                "username": principal.username, "role": principal.role.rawValue, "csrf": csrf,
                "handlesMessages": AccessRule.caseHandlers.admittedRoles.contains(principal.role),
                "handlesInstruments": AccessRule.instrumentHandlers.admittedRoles.contains(principal.role),
                "readsAudit": AccessRule.auditReaders.admittedRoles.contains(principal.role),
                "oversees": AccessRule.overseers.admittedRoles.contains(principal.role),
                "handlesSubjectRequests": AccessRule.subjectRequestOfficers.admittedRoles.contains(principal.role),
                "readsRetention": AccessRule.retentionReaders.admittedRoles.contains(principal.role),
            ] as [String: Any]
        }
        object.merge(values) { _, new in new }
        // A template missing from the installation is a fault of the node, not an empty page.
        guard let html = library.render(object, withTemplate: template) else {
            return Problem(LiaisonError(.internal, "The page '\(template)' is missing from this installation; reinstall Liaison.")).htmlResponse()
        }
        var allHeaders = headers
        allHeaders[.contentType] = "text/html; charset=utf-8"
        allHeaders[.cacheControl] = "no-store"
        allHeaders[.init("Content-Security-Policy")!] = "default-src 'self'; form-action 'self'; frame-ancestors 'none'"  // checked: a constant, valid header name
        allHeaders[.init("X-Content-Type-Options")!] = "nosniff"  // checked: a constant, valid header name
        return Response(status: status, headers: allHeaders, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
