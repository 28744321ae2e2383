import ArgumentParser

/// `shotvae-bench`: timings of SHOTVAE's engine and training steps on this machine,
/// side by side with the BLAS ceiling.
@main
struct ShotVAEBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shotvae-bench",
        abstract: "Measure SHOTVAE's speed on this machine, next to the sgemm ceiling.",
        discussion: """
            Build and run in release mode: swift run -c release shotvae-bench <workload>.
            Every figure is a median over repeated runs after warm-up, measured in this process.
            """,
        subcommands: [ConvWorkload.self, MNISTStepWorkload.self, WRNStepWorkload.self, MemoryWorkload.self, CompareWorkload.self, AllreduceWorkload.self])
}
