import SpineModel

/// The `diffusion:` section (docs/MODEL.md §2).
extension DiffusionParameters {
    static var settings: SettingSection<DiffusionParameters> { SettingSection("diffusion", [
        .flag("enabled", \.enabled, "Calcium leaks through spine necks and diffuses along the dendrite (§2a)"),
        .number("diffusion_um2_per_ms", \.diffusionUm2PerMs, .positive(upTo: 10), unit: "µm²/ms", "Calcium diffusion coefficient D in the dendrite"),
        .number("dendrite_radius_um", \.dendriteRadiusUm, .positive(upTo: 10), unit: "µm", "Dendrite radius, one for every dendrite"),
        .number("tau_dendrite_ms", \.tauDendriteMs, .positive(upTo: 1e12), unit: "ms", "Extrusion time constant of dendritic calcium"),
        .number("tau_neck_ms", \.tauNeckMs, .positive(upTo: 1e12), unit: "ms", "Exchange time constant through a spine neck"),
        // Real lower bounds: 5 nm cells and 0.1 µs steps are far below what the
        // scheme needs (docs/MODEL.md §2a); finer ones only make a run endless.
        .number("grid_spacing_um", \.gridSpacingUm, .above(0.005, upTo: 10), unit: "µm", "Cell length of the diffusion grid"),
        .number("time_step_ms", \.timeStepMs, .above(1e-4, upTo: 100), unit: "ms", "Time step of the diffusion scheme"),
        .choice("method", \.method, "How received calcium is computed: the grid stepped through every window, or its response kernels summed only where a gating can change (§2a)"),
        .number("kernel_tolerance", \.kernelTolerance, .above(1e-15, upTo: 1e-2), unit: "",
                "Event-driven method: a jump's received calcium is dropped where it is below this fraction of its peak"),
    ]) }

    static func read(_ section: ConfigMapping?) throws -> DiffusionParameters {
        try settings.read(section, defaults: DiffusionParameters())
    }

    var tree: ConfigTree { DiffusionParameters.settings.tree(self) }
}
