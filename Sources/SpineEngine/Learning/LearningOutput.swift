import Foundation
import GSL
import SpineModel

/// The `learning-vs-notask` result files: what Hedrick et al. 2022's imaging
/// would have seen (docs/MODEL.md §5). Each dendrite is a field imaged at
/// IS1, IS2 and IS3; only spines of v ≥ v_det are visible; the measures
/// themselves are `HedrickImaging`'s.
extension LearningExperiment {
    /// A new spine as imaging saw it.
    struct NewSpine {
        var dendrite: Int
        var serial: UInt32
        /// 2 or 3 (IS2, IS3).
        var session: Int
        var day: Int
        var positionUm: Double
        var birthDay: Double
        var deathDay: Double?
        /// For new spines of IS2: gone by IS3 (transient) or not (persistent).
        var transient: Bool?
        var nearestMRSDistanceUm: Double?
    }

    /// Everything imaging saw in one regime, pooled over fields.
    struct RegimeImaging {
        /// Per session (IS1, IS2, IS3): visible spines, visible MRS, new spines (none at IS1).
        var visible = [0, 0, 0], mrs = [0, 0, 0], new = [0, 0, 0]
        /// Per segment: new spines of IS2 and IS3, and of each session, and the mean MRS count over the sessions, per µm.
        var segmentNew: [Double] = [], segmentNewBySession: [[Double]] = [[], [], []], segmentMRS: [Double] = []
        var transient = 0
        var newSpines: [NewSpine] = []
        var probes: [HedrickImaging.Probe] = []
        /// Fu et al. 2012: new spines of training days 1–4 visible on day 5, clustered (adjacent, within 5 µm), alive at the end.
        var fuNew = 0, fuAdjacent = 0, fuWithin = 0
        var fuClusteredAlive = 0, fuUnclusteredAlive = 0
    }

    static let fuWithinUm = 5.0

    func imaged(_ record: LearningRecorder.RegimeRecord) -> RegimeImaging {
        let threshold = log(imaging.vDetUm3)
        var result = RegimeImaging()
        for d in 0..<population.dendriteCount {
            let length = population.dendriteLengthsUm[d]
            let segmentLength = HedrickImaging.segments(lengthUm: length, segmentUm: imaging.segmentUm).lengthUm
            let days = imaging.sessions(dendrite: d)
            let visible = days.map { record.observations[$0]![d].filter { $0.logVolume >= threshold } }
            let serials = visible.map { Set($0.map(\.serial)) }
            let classes = HedrickImaging.classify(first: serials[0], second: serials[1], third: serials[2])
            var newPositions: [[Double]] = [[], [], []]
            for k in 0..<3 {
                let mrs = visible[k].filter(\.movementRelated)
                result.visible[k] += visible[k].count
                result.mrs[k] += mrs.count
                guard k > 0 else { continue }
                let new = k == 1 ? classes.newAtSecond : classes.newAtThird
                for o in visible[k] where new.contains(o.serial) {
                    let neighbours = mrs.filter { $0.serial != o.serial }.map(\.positionUm)
                    result.probes.append(HedrickImaging.Probe(positionUm: o.positionUm, lengthUm: length, neighbours: neighbours))
                    newPositions[k].append(o.positionUm)
                    result.newSpines.append(NewSpine(
                        dendrite: d, serial: o.serial, session: k + 1, day: days[k], positionUm: o.positionUm,
                        birthDay: record.births[d][o.serial]?.day ?? o.birthDay, deathDay: record.deaths[d][o.serial]?.day,
                        transient: k == 1 ? classes.transient.contains(o.serial) : nil,
                        nearestMRSDistanceUm: neighbours.map { abs($0 - o.positionUm) }.min()))
                }
                result.new[k] += new.count
            }
            result.transient += classes.transient.count
            let perSegment = { (positions: [Double]) in
                HedrickImaging.segmentCounts(positions, lengthUm: length, segmentUm: imaging.segmentUm).map { Double($0) / segmentLength }
            }
            result.segmentNew += perSegment(newPositions[1] + newPositions[2])
            for k in 1..<3 { result.segmentNewBySession[k] += perSegment(newPositions[k]) }
            let mrsBySession = (0..<3).map { k in perSegment(visible[k].filter(\.movementRelated).map(\.positionUm)) }
            result.segmentMRS += mrsBySession[0].indices.map { s in (mrsBySession[0][s] + mrsBySession[1][s] + mrsBySession[2][s]) / 3 }
            if let fu = fuDay {
                let seen = record.observations[fu]![d].filter { $0.logVolume >= threshold }
                let isNew = seen.map { record.births[d][$0.serial].map { $0.day < Double(fu - 1) } ?? false }
                let (adjacent, within) = HedrickImaging.fuClustered(positions: seen.map(\.positionUm), isNew: isNew,
                                                                    withinUm: LearningExperiment.fuWithinUm)
                for i in seen.indices where isNew[i] {
                    let alive = record.deaths[d][seen[i].serial] == nil
                    result.fuNew += 1
                    if adjacent[i] { result.fuAdjacent += 1 }
                    if within[i] { result.fuWithin += 1 }
                    if alive && adjacent[i] { result.fuClusteredAlive += 1 }
                    if alive && !adjacent[i] { result.fuUnclusteredAlive += 1 }
                }
            }
        }
        return result
    }

