import SpineModel

/// The `heterosynaptic:` section (docs/MODEL.md §2b–2d): three mappings,
/// `dendritic_spikes`, `store_release` and `cooperativity`, each with
/// `enabled` (default false) and its parameters.
extension HeterosynapticProcesses {
    static func read(_ section: ConfigMapping?) throws -> HeterosynapticProcesses {
        var processes = HeterosynapticProcesses()
        guard let section else { return processes }
        if let spikes = try section.mapping("dendritic_spikes") {
            var s = processes.dendriticSpikes
            s.enabled = try spikes.bool("enabled", default: s.enabled)
            s.minimumEvents = try spikes.int("min_events", in: 1...100_000, default: s.minimumEvents)
            s.windowMs = try spikes.positiveDouble("window_ms", upTo: 10_000, default: s.windowMs, unit: "ms")
            s.stretchUm = try spikes.positiveDouble("stretch_um", above: 0.1, upTo: 100_000, default: s.stretchUm, unit: "µm")
            s.calciumOverPost = try spikes.double("calcium_over_post", in: 0...1000, default: s.calciumOverPost)
            s.refractoryMs = try spikes.double("refractory_ms", in: 0...100_000, default: s.refractoryMs, unit: "ms")
            try spikes.finish()
            processes.dendriticSpikes = s
        }
        if let store = try section.mapping("store_release") {
            var s = processes.storeRelease
            s.enabled = try store.bool("enabled", default: s.enabled)
            s.diffusionUm2PerMs = try store.positiveDouble("diffusion_um2_per_ms", above: 1e-7, upTo: 10, default: s.diffusionUm2PerMs, unit: "µm²/ms")
            s.tauMs = try store.positiveDouble("tau_ms", above: 0.01, upTo: 1e9, default: s.tauMs, unit: "ms")
            s.releasePerEvent = try store.double("release_per_event", in: 0...1e6, default: s.releasePerEvent)
            s.halfActivation = try store.positiveDouble("half_activation", above: 1e-12, upTo: 1e12, default: s.halfActivation)
            s.hillCoefficient = try store.positiveDouble("hill_coefficient", upTo: 20, default: s.hillCoefficient)
            s.maximumCalciumOverThetaD = try store.double("max_calcium_over_theta_d", in: 0...1000, default: s.maximumCalciumOverThetaD)
            try store.finish()
            processes.storeRelease = s
        }
        if let cooperativity = try section.mapping("cooperativity") {
            var c = processes.cooperativity
            c.enabled = try cooperativity.bool("enabled", default: c.enabled)
            c.diffusionUm2PerMs = try cooperativity.positiveDouble("diffusion_um2_per_ms", above: 1e-9, upTo: 10, default: c.diffusionUm2PerMs, unit: "µm²/ms")
            c.tauMs = 1000 * (try cooperativity.positiveDouble("tau_s", above: 1e-3, upTo: 1e7, default: c.tauMs / 1000, unit: "s"))
            c.releasePerCrossing = try cooperativity.double("release_per_crossing", in: 0...1e6, default: c.releasePerCrossing)
            c.halfEffect = try cooperativity.positiveDouble("half_effect", above: 1e-12, upTo: 1e12, default: c.halfEffect)
            c.maximumLowering = try cooperativity.double("max_lowering", in: 0...0.99, default: c.maximumLowering)
            c.updateIntervalMs = try cooperativity.positiveDouble("update_interval_ms", above: 0.01, upTo: 60_000, default: c.updateIntervalMs, unit: "ms")
            try cooperativity.finish()
            processes.cooperativity = c
        }
        try section.finish()
        return processes
    }

    var tree: ConfigTree {
        let s = dendriticSpikes, p = storeRelease, c = cooperativity
        return [
            "dendritic_spikes": ["enabled": .flag(s.enabled), "min_events": .number(Double(s.minimumEvents)), "window_ms": .number(s.windowMs),
                                 "stretch_um": .number(s.stretchUm), "calcium_over_post": .number(s.calciumOverPost),
                                 "refractory_ms": .number(s.refractoryMs)],
            "store_release": ["enabled": .flag(p.enabled), "diffusion_um2_per_ms": .number(p.diffusionUm2PerMs), "tau_ms": .number(p.tauMs),
                              "release_per_event": .number(p.releasePerEvent), "half_activation": .number(p.halfActivation),
                              "hill_coefficient": .number(p.hillCoefficient), "max_calcium_over_theta_d": .number(p.maximumCalciumOverThetaD)],
            "cooperativity": ["enabled": .flag(c.enabled), "diffusion_um2_per_ms": .number(c.diffusionUm2PerMs), "tau_s": .number(c.tauMs / 1000),
                              "release_per_crossing": .number(c.releasePerCrossing), "half_effect": .number(c.halfEffect),
                              "max_lowering": .number(c.maximumLowering), "update_interval_ms": .number(c.updateIntervalMs)],
        ]
    }
}
