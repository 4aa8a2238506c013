import Foundation
import GSL
import SpineModel

/// One dendrite: its length, its spines and its own generator stream.
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

    /// Generator-stream purpose of dendrites.
    public static let streamPurpose: UInt8 = 2

    public convenience init(index: Int, lengthUm: Double, expectedSpines: Int, random: RandomStream) {
        self.init(index: index, lengthUm: lengthUm, table: SpineTable(capacity: expectedSpines + expectedSpines / 2 + 8), random: random)
    }

    /// A dendrite that takes ownership of `table`.
    private init(index: Int, lengthUm: Double, table: SpineTable, random: RandomStream) {
        self.index = index
        self.lengthUm = lengthUm
        self.table = table
        self.random = random
    }

    deinit { table.deallocate() }

    /// Output identity of a spine: dendrite · 10⁹ + serial (stable, unique in a run).
    public func spineID(serial: UInt32) -> UInt64 { UInt64(index) * 1_000_000_000 + UInt64(serial) }

    /// An independent copy: the same spines, serials and generator state.
    public func copy() throws -> Dendrite {
        let random = RandomStream(type: self.random.type, seed: self.random.seed)
        try random.restore(self.random.savedState())
        let twin = Dendrite(index: index, lengthUm: lengthUm, table: try SpineTable.decoded(table.encoded(), count: table.count),
                            random: random)
        twin.nextSerial = nextSerial
        return twin
    }

    public func takeSerial() -> UInt32 {
        defer { nextSerial += 1 }
        return nextSerial
    }
}

/// Why a spine appeared or disappeared (the `cause` column of turnover.csv).
public enum TurnoverCause: UInt8, Sendable {
    case baselineSpinogenesis, activityGuidedSpinogenesis, belowMinimumVolume, hazard, transient

    public var name: String {
        switch self {
        case .baselineSpinogenesis: "baseline-spinogenesis"
        case .activityGuidedSpinogenesis: "activity-guided-spinogenesis"
        case .belowMinimumVolume: "below-v-min"
        case .hazard: "hazard"
        case .transient: "transient"
        }
    }
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

/// Everything the intrinsic dynamics need, as values (no class look-ups in
/// the kernels).
public struct PopulationModel: Sendable {
    public enum SizeForm: String, Sendable, CaseIterable { case ou, kesten }

    public var plasticity: PlasticityParameters
    public var sizeForm: SizeForm
    public var size: LogSizeOU
    public var kesten: KestenProcess
    public var weight: FunctionalWeight
    public var turnover: TurnoverRules
    public var newSpines: NewSpineRules

    public init(plasticity: PlasticityParameters, sizeForm: SizeForm, size: LogSizeOU, kesten: KestenProcess,
                weight: FunctionalWeight, turnover: TurnoverRules, newSpines: NewSpineRules = NewSpineRules()) {
        self.plasticity = plasticity
        self.sizeForm = sizeForm
        self.size = size
        self.kesten = kesten
        self.weight = weight
        self.turnover = turnover
        self.newSpines = newSpines
    }
}

/// What a newly formed spine is (MODEL.md §4): the chance that the axon it
/// picks from the local pool is task-related, and the probation of spines
/// from activity-guided spinogenesis (stabilised when ρ crosses ρ*,
/// eliminated as transient when probation ends otherwise; nil: none).
public struct NewSpineRules: Sendable, Equatable {
    public var taskFraction: Double
    public var probationDays: Double?

    public init(taskFraction: Double = 0, probationDays: Double? = nil) {
        self.taskFraction = taskFraction
        self.probationDays = probationDays
    }
}
