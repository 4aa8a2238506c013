import Foundation
import GSL

/// A checkpoint of a timeline run: everything needed to continue it bit for
/// bit — every track still to run (the running one first) with its place in
/// the schedule, its spine tables, serial counters and generator states, and
/// every recorder's state (with its streamed files' lengths).
///
/// File layout: the line "SPINESIM CHECKPOINT 3", the byte length of a JSON
/// header (8 bytes, little-endian), the header, each track's dendrites'
/// spine columns as raw bytes (`SpineTable.encoded`), and an FNV-1a checksum
/// of everything before it (8 bytes). Written to a temporary file, synced
/// and renamed (the directory synced too), so a checkpoint is complete or
/// absent; reading checks the checksum and every length, so a damaged or
/// foreign file is reported, never trusted. The final state of a branch
/// (`final_state/CONDITION.state`) has the same layout.
struct TimelineCheckpoint: Codable {
    struct DendriteState: Codable {
        var index: Int
        var lengthUm: Double
        var spines: Int
        var nextSerial: UInt32
        /// The dynamics, activity and analysis streams.
        var generators: [GeneratorState]
    }

    struct TrackState: Codable {
        var path: [String]
        /// Where the track is in its phase list.
        var phaseIndex: Int
        var dayInPhase: Int
        var day: Int
        var trained: [String: TrainedPattern]
        var dendrites: [DendriteState]
        /// How each task ensemble was wired (absent in states written before
        /// clustered wiring: every ensemble independent); the fields are
        /// regenerated from it.
        var wiring: [TaskWiringRecord]?
    }

    /// The run that wrote it (nil in a final state, which any run may start from).
    var identity: RunIdentity?
    /// Whole days simulated so far, over all tracks.
    var daysDone: Int
    /// Progress done (work units).
    var workDone: Double
    var tracks: [TrackState]
    var recorders: [Data]
    /// The schedule's tasks (ensemble k = tasks[k]).
    var tasks: [String]

    static let magic = Data("SPINESIM CHECKPOINT 3\n".utf8)
    /// Older checkpoints beyond this many are deleted.
    static let kept = 2

    /// A track's state at (phaseIndex, dayInPhase).
    static func state(of track: Track, phaseIndex: Int, dayInPhase: Int) -> TrackState {
        TrackState(path: track.path, phaseIndex: phaseIndex, dayInPhase: dayInPhase, day: track.day, trained: track.trained,
                   dendrites: track.dendrites.map {
                       DendriteState(index: $0.index, lengthUm: $0.lengthUm, spines: $0.table.count, nextSerial: $0.nextSerial,
                                     generators: $0.streams.map { $0.savedState() })
                   }, wiring: track.wiring)
    }

    /// The file's bytes, with the spine tables of `tracks` (in the order of `self.tracks`).
    func encoded(tables tracks: [Track]) throws -> Data {
        var data = TimelineCheckpoint.magic
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys   // the same state, the same bytes
        let header = try encoder.encode(self)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(header)
        for track in tracks {
            for dendrite in track.dendrites { data.append(dendrite.table.encoded()) }
        }
        withUnsafeBytes(of: fnv1a64(data).littleEndian) { data.append(contentsOf: $0) }
        return data
    }

    /// Writes a checkpoint after `daysDone` days into the run's folder and
    /// deletes all but the newest `kept`.
    func write(tables tracks: [Track], into directory: RunDirectory) throws {
        let folder = directory.checkpoints
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicFile.write(try encoded(tables: tracks), to: folder.appendingPathComponent(String(format: "days-%08d.ckpt", daysDone)),
                             durable: true)
        for old in TimelineCheckpoint.files(in: directory).dropLast(TimelineCheckpoint.kept) {
            try? FileManager.default.removeItem(at: old)
        }
    }

    /// Checkpoint files, oldest first.
    static func files(in directory: RunDirectory) -> [URL] {
        let folder = directory.checkpoints
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        return names.filter { $0.hasPrefix("days-") && $0.hasSuffix(".ckpt") }.sorted().map { folder.appendingPathComponent($0) }
    }

