import SpineModel

/// Reading and writing the `heterosynaptic` experiment's configuration.
extension HeterosynapticExperiment {
    static func read(_ root: ConfigMapping) throws -> HeterosynapticExperiment {
        let plasticity = try PlasticityConfig.read(root.mapping("plasticity"))
        let diffusion = try DiffusionParameters.read(root.mapping("diffusion"))

        let (length, volume) = try root.singleDendrite(defaultLengthUm: 60.0)
        var spacing = Keys.spacing.defaultNumber, sizes = Keys.defaultSizes, everywhere = true
        if let cluster = try root.mapping("cluster") {
            spacing = try cluster.number(Keys.spacing)
            sizes = try cluster.grid(Keys.sizes, maxCount: 1000).map { $0.map { Int($0) } } ?? sizes
            everywhere = try cluster.bool("backpropagation_to_all_spines", default: everywhere)
            try cluster.finish()
        }
        let pairing = try Keys.pairing.read(root.mapping("pairing"), defaults: PairingProtocol(pairs: 60, frequencyHz: 1, deltaTMs: 5))
        var distances = Keys.defaultDistances
        if let neighbours = try root.mapping("neighbours") {
            distances = try neighbours.grid(Keys.distances, maxCount: 128)!
            try neighbours.finish()
        }
        let repetitions = try root.integer(Keys.repetitions)
        guard repetitions % 2 == 0 else {
            throw root.error("repetitions", root.value("repetitions"),
                             "value \(repetitions) is odd; allowed: an even integer (half the neighbours start DOWN, half UP)")
        }
        var size = LogSizeOU(intrinsicNoise: false)
        var readoutDays = 1.0
        if let readout = try root.mapping("volume_readout") {
            readoutDays = try readout.number(Keys.readoutDays)
            size = try Keys.readout.read(readout, defaults: size)
        }
        var timingSize = sizes.max()!, delays = Keys.defaultDelays, timingDistances = Keys.defaultSweepDistances
        if let timing = try root.mapping("timing") {
            timingSize = try timing.integer(Keys.clusterSize, default: timingSize)
            delays = try timing.grid(Keys.delays, maxCount: 1000) ?? delays
            timingDistances = try timing.grid(Keys.sweepDistances, maxCount: 128) ?? timingDistances
            try timing.finish()
        }
        var sweepSize = sizes.max()!, values = Keys.defaultDiffusionValues, sweepDistances = Keys.defaultSweepDistances
        if let sweep = try root.mapping("diffusion_sweep") {
            sweepSize = try sweep.integer(Keys.clusterSize, default: sweepSize)
            values = try sweep.grid(Keys.diffusionValues, maxCount: 1000) ?? values
            sweepDistances = try sweep.grid(Keys.sweepDistances, maxCount: 128) ?? sweepDistances
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
        guard farthest < length else {
            throw root.error("dendrite", root.value("dendrite"), "the farthest neighbour sits at \(ConfigMapping.format(farthest)) µm; allowed: dendrite.length_um above it")
        }
        guard max(sizes.max()!, timingSize, sweepSize) + max(distances.count, timingDistances.count, sweepDistances.count) <= 256 else {
            throw root.error("neighbours", root.value("neighbours"), "a condition would have more than 256 spines; allowed: cluster size + distances ≤ 256")
        }
        let experiment = HeterosynapticExperiment(
            plasticity: plasticity, diffusion: diffusion, size: size, dendriteLengthUm: length, spineVolumeUm3: volume,
            clusterSpacingUm: spacing, pairing: pairing, backpropagationToAllSpines: everywhere,
            neighbourDistancesUm: distances, repetitions: repetitions, volumeReadoutDays: readoutDays,
            clusterSizes: sizes, timingClusterSize: timingSize, timingDelaysMs: delays, timingDistancesUm: timingDistances,
            diffusionClusterSize: sweepSize, diffusionValues: values, diffusionDistancesUm: sweepDistances, processes: processes)
        let longest = experiment.windows.map(\.durationMs).max() ?? 0
        try ResourceLimits.checkGrid(diffusion, lengthUm: length, windowMs: longest, stepped: experiment.windows.contains { $0.stepped },
                                     windowKey: "pairing.pairs, pairing.frequency_hz", in: root)
        return experiment
    }

    /// Its windows, one per condition (docs/MODEL.md §2a): the length of
    /// `window(_:)` computed in floating point.
    var windows: [ResourceLimits.Window] {
        let p = plasticity.parameters
        return conditions.map { c in
            let delay = c.delayMs ?? 0
            let lead = 10 + max(0, -pairing.deltaTMs, -delay)
            let duration = lead + Double(pairing.pairs - 1) * 1000 / pairing.frequencyHz + max(0, pairing.deltaTMs, delay) + p.delayMs + 1000
            return ResourceLimits.Window(durationMs: duration, spines: Double(c.clusterSize + c.distancesUm.count), diffusion: c.diffusion,
                                         stepped: c.processes.anyEnabled, count: 1, events: Double(pairing.pairs),
                                         repetitions: c.role == .clusterOnly ? 0 : Double(repetitions))
        }
    }

    public func work() -> ResourceLimits.Work? {
        ResourceLimits.work(of: windows, lengthUm: dendriteLengthUm,
                            keys: .init(window: "pairing.frequency_hz", windows: "timing.delays_ms", repetitions: "repetitions"))
    }

    public func encode(to encoder: Encoder) throws {
        let tree: ConfigTree = [
            "plasticity": plasticity.tree,
            "diffusion": diffusion.tree,
            "dendrite": ConfigMapping.singleDendriteTree(lengthUm: dendriteLengthUm, spineVolumeUm3: spineVolumeUm3),
            "cluster": ["spacing_um": .number(clusterSpacingUm), "sizes": .numbers(clusterSizes),
                        "backpropagation_to_all_spines": .flag(backpropagationToAllSpines)],
            "pairing": Keys.pairing.tree(pairing),
            "neighbours": ["distances_um": .list(neighbourDistancesUm.map { .number($0) })],
            "repetitions": .number(Double(repetitions)),
            "volume_readout": .map([(Keys.readoutDays.key, .number(volumeReadoutDays))] + Keys.readout.pairs(size)),
            "timing": [Keys.clusterSize.key: .number(Double(timingClusterSize)), Keys.delays.key: .list(timingDelaysMs.map { .number($0) }),
                       Keys.sweepDistances.key: .list(timingDistancesUm.map { .number($0) })],
            "diffusion_sweep": [Keys.clusterSize.key: .number(Double(diffusionClusterSize)),
                                Keys.diffusionValues.key: .list(diffusionValues.map { .number($0) }),
                                Keys.sweepDistances.key: .list(diffusionDistancesUm.map { .number($0) })],
            "heterosynaptic": processes.tree,
        ]
        try tree.encode(to: encoder)
    }
}

extension HeterosynapticExperiment {
    /// Keys of the `heterosynaptic` kind.
    enum Keys {
        static let spacing = SettingDeclaration(key: "spacing_um", type: .number(.positive(upTo: 100)), unit: "µm", defaultValue: 0.7,
                                                summary: "Spacing of the clustered spines")
        static let defaultSizes = [1, 2, 3, 4, 5, 6, 7]
        static let sizes = SettingDeclaration.wholeGrid("sizes", 1...64, default: .numbers(defaultSizes), "Cluster sizes")
        static let defaultDistances = [0.5, 1, 2, 3, 4, 5, 7.5, 10, 15, 20]
        static let distances = SettingDeclaration.grid("distances_um", 0.01...10_000, unit: "µm", default: .list(defaultDistances.map { .number($0) }),
                                                       required: true, "Distances of the neighbours from the cluster")
        static let repetitions = SettingDeclaration(key: "repetitions", type: .integer(2...10_000_000), defaultValue: 2000,
                                                    summary: "Repetitions per condition (even: half the neighbours start DOWN, half UP)")
        static let readoutDays = SettingDeclaration(key: "days", type: .number(.positive(upTo: 3650)), unit: "days", defaultValue: 1,
                                                    summary: "When volumes are read out")
        /// The size dynamics that turn ρ into volumes (docs/MODEL.md §3).
        static var readout: SettingSection<LogSizeOU> {
            SettingSection("volume_readout", [
                .number("potentiation_log_shift", \.potentiationLogShift, .from(-5, to: 5), "Shift of mean ln v of a potentiated spine"),
                .number("relaxation_days", \.relaxationDays, .positive(upTo: 3650), unit: "days", "τ_s: relaxation time of ln v"),
            ])
        }
        static let clusterSize = SettingDeclaration(key: "cluster_size", type: .integer(1...64),
                                                    summary: "Cluster size (default: the largest of cluster.sizes)")
        static let defaultDelays = stride(from: -100.0, through: 100, by: 10).map { $0 }
        static let delays = SettingDeclaration.grid("delays_ms", -10_000...10_000, unit: "ms", default: .list(defaultDelays.map { .number($0) }),
                                                    "Delays of the neighbour's own input after the cluster's")
        static let defaultSweepDistances = [1.0, 3, 10]
        static let sweepDistances = SettingDeclaration.grid("distances_um", 0.01...10_000, unit: "µm",
                                                            default: .list(defaultSweepDistances.map { .number($0) }), "Distances of the neighbours")
        static let defaultDiffusionValues = [0.05, 0.1, 0.22, 0.5, 1, 2]
        static let diffusionValues = SettingDeclaration.grid("diffusion_um2_per_ms", 0.001...10, unit: "µm²/ms",
                                                             default: .list(defaultDiffusionValues.map { .number($0) }), "Values of D")

