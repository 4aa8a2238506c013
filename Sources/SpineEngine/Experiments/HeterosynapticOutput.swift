import Foundation
import GSL

/// The `heterosynaptic` experiment's result files.
extension HeterosynapticExperiment {
    /// A stimulated condition's neighbours with their control and cluster-only counterparts.
    struct Comparison {
        let condition: Condition
        let stimulated: [SpineOutcome]     // cluster spines first, then the neighbours
        let control: [SpineOutcome]
        let clusterOnly: [SpineOutcome]

        var neighbours: Range<Int> { condition.clusterSize..<stimulated.count }

        /// Δρ of neighbour k minus the control's, and that difference in standard errors.
        func effect(_ k: Int) -> (difference: Double, z: Double) {
            let o = stimulated[k], c = control[k]
            let difference = o.deltaRhoMean - c.deltaRhoMean
            let error = (o.deltaRhoSEM * o.deltaRhoSEM + c.deltaRhoSEM * c.deltaRhoSEM).squareRoot()
            return (difference, error > 0 ? difference / error : 0)
        }
    }

    func comparisons(_ conditions: [Condition], _ outcomes: [[SpineOutcome]]) -> [Comparison] {
        conditions.indices.filter { conditions[$0].role == .stimulated }.map { index in
            let c = conditions[index]
            func outcome(_ role: Role) -> [SpineOutcome] {
                outcomes[conditions.indices.first { conditions[$0].role == role && conditions[$0].matches(c) }!]
            }
            return Comparison(condition: c, stimulated: outcomes[index], control: outcome(.control), clusterOnly: outcome(.clusterOnly))
        }
    }

    func write(conditions: [Condition], outcomes: [[SpineOutcome]], into directory: RunDirectory) throws -> [String] {
        let all = comparisons(conditions, outcomes)
        var distance = CSVTable(header: ["n_stimulated", "distance_um", "delta_rho_mean", "delta_rho_sem", "fraction_potentiated",
                                         "fraction_depressed", "delta_volume_rel_mean"])
        var timing = CSVTable(header: ["delay_ms", "distance_um", "delta_rho_mean", "delta_rho_sem", "fraction_potentiated", "fraction_depressed"])
        var diffusionTable = CSVTable(header: ["diffusion_um2_per_ms", "distance_um", "delta_rho_mean", "delta_rho_sem"])
        var timingSpikes = timing, diffusionSpikes = diffusionTable
        var control = CSVTable(header: ["sweep", "cluster_size", "diffusion_um2_per_ms", "delay_ms", "distance_um", "delta_rho_mean",
                                        "delta_rho_sem", "fraction_potentiated", "fraction_depressed", "delta_volume_rel_mean"])
        var calcium = CSVTable(header: ["sweep", "n_stimulated", "diffusion_um2_per_ms", "delay_ms", "distance_um", "cluster_peak_neck_calcium",
                                        "extra_time_above_theta_d_ms", "extra_time_above_theta_p_ms"])
        for comparison in all {
            let c = comparison.condition
            let delay: CSVTable.Cell = c.delayMs.map { .real($0) } ?? .text("")
            for k in comparison.neighbours {
                let o = comparison.stimulated[k], base = comparison.control[k]
                switch c.kind {
                case .distance:
                    distance.append([.integer(c.clusterSize), .real(o.distanceUm), .real(o.deltaRhoMean), .real(o.deltaRhoSEM),
                                     .real(o.fractionPotentiated), .real(o.fractionDepressed), .real(o.deltaVolumeRelativeMean)])
                case .timing:
                    timing.append([.real(c.delayMs!), .real(o.distanceUm), .real(o.deltaRhoMean), .real(o.deltaRhoSEM),
                                   .real(o.fractionPotentiated), .real(o.fractionDepressed)])
                case .diffusion:
                    diffusionTable.append([.real(c.diffusion.diffusionUm2PerMs), .real(o.distanceUm), .real(o.deltaRhoMean), .real(o.deltaRhoSEM)])
                case .timingSpikes:
                    timingSpikes.append([.real(c.delayMs!), .real(o.distanceUm), .real(o.deltaRhoMean), .real(o.deltaRhoSEM),
                                         .real(o.fractionPotentiated), .real(o.fractionDepressed)])
                case .diffusionSpikes:
                    diffusionSpikes.append([.real(c.diffusion.diffusionUm2PerMs), .real(o.distanceUm), .real(o.deltaRhoMean), .real(o.deltaRhoSEM)])
                }
                control.append([.text(c.kind.rawValue), .integer(c.clusterSize), .real(c.diffusion.diffusionUm2PerMs), delay,
                                .real(base.distanceUm), .real(base.deltaRhoMean), .real(base.deltaRhoSEM), .real(base.fractionPotentiated),
                                .real(base.fractionDepressed), .real(base.deltaVolumeRelativeMean)])
                calcium.append([.text(c.kind.rawValue), .integer(c.clusterSize), .real(c.diffusion.diffusionUm2PerMs), delay,
                                .real(o.distanceUm), .real(comparison.clusterOnly[k].peakNeckCalcium),
                                .real(o.timeAboveDepressionMs - base.timeAboveDepressionMs),
                                .real(o.timeAbovePotentiationMs - base.timeAbovePotentiationMs)])
            }
        }
        try directory.write("heterosynaptic_distance.csv", table: distance)
        try directory.write("heterosynaptic_timing.csv", table: timing)
        try directory.write("heterosynaptic_diffusion.csv", table: diffusionTable)
        var names = ["heterosynaptic_distance.csv", "heterosynaptic_timing.csv", "heterosynaptic_diffusion.csv",
                     "heterosynaptic_control.csv", "heterosynaptic_calcium.csv", "summary.json"]
        if processes.dendriticSpikes.enabled {
            try directory.write("heterosynaptic_timing_spikes.csv", table: timingSpikes)
            try directory.write("heterosynaptic_diffusion_spikes.csv", table: diffusionSpikes)
            names += ["heterosynaptic_timing_spikes.csv", "heterosynaptic_diffusion_spikes.csv"]
        }
        try directory.write("heterosynaptic_control.csv", table: control)
        try directory.write("heterosynaptic_calcium.csv", table: calcium)
        try directory.writeJSON("summary.json", HeterosynapticSummary(all))
        return names
    }
}

