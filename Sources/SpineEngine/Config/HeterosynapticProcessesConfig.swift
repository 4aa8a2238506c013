import SpineModel

/// The `heterosynaptic:` section (docs/MODEL.md §2b–2d): three mappings,
/// `dendritic_spikes`, `store_release` and `cooperativity`, each with
/// `enabled` (default false) and its parameters.
extension HeterosynapticProcesses {
    static var settings: SettingSection<HeterosynapticProcesses> {
        SettingSection("heterosynaptic", [
            .section("dendritic_spikes", \.dendriticSpikes, SettingSection("dendritic_spikes", [
                .flag("enabled", \.enabled, "Local dendritic spikes (§2b)"),
                .integer("min_events", \.minimumEvents, 1...100_000, unit: "events", "N_spike: input events in a stretch within the window that fire a spike"),
                .number("window_ms", \.windowMs, .from(0.01, to: 10_000), unit: "ms", "W_spike: the window of those events"),
                .number("stretch_um", \.stretchUm, .above(0.1, upTo: 100_000), unit: "µm", "L_spike: length of a dendritic stretch"),
                .number("calcium_over_post", \.calciumOverPost, .from(0, to: 1000), unit: "C_post", "κ_spike: calcium a spike brings, in units of C_post"),
                .number("refractory_ms", \.refractoryMs, .from(0, to: 100_000), unit: "ms", "T_ref: refractory time of a stretch"),
            ]), "Dendritic spikes (§2b)"),
            .section("store_release", \.storeRelease, SettingSection("store_release", [
                .flag("enabled", \.enabled, "Store-release messenger: heterosynaptic depression (§2c)"),
                .number("diffusion_um2_per_ms", \.diffusionUm2PerMs, .above(1e-7, upTo: 10), unit: "µm²/ms", "D_p: messenger diffusion coefficient"),
                .number("tau_ms", \.tauMs, .above(0.01, upTo: 1e9), unit: "ms", "τ_p: messenger decay time"),
                .number("release_per_event", \.releasePerEvent, .from(0, to: 1e6), unit: "q_p", "Messenger released per event (sets its unit)"),
                .number("half_activation", \.halfActivation, .above(1e-12, upTo: 1e12), unit: "q_p/µm", "K: half-activation of store release"),
                .number("hill_coefficient", \.hillCoefficient, .positive(upTo: 20), "n: Hill coefficient of store release"),
                .number("max_calcium_over_theta_d", \.maximumCalciumOverThetaD, .from(0, to: 1000), unit: "θ_d", "c_max: largest released calcium, in units of θ_d"),
            ]), "Store-release messenger (§2c)"),
            .section("cooperativity", \.cooperativity, SettingSection("cooperativity", [
                .flag("enabled", \.enabled, "Cooperativity messenger: LTP lowers neighbours' thresholds (§2d)"),
                .number("diffusion_um2_per_ms", \.diffusionUm2PerMs, .above(1e-9, upTo: 10), unit: "µm²/ms", "D_r: messenger diffusion coefficient"),
                .number("tau_s", \.tauMs, .above(1e-3, upTo: 1e7), unit: "s", scale: 1000, "τ_r: messenger decay time"),
                .number("release_per_crossing", \.releasePerCrossing, .from(0, to: 1e6), unit: "q_r", "Messenger released per potentiation-threshold crossing (sets its unit)"),
                .number("half_effect", \.halfEffect, .above(1e-12, upTo: 1e12), unit: "q_r/µm", "K_r: messenger at half the threshold lowering"),
                .number("max_lowering", \.maximumLowering, .from(0, to: 0.99), "δ_θ: largest relative lowering of the thresholds"),
                .number("update_interval_ms", \.updateIntervalMs, .above(0.01, upTo: 60_000), unit: "ms", "How often each spine's thresholds follow the messenger"),
            ]), "Cooperativity messenger (§2d)"),
        ])
    }

    static func read(_ section: ConfigMapping?) throws -> HeterosynapticProcesses {
        try settings.read(section, defaults: HeterosynapticProcesses())
    }

    var tree: ConfigTree { HeterosynapticProcesses.settings.tree(self) }
}
