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
        var p = config.parameters
        p.tauCalciumMs = try section.positiveDouble("tau_ca_ms", upTo: 10_000, default: p.tauCalciumMs, unit: "ms")
        p.calciumPre = try section.double("c_pre", in: 0...1000, default: p.calciumPre)
        p.calciumPost = try section.double("c_post", in: 0...1000, default: p.calciumPost)
        p.thetaDepression = try section.positiveDouble("theta_d", upTo: 1000, default: p.thetaDepression)
        p.thetaPotentiation = try section.positiveDouble("theta_p", upTo: 1000, default: p.thetaPotentiation)
        p.gammaDepression = try section.double("gamma_d", in: 0...1e6, default: p.gammaDepression)
        p.gammaPotentiation = try section.double("gamma_p", in: 0...1e6, default: p.gammaPotentiation)
        p.sigma = try section.double("sigma", in: 0...1000, default: p.sigma)
        p.tauEfficacySeconds = try section.positiveDouble("tau_rho_s", upTo: 1e7, default: p.tauEfficacySeconds, unit: "s")
        p.delayMs = try section.double("delay_ms", in: 0...1000, default: p.delayMs, unit: "ms")
        p.rhoStar = try section.positiveDouble("rho_star", upTo: 0.999_999, default: p.rhoStar)
        p.beta = try section.double("beta", in: 0...1, default: p.beta)
        p.weightRatio = try section.positiveDouble("b", upTo: 1e6, default: p.weightRatio)
        try section.finish()
        config.parameters = p
        return config
    }

    /// The `chindemi-2022` preset: `dendrite_type` (basal | apical) picks the
    /// threshold coefficients; every parameter can be overridden by its key.
    static func readChindemi(_ section: ConfigMapping) throws -> PlasticityConfig {
        let dendrite = try section.choice("dendrite_type", from: DendriteType.allCases.map(\.rawValue), default: DendriteType.basal.rawValue)
        var p = ChindemiParameters.chindemi2022(DendriteType(rawValue: dendrite)!)
        p.tauCalciumMs = try section.positiveDouble("tau_ca_ms", upTo: 10_000, default: p.tauCalciumMs, unit: "ms")
        p.calciumPre = try section.double("c_pre", in: 0...1000, default: p.calciumPre)
        p.calciumPost = try section.double("c_post", in: 0...1000, default: p.calciumPost)
        p.delayMs = try section.double("delay_ms", in: 0...1000, default: p.delayMs, unit: "ms")
        p.tauIntegratorMs = try section.positiveDouble("tau_star_ms", upTo: 1e6, default: p.tauIntegratorMs, unit: "ms")
        if p.tauIntegratorMs == p.tauCalciumMs {
            throw section.error("tau_star_ms", section.peek("tau_star_ms") ?? section.peek("tau_ca_ms"),
                                "τ⋆ equals τ_Ca (\(p.tauCalciumMs) ms); allowed: any other positive value")
        }
        p.gammaDepression = try section.double("gamma_d", in: 0...1e6, default: p.gammaDepression)
        p.gammaPotentiation = try section.double("gamma_p", in: 0...1e6, default: p.gammaPotentiation)
        p.tauEfficacySeconds = try section.positiveDouble("tau_rho_s", upTo: 1e7, default: p.tauEfficacySeconds, unit: "s")
        p.thetaDepressionPre = try section.double("a_d_pre", in: 0...1000, default: p.thetaDepressionPre)
        p.thetaDepressionPost = try section.double("a_d_post", in: 0...1000, default: p.thetaDepressionPost)
        p.thetaPotentiationPre = try section.double("a_p_pre", in: 0...1000, default: p.thetaPotentiationPre)
        p.thetaPotentiationPost = try section.double("a_p_post", in: 0...1000, default: p.thetaPotentiationPost)
        p.nmdaBoost = try section.double("nmda_boost", in: 0...1000, default: p.nmdaBoost)
        p.releaseSites = try section.int("release_sites", in: 1...1000, default: p.releaseSites)
        p.releaseProbability = try section.double("release_probability", in: 0...1, default: p.releaseProbability)
        p.recoveryMs = try section.positiveDouble("recovery_ms", upTo: 1e7, default: p.recoveryMs, unit: "ms")
        p.tauChangeSeconds = try section.positiveDouble("tau_change_s", upTo: 1e7, default: p.tauChangeSeconds, unit: "s")
        p.beta = try section.double("beta", in: 0...1, default: p.beta)
        p.weightRatio = try section.positiveDouble("b", upTo: 1e6, default: p.weightRatio)
        try section.finish()
        var config = PlasticityConfig(preset: .dp)
        config.preset = chindemiPreset
        config.chindemi = p
        return config
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
