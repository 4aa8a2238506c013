import Foundation
import GSL
import SpineModel

/// What the memory experiments record (docs/MODEL.md §6), on the recording
/// days of every track (every `every_days` days and at the end of every
/// phase): per trained task, the retention of its learned spines, the
/// correlation of sizes with its trained pattern, its recall signal d′ and
/// the survival of all spines alive at the end of its training; the size
/// distribution's log-normal fit, the density and a raster of sizes along
/// the first dendrites; and size histograms on the histogram days, whether
/// or not they are recording days.
///
/// A track before a fork stands for every condition below it: its records
/// are written once per condition, so each condition's rows cover its whole
/// timeline. Rows are streamed and sorted by condition (schedule order) at
/// the end.
final class MemoryRecorder: TimelineRecorder {
    let experiment: MemoryExperiment
    /// What counts as potentiated (the run's global ρ*).
    let criteria: SpineCriteria
    let context: RunContext
    private let conditionOrder: [String: Int]
    private let histogramDays: Set<Int>
    private var state = State()
    private var files: [String: AppendOnlyFile] = [:]

    static let tables: [(name: String, columns: [String])] = [
        ("retention.csv", ["condition", "task", "day_after_training", "fraction_learned_alive", "fraction_learned_potentiated",
                           "size_pattern_correlation", "recall_dprime", "fraction_all_alive"]),
        ("size_fit.csv", ["condition", "day", "n_spines", "lognormal_mu", "lognormal_sigma", "ks_statistic"]),
        ("density.csv", ["condition", "day", "spine_density_per_um"]),
        ("size_histograms.csv", ["condition", "day", "volume_lower_um3", "volume_upper_um3", "count"]),
        ("raster.csv", ["condition", "dendrite", "day", "spine_id", "position_um", "volume_um3", "learned_tasks"]),
    ]

    /// The recorder's checkpointed state: the streamed files' lengths and the
    /// series the summary is made of.
    struct State: Codable {
        var lengths: [String: UInt64] = [:]
        /// [condition: [task: series]]
        var series: [String: [String: TaskSeries]] = [:]
        /// [condition: last record]
        var last: [String: ConditionRecord] = [:]
    }

    struct TaskSeries: Codable {
        var trainingEndDay: Int
        var learned: Int
        var points: [RetentionPoint] = []
    }

    struct ConditionRecord: Codable {
        var day: Int
        var fit: LogNormalFit
        var densityPerUm: Double
    }

    init(experiment: MemoryExperiment, criteria: SpineCriteria, context: RunContext) {
        self.experiment = experiment
        self.criteria = criteria
        self.context = context
        conditionOrder = Dictionary(uniqueKeysWithValues: experiment.schedule.conditions.enumerated().map { ($1, $0) })
        histogramDays = Set(experiment.recording.histogramDays)
    }

    func begin(resuming data: Data?) throws {
        if let data { state = try JSONDecoder().decode(State.self, from: data) }
        for (name, columns) in MemoryRecorder.tables {
            files[name] = try AppendOnlyFile(directory: context.directory, name: name, header: columns.joined(separator: ","),
                                             resumeLength: data == nil ? nil : state.lengths[name] ?? 0)
        }
    }

    /// The root starts: its state at the start is the first record.
    func trackStarted(_ track: Track, conditions: [String]) throws {
        if track.path.isEmpty { try record(track, conditions: conditions) }
    }

    /// A recording day writes a whole record (with its histogram on a
    /// histogram day); any other histogram day writes the histogram alone.
    func dayEnded(_ track: Track, conditions: [String], phaseEnded: Bool) throws {
        if phaseEnded || track.day % experiment.recording.everyDays == 0 {
            try record(track, conditions: conditions)
        } else if histogramDays.contains(track.day) {
            try recordHistogram(track, logVolumes: logVolumes(track), conditions: conditions)
        }
        for file in files.values { try file.write() }
    }

    func checkpointState() throws -> Data {
        for (name, file) in files { state.lengths[name] = try file.flush() }
        return try JSONEncoder().encode(state)
    }

    func finish() throws -> [String] {
        // Rows by condition in schedule order (retention: then by task), each in time order.
        let tasks = experiment.schedule.tasks
        for (name, _) in MemoryRecorder.tables {
            try files[name]!.finish { [conditionOrder] row in
                let fields = row.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
                let condition = conditionOrder[String(fields[0])] ?? conditionOrder.count
                return name == "retention.csv" ? condition * tasks.count + (tasks.firstIndex(of: String(fields[1])) ?? 0) : condition
            }
        }
        try context.directory.writeJSON("summary.json", MemorySummary(state: state, order: experiment.schedule.conditions))
        try context.directory.write("schedule.csv", table: experiment.schedule.table(startDay: experiment.startDay))
        return MemoryRecorder.tables.map(\.name) + ["schedule.csv", "summary.json"]
    }