/// The key figures: the distance scale of the cluster's neck-borne calcium
/// (noise-free), the neighbours' efficacy change against the unstimulated-
/// cluster control, and the stimulated spines' own potentiation.
struct HeterosynapticSummary: Encodable {
    struct ClusterFigures: Encodable {
        let n_stimulated: Int
        let stimulated_fraction_potentiated: Double
        /// λ of the cluster's peak neck-borne calcium ∝ e^{−d/λ}, least squares over neighbours ≤ 10 µm.
        let calcium_length_constant_um: Double?
        let nearest_distance_um: Double
        let nearest_cluster_peak_neck_calcium: Double
        /// Extra time above θ_d and θ_p over the protocol at the nearest neighbour (ms), against the control.
        let nearest_extra_time_above_theta_d_ms: Double
        let nearest_extra_time_above_theta_p_ms: Double
        /// Δρ of the nearest neighbour minus the control's, and that difference in standard errors.
        let nearest_delta_rho_effect: Double
        let nearest_delta_rho_effect_z: Double
    }

    struct DiffusionFigures: Encodable {
        let diffusion_um2_per_ms: Double
        let calcium_length_constant_um: Double?
        let nearest_cluster_peak_neck_calcium: Double
        let nearest_delta_rho_effect: Double
        let nearest_delta_rho_effect_z: Double
    }

    struct TimingFigures: Encodable {
        let distance_um: Double
        let delay_of_largest_effect_ms: Double
        let largest_delta_rho_effect: Double
        let largest_effect_z: Double
        let largest_extra_time_above_theta_d_ms: Double
    }

