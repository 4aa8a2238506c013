import SpineModel

/// The `diffusion:` section (docs/MODEL.md §2).
extension DiffusionParameters {
    static func read(_ section: ConfigMapping?) throws -> DiffusionParameters {
        var d = DiffusionParameters()
        guard let section else { return d }
        d.enabled = try section.bool("enabled", default: d.enabled)
        d.diffusionUm2PerMs = try section.positiveDouble("diffusion_um2_per_ms", upTo: 10, default: d.diffusionUm2PerMs, unit: "µm²/ms")
        d.dendriteRadiusUm = try section.positiveDouble("dendrite_radius_um", upTo: 10, default: d.dendriteRadiusUm, unit: "µm")
        d.tauDendriteMs = try section.positiveDouble("tau_dendrite_ms", upTo: 1e12, default: d.tauDendriteMs, unit: "ms")
        d.tauNeckMs = try section.positiveDouble("tau_neck_ms", upTo: 1e12, default: d.tauNeckMs, unit: "ms")
        // Real lower bounds: 5 nm cells and 0.1 µs steps are far below what the
        // scheme needs (docs/MODEL.md §2a); finer ones only make a run endless.
        d.gridSpacingUm = try section.positiveDouble("grid_spacing_um", above: 0.005, upTo: 10, default: d.gridSpacingUm, unit: "µm")
        d.timeStepMs = try section.positiveDouble("time_step_ms", above: 1e-4, upTo: 100, default: d.timeStepMs, unit: "ms")
        try section.finish()
        return d
    }

    var tree: ConfigTree {
        ["enabled": .flag(enabled), "diffusion_um2_per_ms": .number(diffusionUm2PerMs), "dendrite_radius_um": .number(dendriteRadiusUm),
         "tau_dendrite_ms": .number(tauDendriteMs), "tau_neck_ms": .number(tauNeckMs),
         "grid_spacing_um": .number(gridSpacingUm), "time_step_ms": .number(timeStepMs)]
    }
}
