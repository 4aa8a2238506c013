import Foundation

/// Which plasticity thresholds spine calcium is above: the Heaviside factors
/// H(c − θ_d) and H(c − θ_p) of docs/MODEL.md §1 (with H(0) = 0).
public enum Gating: Int, Sendable, CaseIterable, Codable {
    case none = 0, depression = 1, potentiation = 2, both = 3

    public init(aboveDepression: Bool, abovePotentiation: Bool) {
        self.init(rawValue: (aboveDepression ? 1 : 0) | (abovePotentiation ? 2 : 0))!
    }

    /// H(c − θ_d)
    @inlinable public var depression: Double { rawValue & 1 != 0 ? 1 : 0 }
    /// H(c − θ_p)
    @inlinable public var potentiation: Double { rawValue & 2 != 0 ? 1 : 0 }
}

/// A stretch of time (ms) during which the gating is constant.
public struct GatingSegment: Sendable, Equatable, Codable {
    public var durationMs: Double
    public var gating: Gating

    public init(durationMs: Double, gating: Gating) {
        self.durationMs = durationMs
        self.gating = gating
    }
}

/// Spine calcium between jumps (docs/MODEL.md §1): dc/dt = −c/τ_Ca, solved exactly,
/// c(t) = c₀ e^{−t/τ_Ca}. The time calcium spends above a threshold θ after
/// starting at c₀ > θ is τ_Ca ln(c₀/θ), so an interval between two jumps
/// splits into at most three segments of constant gating, found in closed form.
public struct CalciumDynamics: Sendable {
    public let tauMs: Double
    public let thetaDepression: Double
    public let thetaPotentiation: Double

    public init(_ parameters: PlasticityParameters) {
        tauMs = parameters.tauCalciumMs
        thetaDepression = parameters.thetaDepression
        thetaPotentiation = parameters.thetaPotentiation
    }

    /// c(t) after `durationMs` of free decay from `calcium`.
    @inlinable public func decayed(_ calcium: Double, afterMs durationMs: Double) -> Double {
        calcium * exp(-durationMs / tauMs)
    }

    /// Time (ms) until calcium decaying from `calcium` falls to `threshold`
    /// (0 if it is not above it).
    @inlinable public func timeAbove(_ threshold: Double, from calcium: Double) -> Double {
        calcium > threshold ? tauMs * log(calcium / threshold) : 0
    }

    /// The segments of constant gating while calcium decays from `calcium`
    /// for `durationMs`, in time order, empty ones left out (at most three).
    public func segments(from calcium: Double, durationMs: Double) -> [GatingSegment] {
        var trace = GatingTrace(thetaDepression: thetaDepression, thetaPotentiation: thetaPotentiation)
        trace.appendFreeDecay(self, from: calcium, durationMs: durationMs)
        return trace.segments
    }

    /// The gating segments of calcium that starts at 0 at `startMs`, jumps by
    /// `jumps` (time order, times ≥ start), and decays freely in between:
    /// until `endMs`, or (nil) until it has fallen below both thresholds after
    /// the last jump. Neighbouring segments of equal gating are joined.
    public func segments(jumps: [(timeMs: Double, amplitude: Double)], from startMs: Double, to endMs: Double?) -> [GatingSegment] {
        var trace = GatingTrace(thetaDepression: thetaDepression, thetaPotentiation: thetaPotentiation)
        var level = 0.0
        var time = startMs
        for (index, jump) in jumps.enumerated() {
            trace.appendFreeDecay(self, from: level, durationMs: jump.timeMs - time)
            level = decayed(level, afterMs: jump.timeMs - time) + jump.amplitude
            time = jump.timeMs
            if index + 1 == jumps.count {
                let tail = endMs.map { $0 - time } ?? max(timeAbove(thetaDepression, from: level), timeAbove(thetaPotentiation, from: level))
                trace.appendFreeDecay(self, from: level, durationMs: tail)
                return trace.segments
            }
        }
        if let endMs { trace.appendFreeDecay(self, from: level, durationMs: endMs - time) }
        return trace.segments
    }
}