    func write(_ records: [LearningRecorder.RegimeRecord], model: PopulationModel, newSpineLifetimeDays: Double?,
               context: RunContext) throws -> [String] {
        let directory = context.directory
        let length = population.totalLengthUm
        func blank(_ x: Double) -> CSVTable.Cell { x.isFinite ? .real(x) : .text("") }
        var densities = CSVTable(header: ["regime", "session", "visible_spine_density_per_um", "mrs_density_per_um",
                                          "new_spine_density_per_um", "new_spine_density_segment_median_per_um"])
        var newTable = CSVTable(header: ["regime", "spine_id", "dendrite", "session", "day", "position_um", "birth_day", "death_day",
                                         "fate", "distance_to_nearest_mrs_um"])
        var clusteringTable = CSVTable(header: ["regime", "distance_bin_um", "mrs_density_near_new_per_um", "shuffled_mrs_density_per_um"])
        var nullTable = CSVTable(header: ["regime", "shuffle", "nearby_mrs_density_per_um"])
        var coactivityTable = CSVTable(header: ["regime", "distance_bin_um", "mean_coactivity", "pairs"])
        var figures: [String: RegimeFigures] = [:]
        let edges = distanceEdges
        for (regimeIndex, record) in records.enumerated() {
            let name = record.regime
            let seen = imaged(record)
            for k in 0..<3 {
                densities.append([.text(name), .integer(k + 1), .real(Double(seen.visible[k]) / length), .real(Double(seen.mrs[k]) / length),
                                  k == 0 ? .text("") : .real(Double(seen.new[k]) / length),
                                  k == 0 ? .text("") : blank(Statistics.median(seen.segmentNewBySession[k]))])
            }
            for s in seen.newSpines {
                newTable.append([.text(name), .text(String(UInt64(s.dendrite) * 1_000_000_000 + UInt64(s.serial))), .integer(s.dendrite),
                                 .integer(s.session), .integer(s.day), .real(s.positionUm), .real(s.birthDay),
                                 s.deathDay.map { .real($0) } ?? .text(""),
                                 .text(s.transient.map { $0 ? "transient" : "persistent" } ?? ""),
                                 s.nearestMRSDistanceUm.map { .real($0) } ?? .text("")])
            }
            let stream = RandomStream(type: context.generator, seeds: context.seeds, purpose: StreamPurpose.clustering, index: regimeIndex)
            let clustering = stream.withHandle {
                HedrickImaging.clustering(seen.probes, edges: edges, nearbyUm: nearbyUm, shuffles: clusteringShuffles, random: $0)
            }
            for k in 0..<(edges.count - 1) {
                clusteringTable.append([.text(name), .real(edges[k]), blank(clustering.observed[k]), blank(clustering.shuffled[k])])
                coactivityTable.append([.text(name), .real(edges[k]),
                                        blank(record.coactivityPairs[k] > 0 ? record.coactivitySums[k] / Double(record.coactivityPairs[k]) : .nan),
                                        .integer(record.coactivityPairs[k])])
            }
            for (s, value) in clustering.null.enumerated() { nullTable.append([.text(name), .integer(s + 1), .real(value)]) }
            let counted = seen.new[1] + seen.new[2]
            func ratio(_ a: Int, _ b: Int) -> Double { b > 0 ? Double(a) / Double(b) : .nan }
            figures[name] = RegimeFigures(
                visibleDensity: Double(seen.visible[0]) / length,
                newSpineDensity: Statistics.median(seen.segmentNew),
                newSpineFraction: ratio(counted, seen.visible[0]),
                newSpines: counted,
                intervalRatio: ratio(seen.new[1], seen.new[2]),
                transientFraction: ratio(seen.transient, seen.new[1]),
                totalDensityRatio: ratio(seen.visible[2], seen.visible[0]),
                mrsDensity: Statistics.median(seen.segmentMRS),
                segmentsWithNewSpine: ratio(seen.segmentNew.filter { $0 > 0 }.count, seen.segmentNew.count),
                nearbyMRSDensity: clustering.nearby, nearbyShuffleP: clustering.p, spearman: clustering.spearman,
                coactivityExcess: HedrickImaging.firstBinExcess(sums: record.coactivitySums, pairs: record.coactivityPairs),
                fuNewSpines: seen.fuNew, fuClustered: ratio(seen.fuAdjacent, seen.fuNew), fuWithin: ratio(seen.fuWithin, seen.fuNew),
                clusteredSurvival: ratio(seen.fuClusteredAlive, seen.fuAdjacent),
                unclusteredSurvival: ratio(seen.fuUnclusteredAlive, seen.fuNew - seen.fuAdjacent),
                eligibleSpineSessions: record.eligibleSpines)
        }
        try directory.write("densities.csv", table: densities)
        try directory.write("new_spines.csv", table: newTable)
        try directory.write("clustering.csv", table: clusteringTable)
        try directory.write("clustering_null.csv", table: nullTable)
        try directory.write("coactivity.csv", table: coactivityTable)
        try directory.writeJSON("summary.json", LearningSummary(figures: [("learning", figures["learning"]!), ("notask", figures["notask"]!)],
                                                                 fuDay: fuDay, baselineRate: model.turnover.spinogenesisRate,
                                                                 newSpineLifetimeDays: newSpineLifetimeDays))
        return ["densities.csv", "new_spines.csv", "clustering.csv", "clustering_null.csv", "coactivity.csv", "summary.json"]
    }
}