    let clusters: [ClusterFigures]
    let diffusion: [DiffusionFigures]
    let timing: [TimingFigures]
    /// The same with local dendritic spikes on (docs/MODEL.md §2b).
    let diffusion_spikes: [DiffusionFigures]
    let timing_spikes: [TimingFigures]
    let control = "the same dendrite and inputs with the cluster present but unstimulated"

    init(_ all: [HeterosynapticExperiment.Comparison]) {
        func lengthConstant(_ c: HeterosynapticExperiment.Comparison) -> Double? {
            let points = c.neighbours.map { c.clusterOnly[$0] }.filter { $0.distanceUm <= 10 && $0.peakNeckCalcium > 0 }
                .map { ($0.distanceUm, log($0.peakNeckCalcium)) }
            guard let slope = Statistics.linearFit(points.map(\.0), points.map(\.1))?.slope else { return nil }
            return slope < 0 ? -1 / slope : nil
        }
        func nearest(_ c: HeterosynapticExperiment.Comparison) -> Int { c.neighbours.min { c.stimulated[$0].distanceUm < c.stimulated[$1].distanceUm }! }

        clusters = all.filter { $0.condition.kind == .distance }.map { c in
            let k = nearest(c), (difference, z) = c.effect(k)
            let stimulated = c.stimulated.prefix(c.condition.clusterSize)
            return ClusterFigures(
                n_stimulated: c.condition.clusterSize,
                stimulated_fraction_potentiated: stimulated.reduce(0) { $0 + $1.fractionPotentiated } / Double(stimulated.count),
                calcium_length_constant_um: lengthConstant(c), nearest_distance_um: c.stimulated[k].distanceUm,
                nearest_cluster_peak_neck_calcium: c.clusterOnly[k].peakNeckCalcium,
                nearest_extra_time_above_theta_d_ms: c.stimulated[k].timeAboveDepressionMs - c.control[k].timeAboveDepressionMs,
                nearest_extra_time_above_theta_p_ms: c.stimulated[k].timeAbovePotentiationMs - c.control[k].timeAbovePotentiationMs,
                nearest_delta_rho_effect: difference, nearest_delta_rho_effect_z: z)
        }
        func diffusionFigures(_ kind: HeterosynapticExperiment.Kind) -> [DiffusionFigures] {
            all.filter { $0.condition.kind == kind }.map { c in
                let k = nearest(c), (difference, z) = c.effect(k)
                return DiffusionFigures(diffusion_um2_per_ms: c.condition.diffusion.diffusionUm2PerMs, calcium_length_constant_um: lengthConstant(c),
                                        nearest_cluster_peak_neck_calcium: c.clusterOnly[k].peakNeckCalcium,
                                        nearest_delta_rho_effect: difference, nearest_delta_rho_effect_z: z)
            }
        }
        func timingFigures(_ kind: HeterosynapticExperiment.Kind) -> [TimingFigures] {
            let timingComparisons = all.filter { $0.condition.kind == kind }
            let distances = Set(timingComparisons.flatMap { c in c.neighbours.map { c.stimulated[$0].distanceUm } }).sorted()
            return distances.map { d in
                var best: (delay: Double, effect: Double, z: Double, time: Double) = (0, 0, 0, 0)
                for c in timingComparisons {
                    for k in c.neighbours where c.stimulated[k].distanceUm == d {
                        let (difference, z) = c.effect(k)
                        if abs(difference) >= abs(best.effect) {
                            best = (c.condition.delayMs!, difference, z, c.stimulated[k].timeAboveDepressionMs - c.control[k].timeAboveDepressionMs)
                        }
                    }
                }
                return TimingFigures(distance_um: d, delay_of_largest_effect_ms: best.delay, largest_delta_rho_effect: best.effect,
                                     largest_effect_z: best.z, largest_extra_time_above_theta_d_ms: best.time)
            }
        }
        diffusion = diffusionFigures(.diffusion)
        timing = timingFigures(.timing)
        diffusion_spikes = diffusionFigures(.diffusionSpikes)
        timing_spikes = timingFigures(.timingSpikes)
    }
}
