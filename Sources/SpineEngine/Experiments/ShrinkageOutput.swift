import Foundation
import GSL
import SpineModel

/// The `heterosynaptic-shrinkage` experiment's configuration and result files.
extension ShrinkageExperiment {
    static func read(_ root: ConfigMapping) throws -> ShrinkageExperiment {
        let plasticity = try PlasticityConfig.read(root.mapping("plasticity"))
        let diffusion = try DiffusionParameters.read(root.mapping("diffusion"))
        let processes = try HeterosynapticProcesses.read(root.mapping("heterosynaptic"))
        let (length, volume) = try root.singleDendrite(defaultLengthUm: 40.0)
        var spacing = Keys.spacing.defaultNumber, pulses = Int(Keys.pulses.defaultNumber)
        var frequency = Keys.frequency.defaultNumber, calcium = Keys.calcium.defaultNumber
        if let stimulation = try root.mapping("stimulation") {
            spacing = try stimulation.number(Keys.spacing)
            pulses = try stimulation.integer(Keys.pulses)
            frequency = try stimulation.number(Keys.frequency)
            calcium = try stimulation.number(Keys.calcium)
            try stimulation.finish()
        }
        let counts = try root.grid(Keys.counts, maxCount: 1000)?.map { Int($0) } ?? Keys.defaultCounts
        var distances = Keys.defaultDistances
        if let neighbours = try root.mapping("neighbours") {
            distances = try neighbours.grid(Keys.distances, maxCount: 64)!
            try neighbours.finish()
        }
        let repetitions = try root.integer(Keys.repetitions)
        guard repetitions % 2 == 0 else {
            throw root.error("repetitions", root.value("repetitions"),
                             "value \(repetitions) is odd; allowed: an even integer (half the neighbours start depressed, half potentiated)")
        }
        let correlationRepetitions = try root.integer(Keys.correlationRepetitions)
        var minutes = Keys.minutes.defaultNumber, expressedHours = Keys.expressedHours.defaultNumber
        var expressionHours = Keys.expressionHours.defaultNumber, shift = Keys.shift.defaultNumber
        if let readout = try root.mapping("readout") {
            minutes = try readout.number(Keys.minutes)
            expressedHours = try readout.number(Keys.expressedHours)
            expressionHours = try readout.number(Keys.expressionHours)
            shift = try readout.number(Keys.shift)
            try readout.finish()
        }
        // Half the conditions run the store-release messenger: their windows are stepped (docs/MODEL.md §2c).
        try ResourceLimits.checkGrid(diffusion, lengthUm: length, windowMs: 10 + Double(pulses - 1) * 1000 / frequency + 2000, stepped: true,
                                     windowKey: "stimulation.pulses, stimulation.frequency_hz", in: root)
        let farthest = firstSpineUm + Double(6) * spacing + distances.max()!
        guard farthest < length else {
            throw root.error("dendrite", root.value("dendrite"), "the farthest neighbour sits at \(ConfigMapping.format(farthest)) µm; allowed: dendrite.length_um above it")
        }
        return ShrinkageExperiment(plasticity: plasticity, diffusion: diffusion, processes: processes, dendriteLengthUm: length,
                                   spineVolumeUm3: volume, spacingUm: spacing, pulses: pulses, frequencyHz: frequency,
                                   calciumOverPre: calcium, stimulatedCounts: counts, neighbourDistancesUm: distances,
                                   repetitions: repetitions, correlationRepetitions: correlationRepetitions, readoutMinutes: minutes,
                                   expressedReadoutHours: expressedHours, expressionHours: expressionHours, potentiationLogShift: shift)
    }

    public func encode(to encoder: Encoder) throws {
        let tree: ConfigTree = [
            "plasticity": plasticity.tree,
            "diffusion": diffusion.tree,
            "heterosynaptic": processes.tree,
            "dendrite": ConfigMapping.singleDendriteTree(lengthUm: dendriteLengthUm, spineVolumeUm3: spineVolumeUm3),
            "stimulation": [Keys.spacing.key: .number(spacingUm), Keys.pulses.key: .number(Double(pulses)), Keys.frequency.key: .number(frequencyHz),
                            Keys.calcium.key: .number(calciumOverPre)],
            Keys.counts.key: .numbers(stimulatedCounts),
            "neighbours": [Keys.distances.key: .list(neighbourDistancesUm.map { .number($0) })],
            Keys.repetitions.key: .number(Double(repetitions)),
            Keys.correlationRepetitions.key: .number(Double(correlationRepetitions)),
            "readout": [Keys.minutes.key: .number(readoutMinutes), Keys.expressedHours.key: .number(expressedReadoutHours),
                        Keys.expressionHours.key: .number(expressionHours), Keys.shift.key: .number(potentiationLogShift)],
        ]
        try tree.encode(to: encoder)
    }

