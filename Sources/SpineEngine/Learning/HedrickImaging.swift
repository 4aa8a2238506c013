import GSL
import SpineModel

/// The measures of Hedrick et al. 2022 on imaged spines (docs/MODEL.md §5),
/// as pure functions of what imaging saw: serials visible at the three
/// sessions of a field, positions of spines and movement-related spines
/// (MRS) along a dendrite of length L (positions in [0, L]), glutamate
/// events. The learning experiment's output calls them; nothing here
/// depends on the engine.
public enum HedrickImaging {
    // MARK: new, transient and persistent spines

    /// The spines of one field that imaging calls new at its second (IS2)
    /// and third (IS3) session, and the fate of IS2's new spines at IS3.
    public struct Classification: Equatable, Sendable {
        /// Visible at IS2, not visible at IS1.
        public var newAtSecond: Set<UInt32>
        /// Visible at IS3, not visible at IS2.
        public var newAtThird: Set<UInt32>
        /// New at IS2 and not visible at IS3.
        public var transient: Set<UInt32>
        /// New at IS2 and visible at IS3.
        public var persistent: Set<UInt32>
    }

    /// New = visible at a session and not visible at the previous one (absent
    /// or below v_det); spines born and lost between sessions are never seen.
    public static func classify(first: Set<UInt32>, second: Set<UInt32>, third: Set<UInt32>) -> Classification {
        let newAtSecond = second.subtracting(first)
        return Classification(newAtSecond: newAtSecond, newAtThird: third.subtracting(second),
                              transient: newAtSecond.subtracting(third), persistent: newAtSecond.intersection(third))
    }

    // MARK: segments

    /// A dendrite of `lengthUm` cut into ⌊L/s⌋ equal segments (at least one),
    /// each between s and 2s long (or the whole dendrite when L < s).
    public static func segments(lengthUm: Double, segmentUm: Double) -> (count: Int, lengthUm: Double) {
        let count = max(1, Int((lengthUm / segmentUm).rounded(.down)))
        return (count, lengthUm / Double(count))
    }

    /// How many of `positions` fall in each segment of the dendrite.
    public static func segmentCounts(_ positions: [Double], lengthUm: Double, segmentUm: Double) -> [Int] {
        let (count, length) = segments(lengthUm: lengthUm, segmentUm: segmentUm)
        var counts = [Int](repeating: 0, count: count)
        for x in positions { counts[min(count - 1, max(0, Int(x / length)))] += 1 }
        return counts
    }

    // MARK: densities around a spine

    /// The length of [0, L] at a distance d from x with a ≤ d < b (both sides, clipped at the ends).
    @inlinable
    public static func coveredLength(around x: Double, from a: Double, to b: Double, lengthUm: Double) -> Double {
        max(0, min(x + b, lengthUm) - min(x + a, lengthUm)) + max(0, max(x - a, 0) - max(x - b, 0))
    }

    /// The number of `sorted` positions y with a ≤ |y − x| < b (binary searches, no allocation).
    @inlinable
    public static func count(_ sorted: [Double], around x: Double, from a: Double, to b: Double) -> Int {
        @inline(__always) func firstIndex(atLeast value: Double) -> Int {
            var low = 0, high = sorted.count
            while low < high {
                let mid = (low + high) / 2
                if sorted[mid] < value { low = mid + 1 } else { high = mid }
            }
            return low
        }
        @inline(__always) func firstIndex(above value: Double) -> Int {
            var low = 0, high = sorted.count
            while low < high {
                let mid = (low + high) / 2
                if sorted[mid] <= value { low = mid + 1 } else { high = mid }
            }
            return low
        }
        // Right side: x + a ≤ y < x + b; left side: x − b < y ≤ x − a (a = 0 counts y = x once, on the right).
        let right = firstIndex(atLeast: x + b) - firstIndex(atLeast: x + a)
        let left = a > 0 ? firstIndex(above: x - a) - firstIndex(above: x - b) : firstIndex(atLeast: x) - firstIndex(above: x - b)
        return right + left
    }

