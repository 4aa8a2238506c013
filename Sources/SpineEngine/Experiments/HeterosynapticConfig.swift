import SpineModel

/// Reading and writing the `heterosynaptic` experiment's configuration.
extension HeterosynapticExperiment {
    static func read(_ root: ConfigMapping) throws -> HeterosynapticExperiment {
        let plasticity = try PlasticityConfig.read(root.mapping("plasticity"))
        let diffusion = try DiffusionParameters.read(root.mapping("diffusion"))

        let (length, volume) = try root.singleDendrite(defaultLengthUm: 60.0)
        var spacing = 0.7, sizes = [1, 2, 3, 4, 5, 6, 7], everywhere = true
        if let cluster = try root.mapping("cluster") {
            spacing = try cluster.positiveDouble("spacing_um", upTo: 100, default: spacing, unit: "µm")
            if cluster.contains("sizes") {
                sizes = try cluster.wholeNumbers("sizes", in: 1...64)
            } else { _ = cluster.value("sizes") }
            everywhere = try cluster.bool("backpropagation_to_all_spines", default: everywhere)
            try cluster.finish()
        }
        var pairing = PairingProtocol(pairs: 60, frequencyHz: 1, deltaTMs: 5)
        if let section = try root.mapping("pairing") {
            pairing.pairs = try section.int("pairs", in: 1...100_000, default: pairing.pairs)
            pairing.frequencyHz = try section.positiveDouble("frequency_hz", upTo: 1000, default: pairing.frequencyHz, unit: "Hz")
            pairing.deltaTMs = try section.double("delta_t_ms", in: -1000...1000, default: pairing.deltaTMs, unit: "ms")
            try section.finish()
        }
        var distances = [0.5, 1, 2, 3, 4, 5, 7.5, 10, 15, 20]
        if let neighbours = try root.mapping("neighbours") {
            distances = try neighbours.grid("distances_um", in: 0.01...10_000, unit: "µm", maxCount: 128)
            try neighbours.finish()
        }
        let repetitions = try root.int("repetitions", in: 2...10_000_000, default: 2000)
        guard repetitions % 2 == 0 else {
            throw root.error("repetitions", root.value("repetitions"),
                             "value \(repetitions) is odd; allowed: an even integer (half the neighbours start DOWN, half UP)")
        }
        var size = LogSizeOU(intrinsicNoise: false)
        var readoutDays = 1.0
        if let readout = try root.mapping("volume_readout") {
            readoutDays = try readout.positiveDouble("days", upTo: 3650, default: readoutDays, unit: "days")
            size.potentiationLogShift = try readout.double("potentiation_log_shift", in: -5...5, default: size.potentiationLogShift)
            size.relaxationDays = try readout.positiveDouble("relaxation_days", upTo: 3650, default: size.relaxationDays, unit: "days")
            try readout.finish()
        }
        var timingSize = sizes.max()!, delays = stride(from: -100.0, through: 100, by: 10).map { $0 }, timingDistances = [1.0, 3, 10]
        if let timing = try root.mapping("timing") {
            timingSize = try timing.int("cluster_size", in: 1...64, default: timingSize)
            if timing.contains("delays_ms") { delays = try timing.grid("delays_ms", in: -10_000...10_000, unit: "ms", maxCount: 1000) } else { _ = timing.value("delays_ms") }
            if timing.contains("distances_um") { timingDistances = try timing.grid("distances_um", in: 0.01...10_000, unit: "µm", maxCount: 128) } else { _ = timing.value("distances_um") }
            try timing.finish()
        }
        var sweepSize = sizes.max()!, values = [0.05, 0.1, 0.22, 0.5, 1, 2], sweepDistances = [1.0, 3, 10]
        if let sweep = try root.mapping("diffusion_sweep") {
            sweepSize = try sweep.int("cluster_size", in: 1...64, default: sweepSize)
            if sweep.contains("diffusion_um2_per_ms") { values = try sweep.grid("diffusion_um2_per_ms", in: 0.001...10, unit: "µm²/ms", maxCount: 1000) } else { _ = sweep.value("diffusion_um2_per_ms") }
            if sweep.contains("distances_um") { sweepDistances = try sweep.grid("distances_um", in: 0.01...10_000, unit: "µm", maxCount: 128) } else { _ = sweep.value("distances_um") }
            try sweep.finish()
        }
        let processes = try HeterosynapticProcesses.read(root.mapping("heterosynaptic"))
        if processes.cooperativity.enabled {
            throw root.error("heterosynaptic", root.value("heterosynaptic"),
                             "cooperativity.enabled is true; allowed: false in this kind (its repetitions share one calcium trace, and the cooperativity messenger makes calcium depend on ρ: see the 'cooperativity' kind)")
        }
        // Every spine must sit on the dendrite, at most 256 per condition.
        let farthest = HeterosynapticExperiment.clusterStartUm
            + Double(max(sizes.max()!, timingSize, sweepSize) - 1) * spacing
            + (distances + timingDistances + sweepDistances).max()!
        try ResourceLimits.checkGrid(diffusion, lengthUm: length, windowMs: 0, in: root)
        guard farthest < length else {
            throw root.error("dendrite", root.value("dendrite"), "the farthest neighbour sits at \(ConfigMapping.format(farthest)) µm; allowed: dendrite.length_um above it")
        }
        guard max(sizes.max()!, timingSize, sweepSize) + max(distances.count, timingDistances.count, sweepDistances.count) <= 256 else {
            throw root.error("neighbours", root.value("neighbours"), "a condition would have more than 256 spines; allowed: cluster size + distances ≤ 256")
        }
        return HeterosynapticExperiment(
            plasticity: plasticity, diffusion: diffusion, size: size, dendriteLengthUm: length, spineVolumeUm3: volume,
            clusterSpacingUm: spacing, pairing: pairing, backpropagationToAllSpines: everywhere,
            neighbourDistancesUm: distances, repetitions: repetitions, volumeReadoutDays: readoutDays,
            clusterSizes: sizes, timingClusterSize: timingSize, timingDelaysMs: delays, timingDistancesUm: timingDistances,
            diffusionClusterSize: sweepSize, diffusionValues: values, diffusionDistancesUm: sweepDistances, processes: processes)
    }

