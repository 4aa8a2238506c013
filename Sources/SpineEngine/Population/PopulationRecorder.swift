import Foundation
import GSL
import SpineModel

/// What the population recorders are asked to record.
public struct RecordingPlan: Sendable, Equatable {
    /// Whole days at which the size distribution and its log-normal fit are taken.
    public var sizeDistributionDays: [Int]
    public var sizeBins: VolumeBins
    public var fluctuationBins: VolumeBins
    /// Whole days that start a survival cohort (all spines alive then, and
    /// the smallest and largest quartile of them by volume).
    public var survivalCohortDays: [Int]
    /// Where every birth and death goes: nowhere (the default), turnover.csv
    /// or turnover.csv.gz (the log grows with spines × days: gigabytes for
    /// big runs).
    public var turnoverEvents = TurnoverEvents.off
}

/// `recording.turnover_events`: the per-event log of births and deaths.
public enum TurnoverEvents: String, Sendable, Equatable, CaseIterable {
    /// No event log (the daily counts are in turnover_daily.csv).
    case off = "false"
    /// turnover.csv, plain text.
    case csv
    /// turnover.csv.gz, gzip-compressed (`Gzip`; pandas reads it directly).
    case gzip

    /// The file name, nil when off.
    public var fileName: String? {
        switch self {
        case .off: nil
        case .csv: "turnover.csv"
        case .gzip: "turnover.csv.gz"
        }
    }
}

/// The recorders' accumulated state: small, kept in memory and in every
/// checkpoint. The long row streams (turnover, density) are files.
struct PopulationRecords: Codable {
    struct SizeDistributionRow: Codable { var day: Int; var lower: Double; var upper: Double; var count: Int }
    struct SizeFitRow: Codable { var day: Int; var fit: LogNormalFit }
    struct SurvivalCohort: Codable {
        var name: String
        var bit: Int
        var startDay: Int
        var initialCount: Int
        var fractions: [Double]   // index = days since start
    }
    struct DailyRow: Codable {
        var day: Int; var spines: Int; var gained: Int; var lost: Int; var births: Int; var deaths: Int; var previousSpines: Int
        /// Spines alive today that were born within the last `TurnoverWindow.days[k]` days.
        var bornWithin: [Int] = []
    }

    var sizeDistribution: [SizeDistributionRow] = []
    var sizeFits: [SizeFitRow] = []
    var fluctuations: FluctuationAccumulator
    var survival: [SurvivalCohort] = []
    var daily: [DailyRow] = []
    /// Counts since the last whole day.
    var births = 0, deaths = 0, lost = 0, gained = 0
    var previousSpines = 0
    /// Lengths of the streamed files at the last flush.
    var turnoverLength: UInt64 = 0
    var densityLength: UInt64 = 0
}

/// Turns the population's state and the dendrites' step reports into the
/// result files (README "What a run writes"). Reports are absorbed in
/// dendrite order, so every output is independent of the thread count.
final class PopulationRecorder: TimelineRecorder {
    let config: PopulationConfig
    let model: PopulationModel
    let meanNewSpineLifetimeDays: Double?
    let plan: RecordingPlan
    let directory: RunDirectory
    /// Workers for the per-spine counts and sorts (same results for any number).
    let threads: Int
    var records: PopulationRecords
    private var turnover: AppendOnlyFile?
    private var density: AppendOnlyFile!
    /// Spines alive at the end of the run (summary).
    private(set) var finalSpines = 0

    static let turnoverHeader = "day,spine_id,dendrite,position_um,event,cause,volume_um3"
    static let densityHeader = "day,dendrite,spines_per_um"

    init(config: PopulationConfig, model: PopulationModel, meanNewSpineLifetimeDays: Double?, directory: RunDirectory, threads: Int) {
        self.config = config
        self.model = model
        self.meanNewSpineLifetimeDays = meanNewSpineLifetimeDays
        plan = config.recording
        self.directory = directory
        self.threads = threads
        records = PopulationRecords(fluctuations: FluctuationAccumulator(bins: plan.fluctuationBins.count))
    }

