import Benchmark
import Crypto
import Foundation
import LiaisonCore
import LiaisonSafeguards
import LiaisonServer

/// Every API request verifies a bearer token and decides access. These benchmarks measure both,
/// with a bare Ed25519 signature verification of the same token bytes as the floor, run in the
/// same process: the goal is token verification within 1.5× of that floor, and an access
/// decision under a microsecond.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(3))

    let key = Curve25519.Signing.PrivateKey()
    let authority = Task { await APITokenAuthority(signingKey: key, issuer: "XA-POL", lifetime: .seconds(900), clock: SystemWallClock()) }

    Benchmark("Token verification (JWT EdDSA, Liaison)") { benchmark in
        let tokens = await authority.value
        let token = try await tokens.issue(userID: "u1", username: "ana", role: .investigator).token
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(await tokens.verifiedClaims(bearer: token))
        }
    }

    // A client sends its token with every request: after the first, the node finds the token
    // among those it has verified and only checks its expiry.
    Benchmark("Token verification, a token seen before (Liaison)") { benchmark in
        let tokens = await authority.value
        let token = try await tokens.issue(userID: "u1", username: "ana", role: .investigator).token
        _ = await tokens.principal(bearer: token)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(await tokens.principal(bearer: token))
        }
    }

    Benchmark("Baseline: bare Ed25519 verification of the same bytes") { benchmark in
        let tokens = await authority.value
        let token = try await tokens.issue(userID: "u1", username: "ana", role: .investigator).token
        let parts = token.split(separator: ".")
        let signed = Data("\(parts[0]).\(parts[1])".utf8)
        let signature = try key.signature(for: signed)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(key.publicKey.isValidSignature(signature, for: signed))
        }
    }

    Benchmark("Access decision (role-restricted route)") { benchmark in
        let principal = Principal(userID: "u1", username: "ana", role: .analyst)
        let rule = AccessRule.only(.administrator, .dataProtectionOfficer)
        for _ in benchmark.scaledIterations {
            blackHole(AccessPolicy.decide(principal: principal, rule: rule))
        }
    }
}
