import Foundation
import GSL
import SpineModel

/// What the engine can do, checked at validation (before anything is
/// written): every count it will allocate or loop over is computed in
/// floating point and checked against a limit, and a run's memory is
/// estimated and checked against the machine's (or `--max-memory`).
public enum ResourceLimits {
    /// Grid cells of one dendrite's calcium diffusion.
    static let maximumCellsPerDendrite = 1e6
    /// Grid steps of one window of activity.
    static let maximumStepsPerWindow = 1e9
    /// Draws the initial-size sampler may make (it rejects draws below v_min).
    static let maximumInitialDraws = 1e9

    /// Checks the diffusion grid of dendrites of `lengthUm` through windows of
    /// `windowMs` (computed in floating point by the caller). A window is
    /// stepped when diffusion is on or, with `stepped`, when a process of
    /// §2b–2d runs in it (docs/MODEL.md §2a); `windowKey` names the setting
    /// that makes the window long.
    static func checkGrid(_ diffusion: DiffusionParameters, lengthUm: Double, windowMs: Double, stepped: Bool = false,
                          windowKey: String? = nil, in root: ConfigMapping) throws {
        guard diffusion.enabled || stepped else { return }
        let cells = lengthUm / diffusion.gridSpacingUm
        if diffusion.enabled && cells > maximumCellsPerDendrite {
            throw root.error("diffusion.grid_spacing_um", root.peek(path: "diffusion.grid_spacing_um"),
                             "value \(ConfigMapping.format(diffusion.gridSpacingUm)) µm on dendrites of \(ConfigMapping.format(lengthUm)) µm makes \(ConfigMapping.format(cells.rounded(.up))) grid cells per dendrite; allowed: at most \(ConfigMapping.format(maximumCellsPerDendrite)) (a coarser grid or shorter dendrites)")
        }
        let steps = windowMs / diffusion.timeStepMs
        if steps > maximumStepsPerWindow {
            throw root.error("diffusion.time_step_ms", root.peek(path: "diffusion.time_step_ms"),
                             "value \(ConfigMapping.format(diffusion.timeStepMs)) ms through a window of \(ConfigMapping.format(windowMs / 1000)) s makes \(ConfigMapping.format(steps.rounded(.up))) grid steps; allowed: at most \(ConfigMapping.format(maximumStepsPerWindow)) per window\(windowKey.map { " (a larger time step, or a shorter window: \($0))" } ?? "")")
        }
    }

    /// The steps of a window of `durationMs` at `timeStepMs`, as a count
    /// (docs/MODEL.md §2a); a window validation should have refused throws
    /// instead of overflowing.
    static func windowSteps(durationMs: Double, timeStepMs: Double) throws -> Int {
        let steps = (durationMs / timeStepMs).rounded(.up)
        guard steps.isFinite, steps <= maximumStepsPerWindow else {
            throw RunError("a window of \(ConfigMapping.format(durationMs / 1000)) s at a time step of \(ConfigMapping.format(timeStepMs)) ms makes \(ConfigMapping.format(steps)) grid steps; allowed: at most \(ConfigMapping.format(maximumStepsPerWindow)) per window (diffusion.time_step_ms, or a shorter window)")
        }
        return max(1, Int(steps))
    }

    // MARK: total work

    /// The default budget of a run's work (`--max-work` overrides it), in
    /// grid cell-steps: about an hour of one core at about 5 ns a cell-step,
    /// and over 20× the largest shipped experiment (memory-reactivation).
    public static let defaultMaximumWork = 1e12
    /// What one efficacy segment of one repetition costs, in grid cell-steps
    /// (a segment is an exact relaxation or a short stochastic integration,
    /// docs/MODEL.md §1; measured on the heterosynaptic kind: about 90 ns a
    /// segment against about 5 ns a cell-step).
    static let segmentCost = 20.0

    /// The work of a run: grid cell-steps of its windows of activity (spine
    /// steps where no grid runs), and efficacy segments of its repetitions
    /// weighted by `segmentCost`.
    public struct Work: Sendable {
        public var cellSteps: Double
        public var description: String
        /// The setting that contributes most above its usual scale.
        public var dominantKey: String
    }