        static var pairing: SettingSection<PairingProtocol> {
            SettingSection("pairing-cluster", [
                .integer("pairs", \.pairs, 1...100_000, "Pre–post pairs"),
                .number("frequency_hz", \.frequencyHz, .from(0.001, to: 1000), unit: "Hz", "Pairing frequency"),
                .number("delta_t_ms", \.deltaTMs, .from(-1000, to: 1000), unit: "ms", "Spike timing Δt = t_post − t_pre"),
            ])
        }
    }

    static var declarations: [SettingDeclaration] {
        [
            ExperimentKind.plasticitySection, ExperimentKind.diffusionSection,
            ConfigMapping.singleDendriteDeclaration(lengthUm: 60),
            .init(key: "cluster", type: .section(name: "cluster", [
                Keys.spacing, Keys.sizes,
                .init(key: "backpropagation_to_all_spines", type: .flag, defaultValue: true, summary: "bAPs reach every spine, not only the cluster"),
            ]), summary: "The stimulated cluster"),
            .init(key: "pairing", type: Keys.pairing.type(defaults: PairingProtocol(pairs: 60, frequencyHz: 1, deltaTMs: 5)),
                  summary: "The pairing protocol of the cluster"),
            .init(key: "neighbours", type: .section(name: "neighbours", [Keys.distances]), summary: "The unstimulated neighbours"),
            Keys.repetitions,
            .init(key: "volume_readout", type: .section(name: "volume_readout",
                                                          [Keys.readoutDays] + Keys.readout.declarations(defaults: LogSizeOU(intrinsicNoise: false))),
                  summary: "Volumes from ρ (§3)"),
            .init(key: "timing", type: .section(name: "timing", [Keys.clusterSize, Keys.delays, Keys.sweepDistances]),
                  summary: "Input timing of the neighbours"),
            .init(key: "diffusion_sweep", type: .section(name: "diffusion_sweep", [Keys.clusterSize, Keys.diffusionValues, Keys.sweepDistances]),
                  summary: "The effect against the diffusion coefficient"),
            ExperimentKind.heterosynapticSection("; cooperativity stays off in this kind"),
        ]
    }
}

extension ConfigMapping {
    /// The keys of the `dendrite:` section of the one-dendrite experiments:
    /// its length (µm) and the head volume of its spines (µm³).
    static func singleDendriteKeys(lengthUm: Double) -> (length: SettingDeclaration, volume: SettingDeclaration) {
        (SettingDeclaration(key: "length_um", type: .number(.positive(upTo: 10_000)), unit: "µm", defaultValue: .number(lengthUm),
                            summary: "Length of the dendrite"),
         SettingDeclaration(key: "spine_volume_um3", type: .number(.positive(upTo: 10)), unit: "µm³", defaultValue: 0.087,
                            summary: "Head volume of its spines"))
    }

    static func singleDendriteDeclaration(lengthUm: Double) -> SettingDeclaration {
        let keys = singleDendriteKeys(lengthUm: lengthUm)
        return SettingDeclaration(key: "dendrite", type: .section(name: "dendrite-\(format(lengthUm))", [keys.length, keys.volume]),
                                  summary: "The one dendrite")
    }

    static func singleDendriteTree(lengthUm: Double, spineVolumeUm3: Double) -> ConfigTree {
        let keys = singleDendriteKeys(lengthUm: lengthUm)
        return [keys.length.key: .number(lengthUm), keys.volume.key: .number(spineVolumeUm3)]
    }

    func singleDendrite(defaultLengthUm: Double) throws -> (lengthUm: Double, spineVolumeUm3: Double) {
        let keys = ConfigMapping.singleDendriteKeys(lengthUm: defaultLengthUm)
        guard let dendrite = try mapping("dendrite") else { return (keys.length.defaultNumber, keys.volume.defaultNumber) }
        let result = (try dendrite.number(keys.length), try dendrite.number(keys.volume))
        try dendrite.finish()
        return result
    }
}