    public func encode(to encoder: Encoder) throws {
        let tree: ConfigTree = [
            "plasticity": .map([("preset", .text(plasticity.preset))] + ModelSettings.parameterPairs(plasticity.parameters)),
            "diffusion": diffusion.tree,
            "dendrite": ["length_um": .number(dendriteLengthUm), "spine_volume_um3": .number(spineVolumeUm3)],
            "cluster": ["spacing_um": .number(clusterSpacingUm), "sizes": .numbers(clusterSizes),
                        "backpropagation_to_all_spines": .flag(backpropagationToAllSpines)],
            "pairing": ["pairs": .number(Double(pairing.pairs)), "frequency_hz": .number(pairing.frequencyHz),
                        "delta_t_ms": .number(pairing.deltaTMs)],
            "neighbours": ["distances_um": .list(neighbourDistancesUm.map { .number($0) })],
            "repetitions": .number(Double(repetitions)),
            "volume_readout": ["days": .number(volumeReadoutDays), "potentiation_log_shift": .number(size.potentiationLogShift),
                               "relaxation_days": .number(size.relaxationDays)],
            "timing": ["cluster_size": .number(Double(timingClusterSize)), "delays_ms": .list(timingDelaysMs.map { .number($0) }),
                       "distances_um": .list(timingDistancesUm.map { .number($0) })],
            "diffusion_sweep": ["cluster_size": .number(Double(diffusionClusterSize)),
                                "diffusion_um2_per_ms": .list(diffusionValues.map { .number($0) }),
                                "distances_um": .list(diffusionDistancesUm.map { .number($0) })],
            "heterosynaptic": processes.tree,
        ]
        try tree.encode(to: encoder)
    }
}

extension ConfigMapping {
    /// The `dendrite:` section of the one-dendrite experiments: its length
    /// (µm) and the head volume of its spines (µm³, default 0.087).
    func singleDendrite(defaultLengthUm: Double) throws -> (lengthUm: Double, spineVolumeUm3: Double) {
        guard let dendrite = try mapping("dendrite") else { return (defaultLengthUm, 0.087) }
        let length = try dendrite.positiveDouble("length_um", upTo: 10_000, default: defaultLengthUm, unit: "µm")
        let volume = try dendrite.positiveDouble("spine_volume_um3", upTo: 10, default: 0.087, unit: "µm³")
        try dendrite.finish()
        return (length, volume)
    }

    /// Whole numbers within `range` (a number, a list or a range).
    func wholeNumbers(_ key: String, in range: ClosedRange<Int>) throws -> [Int] {
        let node = value(key)
        let values = try grid(key, in: Double(range.lowerBound)...Double(range.upperBound), unit: "", maxCount: 1000)
        guard let fraction = values.first(where: { $0 != $0.rounded() }) else { return values.map { Int($0) } }
        throw error(key, node, "\(fraction) is not a whole number; allowed: whole numbers from \(range.lowerBound) to \(range.upperBound)")
    }
}
