import ArgumentParser
import Foundation
import SpineEngine
import SpineModel

/// Threads and seed of the simulation benchmarks.
struct BenchExecution: ParsableArguments {
    @Option(parsing: .unconditional, help: "Worker threads (default: the CPUs this process may use: its affinity mask, SLURM_CPUS_PER_TASK).") var threads: Int?
    @Option(help: "Run seed.") var seed: UInt64 = 1

    func validate() throws {
        try ThreadLimit.validate(threads)
    }

    var threadCount: Int { threads ?? AvailableCPUs.count }
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks that print their figures (speed, memory).",
        subcommands: [Kernel.self, Population.self, Diffusion.self, MemoryStability.self, Session.self, Month.self]
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
        @OptionGroup var execution: BenchExecution

        func validate() throws {
            guard spines >= 150, days >= 1 else { throw ValidationError("--spines must be at least 150 and --days at least 1") }
        }

        func run() throws {
            try reportingErrors {
                let r = try PopulationBenchmark.run(spines: spines, days: days, threads: execution.threadCount, seed: execution.seed)
                print("population: \(r.spines) spines on \(r.dendrites) dendrites, \(r.days) days, \(r.threads) threads")
                print(String(format: "population bench: wall_s=%.3f days_per_s=%.1f bytes_per_spine=%.0f", r.wallSeconds, r.daysPerSecond, r.bytesPerSpine))
            }
        }
    }
}

extension Bench {
    struct Diffusion: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Dendrites under Poisson input with dendritic calcium diffusion (spine calcium, shaft, ρ).",
            discussion: "Last line: 'diffusion bench: sim_s=… wall_s=…'."
        )

        @Option(help: "Number of dendrites (100 µm, 1.5 spines/µm).") var dendrites = 100
        @Option(help: "Simulated seconds.") var seconds = 600.0
        @Option(help: "Presynaptic Poisson rate per spine (Hz).") var rateHz = 2.0
        @Flag(help: "Also local dendritic spikes, the store-release and the cooperativity messengers (docs/MODEL.md §2b–2d, their defaults).")
        var heterosynaptic = false
        @OptionGroup var execution: BenchExecution

        func validate() throws {
            guard dendrites >= 1, seconds > 0, rateHz > 0 else { throw ValidationError("--dendrites, --seconds and --rate-hz must be positive") }
        }

        func run() throws {
            try reportingErrors {
                let r = try DiffusionBenchmark.run(dendrites: dendrites, rateHz: rateHz, seconds: seconds,
                                                   processes: heterosynaptic ? DiffusionBenchmark.allProcesses : .init(),
                                                   threads: execution.threadCount, seed: execution.seed)
                print(String(format: "diffusion: %d dendrites, %d spines, %.1f Hz input, time above θ_d %.3f%%, peak neck-borne calcium %.4f, dendritic spikes %d%@",
                             r.dendrites, r.spines, rateHz, 100 * r.fractionAboveDepression, r.peakExchange, r.dendriticSpikes,
                             heterosynaptic ? " (dendritic spikes, store release, cooperativity on)" : ""))
                print(String(format: "diffusion bench: sim_s=%.1f wall_s=%.3f sim_per_wall=%.1f", r.simulatedSeconds, r.wallSeconds,
                             r.simulatedSeconds / r.wallSeconds))
            }
        }
    }
}

extension Bench {
    struct MemoryStability: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "memory-stability",
            abstract: "A memory experiment (by default memory-stability: training and home cage, four conditions) at its default size and scaled up.",
            discussion: "One line per scale: 'memory-stability bench: scale=… dendrites=… spines=… wall_s=… days_per_s=… condition_days_per_s=…'."
        )

        @Option(help: "The memory experiment file.") var experiment = "Experiments/memory-stability.yaml"
        @Option(parsing: .upToNextOption, help: "Multiples of the file's dendrite count to run.") var scales: [Int] = [1, 10]
        @OptionGroup var execution: BenchExecution

        func validate() throws {
            guard !scales.isEmpty, scales.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--scales must be whole numbers of at least 1") }
        }

        func run() throws {
            try reportingErrors {
                for scale in scales {
                    let r = try MemoryStabilityBenchmark.run(experimentPath: experiment, scale: scale, threads: execution.threadCount, seed: execution.seed)
                    let line = String(format: "memory-stability bench: scale=%d dendrites=%d spines=%d threads=%d wall_s=%.1f days_per_s=%.3f condition_days_per_s=%.2f\n",
                                      scale, r.dendrites, r.initialSpines, r.threads, r.wallSeconds, r.daysPerSecond, r.conditionDaysPerSecond)
                    // Unbuffered: each scale's line appears as soon as it is measured, also in a file.
                    FileHandle.standardOutput.write(Data(line.utf8))
                }
            }
        }
    }
}

