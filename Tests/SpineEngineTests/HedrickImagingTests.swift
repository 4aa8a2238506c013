import Foundation
import GSL
import SpineEngine
import Testing

/// Hedrick 2022's imaging measures on hand-built dendrites (docs/MODEL.md §5).
@Suite("Hedrick 2022 imaging measures")
struct HedrickImagingTests {
    @Test("new, transient and persistent spines follow the serials visible at IS1, IS2 and IS3")
    func classification() {
        // 1: visible at IS1, gone at IS2 (lost, never new); 2: pre-existing, lost by IS3 (not transient);
        // 3: always visible; 4: new at IS2, still at IS3 (persistent); 5: new at IS2, gone at IS3 (transient);
        // 6: new at IS3; 7: below v_det at IS2 (not in the set), visible again at IS3: new at IS3.
        let c = HedrickImaging.classify(first: [1, 2, 3, 7], second: [2, 3, 4, 5], third: [3, 4, 6, 7])
        #expect(c.newAtSecond == [4, 5])
        #expect(c.newAtThird == [6, 7])
        #expect(c.transient == [5])
        #expect(c.persistent == [4])
    }

    @Test("segments are ⌊L/s⌋ equal pieces (one when L < s); the median over segments includes segments without a new spine")
    func segmentMedians() {
        #expect(HedrickImaging.segments(lengthUm: 100, segmentUm: 40) == (2, 50))
        #expect(HedrickImaging.segments(lengthUm: 30, segmentUm: 40) == (1, 30))
        #expect(HedrickImaging.segmentCounts([5, 10, 60, 100], lengthUm: 100, segmentUm: 40) == [2, 2])
        // 120 µm in three 40-µm segments: 2, 1 and 0 new spines → 0.05, 0.025, 0 per µm; median 0.025.
        let densities = HedrickImaging.segmentCounts([5, 10, 45], lengthUm: 120, segmentUm: 40).map { Double($0) / 40 }
        #expect(densities == [0.05, 0.025, 0])
        #expect(Statistics.median(densities) == 0.025)
        // Four segments, only one with new spines: the median is 0.
        #expect(Statistics.median(HedrickImaging.segmentCounts([5, 10], lengthUm: 160, segmentUm: 40).map { Double($0) / 40 }) == 0)
    }

    @Test("MRS density in distance bins around a new spine: counts over the dendrite length each bin covers")
    func binnedDensity() {
        // A new spine at 50 µm with MRS at 1, 2 and 3 µm from it, and one at 7 µm: 3 MRS over 10 µm, then 1 over 10 µm.
        let probe = HedrickImaging.Probe(positionUm: 50, lengthUm: 100, neighbours: [57, 48, 51, 53])
        let edges: [Double] = [0, 5, 10, 15, 20, 25, 30]
        let densities = probe.densities(edges: edges)
        #expect(abs(densities[0] - 0.3) < 1e-15 && abs(densities[1] - 0.1) < 1e-15)
        #expect(densities.dropFirst(2).allSatisfy { $0 == 0 })
        // Near an end: a spine at 2 µm sees [0, 7) within 5 µm, 7 µm of dendrite; MRS at 0.5 and 4.
        let end = HedrickImaging.Probe(positionUm: 2, lengthUm: 100, neighbours: [0.5, 4, 90])
        #expect(abs(end.densities(edges: [0, 5])[0] - 2.0 / 7.0) < 1e-15)
        // Beyond a short dendrite's end a bin covers nothing: undefined, not zero.
        #expect(HedrickImaging.Probe(positionUm: 5, lengthUm: 10, neighbours: []).densities(edges: [0, 5, 10, 15])[2].isNaN)
        // Spearman of bin centre against density for this spine: y ranks 6, 5, 2.5 × 4 against 1…6: −√(12.5/17.5).
        let clustering = RandomStream(seed: 1).withHandle {
            HedrickImaging.clustering([probe], edges: edges, nearbyUm: 10, shuffles: 10, random: $0)
        }
        #expect(abs(clustering.spearman + (12.5 / 17.5).squareRoot()) < 1e-12)
        #expect(abs(clustering.nearby - 0.2) < 1e-15)   // 4 MRS within 10 µm over 20 µm
    }

    /// A new spine next to MRS at 48, 51 and 53 µm on a 100-µm dendrite: 3
    /// within 10 µm over 20 µm. A uniformly moved spine reaches that density
    /// only with all three within 10 µm, x in (43, 58): probability 0.15.
    @Test("the shuffle p of a new spine beside a cluster of MRS is the probability of landing as close")
    func shuffleP() {
        let probe = HedrickImaging.Probe(positionUm: 50, lengthUm: 100, neighbours: [48, 51, 53])
        let shuffles = 4000
        let result = RandomStream(seed: 11).withHandle {
            HedrickImaging.clustering([probe], edges: [0, 5, 10], nearbyUm: 10, shuffles: shuffles, random: $0)
        }
        #expect(abs(result.nearby - 0.15) < 1e-15)
        #expect(result.null.count == shuffles)
        #expect(result.p == Double(1 + result.null.filter { $0 >= 0.15 }.count) / Double(1 + shuffles))
        #expect(abs(result.p - 0.15) < 4 * (0.15 * 0.85 / Double(shuffles)).squareRoot())
        // The shuffled mean of the first bin: E[count/covered] over uniform positions is near the pooled
        // mean density of 3 MRS over 100 µm, far below the observed 0.3.
        #expect(result.observed[0] == 0.3 && result.shuffled[0] < 0.1)
    }

