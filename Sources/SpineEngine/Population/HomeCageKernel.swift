import Foundation
import GSL
import SpineModel

/// Log-spaced volume bins for the fluctuation recorder.
public struct VolumeBins: Sendable, Equatable {
    public let lowerUm3: Double
    public let upperUm3: Double
    public let count: Int
    let logLower: Double
    let logWidth: Double

    public init(lowerUm3: Double, upperUm3: Double, count: Int) {
        self.lowerUm3 = lowerUm3
        self.upperUm3 = upperUm3
        self.count = count
        logLower = log(lowerUm3)
        logWidth = log(upperUm3 / lowerUm3) / Double(count)
    }

    /// The bin of log-volume s, or nil outside the range.
    func bin(logVolume s: Double) -> Int? {
        let position = (s - logLower) / logWidth
        guard position >= 0, position < Double(count) else { return nil }
        return Int(position)
    }

    public func edges(_ k: Int) -> (lower: Double, upper: Double) {
        (exp(logLower + Double(k) * logWidth), exp(logLower + Double(k + 1) * logWidth))
    }
}

/// Sums of one-day volume changes of surviving spines, by starting volume.
public struct FluctuationAccumulator: Sendable, Codable, Equatable {
    public var count: [Int]
    public var sumAbsoluteChange: [Double]
    public var sumRelativeChange: [Double]

    public init(bins: Int) {
        count = Array(repeating: 0, count: bins)
        sumAbsoluteChange = Array(repeating: 0, count: bins)
        sumRelativeChange = Array(repeating: 0, count: bins)
    }

    mutating func add(bin k: Int, from s0: Double, to s1: Double) {
        let v0 = exp(s0), change = abs(exp(s1) - v0)
        count[k] += 1
        sumAbsoluteChange[k] += change
        sumRelativeChange[k] += change / v0
    }

    public mutating func merge(_ other: FluctuationAccumulator) {
        for k in count.indices {
            count[k] += other.count[k]
            sumAbsoluteChange[k] += other.sumAbsoluteChange[k]
            sumRelativeChange[k] += other.sumRelativeChange[k]
        }
    }
}

/// What one dendrite's step produced; merged in dendrite order afterwards,
/// so that results do not depend on which thread ran which dendrite.
public struct DendriteStepReport: Sendable {
    public var events: [TurnoverEvent] = []
    public var fluctuations: FluctuationAccumulator
    /// Deaths of spines that were alive at the last whole day (seen lost by daily imaging).
    public var lostSinceLastDay = 0
    /// At a whole day: alive spines that were not alive at the previous one (seen gained).
    public var gainedAtDay = 0
}

/// Advances dendrites through home-cage time (no activity) in exact steps
/// (docs/MODEL.md §3–4): ρ relaxes deterministically (exact), the functional
/// weight follows it, sizes take their size step (`SizeStepper`),
/// elimination by v_min and by the optional hazard, probation of new spines,
/// and baseline and activity-guided spinogenesis. The rules are the model's
/// (`SpineModel`); this loop applies them to a dendrite's spine table in one
/// fixed order of random draws.
public struct HomeCageKernel: Sendable {
    public let model: PopulationModel
    public let fluctuationBins: VolumeBins
    /// Stationary samplers of the Kesten form (nil for OU).
    public let kestenSamplers: KestenStationarySamplers?

    public init(model: PopulationModel, fluctuationBins: VolumeBins) throws {
        self.model = model
        self.fluctuationBins = fluctuationBins
        kestenSamplers = try KestenStationarySamplers.of(model)
    }

    /// The size step of `days` under this kernel's model.
    func sizeStepper(days: Double) -> SizeStepper { SizeStepper(model: model, samplers: kestenSamplers, days: days) }

    /// Activity-guided births of a step: the rule and the positions of the
    /// eligible spines (docs/MODEL.md §4).
    public struct GuidedBirths: Sendable {
        public var rule: ActivityGuidedSpinogenesis
        public var sources: [Double]

        public init(rule: ActivityGuidedSpinogenesis, sources: [Double]) {
            self.rule = rule
            self.sources = sources
        }
    }

    /// Advances one dendrite from day t0 by `days`; `wholeDay` marks a step
    /// ending on a whole day (fluctuations are recorded over whole days).
    public func advance(_ dendrite: Dendrite, from t0: Double, days: Double, wholeDay: Bool,
                        guided: GuidedBirths? = nil) throws -> DendriteStepReport {
        try dendrite.random.withHandle { random in
            var table = dendrite.table
            var nextSerial = dendrite.nextSerial
            defer {
                dendrite.table = table
                dendrite.nextSerial = nextSerial
            }
            return try advance(table: &table, nextSerial: &nextSerial, lengthUm: dendrite.lengthUm, taskFields: dendrite.taskFields,
                               from: t0, days: days, wholeDay: wholeDay, guided: guided, random: random)
        }
    }