    func begin(resuming state: Data?) throws {
        let resume = try state.map { try JSONDecoder().decode(PopulationRecords.self, from: $0) }
        if let resume { records = resume }
        // Rows go to the stream at the end of each day (`writeRows`): a gzip
        // file gets one member per day, wherever the run is interrupted.
        turnover = try plan.turnoverEvents.fileName.map { name in
            try AppendOnlyFile(directory: directory, name: name, header: PopulationRecorder.turnoverHeader,
                               resumeLength: resume?.turnoverLength, encoding: plan.turnoverEvents == .gzip ? .gzip : .plain)
        }
        density = try AppendOnlyFile(directory: directory, name: "density.csv", header: PopulationRecorder.densityHeader,
                                     resumeLength: resume?.densityLength)
    }

    func trackStarted(_ track: Track, conditions: [String]) throws { recordDay(track.day, dendrites: track.dendrites) }

    func stepEnded(_ track: Track, reports: [DendriteStepReport]) throws {
        for (report, dendrite) in zip(reports, track.dendrites) { absorb(report, of: dendrite) }
    }

    func dayEnded(_ track: Track, conditions: [String], phaseEnded: Bool) throws {
        recordDay(track.day, dendrites: track.dendrites)
        try writeRows()
    }

    func trackEnded(_ track: Track, conditions: [String]) throws { finalSpines = track.spineCount }

    func checkpointState() throws -> Data { try JSONEncoder().encode(try checkpointRecords()) }

    /// Adds one dendrite's step.
    func absorb(_ report: DendriteStepReport, of dendrite: Dendrite) {
        var text = ""
        for event in report.events {
            if event.isBirth { records.births += 1 } else { records.deaths += 1 }
            guard turnover != nil else { continue }
            let id = dendrite.spineID(serial: event.serial)
            text += "\(CSVTable.format(event.day)),\(id),\(dendrite.index),\(CSVTable.format(event.positionUm)),"
                + "\(event.isBirth ? "birth" : "death"),\(event.cause.name),\(CSVTable.format(exp(event.logVolume)))\n"
        }
        turnover?.append(text)
        records.fluctuations.merge(report.fluctuations)
        records.lost += report.lostSinceLastDay
        records.gained += report.gainedAtDay
    }

    /// Records a whole day: density, survival, cohorts that start today,
    /// scheduled size distributions, the day's gains and losses.
    func recordDay(_ day: Int, dendrites: [Dendrite]) {
        let counts = try! parallelMap(count: dendrites.count, threads: threads) { index in   // cannot throw
            CohortCount(dendrites[index].table, day: day)
        }
        var text = ""
        var spines = 0
        for (dendrite, count) in zip(dendrites, counts) {
            spines += count.spines
            text += "\(day),\(dendrite.index),\(CSVTable.format(Double(count.spines) / dendrite.lengthUm))\n"
        }
        density.append(text)

        if day > 0 || !records.daily.isEmpty {
            records.daily.append(.init(day: day, spines: spines, gained: records.gained, lost: records.lost,
                                       births: records.births, deaths: records.deaths, previousSpines: records.previousSpines,
                                       bornWithin: TurnoverWindow.days.indices.map { k in counts.reduce(0) { $0 + $1.bornWithin[k] } }))
        }
        if spines == 0 && records.previousSpines > 0 {
            FileHandle.standardError.write(Data("warning: no spine is left on day \(day); the measures of an empty population are left empty (summary.json: null with the reason)\n".utf8))
        }
        records.births = 0; records.deaths = 0; records.gained = 0; records.lost = 0
        records.previousSpines = spines

        for index in records.survival.indices {
            let cohort = records.survival[index]
            guard day > cohort.startDay else { continue }
            let alive = counts.reduce(0) { $0 + $1.members[cohort.bit] }
            records.survival[index].fractions.append(cohort.initialCount > 0 ? Double(alive) / Double(cohort.initialCount) : .nan)
        }
        if plan.survivalCohortDays.contains(day) { startCohorts(day: day, dendrites: dendrites) }

        if plan.sizeDistributionDays.contains(day) {
            var logVolumes = allLogVolumes(dendrites, count: spines)
            let bins = plan.sizeBins, sample = logVolumes
            let edges = Histogram(logSpacedFrom: bins.lowerUm3, to: bins.upperUm3, bins: bins.count).edges
            let partCounts = parallelChunks(count: sample.count, parts: threads, threads: threads) { range in
                let histogram = Histogram(edges: edges)
                for i in range { histogram.add(exp(sample[i])) }
                return (0..<histogram.binCount).map { Int(histogram.count(bin: $0)) }
            }
            for k in 0..<bins.count {
                records.sizeDistribution.append(.init(day: day, lower: edges[k], upper: edges[k + 1],
                                                      count: partCounts.reduce(0) { $0 + $1[k] }))
            }
            records.sizeFits.append(.init(day: day, fit: LogNormalFit(logVolumes: &logVolumes, threads: threads)))
        }
    }