    /// One record of a track's state, written for each of its conditions.
    private func record(_ track: Track, conditions: [String]) throws {
        let day = track.day
        let length = track.dendrites.reduce(0) { $0 + $1.lengthUm }
        var logVolumes = logVolumes(track)
        try recordHistogram(track, logVolumes: logVolumes, conditions: conditions)
        let fit = LogNormalFit(logVolumes: &logVolumes, threads: context.threads)
        let density = Double(fit.count) / length
        if fit.count == 0, conditions.contains(where: { (state.last[$0]?.fit.count ?? 1) > 0 }) {
            FileHandle.standardError.write(Data("warning: \(conditions.joined(separator: ", ")): no spine is left on day \(day); the measures of an empty population are left empty (summary.json: null with the reason)\n".utf8))
        }
        let retention = experiment.schedule.tasks.compactMap { task in
            track.trained[task].map { (task, $0, Retention.measure($0, on: track.dendrites, ensemble: experiment.schedule.ensemble(of: task),
                                                                    criteria: criteria, day: day)) }
        }
        let raster = rasterRows(track)
        let rasterColumns = MemoryRecorder.tables.first { $0.name == "raster.csv" }!.columns
        for condition in conditions {
            for (task, pattern, point) in retention {
                try emit("retention.csv", [
                    .text(condition), .text(task), .integer(point.dayAfterTraining), .real(orEmpty: point.fractionLearnedAlive),
                    .real(orEmpty: point.fractionLearnedPotentiated), .real(orEmpty: point.sizePatternCorrelation),
                    .real(orEmpty: point.recallDPrime), .real(orEmpty: point.fractionAllAlive)])
                var series = state.series[condition, default: [:]][task]
                    ?? TaskSeries(trainingEndDay: pattern.endDay, learned: pattern.learnedCount)
                if series.trainingEndDay != pattern.endDay {   // retrained: a new series
                    series = TaskSeries(trainingEndDay: pattern.endDay, learned: pattern.learnedCount)
                }
                series.points.append(point)
                state.series[condition, default: [:]][task] = series
            }
            try emit("size_fit.csv", [.text(condition), .integer(day), .integer(fit.count), .real(orEmpty: fit.mu),
                                                        .real(orEmpty: fit.sigma), .real(orEmpty: fit.ksStatistic)])
            try emit("density.csv", [.text(condition), .integer(day), .real(density)])
            // Checked like every other row: a volume that is not a number stops the run (file, column, day).
            for row in raster {
                files["raster.csv"]!.append(try CSVTable.row([.text(condition)] + row, file: "raster.csv", header: rasterColumns))
            }
            state.last[condition] = ConditionRecord(day: day, fit: fit, densityPerUm: density)
        }
    }

    /// One row of a streamed table, checked for values that are not numbers.
    private func emit(_ name: String, _ cells: [CSVTable.Cell]) throws {
        let columns = MemoryRecorder.tables.first { $0.name == name }!.columns
        files[name]!.append(try CSVTable.row(cells, file: name, header: columns))
    }

    /// ln v of every spine of the track, in dendrite order.
    private func logVolumes(_ track: Track) -> [Double] {
        var logVolumes: [Double] = []
        logVolumes.reserveCapacity(track.spineCount)
        for dendrite in track.dendrites {
            logVolumes.append(contentsOf: UnsafeBufferPointer(start: dendrite.table.logVolume, count: dendrite.table.count))
        }
        return logVolumes
    }

    /// The size histogram of the track's spines, for each of its conditions,
    /// when the day is a histogram day.
    private func recordHistogram(_ track: Track, logVolumes: [Double], conditions: [String]) throws {
        guard histogramDays.contains(track.day) else { return }
        let bins = experiment.recording.sizeBins
        var counts = [Int](repeating: 0, count: bins.count)
        for s in logVolumes { if let k = bins.bin(logVolume: s) { counts[k] += 1 } }
        for condition in conditions {
            for (k, count) in counts.enumerated() {
                let edges = bins.edges(k)
                try emit("size_histograms.csv", [.text(condition), .integer(track.day), .real(edges.lower), .real(edges.upper), .integer(count)])
            }
        }
    }

    /// Raster rows without the condition: dendrite, day, spine, position,
    /// volume and the tasks for which the spine is learned ("A+B", or empty).
    private func rasterRows(_ track: Track) -> [[CSVTable.Cell]] {
        let trained = experiment.schedule.tasks.compactMap { task in track.trained[task].map { (task, $0) } }
        var rows: [[CSVTable.Cell]] = []
        for dendrite in track.dendrites.prefix(experiment.recording.rasterDendrites) {
            let learned = trained.map { ($0.0, Set($0.1.dendrites[dendrite.index].learned)) }
            let table = dendrite.table
            for i in 0..<table.count {
                let tasks = learned.filter { $0.1.contains(table.serial[i]) }.map(\.0).joined(separator: "+")
                rows.append([.integer(dendrite.index), .integer(track.day), .text(String(dendrite.spineID(serial: table.serial[i]))),
                             .real(table.position[i]), .real(exp(table.logVolume[i])), .text(tasks)])
            }
        }
        return rows
    }
}

extension Schedule {
    /// `schedule.csv`: every phase each condition went through, with its days.
    func table(startDay: Int) -> CSVTable {
        var table = CSVTable(header: ["condition", "phase", "kind", "regime", "task", "start_day", "end_day", "intrinsic_noise"])
        for leaf in Schedule.leaves(phases, path: []) {
            var day = startDay
            for (index, phase) in phases(alongLeaf: leaf).enumerated() {
                let row: (kind: String, regime: String, task: String, noise: Bool)
                switch phase {
                case let .session(session):
                    row = ("session", session.regime.rawValue, session.task, session.settings.model.size.intrinsicNoise)
                case let .homeCage(homeCage):
                    row = ("home_cage", "", "", homeCage.settings.model.size.intrinsicNoise)
                case .fork:
                    continue
                }
                table.append([.text(Schedule.conditionName(leaf)), .integer(index), .text(row.kind), .text(row.regime), .text(row.task),
                              .integer(day), .integer(day + phase.days), .text(row.noise ? "on" : "off")])
                day += phase.days
            }
        }
        return table
    }
}
