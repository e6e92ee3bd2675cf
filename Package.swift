// swift-tools-version: 6.1
import PackageDescription

// Module layering (docs/ARCHITECTURE.md, "Modules"): imports go only downwards.
// 0 TradeCore · 1 TradeConfig, TradeWarehouse · 2 TradeIngest, TradeFetch, TradeAnalysis · 3 TradeRunner · 4 tradewatch
// Each target declares exactly the modules it imports: `make lint-imports` reads this manifest
// and fails on an undeclared import, an unused declaration or a broken layer.
let package = Package(
    name: "TradeWatch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tradewatch", targets: ["tradewatch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/JohnSundell/Plot", exact: "0.14.0"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
    ],
    targets: [
        .systemLibrary(name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0",
                       providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CLibZ", path: "Sources/CLibZ", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "TradeCore"),
        .target(name: "TradeConfig", dependencies: ["TradeCore", "Yams"]),
        .target(name: "TradeWarehouse", dependencies: [
            "TradeCore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ]),
        .target(name: "TradeIngest", dependencies: [
            "TradeCore", "TradeConfig", "CLibXML2", "CLibZ", "ZIPFoundation",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "TradeFetch", dependencies: [
            "TradeConfig",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .target(name: "TradeAnalysis", dependencies: ["TradeCore", "Plot"]),
        .target(name: "TradeRunner", dependencies: [
            "TradeCore", "TradeConfig", "TradeWarehouse", "TradeIngest", "TradeFetch", "TradeAnalysis",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "tradewatch", dependencies: [
            "TradeRunner", "TradeAnalysis", "TradeCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "TradeCoreTests", dependencies: ["TradeCore"]),
        .testTarget(name: "TradeConfigTests", dependencies: ["TradeConfig", "TradeCore", "TradeTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TradeWarehouseTests", dependencies: ["TradeWarehouse", "TradeCore", "TradeTestSupport",
                                                                .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "TradeTestSupport", dependencies: ["TradeCore"], path: "Tests/TradeTestSupport"),
        .testTarget(name: "TradeIngestTests", dependencies: ["TradeIngest", "TradeConfig", "TradeCore", "TradeTestSupport", "ZIPFoundation"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TradeFetchTests", dependencies: ["TradeFetch", "TradeConfig", "TradeCore", "TradeTestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "TradeAnalysisTests", dependencies: ["TradeAnalysis", "TradeCore", "TradeTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TradeRunnerTests", dependencies: [
            "TradeRunner", "TradeWarehouse", "TradeCore", "TradeIngest", "TradeConfig", "TradeAnalysis", "TradeTestSupport",
            .product(name: "Logging", package: "swift-log"),
        ], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
