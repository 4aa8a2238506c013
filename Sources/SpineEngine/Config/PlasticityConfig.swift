import SpineModel

/// The `plasticity:` section: a preset by name, and any of its parameters
/// overridden by key (docs/MODEL.md §1 table). Encoded flat, as it is written.
public struct PlasticityConfig: Encodable, Sendable, Equatable {
    public var preset: String
    public var parameters: PlasticityParameters
    /// Set for the `chindemi-2022` preset (docs/MODEL.md §1, "The Chindemi
    /// 2022 variant"); `parameters` then stays the DP set and is not used.
    public var chindemi: ChindemiParameters?

    /// The name of the Chindemi 2022 variant in experiment files.
    public static let chindemiPreset = "chindemi-2022"

    public init(preset: PlasticityPreset) {
        self.preset = preset.rawValue
        parameters = preset.parameters
    }

    enum CodingKeys: String, CodingKey { case preset }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(preset, forKey: .preset)
        if let chindemi { try chindemi.encode(to: encoder) } else { try parameters.encode(to: encoder) }
    }

    /// `allowChindemi`: whether the experiment implements the `chindemi-2022`
    /// preset (only the pairing sweeps do).
    static func read(_ section: ConfigMapping?, allowChindemi: Bool = false) throws -> PlasticityConfig {
        guard let section else { return PlasticityConfig(preset: .dp) }
        let names = PlasticityPreset.names + (allowChindemi ? [chindemiPreset] : [])
        if !allowChindemi, let node = section.peek("preset"), node.scalar?.string == chindemiPreset {
            throw section.error("preset", node, "value \"\(chindemiPreset)\" is only implemented for the stdp and stdp-frequency experiments; allowed here: \(ConfigMapping.oneOf(PlasticityPreset.names))")
        }
        let name = try section.choice("preset", from: names, default: PlasticityPreset.dp.rawValue)
        if name == chindemiPreset { return try readChindemi(section) }
        if let node = section.peek("dendrite_type") {
            throw section.error("dendrite_type", node, "applies only to preset \"\(chindemiPreset)\" (preset here: \"\(name)\"); allowed: remove the key, or set preset: \(chindemiPreset)")
        }
        var config = PlasticityConfig(preset: PlasticityPreset(rawValue: name)!)
        try parameterSettings.read(section, into: &config.parameters)
        return config
    }

    /// The `chindemi-2022` preset: `dendrite_type` (basal | apical) picks the
    /// threshold coefficients; every parameter can be overridden by its key.
    static func readChindemi(_ section: ConfigMapping) throws -> PlasticityConfig {
        let dendrite = try section.choice("dendrite_type", from: DendriteType.allCases.map(\.rawValue), default: DendriteType.basal.rawValue)
        var p = ChindemiParameters.chindemi2022(DendriteType(rawValue: dendrite)!)
        try chindemiSettings.read(section, into: &p)
        if p.tauIntegratorMs == p.tauCalciumMs {
            throw section.error("tau_star_ms", section.peek("tau_star_ms") ?? section.peek("tau_ca_ms"),
                                "τ⋆ equals τ_Ca (\(p.tauCalciumMs) ms); allowed: any other positive value")
        }
        var config = PlasticityConfig(preset: .dp)
        config.preset = chindemiPreset
        config.chindemi = p
        return config
    }

    /// The parameters of the Graupner–Brunel presets (docs/MODEL.md §1).
    static var parameterSettings: SettingSection<PlasticityParameters> {
        SettingSection("plasticity-parameters", [
            .number("tau_ca_ms", \.tauCalciumMs, .positive(upTo: 10_000), unit: "ms", "τ_Ca: decay time of spine calcium"),
            .number("c_pre", \.calciumPre, .from(0, to: 1000), "C_pre: calcium jump of a presynaptic spike"),
            .number("c_post", \.calciumPost, .from(0, to: 1000), "C_post: calcium jump of a postsynaptic spike (bAP)"),
            .number("theta_d", \.thetaDepression, .positive(upTo: 1000), "θ_d: depression threshold"),
            .number("theta_p", \.thetaPotentiation, .positive(upTo: 1000), "θ_p: potentiation threshold"),
            .number("gamma_d", \.gammaDepression, .from(0, to: 1e6), "γ_d: depression rate"),
            .number("gamma_p", \.gammaPotentiation, .from(0, to: 1e6), "γ_p: potentiation rate"),
            .number("sigma", \.sigma, .from(0, to: 1000), "σ: noise amplitude of ρ"),
            .number("tau_rho_s", \.tauEfficacySeconds, .positive(upTo: 1e7), unit: "s", "τ: time constant of ρ"),
            .number("delay_ms", \.delayMs, .from(0, to: 1000), unit: "ms", "D: delay of the presynaptic calcium jump"),
            .number("rho_star", \.rhoStar, .positive(upTo: 0.999_999), "ρ⋆: boundary between the basins of ρ"),
            .number("beta", \.beta, .from(0, to: 1), "β: fraction of synapses that start in the UP state (weight readout)"),
            .number("b", \.weightRatio, .positive(upTo: 1e6), "b: ratio of the UP to the DOWN synaptic weight"),
        ])
    }

    /// The parameters of the `chindemi-2022` preset (docs/MODEL.md §1).
    static var chindemiSettings: SettingSection<ChindemiParameters> {
        SettingSection("plasticity-chindemi-2022-parameters", [
            .choice("dendrite_type", \.dendriteType, "Which threshold coefficients: basal or apical dendrites"),
            .number("tau_ca_ms", \.tauCalciumMs, .positive(upTo: 10_000), unit: "ms", "τ_Ca: decay time of spine calcium"),
            .number("c_pre", \.calciumPre, .from(0, to: 1000), "C_pre: calcium of a presynaptic spike"),
            .number("c_post", \.calciumPost, .from(0, to: 1000), "C_post: calcium of a postsynaptic spike"),
            .number("delay_ms", \.delayMs, .from(0, to: 1000), unit: "ms", "D: delay of the presynaptic calcium"),
            .number("tau_star_ms", \.tauIntegratorMs, .positive(upTo: 1e6), unit: "ms", "τ⋆: time constant of the calcium integrator (not τ_Ca)"),
            .number("gamma_d", \.gammaDepression, .from(0, to: 1e6), "γ_d: depression rate"),
            .number("gamma_p", \.gammaPotentiation, .from(0, to: 1e6), "γ_p: potentiation rate"),
            .number("tau_rho_s", \.tauEfficacySeconds, .positive(upTo: 1e7), unit: "s", "τ: time constant of ρ"),
            .number("a_d_pre", \.thetaDepressionPre, .from(0, to: 1000), "Depression threshold coefficient of the presynaptic peak"),
            .number("a_d_post", \.thetaDepressionPost, .from(0, to: 1000), "Depression threshold coefficient of the postsynaptic peak"),
            .number("a_p_pre", \.thetaPotentiationPre, .from(0, to: 1000), "Potentiation threshold coefficient of the presynaptic peak"),
            .number("a_p_post", \.thetaPotentiationPost, .from(0, to: 1000), "Potentiation threshold coefficient of the postsynaptic peak"),
            .number("nmda_boost", \.nmdaBoost, .from(0, to: 1000), "NMDA boost of presynaptic calcium coincident with a bAP"),
            .integer("release_sites", \.releaseSites, 1...1000, "Release sites per synapse"),
            .number("release_probability", \.releaseProbability, .from(0, to: 1), "Release probability per site"),
            .number("recovery_ms", \.recoveryMs, .positive(upTo: 1e7), unit: "ms", "Recovery time of a release site"),
            .number("tau_change_s", \.tauChangeSeconds, .positive(upTo: 1e7), unit: "s", "Time constant of the expressed weight change"),
            .number("beta", \.beta, .from(0, to: 1), "β: fraction of synapses that start in the UP state"),
            .number("b", \.weightRatio, .positive(upTo: 1e6), "b: ratio of the UP to the DOWN synaptic weight"),
        ])
    }

    /// The section in experiment-file form (Graupner–Brunel presets).
    var tree: ConfigTree { .map([("preset", .text(preset))] + PlasticityConfig.parameterSettings.pairs(parameters)) }

    /// The declarations of the section: the Graupner–Brunel presets, and
    /// with `allowChindemi` the `chindemi-2022` variant.
    static func type(allowChindemi: Bool) -> SettingType {
        let presets = PlasticityPreset.names
        let gb = SettingType.section(name: "plasticity", [
            SettingDeclaration(key: "preset", type: .choice(presets), defaultValue: .text(PlasticityPreset.dp.rawValue),
                               summary: "A published parameter set (docs/MODEL.md §1); the keys below override its values"),
        ] + parameterSettings.declarations(defaults: PlasticityPreset.dp.parameters))
        guard allowChindemi else { return gb }
        let chindemi = SettingType.section(name: "plasticity-chindemi-2022", [
            SettingDeclaration(key: "preset", type: .choice([chindemiPreset]), required: true,
                               summary: "The Chindemi et al. 2022 variant (docs/MODEL.md §1)"),
        ] + chindemiSettings.declarations(defaults: .chindemi2022(.basal)))
        return .oneOf("mapping: a preset and its parameters", [gb, chindemi])
    }
}

/// Every preset by name with its parameters (`spinesim presets`).
public struct PresetTable: Encodable {
    public init() {}
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: PresetName.self)
        for preset in PlasticityPreset.allCases {
            try container.encode(preset.parameters, forKey: PresetName(stringValue: preset.rawValue))
        }
        try container.encode(ChindemiParameters.chindemi2022(.basal), forKey: PresetName(stringValue: PlasticityConfig.chindemiPreset))
    }

    struct PresetName: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}
