import Foundation
import SpineModel

/// How the day-0 spines' sizes are drawn.
public enum InitialSizes: Sendable, Equatable {
    /// s ~ N(m(ρ), sd) of the OU, above v_min.
    case stationary
    /// The equilibrium of baseline spinogenesis and elimination (OU form):
    /// depressed spines from the Green's function of the killed OU with births
    /// at the new-spine size; potentiated ones as `stationary`.
    case equilibrium
    /// ln v ~ N(mu, sigma), above v_min.
    case lognormal(mu: Double, sigma: Double)
    /// v uniform in [min, max] µm³.
    case uniform(minUm3: Double, maxUm3: Double)
    /// Every spine at one volume.
    case fixed(um3: Double)
}

/// The `population` experiment: dendrites in the home cage (no activity),
/// intrinsic and extrinsic size dynamics, turnover (MODEL.md §3–4).
public struct PopulationConfig: Sendable {
    public var dendriteCount: Int
    public var dendriteLengthUm: Double
    public var durationDays: Int
    /// Steps per day (the step is 1/stepsPerDay days).
    public var stepsPerDay: Int
    public var plasticity: PlasticityConfig
    public var initialDensityPerUm: Double
    public var initialFractionPotentiated: Double
    public var initialSizes: InitialSizes
    public var sizeForm: PopulationModel.SizeForm
    public var size: LogSizeOU
    public var kesten: KestenProcess
    public var weight: FunctionalWeight
    public var turnover: TurnoverRules
    /// nil: "auto" (rate that keeps the initial density stationary).
    public var spinogenesisRateSetting: Double?
    public var recording: RecordingPlan

    /// The model with the spinogenesis rate resolved (`auto` by Little's law).
    public func resolvedModel() throws -> (model: PopulationModel, meanNewSpineLifetimeDays: Double?) {
        var rules = turnover
        var lifetime: Double?
        if let rate = spinogenesisRateSetting {
            rules.spinogenesisRate = rate
        } else {
            let theory = OUTurnoverTheory(size: size, rules: turnover)
            lifetime = try theory.meanLifetimeDays(fromLogVolume: log(turnover.newSpineVolume))
            rules.spinogenesisRate = try theory.stationarySpinogenesisRate(density: initialDensityPerUm,
                                                                           newSpineVolume: turnover.newSpineVolume)
        }
        return (PopulationModel(plasticity: plasticity.parameters, sizeForm: sizeForm, size: size, kesten: kesten,
                                weight: weight, turnover: rules), lifetime)
    }

    static func read(_ root: ConfigMapping) throws -> PopulationConfig {
        let (count, length) = try readDendrites(root)
        let duration = try root.int("duration_days", in: 1...36_500)
        let stepDays = try root.positiveDouble("step_days", upTo: 1, default: 1, unit: "days")
        let stepsPerDay = (1 / stepDays).rounded()
        guard abs(1 / stepDays - stepsPerDay) < 1e-9 * stepsPerDay, stepsPerDay <= 1440 else {
            throw root.error("step_days", root.value("step_days"),
                             "value \(ConfigMapping.format(stepDays)) does not divide a day; allowed: 1/k days for an integer k from 1 to 1440 (1, 0.5, 0.25, 0.1, …)")
        }
        let plasticity = try PlasticityConfig.read(root.mapping("plasticity"))
        let (form, size, kesten) = try readSizeDynamics(root.mapping("size_dynamics"))
        let weight = try readWeight(root.mapping("functional_weight"))
        let (rules, rateSetting) = try readTurnover(root.mapping("turnover"), form: form, size: size)
        let (density, fraction, sizes) = try readInitialPopulation(root.mapping("initial_population"), rules: rules, form: form, size: size)
        if rateSetting == nil && density == 0 {
            throw root.error("initial_population", nil, "the 'auto' spinogenesis rate keeps the initial density; allowed: density_per_um > 0")
        }

        let days = 0...duration
        var recording = RecordingPlan(sizeDistributionDays: [0, duration],
                                      sizeBins: VolumeBins(lowerUm3: 0.005, upperUm3: 5, count: 45),
                                      fluctuationBins: VolumeBins(lowerUm3: 0.02, upperUm3: 1, count: 12),
                                      survivalCohortDays: [0])
        if let section = try root.mapping("recording") {
            if section.contains("size_distribution_days") {
                recording.sizeDistributionDays = try section.wholeDays("size_distribution_days", in: days)
            } else { _ = section.value("size_distribution_days") }
            if let bins = try section.mapping("size_bins") { recording.sizeBins = try readBins(bins) }
            if let bins = try section.mapping("fluctuation_bins") { recording.fluctuationBins = try readBins(bins) }
            if section.contains("survival_cohort_days") {
                recording.survivalCohortDays = try section.wholeDays("survival_cohort_days", in: days, maxCount: 2)
            } else { _ = section.value("survival_cohort_days") }
            recording.turnoverEvents = try section.bool("turnover_events", default: true)
            try section.finish()
        }
        return PopulationConfig(dendriteCount: count, dendriteLengthUm: length, durationDays: duration, stepsPerDay: Int(stepsPerDay),
                                plasticity: plasticity, initialDensityPerUm: density, initialFractionPotentiated: fraction,
                                initialSizes: sizes, sizeForm: form, size: size, kesten: kesten, weight: weight, turnover: rules,
                                spinogenesisRateSetting: rateSetting, recording: recording)
    }

