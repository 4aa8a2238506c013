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

    /// Checks the diffusion grid of dendrites of `lengthUm` through windows of `windowMs`.
    static func checkGrid(_ diffusion: DiffusionParameters, lengthUm: Double, windowMs: Double, in root: ConfigMapping) throws {
        guard diffusion.enabled else { return }
        let cells = lengthUm / diffusion.gridSpacingUm
        if cells > maximumCellsPerDendrite {
            throw root.error("diffusion.grid_spacing_um", root.peek(path: "diffusion.grid_spacing_um"),
                             "value \(ConfigMapping.format(diffusion.gridSpacingUm)) µm on dendrites of \(ConfigMapping.format(lengthUm)) µm makes \(ConfigMapping.format(cells.rounded(.up))) grid cells per dendrite; allowed: at most \(ConfigMapping.format(maximumCellsPerDendrite)) (a coarser grid or shorter dendrites)")
        }
        let steps = windowMs / diffusion.timeStepMs
        if steps > maximumStepsPerWindow {
            throw root.error("diffusion.time_step_ms", root.peek(path: "diffusion.time_step_ms"),
                             "value \(ConfigMapping.format(diffusion.timeStepMs)) ms through a window of \(ConfigMapping.format(windowMs / 1000)) s makes \(ConfigMapping.format(steps.rounded(.up))) grid steps; allowed: at most \(ConfigMapping.format(maximumStepsPerWindow)) per window")
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
                acceptance = sd > 0 ? CDF.standardNormalUpper((b - mean) / sd) : (mean > b ? 1 : 0)
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