extension Bench {
    struct Session: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One learning session with calcium diffusion and ρ, as `spinesim run` runs it (W2 of the Brian2 comparison).",
            discussion: """
                Dendrites of 100 µm at 1.5 spines/µm, DPD preset, the learning regime of \
                Experiments/learning-vs-notask.yaml (trials of 6 s), initial sizes from the OU's stationary law \
                (sizes do not change during a session). \
                --export DIR writes the session's inputs (spines, spike trains, bAPs) and SpineSim's per-spine \
                Δρ for benchmarks/brian2/w2_session.py. \
                Last line: 'session bench: sim_s=… wall_s=… spines=…' (wall: the simulation, without export); \
                with --compare, both methods of docs/MODEL.md §2a alternate, median of 3; the work each must do \
                per dendrite is printed (grid: cell- and pool-steps; events: jumps into the shaft, jump–receiver \
                pairs, received-calcium values and the jump terms they read), and the last line is \
                'session speedup <method>/<compare> = X.X'.
                """
        )

        @Option(help: "Number of dendrites.") var dendrites = 20
        @Option(help: "Session length in minutes (trials of 6 s).") var minutes = 30.0
        @Option(help: "How received calcium is computed (docs/MODEL.md §2a): events or grid; the default is what `spinesim run` uses.")
        var method: ExchangeMethod = DiffusionParameters().method
        @Option(help: "Also run this method, alternating with --method, median of 3 each; prints the speed-up and the largest |Δρ| difference.")
        var compare: ExchangeMethod?
        @Option(help: "ε of the events method: a jump's received calcium is dropped below this fraction of its peak.")
        var kernelTolerance = DiffusionParameters().kernelTolerance
        @Option(help: ArgumentHelp("Multiply the session's activity rates (axon background, ensemble events, background bAPs) by this factor, "
                                   + "to see how each method's cost follows the event density.", valueName: "factor"))
        var activityScale = 1.0
        @Flag(help: ArgumentHelp("Also local dendritic spikes, the store-release and the cooperativity messengers (docs/MODEL.md §2b–2d, "
                                 + "their defaults; the events method then runs the grid)."))
        var heterosynaptic = false
        @Option(help: "Write inputs and outcome into this directory.") var export: String?
        @OptionGroup var execution: BenchExecution

        func validate() throws {
            guard dendrites >= 1 else { throw ValidationError("--dendrites must be at least 1") }
            guard activityScale >= 0.001, activityScale <= 10 else {
                throw ValidationError("--activity-scale \(activityScale) is out of range; allowed: 0.001 to 10")
            }
            guard minutes >= 0.1, minutes.isFinite else { throw ValidationError("--minutes must be at least 0.1 (one trial of 6 s)") }
            guard kernelTolerance > 1e-15, kernelTolerance <= 1e-2 else { throw ValidationError("--kernel-tolerance must be in (1e-15, 0.01]") }
        }

        func run() throws {
            try reportingErrors {
                var setup = SessionBenchmark.Setup(dendrites: dendrites, minutes: minutes)
                setup.diffusion.method = method
                setup.diffusion.kernelTolerance = kernelTolerance
                setup.session.axonBackgroundHz *= activityScale
                setup.session.ensembleEventHz *= activityScale
                setup.session.backpropagationBackgroundHz *= activityScale
                if heterosynaptic { setup.processes = DiffusionBenchmark.allProcesses }
                guard let compare else {
                    let r = try SessionBenchmark.run(setup, threads: execution.threadCount, seed: execution.seed)
                    if let export {
                        try SessionBenchmark.export(r, setup: setup, seed: execution.seed, threads: execution.threadCount,
                                                    to: URL(fileURLWithPath: export))
                    }
                    report(r, setup)
                    print(String(format: "session bench: sim_s=%.1f wall_s=%.3f spines=%d", r.simulatedSeconds, r.wallSeconds, r.spines))
                    return
                }
                var other = setup
                other.diffusion.method = compare
                var walls: [ExchangeMethod: [Double]] = [:]
                var last: [ExchangeMethod: SessionBenchmark.Result] = [:]
                var lastCounts: [ExchangeMethod: WindowEvents.Counts] = [:]
                for _ in 0..<3 {
                    for s in [setup, other] {
                        WindowEvents.shared.reset()
                        let r = try SessionBenchmark.run(s, threads: execution.threadCount, seed: execution.seed)
                        walls[s.diffusion.method, default: []].append(r.wallSeconds)
                        last[s.diffusion.method] = r
                        let counts = WindowEvents.shared.counts
                        lastCounts[s.diffusion.method] = counts
                        print(String(format: "%@: wall_s=%.3f, ", s.diffusion.method.rawValue, r.wallSeconds)
                              + "jumps \(counts.jumps), received-calcium values summed \(counts.exchangeEvaluations) "
                              + "(jump terms read \(counts.exchangeTerms)), kernel rows \(counts.kernelRows), kernel grid steps \(counts.kernelSteps)")
                    }
                }
                // The work each method cannot avoid, per dendrite (docs/MODEL.md §2a, "Event-driven exchange").
                let grid = try SessionBenchmark.grid(setup), perDendrite = Double(setup.dendrites)
                print(String(format: "per dendrite: grid %.3g cell- and pool-steps (%d steps × %d cells + %d spines)",
                             Double(grid.steps * (grid.cells + setup.spinesPerDendrite)), grid.steps, grid.cells, setup.spinesPerDendrite))
                if let c = lastCounts[.events] {
                    let receivers = Double(c.kernelRows) / Double(setup.dendrites * setup.spinesPerDendrite)
                    print(String(format: "per dendrite: events %.3g spine jumps, %.3g of them into the shaft (a bAP once), each reaching %.0f receivers "
                                 + "(%.3g jump-receiver pairs); %.3g received-calcium values × %.0f jump terms each = %.3g terms",
                                 Double(c.jumps) / perDendrite, Double(c.shaftJumps) / perDendrite, receivers,
                                 Double(c.shaftJumps) / perDendrite * receivers, Double(c.exchangeEvaluations) / perDendrite,
                                 Double(c.exchangeTerms) / Double(max(c.exchangeEvaluations, 1)), Double(c.exchangeTerms) / perDendrite))
                }
                let a = last[method]!.outcomes.joined().map(\.efficacy), b = last[compare]!.outcomes.joined().map(\.efficacy)
                let largest = zip(a, b).map { abs($0 - $1) }.max() ?? 0
                report(last[method]!, setup)
                func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
                print(String(format: "medians: %@ %.3f s, %@ %.3f s; largest |ρ difference| %.3g over %d spines",
                             method.rawValue, median(walls[method]!), compare.rawValue, median(walls[compare]!), largest, a.count))
                print(String(format: "session speedup %@/%@ = %.1f", method.rawValue, compare.rawValue,
                             median(walls[compare]!) / median(walls[method]!)))
            }
        }

        private func report(_ r: SessionBenchmark.Result, _ setup: SessionBenchmark.Setup) {
            let outcomes = r.outcomes.joined()
            let meanDelta = outcomes.reduce(0) { $0 + $1.deltaEfficacy } / Double(max(r.spines, 1))
            print(String(format: "session: %d dendrites, %d spines, %d trials, activity ×%g, mean Δρ %.5f, %d threads, method %@%@",
                         dendrites, r.spines, setup.session.trials, activityScale, meanDelta, execution.threadCount,
                         setup.diffusion.method.rawValue, heterosynaptic ? ", dendritic spikes, store release, cooperativity on" : ""))
        }
    }
}

