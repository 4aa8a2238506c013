import Foundation

/// Local dendritic (NMDA/calcium) spikes, docs/MODEL.md §2b (Losonczy &
/// Magee 2006; Major, Larkum & Schiller 2013). The dendrite is divided into
/// stretches of L_spike; when at least N_spike glutamate events arrive on a
/// stretch within W_spike, the stretch fires: every spine on it receives a
/// calcium jump κ·C_post and its shaft the same concentration, which then
/// spreads by the neck exchange and diffusion of §2a. A stretch is
/// refractory for T_ref after it fires.
public struct DendriticSpikeParameters: Sendable, Equatable {
    public var enabled: Bool
    /// N_spike.
    public var minimumEvents: Int
    /// W_spike (ms).
    public var windowMs: Double
    /// L_spike (µm).
    public var stretchUm: Double
    /// κ_spike: the jump in units of C_post.
    public var calciumOverPost: Double
    /// T_ref (ms).
    public var refractoryMs: Double

    public init(enabled: Bool = false, minimumEvents: Int = 8, windowMs: Double = 10, stretchUm: Double = 20,
                calciumOverPost: Double = 1, refractoryMs: Double = 50) {
        self.enabled = enabled
        self.minimumEvents = minimumEvents
        self.windowMs = windowMs
        self.stretchUm = stretchUm
        self.calciumOverPost = calciumOverPost
        self.refractoryMs = refractoryMs
    }

    /// The stretch a position lies on.
    @inlinable public func stretch(ofUm x: Double) -> Int { max(0, Int(x / stretchUm)) }

    /// The spikes fired by glutamate events (`arrivalsMs[i]`: the times
    /// spine i's glutamate calcium arrives, in time order), in time order:
    /// a stretch fires at the arrival that completes N_spike events within
    /// the last W_spike (that arrival included), unless refractory.
    public func spikes(arrivalsMs: [[Double]], positionsUm: [Double]) -> [DendriticSpike] {
        guard enabled, minimumEvents > 0 else { return [] }
        let stretches = (positionsUm.map { stretch(ofUm: $0) }.max() ?? -1) + 1
        var byStretch = [[Double]](repeating: [], count: stretches)
        for (i, times) in arrivalsMs.enumerated() { byStretch[stretch(ofUm: positionsUm[i])] += times }
        var result: [DendriticSpike] = []
        for (index, unsorted) in byStretch.enumerated() where unsorted.count >= minimumEvents {
            let times = unsorted.sorted()
            var first = 0
            var lastSpike = -Double.infinity
            for (j, t) in times.enumerated() {
                while times[first] <= t - windowMs { first += 1 }
                if j - first + 1 >= minimumEvents && t >= lastSpike + refractoryMs {
                    result.append(DendriticSpike(timeMs: t, stretch: index))
                    lastSpike = t
                }
            }
        }
        return result.sorted { ($0.timeMs, $0.stretch) < ($1.timeMs, $1.stretch) }
    }
}

/// One local dendritic spike: when, and on which stretch (stretch s covers
/// [s·L_spike, (s+1)·L_spike)).
public struct DendriticSpike: Sendable, Equatable {
    public var timeMs: Double
    public var stretch: Int

    public init(timeMs: Double, stretch: Int) {
        self.timeMs = timeMs
        self.stretch = stretch
    }
}
