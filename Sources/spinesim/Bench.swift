import ArgumentParser
import Foundation
import SpineEngine

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks that print their figures (speed, memory).",
        subcommands: [Kernel.self, Population.self]
    )
}

extension Bench {
    struct Kernel: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The dense clock-driven GB kernel (for comparison with its C reference, benchmarks/kernel).",
            discussion: "Prints 'swift kernel: … spine_steps_per_s=… checksum=…'; `make bench-kernel` runs it beside the C reference."
        )

        @Option(help: "Number of spines.") var spines = 100_000
        @Option(help: "Number of steps.") var steps = 1_000
        @Option(help: "Generator seed (GSL taus2).") var seed: UInt64 = 1
        @Option(help: "Time step (ms).") var dtMs = 0.1
        @Option(help: "Presynaptic Poisson rate (Hz).") var preHz = 5.0
        @Option(help: "Postsynaptic Poisson rate (Hz).") var postHz = 5.0

        func validate() throws {
            guard spines >= 1, steps >= 1 else { throw ValidationError("--spines and --steps must be at least 1") }
            guard dtMs > 0, preHz > 0, postHz > 0 else { throw ValidationError("--dt-ms, --pre-hz and --post-hz must be positive") }
        }

        func run() {
            let result = DenseKernel(spines: spines, steps: steps, dtMs: dtMs, preRateHz: preHz,
                                     postRateHz: postHz, seed: seed).run()
            print(String(format: "swift kernel: spines=%d steps=%d wall_s=%.4f spine_steps_per_s=%.4e checksum=%.17g",
                         spines, steps, result.wallSeconds, result.spineStepsPerSecond, result.checksum))
        }
    }
}

extension Bench {
    struct Population: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A home-cage spine population over simulated days (daily exact steps).",
            discussion: "Last line: 'population bench: wall_s=… days_per_s=… bytes_per_spine=…' (bytes: growth of peak RSS per spine)."
        )

        @Option(help: "Number of spines (on dendrites of 100 µm at 1.5 spines/µm).") var spines = 100_000
        @Option(help: "Simulated days.") var days = 365
        @Option(help: "Worker threads (default: all cores).") var threads: Int?
        @Option(help: "Run seed.") var seed: UInt64 = 1

        func validate() throws {
            guard spines >= 150, days >= 1 else { throw ValidationError("--spines must be at least 150 and --days at least 1") }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        }

        func run() throws {
            try reportingErrors {
                let r = try PopulationBenchmark.run(spines: spines, days: days,
                                                    threads: threads ?? ProcessInfo.processInfo.activeProcessorCount, seed: seed)
                print("population: \(r.spines) spines on \(r.dendrites) dendrites, \(r.days) days, \(r.threads) threads")
                print(String(format: "population bench: wall_s=%.3f days_per_s=%.1f bytes_per_spine=%.0f", r.wallSeconds, r.daysPerSecond, r.bytesPerSpine))
            }
        }
    }
}
