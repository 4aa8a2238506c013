import Foundation
import GSL

/// A population checkpoint: everything needed to continue a run bit for bit
/// (spine tables, serial counters, generator states, recorder state, the
/// streamed files' lengths).
///
/// File layout: the line "SPINESIM CHECKPOINT 1", the byte length of a JSON
/// header (8 bytes, little-endian), the header, then each dendrite's spine
/// columns as raw bytes (`SpineTable.encoded`). Written to a temporary file
/// and renamed, so a checkpoint is either complete or absent.
struct PopulationCheckpoint: Codable {
    struct DendriteState: Codable {
        var index: Int
        var spines: Int
        var nextSerial: UInt32
        var generator: GeneratorState
    }

    var stepsDone: Int
    var dendrites: [DendriteState]
    var records: PopulationRecords

    static let magic = Data("SPINESIM CHECKPOINT 1\n".utf8)
    static let folder = "checkpoints"
    /// Older checkpoints beyond this many are deleted.
    static let kept = 2

    /// Writes a checkpoint of `dendrites` after `stepsDone` steps.
    static func write(stepsDone: Int, stepsPerDay: Int, dendrites: [Dendrite], records: PopulationRecords,
                      into directory: RunDirectory) throws {
        let state = PopulationCheckpoint(
            stepsDone: stepsDone,
            dendrites: dendrites.map { DendriteState(index: $0.index, spines: $0.table.count, nextSerial: $0.nextSerial,
                                                     generator: $0.random.savedState()) },
            records: records)
        let header = try JSONEncoder().encode(state)
        var data = magic
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(header)
        for dendrite in dendrites { data.append(dendrite.table.encoded()) }

        let folder = directory.url.appendingPathComponent(PopulationCheckpoint.folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let name = String(format: "step-%010d-day-%.4f.ckpt", stepsDone, Double(stepsDone) / Double(stepsPerDay))
        try AtomicFile.write(data, to: folder.appendingPathComponent(name))
        for old in try checkpointFiles(in: directory).dropLast(kept) {
            try? FileManager.default.removeItem(at: old)
        }
    }

    /// Checkpoint files, oldest first.
    static func checkpointFiles(in directory: RunDirectory) throws -> [URL] {
        let folder = directory.url.appendingPathComponent(PopulationCheckpoint.folder)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        return names.filter { $0.hasPrefix("step-") && $0.hasSuffix(".ckpt") }.sorted().map { folder.appendingPathComponent($0) }
    }

    /// Reads the newest checkpoint and restores the dendrites' tables,
    /// serials and generators; returns the checkpoint header.
    static func restoreLatest(in directory: RunDirectory, into dendrites: [Dendrite]) throws -> PopulationCheckpoint {
        guard let url = try checkpointFiles(in: directory).last else {
            throw RunError("no checkpoint in \(directory.url.appendingPathComponent(folder).path); the run cannot be resumed (start it again with --checkpoint-every)")
        }
        let data = try Data(contentsOf: url)
        guard data.starts(with: magic), data.count >= magic.count + 8 else {
            throw RunError("\(url.lastPathComponent) is not a SpineSim checkpoint")
        }
        var cursor = magic.count
        let headerLength = Int(UInt64(littleEndian: data[cursor..<(cursor + 8)].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }))
        cursor += 8
        let state = try JSONDecoder().decode(PopulationCheckpoint.self, from: data[cursor..<(cursor + headerLength)])
        cursor += headerLength
        guard state.dendrites.count == dendrites.count else {
            throw RunError("\(url.lastPathComponent) holds \(state.dendrites.count) dendrites, the experiment has \(dendrites.count)")
        }
        for (saved, dendrite) in zip(state.dendrites, dendrites) {
            let bytes = saved.spines * SpineTable.bytesPerSlot
            guard cursor + bytes <= data.count else { throw RunError("\(url.lastPathComponent) is truncated") }
            let restored = try SpineTable.decoded(data[cursor..<(cursor + bytes)], count: saved.spines)
            dendrite.table.deallocate()
            dendrite.table = restored
            dendrite.nextSerial = saved.nextSerial
            try dendrite.random.restore(saved.generator)
            cursor += bytes
        }
        return state
    }
}