    private func advance(table: inout SpineTable, nextSerial: inout UInt32, lengthUm: Double, taskFields: [TaskField?], from t0: Double,
                         days dt: Double, wholeDay: Bool, guided: GuidedBirths?, random: RandomHandle) throws -> DendriteStepReport {
        let t1 = t0 + dt
        var report = DendriteStepReport(fluctuations: FluctuationAccumulator(bins: fluctuationBins.count))
        let integrator = EfficacyIntegrator(parameters: model.plasticity)
        let weight = model.weight
        let turnover = model.turnover
        let newSpines = model.newSpines
        let rhoStar = model.plasticity.rhoStar
        let b = turnover.eliminationLogVolume
        let hazardOn = turnover.hazardEnabled
        let stepper = sizeStepper(days: dt)
        let milliseconds = dt * PopulationModel.secondsPerDay * 1000
        let weightRemaining = weight.remaining(afterSeconds: dt * PopulationModel.secondsPerDay)

        var i = 0
        while i < table.count {
            var rho = table.efficacy[i]
            if rho != 0 && rho != 1 { rho = try integrator.relax(rho, durationMs: milliseconds) }
            table.efficacy[i] = rho
            table.weight[i] = weight.relaxed(table.weight[i], efficacy: rho, remaining: weightRemaining)
            let s0 = table.logVolume[i]
            let wasStable = table.flags[i] & SpineFlag.stable != 0
            var (s1, e1, cause, isStable) = stepper.step(from: s0, efficacy: rho, expressed: table.expressedEfficacy[i],
                                                         isStable: wasStable, random: random)
            table.expressedEfficacy[i] = e1
            if isStable && !wasStable { table.flags[i] |= SpineFlag.stable }
            if cause == nil && hazardOn && random.uniform() >= turnover.hazardSurvival(from: s0, to: s1, days: dt) {
                cause = .hazard
            }
            if cause == nil, table.flags[i] & SpineFlag.probation != 0 {
                if newSpines.stabilises(efficacy: rho, rhoStar: rhoStar) {
                    table.flags[i] &= ~SpineFlag.probation
                } else if newSpines.probationEnded(bornDay: table.birthDay[i], now: t1) {
                    cause = .transient
                }
            }
            if let cause {
                report.events.append(TurnoverEvent(isBirth: false, day: t1, serial: table.serial[i], positionUm: table.position[i],
                                                   cause: cause, logVolume: cause == .belowMinimumVolume ? min(s1, b) : s1))
                if !table.previousDayLogVolume[i].isNaN { report.lostSinceLastDay += 1 }
                table.remove(at: i)
                continue
            }
            table.logVolume[i] = s1
            if wholeDay {
                let previous = table.previousDayLogVolume[i]
                if previous.isNaN {
                    report.gainedAtDay += 1
                } else if let k = fluctuationBins.bin(logVolume: previous) {
                    report.fluctuations.add(bin: k, from: previous, to: s1)
                }
                table.previousDayLogVolume[i] = s1
            }
            i += 1
        }

        // Baseline births uniform along the dendrite; activity-guided births
        // around the eligible spines. Each is born at a uniform time of the
        // step and lives the rest of it; its axon comes from the local pool
        // (the task fields at its position where the wiring is clustered).
        let baselineBirths = turnover.baselineBirths(lengthUm: lengthUm, days: dt, random: random)
        let guidedPositions = guided.map { $0.rule.births(around: $0.sources, lengthUm: lengthUm, days: dt, random: random) } ?? []
        let newLogVolume = log(turnover.newSpineVolume)
        for birth in 0..<(baselineBirths + guidedPositions.count) {
            let isBaseline = birth < baselineBirths
            let x = isBaseline ? random.uniform() * lengthUm : guidedPositions[birth - baselineBirths]
            let birthCause: TurnoverCause = isBaseline ? .baselineSpinogenesis : .activityGuidedSpinogenesis
            let bornAt = t0 + random.uniform() * dt
            let serial = nextSerial
            nextSerial += 1
            report.events.append(TurnoverEvent(isBirth: true, day: bornAt, serial: serial, positionUm: x,
                                               cause: birthCause, logVolume: newLogVolume))
            var flags: UInt8 = newSpines.startsOnProbation(activityGuided: !isBaseline) ? SpineFlag.probation : 0
            let ensembles = newSpines.drawEnsembles(atUm: x, fields: taskFields, random: random)
            var (s1, _, cause, isStable) = sizeStepper(days: t1 - bornAt).step(from: newLogVolume, efficacy: 0, expressed: 0, random: random)
            if isStable { flags |= SpineFlag.stable }
            if cause == nil && hazardOn && random.uniform() >= turnover.hazardSurvival(from: newLogVolume, to: s1, days: t1 - bornAt) {
                cause = .hazard
            }
            if let cause {
                report.events.append(TurnoverEvent(isBirth: false, day: t1, serial: serial, positionUm: x, cause: cause,
                                                   logVolume: cause == .belowMinimumVolume ? min(s1, b) : s1))
                continue
            }
            table.append(position: x, logVolume: s1, efficacy: 0, weight: 1, birthDay: bornAt, serial: serial,
                         origin: isBaseline ? .baseline : .activityGuided, flags: flags, ensembles: ensembles)
            table.baselineLogVolume[table.count - 1] = newLogVolume
            if wholeDay {
                table.previousDayLogVolume[table.count - 1] = s1
                report.gainedAtDay += 1
            }
        }
        return report
    }
}
