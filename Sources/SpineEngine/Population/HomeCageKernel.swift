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

/// Advances dendrites through home-cage time (no activity) in exact steps:
/// ρ relaxes deterministically (exact), the functional weight follows it,
/// sizes take their exact OU transition (or Kesten steps), elimination by
/// v_min (bridge-corrected) and by the optional hazard, and baseline
/// spinogenesis as a Poisson process in time and along the dendrite.
public struct HomeCageKernel: Sendable {
    public let model: PopulationModel
    public let fluctuationBins: VolumeBins
    /// Stationary samplers of the Kesten form for ρ = 0 and ρ = 1 (nil for OU).
    public let kestenSamplers: (depressed: KestenStationarySampler, potentiated: KestenStationarySampler)?

    public init(model: PopulationModel, fluctuationBins: VolumeBins) throws {
        self.model = model
        self.fluctuationBins = fluctuationBins
        if model.sizeForm == .kesten {
            kestenSamplers = (try KestenStationarySampler(HomeCageKernel.kesten(model, efficacy: 0)),
                              try KestenStationarySampler(HomeCageKernel.kesten(model, efficacy: 1)))
        } else {
            kestenSamplers = nil
        }
    }

    /// The Kesten process of a spine with efficacy ρ: the extrinsic coupling
    /// scales μ_η (hence the stationary mean) by e^{Δm·ρ}.
    static func kesten(_ model: PopulationModel, efficacy rho: Double) -> KestenProcess {
        var process = model.kesten
        process.muEta *= exp(model.size.potentiationLogShift * rho)
        return process
    }

    static let secondsPerDay = 86_400.0

