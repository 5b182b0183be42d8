import Foundation
import Hummingbird
import HummingbirdTesting
import LiaisonSafeguards
@testable import LiaisonServer
import Testing

@Suite("OpenAPI document")
struct OpenAPITests {
    @Test("the served document describes every route, with the roles the route declares, and nothing else")
    func documentMatchesRoutes() async throws {
        let node = try await TestNode.make { $0.federationPort = 0 }
        try await node.app.application.test(.router) { client in
            let response = try await client.execute(uri: "/api/v1/openapi.json", method: .get)
            #expect(response.status == .ok)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var documented: [String: [String]] = [:]
            for (path, operations) in paths {
                for (method, operation) in operations {
                    let roles = (operation as? [String: Any])?["x-liaison-roles"] as? [String] ?? []
                    documented["\(method.uppercased()) \(path)"] = roles
                }
            }
            for spec in node.app.routes {
                let key = "\(spec.method) \(spec.openAPIPath)"
                let roles = try #require(documented[key], "\(key) is missing from openapi.json")
                let declared: [String]
                switch spec.access {
                case .anonymous: declared = ["anonymous"]
                case .anyRole: declared = ["any"]
                case .roles(let set): declared = set.sorted().map(\.rawValue)
                }
                #expect(roles.sorted() == declared.sorted(), "\(key): openapi.json says \(roles), the route declares \(declared)")
            }
            #expect(Set(documented.keys) == Set(node.app.routes.map { "\($0.method) \($0.openAPIPath)" }), "openapi.json documents routes that do not exist")
        }
    }
}