    /// Marks today's spines as three cohorts: all, and the smallest and
    /// largest quartile by volume.
    private func startCohorts(day: Int, dendrites: [Dendrite]) {
        let first = records.survival.count
        var sizes = allLogVolumes(dendrites, count: dendrites.reduce(0) { $0 + $1.table.count })
        parallelSort(&sizes, threads: threads)
        let lowerQuartile = sizes.isEmpty ? 0 : sizes[sizes.count / 4]
        let upperQuartile = sizes.isEmpty ? 0 : sizes[(3 * sizes.count) / 4]
        let all = UInt8(1) << UInt8(first), smallest = all << 1, largest = all << 2
        let counts = try! parallelMap(count: dendrites.count, threads: threads) { index in   // cannot throw
            let table = dendrites[index].table
            for i in 0..<table.count {
                let s = table.logVolume[i]
                table.cohorts[i] |= all | (s < lowerQuartile ? smallest : 0) | (s >= upperQuartile ? largest : 0)
            }
            return CohortCount(table, day: day)
        }
        let names = ["day\(day)", "day\(day)-smallest-quartile", "day\(day)-largest-quartile"]
        for k in 0..<3 {
            let initial = counts.reduce(0) { $0 + $1.members[first + k] }
            records.survival.append(.init(name: names[k], bit: first + k, startDay: day, initialCount: initial, fractions: [1]))
        }
    }

    /// ln v of every spine, in dendrite order.
    private func allLogVolumes(_ dendrites: [Dendrite], count: Int) -> [Double] {
        var logVolumes: [Double] = []
        logVolumes.reserveCapacity(count)
        for dendrite in dendrites {
            logVolumes.append(contentsOf: UnsafeBufferPointer(start: dendrite.table.logVolume, count: dendrite.table.count))
        }
        return logVolumes
    }

    /// Flushes the streams and returns the state for a checkpoint.
    func checkpointRecords() throws -> PopulationRecords {
        records.turnoverLength = try turnover?.flush() ?? 0
        records.densityLength = try density.flush()
        return records
    }

    /// Writes the rows of finished days to the partial files (synced to disk
    /// only for a checkpoint, `checkpointRecords`).
    func writeRows() throws {
        try turnover?.write()
        try density.write()
    }

    /// Writes every result file; returns their names.
    func finish() throws -> [String] {
        let files = try writeTables()
        try directory.writeJSON("summary.json", PopulationSummary(config: config, model: model,
                                                                  meanNewSpineLifetimeDays: meanNewSpineLifetimeDays,
                                                                  records: records, finalSpines: finalSpines))
        return files + ["summary.json"]
    }