    /// One new spine for the clustering analysis: its position, its
    /// dendrite's length and the sorted positions of the MRS visible on that
    /// dendrite at the session it was found new (itself excluded).
    public struct Probe: Sendable {
        public var positionUm: Double
        public var lengthUm: Double
        public var neighbours: [Double]

        public init(positionUm: Double, lengthUm: Double, neighbours: [Double]) {
            self.positionUm = positionUm
            self.lengthUm = lengthUm
            self.neighbours = neighbours.sorted()
        }

        /// MRS per µm in each bin [edges[k], edges[k+1]) of distance; NaN
        /// where the bin covers no dendrite.
        public func densities(edges: [Double]) -> [Double] {
            (0..<(edges.count - 1)).map { k in
                let covered = HedrickImaging.coveredLength(around: positionUm, from: edges[k], to: edges[k + 1], lengthUm: lengthUm)
                return covered > 0 ? Double(HedrickImaging.count(neighbours, around: positionUm, from: edges[k], to: edges[k + 1])) / covered : .nan
            }
        }
    }

    /// Clustering of MRS around new spines against position shuffles.
    public struct Clustering: Sendable {
        /// Pooled MRS density per bin (counts over covered lengths, summed over new spines).
        public var observed: [Double]
        /// The same with every new spine moved uniformly along its dendrite, averaged over shuffles.
        public var shuffled: [Double]
        /// Pooled MRS density within `nearbyUm` of the new spines.
        public var nearby: Double
        /// The shuffle null of `nearby`, one value per shuffle.
        public var null: [Double]
        /// (1 + #shuffles with null ≥ nearby) / (1 + shuffles).
        public var p: Double
        /// Spearman r of density against distance: per new spine one point per bin (centre, density).
        public var spearman: Double
    }

    /// Pooled densities of `probes` (at `positions`) in the bins of `edges` and within `nearbyUm`.
    static func pooled(_ probes: [Probe], positions: (Int) -> Double, edges: [Double], nearbyUm: Double,
                       counts: inout [Double], covered: inout [Double]) -> Double {
        for k in counts.indices { counts[k] = 0; covered[k] = 0 }
        var nearCount = 0.0, nearCovered = 0.0
        for (i, probe) in probes.enumerated() {
            let x = positions(i)
            for k in counts.indices {
                counts[k] += Double(count(probe.neighbours, around: x, from: edges[k], to: edges[k + 1]))
                covered[k] += coveredLength(around: x, from: edges[k], to: edges[k + 1], lengthUm: probe.lengthUm)
            }
            nearCount += Double(count(probe.neighbours, around: x, from: 0, to: nearbyUm))
            nearCovered += coveredLength(around: x, from: 0, to: nearbyUm, lengthUm: probe.lengthUm)
        }
        return nearCovered > 0 ? nearCount / nearCovered : .nan
    }

    /// The clustering analysis of Hedrick 2022 (ED Fig. 9b–c, 5i): MRS
    /// density in distance bins around every new spine, against `shuffles`
    /// uniform relocations of each new spine along its dendrite (NaN p and r
    /// without new spines).
    public static func clustering(_ probes: [Probe], edges: [Double], nearbyUm: Double, shuffles: Int, random: RandomHandle) -> Clustering {
        let bins = edges.count - 1
        var counts = [Double](repeating: 0, count: bins), covered = counts
        let nearby = pooled(probes, positions: { probes[$0].positionUm }, edges: edges, nearbyUm: nearbyUm, counts: &counts, covered: &covered)
        let observed = (0..<bins).map { covered[$0] > 0 ? counts[$0] / covered[$0] : .nan }
        var shuffled = [Double](repeating: 0, count: bins), null = [Double](repeating: 0, count: shuffles)
        var positions = [Double](repeating: 0, count: probes.count)
        for s in 0..<shuffles {
            for i in probes.indices { positions[i] = random.uniform() * probes[i].lengthUm }
            null[s] = pooled(probes, positions: { positions[$0] }, edges: edges, nearbyUm: nearbyUm, counts: &counts, covered: &covered)
            for k in 0..<bins where covered[k] > 0 { shuffled[k] += counts[k] / covered[k] / Double(shuffles) }
        }
        let exceeding = null.filter { $0 >= nearby }.count
        let p = nearby.isNaN ? .nan : Double(1 + exceeding) / Double(1 + shuffles)
        var distance: [Double] = [], density: [Double] = []
        for probe in probes {
            for (k, value) in probe.densities(edges: edges).enumerated() where !value.isNaN {
                distance.append((edges[k] + edges[k + 1]) / 2)
                density.append(value)
            }
        }
        return Clustering(observed: observed, shuffled: probes.isEmpty ? observed : shuffled, nearby: nearby, null: probes.isEmpty ? [] : null,
                          p: p, spearman: Statistics.spearman(distance, density))
    }