    /// Reads a checkpoint (or final state) file: the header and every
    /// dendrite's spine table, in header order.
    static func read(_ url: URL) throws -> (TimelineCheckpoint, [[SpineTable]]) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw RunError("cannot read \(url.path): \(ExperimentRunner.reason(error))")
        }
        return try read(data, name: url.path)
    }

    /// Reads a checkpoint from its bytes (`name` in messages).
    static func read(_ data: Data, name: String) throws -> (TimelineCheckpoint, [[SpineTable]]) {
        let minimum = magic.count + 16
        guard data.count >= minimum, data.starts(with: magic) else {
            throw RunError("\(name) is not a SpineSim checkpoint of this version")
        }
        let body = data.prefix(data.count - 8)
        let stored = data.suffix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard fnv1a64(body) == stored else { throw RunError("\(name) is damaged (its checksum does not match)") }
        var cursor = magic.count
        let length = body[cursor..<(cursor + 8)].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        cursor += 8
        guard length <= UInt64(body.count - cursor) else { throw RunError("\(name) is truncated") }
        let headerLength = Int(length)
        let state: TimelineCheckpoint
        do {
            state = try JSONDecoder().decode(TimelineCheckpoint.self, from: body[cursor..<(cursor + headerLength)])
        } catch {
            throw RunError("\(name) has an unreadable header (\(ExperimentRunner.reason(error)))")
        }
        cursor += headerLength
        var tables: [[SpineTable]] = []
        do {
            for track in state.tracks {
                var row: [SpineTable] = []
                for saved in track.dendrites {
                    guard saved.spines >= 0, saved.spines <= (body.count - cursor) / SpineTable.bytesPerSlot else {
                        row.forEach { $0.deallocate() }
                        throw RunError("\(name) is truncated")
                    }
                    let bytes = saved.spines * SpineTable.bytesPerSlot
                    row.append(try SpineTable.decoded(body[cursor..<(cursor + bytes)], count: saved.spines))
                    cursor += bytes
                }
                tables.append(row)
            }
            guard cursor == body.count else { throw RunError("\(name) holds \(body.count - cursor) bytes too many") }
        } catch {
            tables.joined().forEach { $0.deallocate() }
            throw error
        }
        return (state, tables)
    }

    /// Rebuilds the tracks: tables and serials as saved; generators as saved,
    /// or (`reseeded`) new streams of this run's seeds; the task fields
    /// regenerated from the streams that drew them.
    static func tracks(_ state: TimelineCheckpoint, tables: [[SpineTable]], reseeded context: RunContext?) throws -> [Track] {
        try zip(state.tracks, tables).map { saved, row in
            let dendrites = try zip(saved.dendrites, row).map { dendriteState, table in
                let streams: [RandomStream]
                if let context {
                    streams = [StreamPurpose.dendrite, StreamPurpose.activity, StreamPurpose.analysis].map {
                        RandomStream(type: context.generator, seeds: context.seeds, purpose: $0, index: dendriteState.index)
                    }
                } else {
                    streams = try dendriteState.generators.map { generator in
                        guard let type = GeneratorType(name: generator.generator) else {
                            throw RunError("the checkpoint names an unknown generator '\(generator.generator)'")
                        }
                        let stream = RandomStream(type: type, seed: generator.seed)
                        try stream.restore(generator)
                        return stream
                    }
                    guard streams.count == 3 else { throw RunError("the checkpoint holds \(streams.count) streams per dendrite, expected 3") }
                }
                let dendrite = Dendrite(index: dendriteState.index, lengthUm: dendriteState.lengthUm, table: table,
                                        random: streams[0], activity: streams[1], analysis: streams[2])
                dendrite.nextSerial = dendriteState.nextSerial
                return dendrite
            }
            let wiring = saved.wiring ?? Array(repeating: TaskWiringRecord.independent, count: state.tasks.count)
            try TaskWiringRecord.regenerateFields(wiring, on: dendrites)
            return Track(path: saved.path, dendrites: dendrites, day: saved.day, trained: saved.trained, wiring: wiring)
        }
    }
}
