import Foundation
import GSL
import SpineModel

/// The day-0 state of a timeline (docs/MODEL.md §3–4): dendrites with a
/// Poisson number of spines at uniform positions, potentiated with
/// probability `fraction_potentiated`, sizes as configured; then the wiring
/// of every task ensemble (each spine's axon joins ensemble k with
/// probability f, from the ensemble's own stream per dendrite).
enum InitialState {
    static func track(_ population: InitialPopulation, model: PopulationModel, ensembles: Int, taskFraction: Double,
                      context: RunContext) throws -> Track {
        let expected = Int(population.densityPerUm * population.dendriteLengthUm)
        let dendrites = (0..<population.dendriteCount).map { index in
            Dendrite(index: index, lengthUm: population.dendriteLengthUm, expectedSpines: expected,
                     generator: context.generator, seeds: context.seeds)
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
        wire(dendrites, ensembles: 0..<ensembles, taskFraction: taskFraction, context: context)
        return Track(path: [], dendrites: dendrites, day: 0, trained: [:])
    }

    /// Draws which spines' axons belong to each of `ensembles`.
    static func wire(_ dendrites: [Dendrite], ensembles: Range<Int>, taskFraction: Double, context: RunContext) {
        for k in ensembles {
            let bit = UInt8(1) << UInt8(k)
            for dendrite in dendrites {
                RandomStream(type: context.generator, seeds: context.seeds, purpose: StreamPurpose.axons(ensemble: k), index: dendrite.index)
                    .withHandle { random in
                        for i in 0..<dendrite.table.count where random.uniform() < taskFraction { dendrite.table.ensembles[i] |= bit }
                    }
            }
        }
    }
}

/// Draws initial log-volumes (always above v_min).
struct InitialSizeSampler: Sendable {
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
        /// A Gaussian draw of ln v above b.
        func gaussianAbove(mean: Double, sd: Double) -> Double {
            if sd == 0 { return mean }
            while true {
                let s = mean + sd * random.gaussian()
                if s > b { return s }
            }
        }
        switch population.sizes {
        case .stationary:
            if let kesten {
                while true {
                    let v = kesten.sampler(efficacy: rho).quantile(random.uniformPositive())
                    if v > model.turnover.minimumVolume { return (log(v), false) }
                }
            }
            return (gaussianAbove(mean: size.target(efficacy: rho), sd: size.effectiveStationarySD), established)
        case .equilibrium:
            if rho != 0 { return (gaussianAbove(mean: size.target(efficacy: rho), sd: size.effectiveStationarySD), established) }
            let theory = OUTurnoverTheory(size: size, rules: model.turnover)
            let newLogVolume = log(model.turnover.newSpineVolume)
            while true {
                let s = gaussianAbove(mean: size.target(efficacy: 0), sd: size.effectiveStationarySD)
                let (weight, stableFraction) = theory.equilibrium(logVolume: s, newSpineLogVolume: newLogVolume)
                if weight >= 1 || random.uniform() < weight {
                    return (s, stableFraction >= 1 || (stableFraction > 0 && random.uniform() < stableFraction))
                }
            }
        case let .lognormal(mu, sigma):
            return (gaussianAbove(mean: mu, sd: sigma), established)
        case let .uniform(low, high):
            return (log(low + random.uniform() * (high - low)), established)
        case let .fixed(v):
            return (log(v), established)
        }
    }
}