    // MARK: sections shared by experiments that hold a spine population

    /// `dendrites: {count, length_um}` (required).
    static func readDendrites(_ root: ConfigMapping) throws -> (count: Int, lengthUm: Double) {
        guard let dendrites = try root.mapping("dendrites") else {
            throw root.missing("dendrites", allowed: "a mapping with 'count' and 'length_um'")
        }
        let count = try dendrites.int("count", in: 1...1_000_000)
        let length = try dendrites.positiveDouble("length_um", upTo: 100_000, unit: "µm")
        try dendrites.finish()
        return (count, length)
    }

    static func readSizeDynamics(_ section: ConfigMapping?) throws -> (PopulationModel.SizeForm, LogSizeOU, KestenProcess) {
        var size = LogSizeOU()
        var kesten = KestenProcess()
        var form = PopulationModel.SizeForm.ou
        guard let section else { return (form, size, kesten) }
        form = PopulationModel.SizeForm(rawValue: try section.choice("form", from: PopulationModel.SizeForm.allCases.map(\.rawValue), default: "ou"))!
        size.intrinsicNoise = try section.bool("intrinsic_noise", default: true)
        size.baselineLogVolume = try section.double("baseline_log_volume", in: -10...3, default: size.baselineLogVolume, unit: "(ln µm³)")
        size.potentiationLogShift = try section.double("potentiation_log_shift", in: -5...5, default: size.potentiationLogShift)
        size.relaxationDays = try section.positiveDouble("relaxation_days", upTo: 3650, default: size.relaxationDays, unit: "days")
        size.stationarySD = try section.positiveDouble("stationary_sd", upTo: 5, default: size.stationarySD)
        if section.contains("expression_hours") {
            size.expressionDays = try section.positiveDouble("expression_hours", upTo: 24 * 3650, default: 1, unit: "hours") / 24
        } else { _ = section.value("expression_hours") }
        if let k = try section.mapping("kesten") {
            kesten.muEpsilon = try k.double("mu_epsilon_per_s", in: -100...(-1e-12), default: kesten.muEpsilon, unit: "1/s")
            kesten.muEta = try k.positiveDouble("mu_eta_um3_per_s", upTo: 100, default: kesten.muEta, unit: "µm³/s")
            kesten.sigmaEpsilonSquared = try k.double("sigma_epsilon_sq_per_s", in: 0...100, default: kesten.sigmaEpsilonSquared, unit: "1/s")
            kesten.sigmaEtaSquared = try k.positiveDouble("sigma_eta_sq_um6_per_s", upTo: 100, default: kesten.sigmaEtaSquared, unit: "µm⁶/s")
            kesten.substepSeconds = try k.positiveDouble("substep_s", upTo: 3600, default: kesten.substepSeconds, unit: "s")
            guard kesten.sigmaEpsilonSquared < 2 * abs(kesten.muEpsilon) else {
                throw k.error("sigma_epsilon_sq_per_s", k.value("sigma_epsilon_sq_per_s"),
                              "value \(kesten.sigmaEpsilonSquared) gives the Kesten process no stationary variance; allowed: below 2|mu_epsilon_per_s| = \(2 * abs(kesten.muEpsilon))")
            }
            try k.finish()
        }
        try section.finish()
        return (form, size, kesten)
    }