    /// One kind of window a run computes `count` times.
    struct Window {
        var durationMs: Double
        var spines: Double
        var diffusion: DiffusionParameters
        /// Stepped even without diffusion (a process of §2b–2d runs).
        var stepped: Bool
        var count: Double
        /// Inputs per spine (each adds up to three gating segments).
        var events: Double
        /// Efficacy repetitions over the window's segments, per spine.
        var repetitions: Double = 1
    }

    /// The keys behind a run's factors: the window's length, the count of
    /// windows, and the repetitions over each window's segments.
    struct WorkKeys {
        var window: String
        var windows: String
        var repetitions: String?
    }

    /// The work of `windows` on dendrites of `lengthUm`.
    static func work(of windows: [Window], lengthUm: Double, keys: WorkKeys) -> Work {
        var grid = 0.0, segments = 0.0, windowCount = 0.0, longest = 0.0, finest = 0.0, cells = 0.0, repetitions = 0.0
        for w in windows {
            let steps = w.durationMs / w.diffusion.timeStepMs
            let gridCells = w.diffusion.enabled ? max(lengthUm / w.diffusion.gridSpacingUm, w.spines) : w.spines
            if w.diffusion.enabled || w.stepped {
                grid += w.count * steps * gridCells
                longest = max(longest, w.durationMs)
                finest = max(finest, 1 / w.diffusion.timeStepMs)
                cells = max(cells, gridCells)
            }
            segments += w.count * w.spines * w.repetitions * (3 * w.events + 3)
            windowCount += w.count
            repetitions = max(repetitions, w.repetitions)
        }
        let total = grid + segmentCost * segments
        // Each factor against its usual scale: the one furthest above it is the key to change.
        var factors: [(key: String, ratio: Double)] = [(keys.windows, windowCount / 100)]
        if grid >= segmentCost * segments {
            factors += [(keys.window, longest / 1e5), ("diffusion.time_step_ms", finest * 4),
                        ("diffusion.grid_spacing_um", cells / 200)]
        } else if let key = keys.repetitions {
            factors.append((key, repetitions / 1e4))
        }
        let dominant = factors.max { $0.ratio < $1.ratio }!.key
        let format = ConfigMapping.format
        var parts = ["\(format(windowCount.rounded())) windows (\(keys.windows))"]
        if grid > 0 {
            parts.append("up to \(format((longest * finest).rounded(.up))) steps each (\(keys.window), diffusion.time_step_ms) on up to \(format(cells.rounded(.up))) cells (diffusion.grid_spacing_um)")
        }
        if let key = keys.repetitions, repetitions > 1 { parts.append("\(format(repetitions)) repetitions (\(key))") }
        let description = String(format: "%.3g grid cell-steps and %.3g efficacy segments: ", grid, segments) + parts.joined(separator: ", ")
        return Work(cellSteps: total, description: description, dominantKey: dominant)
    }

    /// The work of a schedule's sessions (docs/MODEL.md §5) on `dendrites`
    /// dendrites of at most `lengthUm`: one window per session and dendrite.
    static func sessionWork(_ schedule: Schedule, dendrites: Int, lengthUm: Double, spinesPerDendrite: Double) -> Work {
        var windows: [Window] = []
        _ = schedule.sum { phase in
            guard case let .session(session) = phase else { return 0 }
            windows.append(Window(durationMs: session.activity.durationMs, spines: spinesPerDendrite,
                                  diffusion: session.settings.model.activity!.diffusion, stepped: false,
                                  count: Double(session.days * session.sessionsPerDay * dendrites), events: 0, repetitions: 0))
            return 0
        }
        return work(of: windows, lengthUm: lengthUm, keys: .init(window: "session.trials", windows: "dendrites.count", repetitions: nil))
    }

    /// Rejects a run whose work is above `limit` cell-steps (default: `defaultMaximumWork`).
    public static func check(_ work: Work, limit: Double?) throws {
        let allowed = limit ?? defaultMaximumWork
        guard work.cellSteps <= allowed else {
            throw ConfigError(location: "work", keyPath: work.dominantKey,
                              message: "the run would compute about \(String(format: "%.2g", work.cellSteps)) grid cell-steps (\(work.description)); allowed: at most \(String(format: "%.2g", allowed)) (\(limit == nil ? "the default budget, about an hour of one core" : "--max-work")); lower \(work.dominantKey), or use --max-work to raise the limit")
        }
    }

    /// Grid nodes of one task ensemble's random field on one dendrite.
    static let maximumNodesPerTaskField = 1e6