/// One regime's figures (docs/MODEL.md §5); NaN where not defined.
struct RegimeFigures {
    var visibleDensity: Double
    var newSpineDensity: Double
    var newSpineFraction: Double
    var newSpines: Int
    var intervalRatio: Double
    var transientFraction: Double
    var totalDensityRatio: Double
    var mrsDensity: Double
    var segmentsWithNewSpine: Double
    var nearbyMRSDensity: Double
    var nearbyShuffleP: Double
    var spearman: Double
    var coactivityExcess: Double
    var fuNewSpines: Int
    var fuClustered: Double
    var fuWithin: Double
    var clusteredSurvival: Double
    var unclusteredSurvival: Double
    var eligibleSpineSessions: Int
}

/// `summary.json`: the measures of Hedrick 2022 (and Fu 2012) per regime, with the published values beside them.
struct LearningSummary: Encodable {
    let figures: [(String, RegimeFigures)]
    let fuDay: Int?
    let baselineRate: Double
    let newSpineLifetimeDays: Double?

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: SummaryKey.self)
        let noFu = fuDay == nil ? "the experiment ends before day \(ImagingSettings.fuDay)" : "no new spine of training days 1–4 was visible on day 5"
        for (name, f) in figures {
            try c.encode(f.visibleDensity, forKey: "visible_density_per_um_\(name)", orNullBecause: "no dendrite")
            try c.encode(f.newSpineDensity, forKey: "new_spine_density_per_um_\(name)", orNullBecause: "no segment")
            try c.encode(f.newSpineFraction, forKey: "new_spine_fraction_\(name)", orNullBecause: "no spine visible at IS1")
            try c.encode(f.newSpines, forKey: SummaryKey("new_spines_counted_\(name)"))
            try c.encode(f.intervalRatio, forKey: "new_spines_interval_ratio_\(name)", orNullBecause: "no new spine at IS3")
            try c.encode(f.transientFraction, forKey: "transient_fraction_\(name)", orNullBecause: "no new spine at IS2")
            try c.encode(f.totalDensityRatio, forKey: "total_density_ratio_\(name)", orNullBecause: "no spine visible at IS1")
            try c.encode(f.mrsDensity, forKey: "mrs_density_per_um_\(name)", orNullBecause: "no segment")
            try c.encode(f.segmentsWithNewSpine, forKey: "segments_with_new_spine_fraction_\(name)", orNullBecause: "no segment")
            try c.encode(f.nearbyMRSDensity, forKey: "nearby_mrs_density_per_um_\(name)", orNullBecause: "no new spine")
            try c.encode(f.nearbyShuffleP, forKey: "nearby_mrs_shuffle_p_\(name)", orNullBecause: "no new spine")
            try c.encode(f.spearman, forKey: "mrs_density_distance_spearman_\(name)",
                         orNullBecause: "no new spine, or the MRS density does not vary with distance")
            try c.encode(f.coactivityExcess, forKey: "coactivity_first_bin_excess_\(name)",
                         orNullBecause: "no pair of visible MRS in the first bin or in the others, or zero co-activity beyond the first bin")
            try c.encode(f.fuNewSpines, forKey: SummaryKey("fu_new_spines_counted_\(name)"))
            try c.encode(f.fuClustered, forKey: "clustered_new_spine_fraction_\(name)", orNullBecause: noFu)
            try c.encode(f.fuWithin, forKey: "clustered_new_spine_fraction_within_5um_\(name)", orNullBecause: noFu)
            try c.encode(f.clusteredSurvival, forKey: "clustered_new_spine_survival_\(name)", orNullBecause: fuDay == nil ? noFu : "no clustered new spine (Fu 2012)")
            try c.encode(f.unclusteredSurvival, forKey: "unclustered_new_spine_survival_\(name)", orNullBecause: fuDay == nil ? noFu : "no unclustered new spine (Fu 2012)")
            try c.encode(f.eligibleSpineSessions, forKey: SummaryKey("eligible_spine_sessions_\(name)"))
        }
        try c.encode(baselineRate, forKey: SummaryKey("baseline_spinogenesis_per_um_per_day"))
        try c.encodeIfPresent(newSpineLifetimeDays, forKey: SummaryKey("mean_new_spine_lifetime_days"))
        try c.encode(["new_spine_density_per_um_learning": 0.039, "new_spine_density_per_um_notask": 0.020,
                      "mrs_density_per_um_learning": 0.34, "mrs_density_per_um_notask": 0.21,
                      "transient_fraction_learning": 28.0 / 85.0, "segments_with_new_spine_fraction": 2.0 / 3.0],
                     forKey: SummaryKey("hedrick_2022"))
    }
}