    static func readWeight(_ section: ConfigMapping?) throws -> FunctionalWeight {
        var weight = FunctionalWeight()
        guard let section else { return weight }
        weight.potentiatedOverDepressed = try section.positiveDouble("potentiated_over_depressed", upTo: 100, default: weight.potentiatedOverDepressed)
        weight.tauChangeSeconds = try section.positiveDouble("tau_change_s", upTo: 1e6, default: weight.tauChangeSeconds, unit: "s")
        try section.finish()
        return weight
    }

    /// The turnover rules and the spinogenesis rate setting (nil: 'auto').
    static func readTurnover(_ section: ConfigMapping?, form: PopulationModel.SizeForm, size: LogSizeOU) throws -> (TurnoverRules, Double?) {
        var rules = TurnoverRules()
        var rateSetting: Double? = 0
        guard let section else { return (rules, rateSetting) }
        rules.minimumVolume = try section.positiveDouble("v_min_um3", upTo: 10, default: rules.minimumVolume, unit: "µm³")
        if let hazard = try section.mapping("hazard") {
            rules.hazardEnabled = try hazard.bool("enabled", default: false)
            rules.hazardAtZero = try hazard.positiveDouble("p0_per_day", upTo: 0.999_999, default: rules.hazardAtZero)
            rules.hazardAtOne = try hazard.positiveDouble("p1_per_day", upTo: rules.hazardAtZero, default: min(rules.hazardAtOne, rules.hazardAtZero))
            rules.saturationVolume = try hazard.positiveDouble("saturation_volume_um3", upTo: 100, default: rules.saturationVolume, unit: "µm³")
            try hazard.finish()
        }
        if let spinogenesis = try section.mapping("spinogenesis") {
            rateSetting = try spinogenesis.numberOrAuto("rate_per_um_per_day", in: 0...100, default: 0, unit: "per µm per day")
            rules.newSpineVolume = try spinogenesis.positiveDouble("new_volume_um3", upTo: 10, default: rules.newSpineVolume, unit: "µm³")
            guard rules.newSpineVolume > rules.minimumVolume else {
                throw spinogenesis.error("new_volume_um3", spinogenesis.value("new_volume_um3"),
                                         "value \(rules.newSpineVolume) is not above turnover.v_min_um3 = \(rules.minimumVolume); allowed: a new spine larger than v_min")
            }
            if rateSetting == nil && (form != .ou || rules.hazardEnabled || !size.intrinsicNoise) {
                throw spinogenesis.error("rate_per_um_per_day", spinogenesis.value("rate_per_um_per_day"),
                                         "'auto' needs the OU form with intrinsic noise and the hazard off (its lifetime formula); allowed here: a number")
            }
            try spinogenesis.finish()
        }
        try section.finish()
        return (rules, rateSetting)
    }

    static func readInitialPopulation(_ section: ConfigMapping?, rules: TurnoverRules, form: PopulationModel.SizeForm,
                                      size: LogSizeOU) throws -> (Double, Double, InitialSizes) {
        var density = 1.5, fraction = 2.0 / 7.0
        var sizes = InitialSizes.stationary
        guard let section else { return (density, fraction, sizes) }
        density = try section.double("density_per_um", in: 0...100, default: density, unit: "spines/µm")
        fraction = try section.double("fraction_potentiated", in: 0...1, default: fraction)
        sizes = try readInitialSizes(section, minimumVolume: rules.minimumVolume, form: form, noise: size.intrinsicNoise)
        try section.finish()
        return (density, fraction, sizes)
    }

