import Foundation
import GSL
import SpineModel

/// The state of one branch of a timeline: its dendrites (spines and
/// generator streams), the whole days it has lived, the trained state of
/// every task it has trained, and how each task ensemble was wired. A fork
/// copies all of it.
final class Track: @unchecked Sendable {
    /// Branch names from the root.
    var path: [String]
    var dendrites: [Dendrite]
    /// Whole days done since the start of the timeline.
    var day: Int
    /// Per task: its state at the end of its latest training.
    var trained: [String: TrainedPattern]
    /// Per task ensemble k: how it was wired (docs/MODEL.md §4).
    var wiring: [TaskWiringRecord]

    init(path: [String], dendrites: [Dendrite], day: Int, trained: [String: TrainedPattern], wiring: [TaskWiringRecord] = []) {
        self.path = path
        self.dendrites = dendrites
        self.day = day
        self.trained = trained
        self.wiring = wiring
    }

    /// An independent copy continuing as branch `name`.
    func copy(branch name: String) throws -> Track {
        Track(path: path + [name], dendrites: try dendrites.map { try $0.copy() }, day: day, trained: trained, wiring: wiring)
    }

    var spineCount: Int { dendrites.reduce(0) { $0 + $1.table.count } }
}

/// A task's trained state (docs/MODEL.md §6): per dendrite, every spine alive
/// at the end of the task's training with its volume (the trained size
/// pattern), and the learned spines among them.
public struct TrainedPattern: Codable, Sendable {
    public struct DendritePattern: Codable, Sendable {
        /// Serials in ascending order.
        public var serials: [UInt32]
        public var volumesUm3: [Double]
        /// Serials of the learned spines, ascending.
        public var learned: [UInt32]
    }

    /// The timeline day the training ended.
    public var endDay: Int
    public var dendrites: [DendritePattern]

    /// The pattern of ensemble `ensemble` on `dendrites` now.
    static func capture(_ dendrites: [Dendrite], ensemble: Int, criteria: SpineCriteria, day: Int) -> TrainedPattern {
        let bit = UInt8(1) << UInt8(ensemble)
        return TrainedPattern(endDay: day, dendrites: dendrites.map { dendrite in
            let table = dendrite.table
            let order = (0..<table.count).sorted { table.serial[$0] < table.serial[$1] }
            return DendritePattern(
                serials: order.map { table.serial[$0] },
                volumesUm3: order.map { exp(table.logVolume[$0]) },
                learned: order.filter { i in
                    criteria.isLearned(taskRelated: table.ensembles[i] & bit != 0, efficacy: table.efficacy[i],
                                       logVolume: table.logVolume[i], baselineLogVolume: table.baselineLogVolume[i])
                }.map { table.serial[$0] })
        })
    }
}