extension MonthBenchmark.Processes: ExpressibleByArgument {}
extension ExchangeMethod: ExpressibleByArgument {}

extension Bench {
    struct Month: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A month of daily learning sessions with home cage between, through the timeline of `spinesim run`.",
            discussion: """
                Dendrites of 100 µm at 1.5 spines/µm, DPD, the session of Experiments/memory-stability.yaml \
                (learning regime, 60 trials of 6 s) every day, then the home cage. --processes all (default): \
                every process of docs/MODEL.md §2; diffusion: §2a only; none: isolated spines. \
                Prints the events the sessions processed and the floor (events × the cheapest exact \
                per-event update). Last line: 'month bench: spines=… days=… wall_s=… bytes_per_spine=…' \
                (bytes: growth of peak RSS per spine).
                """
        )

        @Option(help: "Number of spines at the start (on dendrites of 150 spines).") var spines = 100_000
        @Option(help: "Simulated days (one session each).") var days = 30
        @Option(help: "Processes of docs/MODEL.md §2: all, diffusion or none.") var processes: MonthBenchmark.Processes = .all
        @OptionGroup var execution: BenchExecution

        func validate() throws {
            guard spines >= 150, (1...3650).contains(days) else { throw ValidationError("--spines must be at least 150 and --days from 1 to 3650") }
        }

        func run() throws {
            try reportingErrors {
                let r = try MonthBenchmark.run(spines: spines, days: days, processes: processes, threads: execution.threadCount,
                                               seed: execution.seed)
                let e = r.events
                print("month: \(r.spines) spines on \(r.dendrites) dendrites, \(r.days) days, processes \(processes.rawValue), \(r.threads) threads")
                // Counts by interpolation: a month of 1e5 spines has more than 2³¹ jumps, beyond %d.
                print("month events: windows=\(e.windows) calcium_jumps=\(e.jumps) gating_segments=\(e.segments) "
                      + String(format: "floor_ns_per_jump=%.1f floor_s=%.2f measured/floor=%.1f", 1e9 * r.floorCostPerJump,
                               Double(e.jumps) * r.floorCostPerJump / Double(r.threads), r.floorRatio))
                print(String(format: "month bench: spines=%d days=%d wall_s=%.1f bytes_per_spine=%.0f", r.spines, r.days, r.wallSeconds, r.bytesPerSpine))
            }
        }
    }
}
