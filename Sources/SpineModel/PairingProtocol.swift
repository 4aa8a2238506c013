/// A spike-pairing protocol (docs/MODEL.md §1 readout): `pairs` pre–post pairs at
/// `frequencyHz`, the postsynaptic spike `deltaTMs` = t_post − t_pre after
/// the presynaptic one. The presynaptic calcium jump arrives D ms after the
/// presynaptic spike.
public struct PairingProtocol: Sendable, Equatable, Codable {
    public var pairs: Int
    public var frequencyHz: Double
    public var deltaTMs: Double

    public init(pairs: Int, frequencyHz: Double, deltaTMs: Double) {
        self.pairs = pairs
        self.frequencyHz = frequencyHz
        self.deltaTMs = deltaTMs
    }

    /// Stimulation time N/f (ms): the T of the closed-form reduction.
    public var durationMs: Double { Double(pairs) * 1000 / frequencyHz }

    /// Calcium jumps (time in ms, amplitude), in time order, jumps at the
    /// same instant merged. Time 0 is the first spike of the protocol.
    public func calciumJumps(_ parameters: PlasticityParameters) -> [(timeMs: Double, amplitude: Double)] {
        let periodMs = 1000 / frequencyHz
        let firstPre = max(0, -deltaTMs)
        var jumps: [(timeMs: Double, amplitude: Double)] = []
        jumps.reserveCapacity(2 * pairs)
        for k in 0..<pairs {
            let pre = firstPre + Double(k) * periodMs
            jumps.append((pre + parameters.delayMs, parameters.calciumPre))
            jumps.append((pre + deltaTMs, parameters.calciumPost))
        }
        jumps.sort { $0.timeMs < $1.timeMs }
        var merged: [(timeMs: Double, amplitude: Double)] = []
        for jump in jumps {
            if let last = merged.last, last.timeMs == jump.timeMs {
                merged[merged.count - 1].amplitude += jump.amplitude
            } else {
                merged.append(jump)
            }
        }
        return merged
    }

    /// The protocol's calcium trace as segments of constant gating, from the
    /// first jump until calcium has fallen below both thresholds after the
    /// last one. Neighbouring segments of equal gating are joined. After the
    /// last segment ρ only relaxes deterministically and cannot cross ρ*, so
    /// whether a synapse ends UP or DOWN is decided by then.
    public func gatingSegments(_ parameters: PlasticityParameters) -> [GatingSegment] {
        let jumps = calciumJumps(parameters)
        return CalciumDynamics(parameters).segments(jumps: jumps, from: jumps[0].timeMs, to: nil)
    }
}