    /// Checks the grid of the clustered task wiring's fields (docs/MODEL.md §4)
    /// on dendrites of `lengthUm`.
    static func checkTaskWiring(_ guided: ActivityGuidedSpinogenesis, lengthUm: Double, in root: ConfigMapping) throws {
        let l = guided.taskCorrelationLengthUm
        guard l > 0 else { return }
        let nodes = (lengthUm + 2 * TaskField.windowPerLength * l) / (TaskField.spacingPerLength * l)
        if nodes > maximumNodesPerTaskField {
            throw root.error("activity_guided.task_correlation_length_um", root.peek(path: "activity_guided.task_correlation_length_um"),
                             "value \(ConfigMapping.format(l)) µm on dendrites of \(ConfigMapping.format(lengthUm)) µm makes \(ConfigMapping.format(nodes.rounded(.up))) nodes per task field (spacing ℓ/8); allowed: 0 (independent placement) or at least \(ConfigMapping.format((8 * lengthUm / (maximumNodesPerTaskField - 80) * 1000).rounded(.up) / 1000)) µm")
        }
    }

    /// Checks that day-0 sizes can be drawn above v_min (the sampler rejects
    /// draws below it) and that 'auto' and the Kesten tables can be computed.
    static func checkInitialSizes(_ population: InitialPopulation, model settings: ModelSettings, in root: ConfigMapping) throws {
        let model: PopulationModel
        do {
            model = try settings.resolvedModel().model
        } catch {
            throw root.error("turnover.spinogenesis.rate_per_um_per_day", nil,
                             "'auto' cannot be computed for these size dynamics (\(error)); allowed: a number, or size dynamics whose new-spine lifetime is finite")
        }
        guard population.spines == nil else { return }   // sizes from dendrites.spines_csv, each checked above v_min
        let b = model.turnover.eliminationLogVolume
        let spines = population.totalLengthUm * population.densityPerUm
        // The count first: a population too large to draw is not a v_min problem.
        if spines > maximumInitialDraws {
            throw root.error("dendrites", root.peek(path: "dendrites"),
                             "\(population.dendriteCount) dendrites of \(ConfigMapping.format(population.totalLengthUm)) µm in all at \(ConfigMapping.format(population.densityPerUm)) spines/µm make \(ConfigMapping.format(spines.rounded())) spines; allowed: at most \(ConfigMapping.format(maximumInitialDraws)) (fewer or shorter dendrites, or a lower initial_population.density_per_um)")
        }
        var states: [(rho: Double, spines: Double)] = []
        if population.fractionPotentiated > 0 { states.append((1, spines * population.fractionPotentiated)) }
        if population.fractionPotentiated < 1 { states.append((0, spines * (1 - population.fractionPotentiated))) }
        for (rho, count) in states {
            let acceptance: Double
            switch population.sizes {
            case .stationary where model.sizeForm == .kesten:
                let samplers: KestenStationarySamplers?
                do { samplers = try KestenStationarySamplers.of(model) } catch {
                    throw root.error("size_dynamics.kesten", nil, "its stationary law cannot be tabulated (\(error))")
                }
                let table = samplers!.sampler(efficacy: rho)
                let below = Array(zip(table.grid, table.cumulative)).last { $0.0 <= model.turnover.minimumVolume }?.1 ?? 0
                acceptance = 1 - below
            case .stationary, .equilibrium:
                let sd = model.size.effectiveStationarySD, mean = model.size.target(efficacy: rho)
                let above = sd > 0 ? CDF.standardNormalUpper((b - mean) / sd) : (mean > b ? 1 : 0)
                acceptance = above
                if case .equilibrium = population.sizes, rho == 0, count / above <= maximumInitialDraws {
                    // The sampler then keeps a draw with its equilibrium weight (docs/MODEL.md §4, initial population).
                    let kept = equilibriumWeightAcceptance(model, mean: mean, sd: sd, above: b)
                    if !(count / (above * kept) <= maximumInitialDraws) {
                        throw root.error("initial_population.sizes", root.peek(path: "initial_population.sizes"),
                                         "'equilibrium' keeps a drawn size of a depressed spine with probability \(String(format: "%.3g", kept)) (its equilibrium weight, docs/MODEL.md §4, over the stationary law of ln v with size_dynamics.stationary_sd \(ConfigMapping.format(sd)) above ln v_min \(ConfigMapping.format(b))), so the population could not be drawn in reasonable time; allowed: sizes: stationary, or size dynamics whose stationary law overlaps the equilibrium law (a larger size_dynamics.stationary_sd, a v_min nearer the sizes)")
                    }
                }
            case let .lognormal(mu, sigma):
                acceptance = CDF.standardNormalUpper((b - mu) / sigma)
            case .uniform, .fixed:
                acceptance = 1   // checked against v_min when read
            }
            if count / acceptance > maximumInitialDraws {
                throw root.error("turnover.v_min_um3", root.peek(path: "turnover.v_min_um3"),
                                 "value \(ConfigMapping.format(model.turnover.minimumVolume)) µm³ lies above the initial sizes of \(rho == 1 ? "potentiated" : "depressed") spines (a draw is above it with probability \(acceptance)), so the population could not be drawn in reasonable time or would die at once; allowed: a v_min below the initial size distribution (initial_population.sizes)")
            }
        }
    }