    private static func readInitialSizes(_ section: ConfigMapping, minimumVolume: Double, form: PopulationModel.SizeForm,
                                         noise: Bool) throws -> InitialSizes {
        let allowed = "'stationary', 'equilibrium', {lognormal: {mu: , sigma: }}, {uniform_um3: {min: , max: }} or {fixed_um3: v}"
        guard let node = section.value("sizes") else { return .stationary }
        if let word = node.scalar?.string, node.isTagged(.str) {
            switch word {
            case "stationary": return .stationary
            case "equilibrium":
                guard form == .ou, noise else {
                    throw section.error("sizes", node, "'equilibrium' needs the OU form with intrinsic noise; allowed: \(allowed)")
                }
                return .equilibrium
            default: throw section.error("sizes", node, "value \(ConfigMapping.describe(node)) is not allowed; allowed: \(allowed)")
            }
        }
        let spec = try ConfigMapping(node, path: section.keyPath("sizes"), source: section.source)
        let result: InitialSizes
        if let lognormal = try spec.mapping("lognormal") {
            result = .lognormal(mu: try lognormal.double("mu", in: -10...3, unit: "(ln µm³)"),
                                sigma: try lognormal.positiveDouble("sigma", upTo: 5))
            try lognormal.finish()
        } else if let uniform = try spec.mapping("uniform_um3") {
            let low = try uniform.positiveDouble("min", upTo: 100, unit: "µm³")
            let high = try uniform.positiveDouble("max", upTo: 100, unit: "µm³")
            guard low >= minimumVolume, high > low else {
                throw spec.error("uniform_um3", uniform.node, "needs v_min (\(minimumVolume)) ≤ min < max; found min \(low), max \(high)")
            }
            try uniform.finish()
            result = .uniform(minUm3: low, maxUm3: high)
        } else if spec.contains("fixed_um3") {
            let v = try spec.positiveDouble("fixed_um3", upTo: 100, unit: "µm³")
            guard v > minimumVolume else { throw spec.error("fixed_um3", spec.value("fixed_um3"), "value \(v) is not above v_min = \(minimumVolume)") }
            result = .fixed(um3: v)
        } else {
            throw section.error("sizes", node, "expected one of \(allowed)")
        }
        try spec.finish()
        return result
    }

    private static func readBins(_ bins: ConfigMapping) throws -> VolumeBins {
        let low = try bins.positiveDouble("min_um3", upTo: 100, unit: "µm³")
        let high = try bins.positiveDouble("max_um3", upTo: 1000, unit: "µm³")
        let count = try bins.int("count", in: 1...1000)
        guard high > low else { throw bins.error("max_um3", bins.value("max_um3"), "value \(high) is not above min_um3 = \(low)") }
        try bins.finish()
        return VolumeBins(lowerUm3: low, upperUm3: high, count: count)
    }
}

extension ConfigMapping {
    /// true or false.
    func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        guard let node = value(key) else { return defaultValue }
        guard node.isTagged(.bool), let b = node.bool else {
            throw error(key, node, "value \(ConfigMapping.describe(node)) is not allowed; allowed: true or false")
        }
        return b
    }

    /// A number in `range`, or the word `auto` (returned as nil).
    func numberOrAuto(_ key: String, in range: ClosedRange<Double>, default defaultValue: Double, unit: String) throws -> Double? {
        guard let node = value(key) else { return defaultValue }
        if node.isTagged(.str), node.scalar?.string == "auto" { return nil }
        return try ConfigMapping.number(node, in: range, unit: unit) { message in
            error(key, node, message.replacingOccurrences(of: "allowed: ", with: "allowed: 'auto' or "))
        }
    }

    /// Whole days within `range` (a number, a list or a range), sorted, distinct.
    func wholeDays(_ key: String, in range: ClosedRange<Int>, maxCount: Int = 100_000) throws -> [Int] {
        let node = value(key)
        let values = try grid(key, in: Double(range.lowerBound)...Double(range.upperBound), unit: "days", maxCount: maxCount)
        guard values.allSatisfy({ $0 == $0.rounded() }) else {
            throw error(key, node, "\(values.first { $0 != $0.rounded() }!) is not a whole day; allowed: whole days from \(range.lowerBound) to \(range.upperBound)")
        }
        return Array(Set(values.map { Int($0) })).sorted()
    }
}

