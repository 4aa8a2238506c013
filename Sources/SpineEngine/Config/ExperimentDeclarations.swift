import SpineModel

/// The keys of each experiment kind, for the JSON Schema, docs/CONFIG.md and
/// the test that compares them with what the readers accept: the model
/// sections come from their `SettingSection`s, the other keys from the
/// declarations beside each kind's reader.
extension ExperimentKind {
    var declarations: [SettingDeclaration] {
        var keys: [SettingDeclaration] = [
            SettingDeclaration(key: Experiment.Keys.kind, type: .choice([rawValue]), required: true, summary: "The experiment kind"),
            Experiment.Keys.description, Experiment.Keys.seed, Experiment.Keys.generator,
        ]
        switch self {
        case .stdp, .stdpFrequency:
            keys += PairingSweep.declarations(kind: self)
        case .population:
            keys += [ModelSettings.DendriteKeys.declaration, ExperimentKind.durationDays, ExperimentKind.stepDays, InitialPopulation.declaration]
                + ExperimentKind.modelSections(withActivity: false) + [PopulationConfig.recordingDeclaration]
        case .heterosynaptic:
            keys += HeterosynapticExperiment.declarations
        case .heterosynapticShrinkage:
            keys += ShrinkageExperiment.declarations
        case .cooperativity:
            keys += CooperativityExperiment.declarations
        case .learningVsNoTask:
            keys += [ModelSettings.DendriteKeys.declaration, InitialPopulation.declaration] + ExperimentKind.modelSections(withActivity: true)
                + LearningExperiment.declarations
        case .memory:
            keys += [ModelSettings.DendriteKeys.declaration, InitialPopulation.declaration] + ExperimentKind.modelSections(withActivity: true)
                + MemoryExperiment.declarations
        }
        return keys
    }

    /// The model sections (docs/MODEL.md §1–5) of the kinds on the timeline engine.
    static func modelSections(withActivity: Bool) -> [SettingDeclaration] {
        var sections = [
            plasticitySection,
            SettingDeclaration(key: "size_dynamics", type: ModelSettings.sizeDynamicsType, summary: "Spine size dynamics (§3)"),
            .init(key: "functional_weight", type: ModelSettings.weightSettings.type(defaults: FunctionalWeight()),
                  summary: "Expression of ρ in the functional weight (§4)"),
            .init(key: "turnover", type: ModelSettings.turnoverSettings.type(defaults: ModelSettings.defaults),
                  summary: "Elimination and baseline spinogenesis (§4)"),
        ]
        if withActivity {
            sections += [
                diffusionSection,
                heterosynapticSection(),
                .init(key: "session", type: ModelSettings.sessionSettings.type(defaults: SessionActivity()),
                      summary: "Activity of a learning or notask session (§5)"),
                .init(key: "reactivation", type: ModelSettings.reactivationSettings.type(defaults: ReactivationActivity()),
                      summary: "Offline reactivation of a task's ensemble (§5)"),
                .init(key: "activity_guided", type: ModelSettings.guidedSettings.type(defaults: ActivityGuidedSpinogenesis()),
                      summary: "Activity-guided spinogenesis and task wiring (§4)"),
            ]
        }
        return sections
    }

    /// `plasticity` of every kind but the pairing experiments (which also take chindemi-2022).
    static var plasticitySection: SettingDeclaration {
        SettingDeclaration(key: "plasticity", type: PlasticityConfig.type(allowChindemi: false), summary: "Calcium-based plasticity of ρ (§1)")
    }

    static var diffusionSection: SettingDeclaration {
        SettingDeclaration(key: "diffusion", type: DiffusionParameters.settings.type(defaults: DiffusionParameters()),
                           summary: "Dendritic calcium diffusion (§2)")
    }

    /// `heterosynaptic`, with what the kind does with it.
    static func heterosynapticSection(_ note: String = "") -> SettingDeclaration {
        SettingDeclaration(key: "heterosynaptic", type: HeterosynapticProcesses.settings.type(defaults: HeterosynapticProcesses()),
                           summary: "Heterosynaptic processes (§2b–2d)" + note)
    }

    static let durationDays = SettingDeclaration(key: "duration_days", type: .integer(1...36_500), unit: "days", required: true,
                                                 summary: "Days of home cage")
    static let stepDays = SettingDeclaration(key: "step_days", type: .number(.positive(upTo: 1)), unit: "days", defaultValue: 1,
                                             summary: "Time step: 1/k day for an integer k from 1 to 1440")
}

extension SettingDeclaration {
    /// Whole days or numbers: a number, a list or {from, to, step}.
    static func wholeGrid(_ key: String, _ range: ClosedRange<Int>, unit: String = "", default value: ConfigTree? = nil,
                          _ summary: String) -> SettingDeclaration {
        SettingDeclaration(key: key, type: .grid(.from(Double(range.lowerBound), to: Double(range.upperBound)), whole: true), unit: unit,
                           defaultValue: value, summary: summary)
    }

    /// Real numbers: a number, a list or {from, to, step}.
    static func grid(_ key: String, _ range: ClosedRange<Double>, unit: String, default value: ConfigTree? = nil, required: Bool = false,
                     _ summary: String) -> SettingDeclaration {
        SettingDeclaration(key: key, type: .grid(.from(range.lowerBound, to: range.upperBound), whole: false), unit: unit,
                           defaultValue: value, required: required, summary: summary)
    }

    /// `{min_um3, max_um3, count}`: log-spaced volume bins.
    static func volumeBins(_ key: String, default bins: VolumeBins, _ summary: String) -> SettingDeclaration {
        typealias Keys = PopulationConfig.Keys
        return SettingDeclaration(key: key, type: .section(name: "volume_bins", [Keys.binLower, Keys.binUpper, Keys.binCount]),
                                  defaultValue: bins.tree, summary: summary)
    }
}
