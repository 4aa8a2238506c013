import Foundation
import GSL
import SpineModel

/// One dendrite: its length, its spines and its own generator streams —
/// the dynamics (`random`: ρ noise, sizes, turnover, births), the session
/// inputs (`activity`) and the imaging analysis (`analysis`), each keyed by
/// the dendrite's global index so that results do not depend on threads —
/// and the random fields of its clustered task wiring (docs/MODEL.md §4).
///
/// A dendrite is touched by one worker at a time (work is partitioned by
/// dendrite), hence `@unchecked Sendable`.
public final class Dendrite: @unchecked Sendable {
    public let index: Int
    public let lengthUm: Double
    public var table: SpineTable
    /// Serial of the next spine born here.
    public var nextSerial: UInt32 = 0
    public let random: RandomStream
    public let activity: RandomStream
    public let analysis: RandomStream
    /// Per task ensemble k: its field on this dendrite where the wiring is
    /// clustered, nil where it is independent (docs/MODEL.md §4). New spines
    /// take their axon from it. Not in checkpoints: regenerated from the
    /// ensemble's stream (`TaskWiringRecord`).
    public var taskFields: [TaskField?] = []

    /// The dendrite `index` of a run, its streams derived from the run's seeds.
    public convenience init(index: Int, lengthUm: Double, expectedSpines: Int, generator: GeneratorType, seeds: StreamSeeds) {
        func stream(_ purpose: UInt8) -> RandomStream { RandomStream(type: generator, seeds: seeds, purpose: purpose, index: index) }
        self.init(index: index, lengthUm: lengthUm, table: SpineTable(capacity: expectedSpines + expectedSpines / 2 + 8),
                  random: stream(StreamPurpose.dendrite), activity: stream(StreamPurpose.activity),
                  analysis: stream(StreamPurpose.analysis))
    }

    /// A dendrite with an explicit dynamics stream (tests and tools); its
    /// activity and analysis streams are seeded from that stream's seed + 1 and + 2.
    public convenience init(index: Int, lengthUm: Double, expectedSpines: Int, random: RandomStream) {
        self.init(index: index, lengthUm: lengthUm, table: SpineTable(capacity: expectedSpines + expectedSpines / 2 + 8),
                  random: random, activity: RandomStream(type: random.type, seed: random.seed &+ 1),
                  analysis: RandomStream(type: random.type, seed: random.seed &+ 2))
    }

    /// A dendrite that takes ownership of `table`.
    init(index: Int, lengthUm: Double, table: SpineTable, random: RandomStream, activity: RandomStream, analysis: RandomStream) {
        self.index = index
        self.lengthUm = lengthUm
        self.table = table
        self.random = random
        self.activity = activity
        self.analysis = analysis
    }

    deinit { table.deallocate() }

    /// Output identity of a spine: dendrite · 10⁹ + serial (stable, unique in a run).
    public func spineID(serial: UInt32) -> UInt64 { UInt64(index) * 1_000_000_000 + UInt64(serial) }

    /// The streams in a fixed order (checkpoints).
    var streams: [RandomStream] { [random, activity, analysis] }

    /// An independent copy: the same spines, serials and generator states.
    public func copy() throws -> Dendrite {
        func twin(_ stream: RandomStream) throws -> RandomStream {
            let copy = RandomStream(type: stream.type, seed: stream.seed)
            try copy.restore(stream.savedState())
            return copy
        }
        let copy = Dendrite(index: index, lengthUm: lengthUm, table: try SpineTable.decoded(table.encoded(), count: table.count),
                            random: try twin(random), activity: try twin(activity), analysis: try twin(analysis))
        copy.nextSerial = nextSerial
        copy.taskFields = taskFields
        return copy
    }

    /// Sets ensemble k's field (nil: independent placement).
    func setTaskField(_ field: TaskField?, ensemble k: Int) {
        if taskFields.count <= k { taskFields += Array(repeating: nil, count: k + 1 - taskFields.count) }
        taskFields[k] = field
    }

    public func takeSerial() -> UInt32 {
        defer { nextSerial += 1 }
        return nextSerial
    }
}

/// Generator-stream purposes (the high byte of a stream key, `StreamSeeds`):
/// every stream of a run is keyed by its purpose and an index, so no two
/// streams share a seed.
public enum StreamPurpose {
    /// Pairing sweeps: one stream per grid point.
    public static let pairing: UInt8 = 1
    /// A dendrite's dynamics.
    public static let dendrite: UInt8 = 2
    /// Heterosynaptic sweeps.
    public static let heterosynaptic: UInt8 = 4
    /// A dendrite's session inputs.
    public static let activity: UInt8 = 5
    /// A dendrite's imaging analysis (movement shuffles).
    public static let analysis: UInt8 = 7
    /// Position shuffles of the clustering analysis (one per regime).
    public static let clustering: UInt8 = 8
    /// Session benchmark: inputs and dynamics.
    public static let benchmarkInputs: UInt8 = 41, benchmarkDynamics: UInt8 = 42

    /// The wiring of task ensemble k on each dendrite: which spines' axons
    /// belong to it (k < 8; ensemble 0 keeps the purpose of the single task
    /// of earlier versions, so its wiring is unchanged).
    public static func axons(ensemble k: Int) -> UInt8 { k == 0 ? 6 : UInt8(48 + k) }
    /// The largest number of task ensembles (bits of `SpineTable.ensembles`).
    public static let maximumEnsembles = 8
}

/// One birth or death.
public struct TurnoverEvent: Sendable {
    public var isBirth: Bool
    public var day: Double
    public var serial: UInt32
    public var positionUm: Double
    public var cause: TurnoverCause
    public var logVolume: Double
}
