import ArgumentParser

/// `cairn-bench`: generates benchmark data and measures Cairn on it (see Benchmarks/README.md).
@main
struct CairnBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cairn-bench",
        abstract: "Generate benchmark data and measure Cairn on it.",
        subcommands: [Gen.self, EventsBenchmark.self, VectorsBenchmark.self, InsertLatency.self, LifecycleBenchmark.self])
}

struct Gen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen", abstract: "Generate deterministic benchmark data.",
        subcommands: [GenEvents.self, GenDDL.self, GenVectors.self])
}