    /// Mean and standard error of the mean.
    static func meanAndSEM(_ x: [Double]) -> (Double, Double) {
        guard x.count > 1 else { return (x.first ?? .nan, .nan) }
        return (Statistics.mean(x), (Statistics.variance(x) / Double(x.count)).squareRoot())
    }

    func write(conditions: [Condition], outcomes: [(CalciumWindow.Result, [SpineResult])],
               correlation: [(potentiated: Double, neighbourChange: Double)], into directory: RunDirectory) throws -> [String] {
        let header = ["n_stimulated", "store_release", "distance_bin_um", "neighbours", "volume_change_rel_mean",
                      "volume_change_rel_sem", "delta_rho_mean", "stimulated_potentiated_fraction"]
        var atReadout = CSVTable(header: header), expressed = CSVTable(header: header)
        var calcium = CSVTable(header: ["n_stimulated", "distance_um", "peak_messenger", "peak_store_calcium_over_theta_d", "time_above_theta_d_ms",
                                        "time_above_theta_p_ms", "peak_neck_calcium"])
        var figures: [ShrinkageSummary.Condition] = []
        let rhoStar = plasticity.parameters.rhoStar, thetaD = plasticity.parameters.thetaDepression
        for (condition, (window, spines)) in zip(conditions, outcomes) {
            let n = condition.stimulated
            let stimulated = spines.prefix(n).flatMap(\.endRho)
            let potentiated = Double(stimulated.filter { $0 > rhoStar }.count) / Double(stimulated.count)
            var lower = 0.0
            var bins: [ShrinkageSummary.Bin] = []
            for bin in ShrinkageExperiment.bins {
                let members = spines.dropFirst(n).filter { $0.distanceUm > lower && $0.distanceUm <= bin.upper }
                lower = bin.upper
                guard !members.isEmpty else { continue }
                let change = members.flatMap(\.volumeChange), late = members.flatMap(\.expressedVolumeChange)
                let deltaRho = Statistics.mean(members.flatMap { zip($0.endRho, $0.startRho).map { $0 - $1 } })
                let (mean, sem) = ShrinkageExperiment.meanAndSEM(change), (lateMean, lateSEM) = ShrinkageExperiment.meanAndSEM(late)
                let common: [CSVTable.Cell] = [.integer(n), .text(condition.storeRelease ? "on" : "off"), .text(bin.label), .integer(change.count)]
                atReadout.append(common + [.real(mean), .real(orEmpty: sem), .real(deltaRho), .real(potentiated)])
                expressed.append(common + [.real(lateMean), .real(orEmpty: lateSEM), .real(deltaRho), .real(potentiated)])
                bins.append(.init(distance_bin_um: bin.label, volume_change_rel_mean: mean, volume_change_rel_sem: sem,
                                  expressed_volume_change_rel_mean: lateMean, expressed_volume_change_rel_sem: lateSEM))
            }
            figures.append(.init(n_stimulated: n, store_release: condition.storeRelease, stimulated_potentiated_fraction: potentiated, bins: bins))
            guard condition.storeRelease else { continue }
            for (k, spine) in spines.enumerated() where spine.distanceUm > 0 {
                let peak = window.peakMessenger![k]
                calcium.append([.integer(n), .real(spine.distanceUm), .real(peak),
                                .real(processes.storeRelease.storeCalcium(messenger: peak, thetaDepression: thetaD) / thetaD),
                                .real(window.timeAboveDepressionMs[k]), .real(window.timeAbovePotentiationMs[k]), .real(window.peakExchange![k])])
            }
        }
        try directory.write("oh2015.csv", table: atReadout)
        try directory.write("oh2015_expressed.csv", table: expressed)
        try directory.write("store_calcium.csv", table: calcium)
        let r = correlation.count >= 3 ? Statistics.correlation(correlation.map(\.potentiated), correlation.map(\.neighbourChange)) : .nan
        let summary = ShrinkageSummary(
            store_release_half_activation: processes.storeRelease.halfActivation,
            readout_minutes: readoutMinutes, expressed_readout_hours: expressedReadoutHours,
            pearson_potentiated_vs_neighbour_volume_change: r.isFinite ? r : nil,
            correlation_repetitions: correlation.count, conditions: figures)
        try directory.writeJSON("summary.json", summary)
        return ["oh2015.csv", "oh2015_expressed.csv", "store_calcium.csv", "summary.json"]
    }
}

