// swift-tools-version:6.1
//
// Layers, lowest first (a layer imports only layers above it in this list):
//   CairnFormat  – column types, encodings, zstd blocks, segment files        (docs/format.md §2–§4)
//   CairnLog     – write-ahead log, manifest, directory lock                  (docs/format.md §5–§6)
//   CairnVector  – distance kernels on BLAS, top-k, k-means, IVF lists, SQ8  (docs/format.md §7)
//   CairnTables  – catalog, date partitions, in-memory head, flush, snapshots, scans
//   CairnSQL     – lexer, parser, AST (no storage knowledge)
//   CairnQuery   – binder/planner, vectorized expressions and operators
//   Cairn        – the public Swift API (`Database`)
//   cairn        – the REPL
import PackageDescription

let package = Package(
    name: "Cairn",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Cairn", targets: ["Cairn"]),
        .executable(name: "cairn", targets: ["cairn"]),
        .executable(name: "cairn-bench", targets: ["cairn-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
        .systemLibrary(name: "CBLAS", providers: [.apt(["libblas-dev", "libopenblas-dev"])]),
        .systemLibrary(name: "CEditLine", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        .target(name: "CCRC32C"),
        .target(name: "CByteCount"),
        .target(name: "CVectorKernels"),
        .target(name: "CairnFormat", dependencies: ["CZstd", "CCRC32C"]),
        .target(name: "CairnLog", dependencies: ["CairnFormat"]),
        .target(name: "CairnVector", dependencies: [
            "CairnFormat", "CBLAS", "CVectorKernels", .product(name: "HeapModule", package: "swift-collections"),
        ]),
        .target(name: "CairnTables", dependencies: ["CairnFormat", "CairnLog", "CairnVector"]),
        .target(name: "CairnSQL"),
        .target(name: "CairnQuery", dependencies: [
            "CairnFormat", "CairnTables", "CairnSQL", "CairnVector", "CByteCount",
            .product(name: "Collections", package: "swift-collections"),
        ]),
        .target(name: "Cairn", dependencies: ["CairnFormat", "CairnTables", "CairnSQL", "CairnQuery", "CairnVector"]),
        .executableTarget(name: "cairn", dependencies: [
            "Cairn", "CairnFormat", "CEditLine",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "CairnFormatTests", dependencies: [
            "CairnFormat", .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "CairnLogTests", dependencies: ["CairnLog", "CairnFormat"]),
        .testTarget(name: "CairnTablesTests", dependencies: [
            "CairnTables", "CairnFormat", "CairnLog", "CairnVector", .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "CairnSQLTests", dependencies: ["CairnSQL"]),
        .testTarget(name: "CairnQueryTests", dependencies: ["CairnQuery", "CairnTables", "CairnSQL", "CairnFormat"]),
        .executableTarget(name: "cairn-bench", dependencies: [
            "Cairn", "CairnFormat", "CairnVector",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Micro-benchmarks (`swift package benchmark`, Benchmarks/README.md).
        .executableTarget(name: "CairnMicroBenchmarks", dependencies: [
            "CairnFormat", "CairnLog", "CairnVector", .product(name: "Benchmark", package: "package-benchmark"),
        ], path: "Benchmarks/CairnMicroBenchmarks", plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]),
        // Test tool: a writer process that crash tests kill at random moments.
        .executableTarget(name: "cairn-crash-writer", dependencies: ["Cairn"]),
        .testTarget(name: "CairnTests", dependencies: ["Cairn", "CairnFormat", "CairnLog", "cairn-crash-writer"]),
    ],
    swiftLanguageModes: [.v6]
)