    /// The mean equilibrium weight (capped at 1) of a Gaussian draw of ln v
    /// above b: the fraction of `InitialSizeSampler`'s weighted draws it keeps.
    static func equilibriumWeightAcceptance(_ model: PopulationModel, mean: Double, sd: Double, above b: Double) -> Double {
        let theory = OUTurnoverTheory(size: model.size, rules: model.turnover)
        let newLogVolume = log(model.turnover.newSpineVolume)
        let weight = { (s: Double) -> Double in
            let w = theory.equilibrium(logVolume: s, newSpineLogVolume: newLogVolume).weight
            return w.isNaN ? 0 : min(1, max(0, w))   // the sampler never keeps a NaN weight
        }
        guard sd > 0 else { return weight(mean) }
        let low = max(b, mean - 10 * sd), high = mean + 10 * sd
        guard high > low else { return 0 }
        let n = 4000, h = (high - low) / Double(n)
        var mass = 0.0, kept = 0.0
        for k in 0..<n {
            let s = low + (Double(k) + 0.5) * h
            let z = (s - mean) / sd, density = exp(-0.5 * z * z)
            mass += density
            kept += density * weight(s)
        }
        return mass > 0 ? kept / mass : 0
    }

    /// The bytes a run will hold at most, and what they are for.
    public struct Estimate: Sendable {
        public var bytes: Double
        public var description: String
    }

    /// A run of `density` spines/µm on `dendrites` dendrites of `totalLengthUm`
    /// together, with `states` copies of the population held at once (forks),
    /// sessions (`sessions`) and a diffusion grid of `cells` per dendrite on `threads` workers.
    static func estimate(dendrites: Int, totalLengthUm: Double, density: Double, states: Int, sessions: Bool,
                         cellsPerDendrite: Double, threads: Int) -> Estimate {
        let spines = totalLengthUm * density
        // Per spine: the table (84 B at 1.5× capacity) and the recorders' copies; a session holds its spikes
        // and calcium segments (about 5 kB per spine); the grid about 64 B per cell on each worker.
        let bytes = spines * 200 * Double(states) + (sessions ? spines * 5000 : 0) + cellsPerDendrite * 64 * Double(threads) + 64e6
        return Estimate(bytes: bytes, description: "\(ConfigMapping.format(spines.rounded())) spines on \(dendrites) dendrites, \(states) population state\(states == 1 ? "" : "s") held at once\(sessions ? ", sessions" : "")")
    }

    /// The memory this machine has.
    public static var physicalMemory: Double {
        Double(sysconf(Int32(_SC_PHYS_PAGES))) * Double(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Rejects a run that needs more than `limit` bytes (default: the machine's memory).
    public static func check(_ estimate: Estimate, limit: Double?) throws {
        let allowed = limit ?? physicalMemory
        guard estimate.bytes <= allowed else {
            throw ConfigError(location: "memory", keyPath: "",
                              message: "the run needs about \(format(bytes: estimate.bytes)) (\(estimate.description)); allowed: \(format(bytes: allowed)) (\(limit == nil ? "this machine's memory" : "--max-memory")); use fewer or shorter dendrites, or --max-memory to raise the limit")
        }
    }

    public static func format(bytes: Double) -> String {
        bytes >= 1e9 ? String(format: "%.1f GB", bytes / 1e9) : String(format: "%.0f MB", bytes / 1e6)
    }
}