extension PopulationConfig {
    /// The resolved configuration in experiment-file form.
    var tree: ConfigTree {
        let sizes: ConfigTree
        switch initialSizes {
        case .stationary: sizes = "stationary"
        case .equilibrium: sizes = "equilibrium"
        case let .lognormal(mu, sigma): sizes = ["lognormal": ["mu": .number(mu), "sigma": .number(sigma)]]
        case let .uniform(low, high): sizes = ["uniform_um3": ["min": .number(low), "max": .number(high)]]
        case let .fixed(v): sizes = ["fixed_um3": .number(v)]
        }
        func bins(_ b: VolumeBins) -> ConfigTree {
            ["min_um3": .number(b.lowerUm3), "max_um3": .number(b.upperUm3), "count": .number(Double(b.count))]
        }
        return [
            "dendrites": ["count": .number(Double(dendriteCount)), "length_um": .number(dendriteLengthUm)],
            "duration_days": .number(Double(durationDays)),
            "step_days": .number(1 / Double(stepsPerDay)),
            "plasticity": .map([("preset", .text(plasticity.preset))] + PopulationConfig.parameterPairs(plasticity.parameters)),
            "initial_population": ["density_per_um": .number(initialDensityPerUm),
                                   "fraction_potentiated": .number(initialFractionPotentiated), "sizes": sizes],
            "size_dynamics": .map([
                ("form", .text(sizeForm.rawValue)), ("intrinsic_noise", .flag(size.intrinsicNoise)),
                ("baseline_log_volume", .number(size.baselineLogVolume)), ("potentiation_log_shift", .number(size.potentiationLogShift)),
                ("relaxation_days", .number(size.relaxationDays)), ("stationary_sd", .number(size.stationarySD)),
            ] + (size.expressionDays.map { [("expression_hours", ConfigTree.number($0 * 24))] as [(String, ConfigTree)] } ?? []) + [
                ("kesten", ["mu_epsilon_per_s": .number(kesten.muEpsilon), "mu_eta_um3_per_s": .number(kesten.muEta),
                            "sigma_epsilon_sq_per_s": .number(kesten.sigmaEpsilonSquared),
                            "sigma_eta_sq_um6_per_s": .number(kesten.sigmaEtaSquared), "substep_s": .number(kesten.substepSeconds)]),
            ]),
            "functional_weight": ["potentiated_over_depressed": .number(weight.potentiatedOverDepressed),
                                  "tau_change_s": .number(weight.tauChangeSeconds)],
            "turnover": [
                "v_min_um3": .number(turnover.minimumVolume),
                "hazard": ["enabled": .flag(turnover.hazardEnabled), "p0_per_day": .number(turnover.hazardAtZero),
                           "p1_per_day": .number(turnover.hazardAtOne), "saturation_volume_um3": .number(turnover.saturationVolume)],
                "spinogenesis": ["rate_per_um_per_day": spinogenesisRateSetting.map { .number($0) } ?? "auto",
                                 "new_volume_um3": .number(turnover.newSpineVolume)],
            ],
            "recording": [
                "size_distribution_days": .numbers(recording.sizeDistributionDays),
                "size_bins": bins(recording.sizeBins), "fluctuation_bins": bins(recording.fluctuationBins),
                "survival_cohort_days": .numbers(recording.survivalCohortDays),
                "turnover_events": .flag(recording.turnoverEvents),
            ],
        ]
    }

    /// The plasticity parameters under their experiment-file names.
    static func parameterPairs(_ p: PlasticityParameters) -> [(String, ConfigTree)] {
        [("tau_ca_ms", .number(p.tauCalciumMs)), ("c_pre", .number(p.calciumPre)), ("c_post", .number(p.calciumPost)),
         ("theta_d", .number(p.thetaDepression)), ("theta_p", .number(p.thetaPotentiation)),
         ("gamma_d", .number(p.gammaDepression)), ("gamma_p", .number(p.gammaPotentiation)), ("sigma", .number(p.sigma)),
         ("tau_rho_s", .number(p.tauEfficacySeconds)), ("delay_ms", .number(p.delayMs)), ("rho_star", .number(p.rhoStar)),
         ("beta", .number(p.beta)), ("b", .number(p.weightRatio))]
    }
}