struct ShrinkageSummary: Encodable {
    struct Bin: Encodable {
        let distance_bin_um: String
        let volume_change_rel_mean: Double
        let volume_change_rel_sem: Double
        let expressed_volume_change_rel_mean: Double
        let expressed_volume_change_rel_sem: Double
    }
    struct Condition: Encodable {
        let n_stimulated: Int
        let store_release: Bool
        let stimulated_potentiated_fraction: Double
        let bins: [Bin]
    }
    let store_release_half_activation: Double
    let readout_minutes: Double
    let expressed_readout_hours: Double
    let pearson_potentiated_vs_neighbour_volume_change: Double?
    let correlation_repetitions: Int
    let conditions: [Condition]
}

extension ShrinkageExperiment {
    /// Keys of the `heterosynaptic-shrinkage` kind.
    enum Keys {
        static let spacing = SettingDeclaration(key: "spacing_um", type: .number(.positive(upTo: 100)), unit: "µm", defaultValue: 0.7,
                                                summary: "Spacing of the stimulated spines")
        static let pulses = SettingDeclaration(key: "pulses", type: .integer(1...100_000), defaultValue: 60, summary: "Stimulation pulses of each stimulated spine")
        static let frequency = SettingDeclaration(key: "frequency_hz", type: .number(.from(0.001, to: 1000)), unit: "Hz", defaultValue: 2,
                                                  summary: "Pulse frequency")
        static let calcium = SettingDeclaration(key: "calcium_over_pre", type: .number(.from(0, to: 1000)), unit: "C_pre", defaultValue: 3,
                                                summary: "Calcium of a pulse, in units of C_pre")
        static let defaultCounts = [1, 3, 4, 7]
        static let counts = SettingDeclaration.wholeGrid("stimulated_counts", 1...7, default: .numbers(defaultCounts), "Numbers of stimulated spines")
        static let defaultDistances = [1.0, 1.5, 2.5, 3.0, 3.7, 5, 7, 9]
        static let distances = SettingDeclaration.grid("distances_um", 0.1...100, unit: "µm", default: .list(defaultDistances.map { .number($0) }),
                                                       required: true, "Distances of the neighbours")
        static let repetitions = SettingDeclaration(key: "repetitions", type: .integer(2...10_000_000), defaultValue: 2000,
                                                    summary: "Repetitions per condition (even: half the neighbours start depressed, half potentiated)")
        static let correlationRepetitions = SettingDeclaration(key: "correlation_repetitions", type: .integer(0...10_000_000), defaultValue: 2000,
                                                               summary: "Repetitions of the correlation analysis")
        static let minutes = SettingDeclaration(key: "minutes", type: .number(.positive(upTo: 1e6)), unit: "min", defaultValue: 40,
                                                summary: "When ρ is read out")
        static let expressedHours = SettingDeclaration(key: "expressed_hours", type: .number(.positive(upTo: 1e5)), unit: "hours", defaultValue: 24,
                                                       summary: "When the expressed volume is read out")
        static let expressionHours = SettingDeclaration(key: "expression_hours", type: .number(.above(1e-3, upTo: 1e5)), unit: "hours",
                                                        defaultValue: 2, summary: "τ_e: structural expression time")
        static let shift = SettingDeclaration(key: "potentiation_log_shift", type: .number(.from(-5, to: 5)), defaultValue: 0.7,
                                              summary: "Shift of ln v of a potentiated spine")
    }

    static var declarations: [SettingDeclaration] {
        [
            ExperimentKind.plasticitySection, ExperimentKind.diffusionSection,
            ExperimentKind.heterosynapticSection(),
            ConfigMapping.singleDendriteDeclaration(lengthUm: 40),
            .init(key: "stimulation", type: .section(name: "stimulation", [Keys.spacing, Keys.pulses, Keys.frequency, Keys.calcium]),
                  summary: "The stimulated spines"),
            Keys.counts,
            .init(key: "neighbours", type: .section(name: "neighbours-shrinkage", [Keys.distances]), summary: "The unstimulated neighbours"),
            Keys.repetitions, Keys.correlationRepetitions,
            .init(key: "readout", type: .section(name: "readout", [Keys.minutes, Keys.expressedHours, Keys.expressionHours, Keys.shift]),
                  summary: "When and how changes are read out"),
        ]
    }
}
