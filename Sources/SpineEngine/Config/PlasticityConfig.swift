import SpineModel

/// The `plasticity:` section: a preset by name, and any of its parameters
/// overridden by key (docs/MODEL.md §1 table). Encoded flat, as it is written.
public struct PlasticityConfig: Encodable, Sendable, Equatable {
    public var preset: String
    public var parameters: PlasticityParameters

    public init(preset: PlasticityPreset) {
        self.preset = preset.rawValue
        parameters = preset.parameters
    }

    enum CodingKeys: String, CodingKey { case preset }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(preset, forKey: .preset)
        try parameters.encode(to: encoder)
    }

    static func read(_ section: ConfigMapping?) throws -> PlasticityConfig {
        guard let section else { return PlasticityConfig(preset: .dp) }
        let name = try section.choice("preset", from: PlasticityPreset.names, default: PlasticityPreset.dp.rawValue)
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
}


/// Every preset by name with its parameters (`spinesim presets`).
public struct PresetTable: Encodable {
    public init() {}
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: PresetName.self)
        for preset in PlasticityPreset.allCases {
            try container.encode(preset.parameters, forKey: PresetName(stringValue: preset.rawValue))
        }
    }

    struct PresetName: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}
