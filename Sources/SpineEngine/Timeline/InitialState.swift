import Foundation
import GSL
import SpineModel

/// The day-0 state of a timeline (docs/MODEL.md §3–4): dendrites of their
/// lengths with a Poisson number of spines at uniform positions, potentiated
/// with probability `fraction_potentiated`, sizes as configured — or the
/// spines of `dendrites.spines_csv` as listed; then the wiring of every task
/// ensemble from the ensemble's own stream per dendrite (`wire`), the first
/// ensemble's day-0 spines taken from the file's `task` column when it has one.
enum InitialState {
    static func track(_ population: InitialPopulation, model: PopulationModel, ensembles: Int, wiring: TaskWiring,
                      context: RunContext) throws -> Track {
        let dendrites = population.dendriteLengthsUm.enumerated().map { index, length in
            Dendrite(index: index, lengthUm: length,
                     expectedSpines: population.spines?[index].count ?? Int(population.densityPerUm * length),
                     generator: context.generator, seeds: context.seeds)
        }
        if let spines = population.spines {
            place(spines, on: dendrites, model: model)
            let track = Track(path: [], dendrites: dendrites, day: 0, trained: [:])
            try wire(track, ensembles: 0..<ensembles, wiring: wiring, context: context)
            if ensembles > 0, population.files?.spinesCarryTask == true {
                for dendrite in dendrites {
                    for (i, spine) in spines[dendrite.index].enumerated() {
                        dendrite.table.ensembles[i] = (dendrite.table.ensembles[i] & ~1) | (spine.task ? 1 : 0)
                    }
                }
            }
            return track
        }
        let sampler = try InitialSizeSampler(population: population, model: model)
        _ = try parallelMap(count: dendrites.count, threads: context.threads) { index in
            let dendrite = dendrites[index]
            try dendrite.random.withHandle { random in
                let count = random.poisson(mean: population.densityPerUm * dendrite.lengthUm)
                for _ in 0..<count {
                    let x = random.uniform() * dendrite.lengthUm
                    let rho: Double = random.uniform() < population.fractionPotentiated ? 1 : 0
                    let (s, stable) = try sampler.draw(efficacy: rho, random: random)
                    dendrite.table.append(position: x, logVolume: s, efficacy: rho, weight: model.weight.target(efficacy: rho),
                                          birthDay: 0, serial: dendrite.takeSerial(), origin: .initial, flags: stable ? SpineFlag.stable : 0)
                    dendrite.table.previousDayLogVolume[dendrite.table.count - 1] = s   // alive at day 0
                }
            }
        }
        let track = Track(path: [], dendrites: dendrites, day: 0, trained: [:])
        try wire(track, ensembles: 0..<ensembles, wiring: wiring, context: context)
        return track
    }

    /// Appends the spines of a file to their dendrites, in file order: w =
    /// w̄(ρ), alive at day 0, established (stable when the model has a stable
    /// state, as day-0 spines of given sizes; docs/MODEL.md §3).
    static func place(_ spines: [[InitialSpine]], on dendrites: [Dendrite], model: PopulationModel) {
        let established = model.sizeForm == .ou && model.size.stability != nil
        for dendrite in dendrites {
            for spine in spines[dendrite.index] {
                let s = log(spine.volumeUm3)
                dendrite.table.append(position: spine.positionUm, logVolume: s, efficacy: spine.efficacy,
                                      weight: model.weight.target(efficacy: spine.efficacy), birthDay: 0, serial: dendrite.takeSerial(),
                                      origin: .initial, flags: established ? SpineFlag.stable : 0)
                dendrite.table.previousDayLogVolume[dendrite.table.count - 1] = s   // alive at day 0
            }
        }
    }

    /// Wires task ensembles `ensembles` (the next ones of `track`) on every
    /// dendrite from stream (axons of k, dendrite index) of this run
    /// (docs/MODEL.md §4): independent placement (ℓ = 0) draws one uniform
    /// per spine, each below f_task joining; clustered placement draws the
    /// ensemble's field and thresholds it at each spine's position.
    static func wire(_ track: Track, ensembles: Range<Int>, wiring: TaskWiring, context: RunContext) throws {
        precondition(track.wiring.count == ensembles.lowerBound, "ensembles are wired in order")
        for k in ensembles {
            let record = TaskWiringRecord(wiring: wiring, generator: context.generator.name, runSeed: context.seeds.runSeed)
            let bit = UInt8(1) << UInt8(k)
            for dendrite in track.dendrites {
                try record.stream(ensemble: k, dendrite: dendrite.index).withHandle { random in
                    if wiring.isClustered {
                        let field = wiring.field(lengthUm: dendrite.lengthUm, random: random)
                        for i in 0..<dendrite.table.count where field.isTaskRelated(atUm: dendrite.table.position[i]) {
                            dendrite.table.ensembles[i] |= bit
                        }
                        dendrite.setTaskField(field, ensemble: k)
                    } else {
                        for i in 0..<dendrite.table.count where random.uniform() < wiring.taskFraction { dendrite.table.ensembles[i] |= bit }
                        dendrite.setTaskField(nil, ensemble: k)
                    }
                }
            }
            track.wiring.append(record)
        }
    }
}

