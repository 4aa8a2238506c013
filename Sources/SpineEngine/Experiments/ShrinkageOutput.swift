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
        var spacing = 0.7, pulses = 60, frequency = 2.0, calcium = 3.0
        if let stimulation = try root.mapping("stimulation") {
            spacing = try stimulation.positiveDouble("spacing_um", upTo: 100, default: spacing, unit: "µm")
            pulses = try stimulation.int("pulses", in: 1...100_000, default: pulses)
            frequency = try stimulation.positiveDouble("frequency_hz", upTo: 1000, default: frequency, unit: "Hz")
            calcium = try stimulation.double("calcium_over_pre", in: 0...1000, default: calcium)
            try stimulation.finish()
        }
        var counts = [1, 3, 4, 7]
        if root.contains("stimulated_counts") { counts = try root.wholeNumbers("stimulated_counts", in: 1...7) } else { _ = root.value("stimulated_counts") }
        var distances = [1.0, 1.5, 2.5, 3.0, 3.7, 5, 7, 9]
        if let neighbours = try root.mapping("neighbours") {
            distances = try neighbours.grid("distances_um", in: 0.1...100, unit: "µm", maxCount: 64)
            try neighbours.finish()
        }
        let repetitions = try root.int("repetitions", in: 2...10_000_000, default: 2000)
        guard repetitions % 2 == 0 else {
            throw root.error("repetitions", root.value("repetitions"),
                             "value \(repetitions) is odd; allowed: an even integer (half the neighbours start depressed, half potentiated)")
        }
        let correlationRepetitions = try root.int("correlation_repetitions", in: 0...10_000_000, default: 2000)
        var minutes = 40.0, expressedHours = 24.0, expressionHours = 2.0, shift = 0.7
        if let readout = try root.mapping("readout") {
            minutes = try readout.positiveDouble("minutes", upTo: 1e6, default: minutes, unit: "min")
            expressedHours = try readout.positiveDouble("expressed_hours", upTo: 1e5, default: expressedHours, unit: "hours")
            expressionHours = try readout.positiveDouble("expression_hours", above: 1e-3, upTo: 1e5, default: expressionHours, unit: "hours")
            shift = try readout.double("potentiation_log_shift", in: -5...5, default: shift)
            try readout.finish()
        }
        try ResourceLimits.checkGrid(diffusion, lengthUm: length, windowMs: 0, in: root)
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
            "plasticity": .map([("preset", .text(plasticity.preset))] + ModelSettings.parameterPairs(plasticity.parameters)),
            "diffusion": diffusion.tree,
            "heterosynaptic": processes.tree,
            "dendrite": ["length_um": .number(dendriteLengthUm), "spine_volume_um3": .number(spineVolumeUm3)],
            "stimulation": ["spacing_um": .number(spacingUm), "pulses": .number(Double(pulses)), "frequency_hz": .number(frequencyHz),
                            "calcium_over_pre": .number(calciumOverPre)],
            "stimulated_counts": .numbers(stimulatedCounts),
            "neighbours": ["distances_um": .list(neighbourDistancesUm.map { .number($0) })],
            "repetitions": .number(Double(repetitions)),
            "correlation_repetitions": .number(Double(correlationRepetitions)),
            "readout": ["minutes": .number(readoutMinutes), "expressed_hours": .number(expressedReadoutHours),
                        "expression_hours": .number(expressionHours), "potentiation_log_shift": .number(potentiationLogShift)],
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
                let peak = window.peakMessenger[k]
                calcium.append([.integer(n), .real(spine.distanceUm), .real(peak),
                                .real(processes.storeRelease.storeCalcium(messenger: peak, thetaDepression: thetaD) / thetaD),
                                .real(window.timeAboveDepressionMs[k]), .real(window.timeAbovePotentiationMs[k]), .real(window.peakExchange[k])])
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