    private func writeTables() throws -> [String] {
        var sizes = CSVTable(header: ["day", "bin_lower_um3", "bin_upper_um3", "count"])
        for row in records.sizeDistribution { sizes.append([.integer(row.day), .real(row.lower), .real(row.upper), .integer(row.count)]) }
        try directory.write("size_distribution.csv", table: sizes)

        var fits = CSVTable(header: ["day", "n_spines", "lognormal_mu", "lognormal_sigma", "ks_statistic"])
        for row in records.sizeFits {
            fits.append([.integer(row.day), .integer(row.fit.count), .real(orEmpty: row.fit.mu), .real(orEmpty: row.fit.sigma),
                          .real(orEmpty: row.fit.ksStatistic)])
        }
        try directory.write("size_fit.csv", table: fits)

        var fluctuations = CSVTable(header: ["volume_bin_um3", "n", "mean_abs_change_per_day", "relative_change_per_day"])
        let f = records.fluctuations
        for k in 0..<plan.fluctuationBins.count where f.count[k] > 0 {
            let (lower, upper) = plan.fluctuationBins.edges(k)
            fluctuations.append([.real((lower * upper).squareRoot()), .integer(f.count[k]),
                                 .real(f.sumAbsoluteChange[k] / Double(f.count[k])), .real(f.sumRelativeChange[k] / Double(f.count[k]))])
        }
        try directory.write("fluctuations.csv", table: fluctuations)

        var survival = CSVTable(header: ["cohort", "day", "days_since_cohort_start", "fraction_surviving"])
        for cohort in records.survival {
            for (since, fraction) in cohort.fractions.enumerated() {
                survival.append([.text(cohort.name), .integer(cohort.startDay + since), .integer(since), .real(orEmpty: fraction)])
            }
        }
        try directory.write("survival.csv", table: survival)

        let windows = TurnoverWindow.all(records.daily)
        var daily = CSVTable(header: ["day", "spines", "gained", "lost", "gained_fraction", "lost_fraction", "births", "deaths"]
                             + TurnoverWindow.days.flatMap { ["formed_fraction_\($0)_days", "eliminated_fraction_\($0)_days"] })
        for (index, row) in records.daily.enumerated() {
            // A day that began without spines has no fractions (0/0): empty cells.
            let base = Double(row.previousSpines)
            let fraction = { (count: Int) -> CSVTable.Cell in row.previousSpines > 0 ? .real(Double(count) / base) : .text("") }
            daily.append([.integer(row.day), .integer(row.spines), .integer(row.gained), .integer(row.lost),
                          fraction(row.gained), fraction(row.lost), .integer(row.births), .integer(row.deaths)]
                         + windows.flatMap { window in
                             window.byRow[index].map { [CSVTable.Cell.real($0.formed), .real($0.eliminated)] } ?? [.text(""), .text("")]
                         })
        }
        try directory.write("turnover_daily.csv", table: daily)

        try turnover?.finish()
        try density.finish()
        return ["size_distribution.csv", "size_fit.csv", "fluctuations.csv", "survival.csv", "turnover_daily.csv",
                "density.csv"] + (plan.turnoverEvents.fileName.map { [$0] } ?? [])
    }
}

/// One dendrite's spines on `day`: how many belong to each survival cohort
/// (indexed by the cohort's bit) and how many were born within each
/// turnover window.
private struct CohortCount: Sendable {
    var spines = 0
    var members = SIMD8<Int>()
    var bornWithin = [Int](repeating: 0, count: TurnoverWindow.days.count)

    init(_ table: SpineTable, day: Int) {
        spines = table.count
        for i in 0..<table.count {
            for (k, window) in TurnoverWindow.days.enumerated() where table.birthDay[i] > Double(day - window) { bornWithin[k] += 1 }
            let bits = table.cohorts[i]
            guard bits != 0 else { continue }
            for bit in 0..<8 where bits & (1 << bit) != 0 { members[bit] += 1 }
        }
    }
}

/// Turnover as imaging at an interval of W days sees it (docs/MODEL.md §6;
/// Zuo et al. 2005 imaged every 2 weeks): of the spines alive on day d − W,
/// the fraction *eliminated* by day d, and the spines alive on day d that
/// were not alive on day d − W (born after it), as a fraction of those
/// alive on day d − W (*formed*). Both follow from each day's count and the
/// birth days of the spines alive: eliminated = 1 − (alive on d, born by
/// d − W)/(alive on d − W).
struct TurnoverWindow {
    /// The imaging intervals W (days).
    static let days = [4, 14]

    let windowDays: Int
    /// Per daily row: the window ending that day (nil before day W or when day d − W has no count).
    let byRow: [(formed: Double, eliminated: Double)?]

    /// The windows of every interval over the daily rows.
    static func all(_ rows: [PopulationRecords.DailyRow]) -> [TurnoverWindow] {
        var aliveOn: [Int: Int] = [:]
        for row in rows {
            aliveOn[row.day] = row.spines
            aliveOn[row.day - 1] = aliveOn[row.day - 1] ?? row.previousSpines
        }
        return days.enumerated().map { k, w in
            TurnoverWindow(windowDays: w, byRow: rows.map { row in
                guard row.bornWithin.count == days.count, let before = aliveOn[row.day - w], before > 0 else { return nil }
                let formed = Double(row.bornWithin[k]) / Double(before)
                return (formed, 1 - Double(row.spines - row.bornWithin[k]) / Double(before))
            })
        }
    }

    /// Means over every window of the run (nil when the run is shorter than W).
    var means: (formed: Double, eliminated: Double)? {
        let values = byRow.compactMap { $0 }
        guard !values.isEmpty else { return nil }
        return (Statistics.mean(values.map(\.formed)), Statistics.mean(values.map(\.eliminated)))
    }
}