    // MARK: co-activity by distance

    /// Symmetric co-activity of two spines: each one's events with a partner
    /// event of the other within ±window, averaged over the two directions
    /// and normalised by the geometric mean of the event counts (1 for
    /// identical trains, 0 for trains never within the window).
    public static func coactivity(_ a: [Double], _ b: [Double], windowMs: Double) -> Double {
        (CoActivity.normalised(a, b, windowMs: windowMs) + CoActivity.normalised(b, a, windowMs: windowMs)) / 2
    }

    /// Adds every pair of spines of one dendrite (positions, events) to the
    /// distance bin [edges[k], edges[k+1]) of their separation: `sums[k]`
    /// gains their co-activity, `pairs[k]` one. Pairs farther apart than
    /// the last edge are left out.
    public static func addCoactivity(positions: [Double], events: [[Double]], windowMs: Double, edges: [Double],
                                     sums: inout [Double], pairs: inout [Int]) {
        precondition(positions.count == events.count && sums.count == edges.count - 1 && pairs.count == sums.count)
        for i in positions.indices {
            for j in positions.indices where j > i {
                let d = abs(positions[i] - positions[j])
                guard d < edges[edges.count - 1], let k = (0..<sums.count).first(where: { edges[$0] <= d && d < edges[$0 + 1] }) else { continue }
                sums[k] += coactivity(events[i], events[j], windowMs: windowMs)
                pairs[k] += 1
            }
        }
    }

    /// The first bin's mean co-activity over the mean of the other bins'
    /// means (bins without pairs left out; NaN when it is not defined).
    public static func firstBinExcess(sums: [Double], pairs: [Int]) -> Double {
        let means = zip(sums, pairs).map { $1 > 0 ? $0 / Double($1) : .nan }
        let others = means.dropFirst().filter { !$0.isNaN }
        guard let first = means.first, !first.isNaN, !others.isEmpty else { return .nan }
        let rest = Statistics.mean(Array(others))
        return rest > 0 ? first / rest : .nan
    }

    // MARK: Fu et al. 2012

    /// Which new spines are clustered in Fu et al. 2012's sense, among the
    /// visible spines of one dendrite (positions, new or pre-existing):
    /// `adjacent` when a neighbour in position order is also new (no
    /// pre-existing visible spine between them), `within` when another new
    /// spine lies within `withinUm`. Entries of pre-existing spines are false.
    public static func fuClustered(positions: [Double], isNew: [Bool], withinUm: Double) -> (adjacent: [Bool], within: [Bool]) {
        precondition(positions.count == isNew.count)
        let order = positions.indices.sorted { positions[$0] < positions[$1] }
        var adjacent = [Bool](repeating: false, count: positions.count), within = adjacent
        for (rank, i) in order.enumerated() where isNew[i] {
            adjacent[i] = (rank > 0 && isNew[order[rank - 1]]) || (rank + 1 < order.count && isNew[order[rank + 1]])
            within[i] = positions.indices.contains { $0 != i && isNew[$0] && abs(positions[$0] - positions[i]) <= withinUm }
        }
        return (adjacent, within)
    }
}
