// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// Tests use Swift 6 mode without MemberImportVisibility, so that they can use NIO's
/// Foundation conveniences without naming each defining module.
let testSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "Liaison",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "liaison", targets: ["liaison"]),
        .library(name: "LiaisonCore", targets: ["LiaisonCore"]),
        .library(name: "LiaisonCrypto", targets: ["LiaisonCrypto"]),
        .library(name: "LiaisonMatching", targets: ["LiaisonMatching"]),
        .library(name: "LiaisonSafeguards", targets: ["LiaisonSafeguards"]),
        .library(name: "LiaisonStore", targets: ["LiaisonStore"]),
        .library(name: "LiaisonServer", targets: ["LiaisonServer"]),
        // The screening evaluation harness (real lists, generated variants, recall and precision):
        // for the CLI's `screen evaluate`, the tests and the benchmarks, not part of the product.
        .library(name: "LiaisonEvaluation", targets: ["LiaisonEvaluation"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/fluent-kit.git", from: "1.57.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        // Imported directly by the store and the server (not only through the packages above).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
    ],
    targets: [
        .target(
            name: "LiaisonCore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LiaisonSafeguards",
            dependencies: ["LiaisonCore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LiaisonCrypto",
            dependencies: [
                "LiaisonCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LiaisonMatching",
            dependencies: ["LiaisonCore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LiaisonEvaluation",
            dependencies: ["LiaisonCore", "LiaisonMatching"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LiaisonStore",
            dependencies: [
                "LiaisonCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                // SQLiteNIO's C module (VaporCSQLite, not a product of its own) gives the group
                // commit's writer the SQLite C API; it comes with this product.
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LiaisonServer",
            dependencies: [
                "LiaisonCore",
                "LiaisonSafeguards",
                "LiaisonCrypto",
                "LiaisonMatching",
                "LiaisonStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "MultipartKit", package: "multipart-kit"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "liaison",
            dependencies: [
                "LiaisonServer",
                "LiaisonCore",
                "LiaisonStore",
                "LiaisonMatching",
                "LiaisonSafeguards",
                "LiaisonEvaluation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LiaisonTestSupport",
            dependencies: ["LiaisonCore", "LiaisonStore", .product(name: "Logging", package: "swift-log")],
            // Imports Testing (issues from `eventually`): only test targets depend on it.
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "LiaisonCoreTests", dependencies: ["LiaisonCore"], swiftSettings: testSettings),
        .testTarget(name: "LiaisonSafeguardsTests", dependencies: ["LiaisonSafeguards", "LiaisonCore"], swiftSettings: testSettings),
        .testTarget(
            name: "LiaisonCryptoTests",
            dependencies: [
                "LiaisonCrypto", "LiaisonCore", "LiaisonTestSupport",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "LiaisonMatchingTests", dependencies: ["LiaisonMatching", "LiaisonEvaluation", "LiaisonCore", "LiaisonTestSupport"], swiftSettings: testSettings
        ),
        .testTarget(
            name: "LiaisonStoreTests",
            dependencies: [
                "LiaisonStore",
                "LiaisonCore",
                "LiaisonTestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "LiaisonServerTests",
            dependencies: [
                "LiaisonServer",
                "LiaisonCore",
                "LiaisonCrypto",
                "LiaisonSafeguards",
                "LiaisonStore",
                "LiaisonTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: testSettings
        ),
    ]
)