    /// Activity-guided births of a step: the rule and the positions of the
    /// eligible spines (MODEL.md §4).
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
            return try advance(table: &table, nextSerial: &nextSerial, lengthUm: dendrite.lengthUm,
                               from: t0, days: days, wholeDay: wholeDay, guided: guided, random: random)
        }
    }

    private func advance(table: inout SpineTable, nextSerial: inout UInt32, lengthUm: Double, from t0: Double,
                         days dt: Double, wholeDay: Bool, guided: GuidedBirths?, random: RandomHandle) throws -> DendriteStepReport {
        let t1 = t0 + dt
        var report = DendriteStepReport(fluctuations: FluctuationAccumulator(bins: fluctuationBins.count))
        let integrator = EfficacyIntegrator(parameters: model.plasticity)
        let weight = model.weight
        let turnover = model.turnover
        let b = turnover.eliminationLogVolume
        let hazardOn = turnover.hazardEnabled
        let stepper = SizeStepper(kernel: self, days: dt)
        let milliseconds = dt * HomeCageKernel.secondsPerDay * 1000
        let weightRemaining = weight.remaining(afterSeconds: dt * HomeCageKernel.secondsPerDay)

        var i = 0
        while i < table.count {
            var rho = table.efficacy[i]
            if rho != 0 && rho != 1 { rho = try integrator.relax(rho, durationMs: milliseconds) }
            table.efficacy[i] = rho
            table.weight[i] = weight.relaxed(table.weight[i], efficacy: rho, remaining: weightRemaining)
            let s0 = table.logVolume[i]
            var (s1, e1, cause) = stepper.step(from: s0, efficacy: rho, expressed: table.expressedEfficacy[i], random: random)
            table.expressedEfficacy[i] = e1
            if cause == nil && hazardOn && random.uniform() >= turnover.hazardSurvival(from: s0, to: s1, days: dt) {
                cause = .hazard
            }
            if cause == nil, table.flags[i] & SpineFlag.probation != 0, let probation = model.newSpines.probationDays {
                if rho > model.plasticity.rhoStar {
                    table.flags[i] &= ~SpineFlag.probation
                } else if t1 >= table.birthDay[i] + probation {
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

        // Baseline spinogenesis: Poisson in time and uniform along the dendrite;
        // activity-guided spinogenesis around the eligible spines.
        let expectedBirths = turnover.spinogenesisRate * lengthUm * dt
        let baselineBirths = expectedBirths > 0 ? random.poisson(mean: expectedBirths) : 0
        let guidedPositions = guided.map { $0.rule.births(around: $0.sources, lengthUm: lengthUm, days: dt, random: random) } ?? []
        let newLogVolume = log(turnover.newSpineVolume)
        let newSpines = model.newSpines
        for birth in 0..<(baselineBirths + guidedPositions.count) {
            let isBaseline = birth < baselineBirths
            let x = isBaseline ? random.uniform() * lengthUm : guidedPositions[birth - baselineBirths]
            let birthCause: TurnoverCause = isBaseline ? .baselineSpinogenesis : .activityGuidedSpinogenesis
            let bornAt = t0 + random.uniform() * dt
            let serial = nextSerial
            nextSerial += 1
            report.events.append(TurnoverEvent(isBirth: true, day: bornAt, serial: serial, positionUm: x,
                                               cause: birthCause, logVolume: newLogVolume))
            var flags: UInt8 = isBaseline || newSpines.probationDays == nil ? 0 : SpineFlag.probation
            if newSpines.taskFraction > 0 && random.uniform() < newSpines.taskFraction { flags |= SpineFlag.taskRelated }
            let remaining = SizeStepper(kernel: self, days: t1 - bornAt)
            var (s1, _, cause) = remaining.step(from: newLogVolume, efficacy: 0, expressed: 0, random: random)
            if cause == nil && hazardOn && random.uniform() >= turnover.hazardSurvival(from: newLogVolume, to: s1, days: t1 - bornAt) {
                cause = .hazard
            }
            if let cause {
                report.events.append(TurnoverEvent(isBirth: false, day: t1, serial: serial, positionUm: x, cause: cause,
                                                   logVolume: cause == .belowMinimumVolume ? min(s1, b) : s1))
                continue
            }
            table.append(position: x, logVolume: s1, efficacy: 0, weight: 1, birthDay: bornAt, serial: serial,
                         origin: birthCause == .baselineSpinogenesis ? .baseline : .activityGuided, flags: flags)
            table.baselineLogVolume[table.count - 1] = newLogVolume
            if wholeDay {
                table.previousDayLogVolume[table.count - 1] = s1
                report.gainedAtDay += 1
            }
        }
        return report
    }
}

/// One size step of a fixed length for any spine: the exact OU transition
/// with the bridge-corrected v_min test, or Kesten substeps / a stationary
/// draw with v_min tested at the end of every substep. With a structural
/// expression time τ_e, the OU part moves z = s − Δm·e and e relaxes to ρ
/// exactly; the crossing of s = b is then z's crossing of the moving level
/// b − Δm·e, whose end distances are again s₀ − b and s₁ − b (the boundary
/// linearised over the step, as before).
struct SizeStepper {
    let kernel: HomeCageKernel
    let days: Double
    let decay: Double
    let sd: Double
    /// V of the bridge crossing probability.
    let stepVariance: Double
    let noise: Bool
    let eliminationLogVolume: Double
    /// e^{−Δt/τ_e}, nil without a separate expression time.
    let expressionDecay: Double?

    init(kernel: HomeCageKernel, days: Double) {
        self.kernel = kernel
        self.days = days
        let transition = kernel.model.size.transition(days: days)
        decay = transition.decay
        sd = transition.sd
        let size = kernel.model.size
        stepVariance = TurnoverRules.bridgeVariance(stationarySD: size.effectiveStationarySD, relaxationDays: size.relaxationDays, days: days)
        noise = size.intrinsicNoise && sd > 0
        eliminationLogVolume = kernel.model.turnover.eliminationLogVolume
        expressionDecay = size.expressionDecay(days: days)
    }

    /// The new log-volume and expressed efficacy e, and the cause if the
    /// spine was eliminated.
    @inline(__always)
    func step(from s0: Double, efficacy rho: Double, expressed e0: Double, random: RandomHandle) -> (Double, Double, TurnoverCause?) {
        let b = eliminationLogVolume
        let e1 = expressionDecay.map { rho + (e0 - rho) * $0 } ?? rho
        switch kernel.model.sizeForm {
        case .ou:
            let size = kernel.model.size
            var s1: Double
            if expressionDecay == nil {
                let m = size.target(efficacy: rho)
                s1 = m + (s0 - m) * decay
            } else {
                let m = size.baselineLogVolume, z0 = s0 - size.potentiationLogShift * e0
                s1 = m + (z0 - m) * decay + size.potentiationLogShift * e1
            }
            if noise { s1 += sd * random.gaussian() }
            if s1 <= b { return (s1, e1, .belowMinimumVolume) }
            if noise {
                let p = TurnoverRules.bridgeCrossingProbability(from: s0, to: s1, level: b, bridgeVariance: stepVariance)
                if p > 0 && random.uniform() < p { return (s1, e1, .belowMinimumVolume) }
            }
            return (s1, e1, nil)
        case .kesten:
            let seconds = days * HomeCageKernel.secondsPerDay
            let process = HomeCageKernel.kesten(kernel.model, efficacy: e1)
            let vMin = kernel.model.turnover.minimumVolume
            if process.forgetsStart(seconds: seconds), let samplers = kernel.kestenSamplers {
                let v = (e1 < 0.5 ? samplers.depressed : samplers.potentiated).quantile(random.uniformPositive())
                return v < vMin ? (v > 0 ? log(v) : b, e1, .belowMinimumVolume) : (log(v), e1, nil)
            }
            let substeps = max(1, Int((seconds / process.substepSeconds).rounded(.up)))
            let h = seconds / Double(substeps)
            var v = exp(s0)
            for _ in 0..<substeps {
                v = process.substep(v, seconds: h, xi: random.gaussian())
                if v < vMin { return (v > 0 ? log(v) : b, e1, .belowMinimumVolume) }
            }
            return (log(v), e1, nil)
        }
    }
}