    /// With MRS and new spines placed independently and uniformly, the
    /// observed position is exchangeable with its shuffles, so p is uniform
    /// on {1, …, S + 1}/(S + 1). Short dendrites (25 µm) make the covered
    /// lengths, and so the densities, continuous: no ties. KS at α = 0.01,
    /// plus the 1/(S + 1) step of the discrete p.
    @Test("under the null (independent uniform positions) the shuffle p is uniform")
    func shufflePUniform() {
        let replicates = 500, shuffles = 99, length = 25.0
        let p: [Double] = RandomStream(seed: 2022).withHandle { random in
            (0..<replicates).map { _ in
                let probes = (0..<10).map { _ in
                    HedrickImaging.Probe(positionUm: random.uniform() * length, lengthUm: length,
                                         neighbours: (0..<8).map { _ in random.uniform() * length })
                }
                return HedrickImaging.clustering(probes, edges: [0, 5, 10], nearbyUm: 10, shuffles: shuffles, random: random).p
            }
        }.sorted()
        let ks = p.enumerated().map { i, x in max(Double(i + 1) / Double(replicates) - x, x - Double(i) / Double(replicates)) }.max()!
        #expect(ks < 1.63 / Double(replicates).squareRoot() + 1 / Double(shuffles + 1), "KS distance \(ks)")
        #expect(abs(Statistics.mean(p) - 0.5) < 4 * (1.0 / 12 / Double(replicates)).squareRoot())
    }

    @Test("Spearman's r from GSL matches hand-computed values, ties at their mean rank")
    func spearman() {
        // Σd² = 4 over 5 points: 1 − 6·4/(5·24) = 0.8.
        #expect(abs(Statistics.spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) - 0.8) < 1e-12)
        // y ranks 1.5, 1.5, 3, 4: Pearson of ranks 4.5/√(5·4.5) = √0.9.
        #expect(abs(Statistics.spearman([1, 2, 3, 4], [1, 1, 2, 3]) - 0.9.squareRoot()) < 1e-12)
        #expect(Statistics.spearman([1, 2, 3], [4, 4, 4]).isNaN)
    }

    @Test("co-activity is 1 for identical trains and 0 for disjoint ones, and is summed per distance bin of the pair")
    func coactivityByDistance() {
        let a: [Double] = [0, 100, 200, 300], disjoint: [Double] = [1000, 2000]
        #expect(HedrickImaging.coactivity(a, a, windowMs: 10) == 1)
        #expect(HedrickImaging.coactivity(a, disjoint, windowMs: 10) == 0)
        // One of two events partnered in either direction: (1/2 + 1/2)/2.
        #expect(HedrickImaging.coactivity([0, 100], [10, 500], windowMs: 50) == 0.5)
        let edges: [Double] = [0, 5, 10, 15, 20, 25, 30]
        var sums = [Double](repeating: 0, count: 6), pairs = [Int](repeating: 0, count: 6)
        // Pairs: (0,1) 3 µm identical; (0,2) 12 µm and (1,2) 9 µm disjoint; (2,3) 28 µm disjoint; 37 and 40 µm left out.
        HedrickImaging.addCoactivity(positions: [0, 3, 12, 40], events: [a, a, disjoint, a], windowMs: 10, edges: edges,
                                     sums: &sums, pairs: &pairs)
        #expect(sums == [1, 0, 0, 0, 0, 0])
        #expect(pairs == [1, 1, 1, 0, 0, 1])
        #expect(HedrickImaging.firstBinExcess(sums: sums, pairs: pairs).isNaN)   // nothing beyond the first bin to compare with
        // Bin means 1, 0.5, 0.5: the first is twice the others.
        #expect(HedrickImaging.firstBinExcess(sums: [2, 0.5, 1], pairs: [2, 1, 2]) == 2)
        #expect(HedrickImaging.firstBinExcess(sums: [0, 0.5], pairs: [0, 1]).isNaN)
    }

    @Test("Fu 2012: a new spine is clustered with a neighbouring new spine (no pre-existing spine between), or one within 5 µm")
    func fuClustering() {
        // In position order: new 10, new 12, old 20, new 22, old 30, new 50 (given out of order).
        let positions: [Double] = [22, 10, 50, 12, 30, 20]
        let isNew = [true, true, true, true, false, false]
        let (adjacent, within) = HedrickImaging.fuClustered(positions: positions, isNew: isNew, withinUm: 5)
        #expect(adjacent == [false, true, false, true, false, false])
        #expect(within == [false, true, false, true, false, false])
        // 22 and 26 with an old spine at 24 between them: not adjacent, but within 5 µm.
        let split = HedrickImaging.fuClustered(positions: [22, 24, 26], isNew: [true, false, true], withinUm: 5)
        #expect(split.adjacent == [false, false, false] && split.within == [true, false, true])
    }
}