/// How one task ensemble was wired (docs/MODEL.md §4): its placement and the
/// run whose streams drew it — enough to regenerate its fields after a
/// checkpoint, or in a run that starts from another run's final state.
struct TaskWiringRecord: Codable, Sendable, Equatable {
    var correlationLengthUm: Double
    var taskFraction: Double
    /// GSL's name of the generator and the run seed that drew the ensemble.
    var generator: String
    var runSeed: UInt64

    init(wiring: TaskWiring, generator: String, runSeed: UInt64) {
        correlationLengthUm = wiring.correlationLengthUm
        taskFraction = wiring.taskFraction
        self.generator = generator
        self.runSeed = runSeed
    }

    var wiring: TaskWiring { TaskWiring(correlationLengthUm: correlationLengthUm, taskFraction: taskFraction) }

    /// An ensemble placed independently (states written before clustered
    /// wiring, whose ensembles were all independent): nothing to regenerate.
    static let independent = TaskWiringRecord(wiring: TaskWiring(correlationLengthUm: 0, taskFraction: 0), generator: "", runSeed: 0)

    /// The stream that wired ensemble k on dendrite `index`.
    func stream(ensemble k: Int, dendrite index: Int) throws -> RandomStream {
        guard let type = GeneratorType(name: generator) else {
            throw RunError("the task wiring names an unknown generator '\(generator)'")
        }
        return RandomStream(type: type, seeds: StreamSeeds(runSeed: runSeed), purpose: StreamPurpose.axons(ensemble: k), index: index)
    }

    /// Ensemble k's field on `dendrite`, regenerated from its stream (nil
    /// for independent placement).
    func field(ensemble k: Int, on dendrite: Dendrite) throws -> TaskField? {
        guard wiring.isClustered else { return nil }
        return try stream(ensemble: k, dendrite: dendrite.index).withHandle { wiring.field(lengthUm: dendrite.lengthUm, random: $0) }
    }

    /// Regenerates the fields of every ensemble of `records` on `dendrites`.
    static func regenerateFields(_ records: [TaskWiringRecord], on dendrites: [Dendrite]) throws {
        for dendrite in dendrites {
            dendrite.taskFields = try records.enumerated().map { k, record in try record.field(ensemble: k, on: dendrite) }
        }
    }
}

/// Draws initial log-volumes (always above v_min).
struct InitialSizeSampler: Sendable {
    /// Draws one spine's size may take before the run stops with an error.
    static let maximumAttempts = 1e7

    let population: InitialPopulation
    let model: PopulationModel
    let kesten: KestenStationarySamplers?

    init(population: InitialPopulation, model: PopulationModel) throws {
        self.population = population
        self.model = model
        kesten = try KestenStationarySamplers.of(model)
    }

    /// A log-volume and whether the spine is stable (docs/MODEL.md §3):
    /// with `equilibrium` sizes the state is drawn with the size; otherwise
    /// day-0 spines are established, stable when the model has a stable state.
    func draw(efficacy rho: Double, random: RandomHandle) throws -> (logVolume: Double, stable: Bool) {
        let b = model.turnover.eliminationLogVolume
        let size = model.size
        let established = model.sizeForm == .ou && size.stability != nil
        // Every rejection loop is capped: validation (`ResourceLimits.checkInitialSizes`)
        // refuses settings whose acceptance is this small, so reaching the cap names them.
        var attempts = 0.0
        func attempt() throws {
            attempts += 1
            if attempts > InitialSizeSampler.maximumAttempts {
                throw RunError("initial_population.sizes: no initial size above v_min was accepted in \(ConfigMapping.format(InitialSizeSampler.maximumAttempts)) draws for one spine; the initial size distribution (initial_population.sizes, size_dynamics.stationary_sd) lies almost entirely below turnover.v_min_um3 or outside the equilibrium law")
            }
        }
        /// A Gaussian draw of ln v above b.
        func gaussianAbove(mean: Double, sd: Double) throws -> Double {
            if sd == 0 { return mean }
            while true {
                try attempt()
                let s = mean + sd * random.gaussian()
                if s > b { return s }
            }
        }
        switch population.sizes {
        case .stationary:
            if let kesten {
                while true {
                    try attempt()
                    let v = kesten.sampler(efficacy: rho).quantile(random.uniformPositive())
                    if v > model.turnover.minimumVolume { return (log(v), false) }
                }
            }
            return (try gaussianAbove(mean: size.target(efficacy: rho), sd: size.effectiveStationarySD), established)
        case .equilibrium:
            if rho != 0 { return (try gaussianAbove(mean: size.target(efficacy: rho), sd: size.effectiveStationarySD), established) }
            let theory = OUTurnoverTheory(size: size, rules: model.turnover)
            let newLogVolume = log(model.turnover.newSpineVolume)
            while true {
                let s = try gaussianAbove(mean: size.target(efficacy: 0), sd: size.effectiveStationarySD)
                let (weight, stableFraction) = theory.equilibrium(logVolume: s, newSpineLogVolume: newLogVolume)
                if weight >= 1 || random.uniform() < weight {
                    return (s, stableFraction >= 1 || (stableFraction > 0 && random.uniform() < stableFraction))
                }
            }
        case let .lognormal(mu, sigma):
            return (try gaussianAbove(mean: mu, sd: sigma), established)
        case let .uniform(low, high):
            return (log(low + random.uniform() * (high - low)), established)
        case let .fixed(v):
            return (log(v), established)
        }
    }
}
