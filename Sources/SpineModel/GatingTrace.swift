import Foundation

/// Turns a spine's calcium trace into segments of constant gating (which
/// thresholds calcium is above), with the crossing times found exactly.
///
/// The trace is given piece by piece: on a piece of length Δ,
///
///     c(τ) = C e^{−aτ} + e₀ + (e₁ − e₀) τ/Δ,   0 ≤ τ ≤ Δ,
///
/// the spine's own calcium (decaying exponentially since its last jump)
/// plus the calcium it received through its neck (linear within a grid step).
/// c − θ is convex (C ≥ 0), so it crosses each threshold at most twice on a
/// piece: at most once on each side of its minimum. Crossings are found by a
/// safeguarded Newton iteration to 1e-12 ms. With no exchange part the
/// crossing is the closed form τ ln(C/θ) (`CalciumDynamics`), so isolated
/// spines get exactly the segments of the event-driven engine.
public struct GatingTrace {
    public let thetaDepression: Double
    /// θ_p of the pieces appended from now on (the cooperativity messenger
    /// lowers it, docs/MODEL.md §2d).
    public var thetaPotentiation: Double
    public private(set) var segments: [GatingSegment] = []

    public init(thetaDepression: Double, thetaPotentiation: Double) {
        self.thetaDepression = thetaDepression
        self.thetaPotentiation = thetaPotentiation
    }

    public init(_ parameters: PlasticityParameters) {
        self.init(thetaDepression: parameters.thetaDepression, thetaPotentiation: parameters.thetaPotentiation)
    }

    /// Appends `durationMs` of a known gating, joining it to the last segment if equal.
    public mutating func append(_ durationMs: Double, gating: Gating) {
        guard durationMs > 0 else { return }
        if let last = segments.last, last.gating == gating {
            segments[segments.count - 1].durationMs += durationMs
        } else {
            segments.append(GatingSegment(durationMs: durationMs, gating: gating))
        }
    }

    /// The segments appended so far, leaving the trace empty (for an
    /// integrator that consumes them as they come).
    public mutating func takeSegments() -> [GatingSegment] {
        defer { segments.removeAll(keepingCapacity: true) }
        return segments
    }

    /// Appends free decay from `calcium` (an isolated spine, closed-form crossings).
    /// Calcium above the upper threshold until τ_Ca ln(c/θ_upper), above the
    /// lower one until τ_Ca ln(c/θ_lower), below both after (at most three
    /// segments, no allocation).
    public mutating func appendFreeDecay(_ dynamics: CalciumDynamics, from calcium: Double, durationMs: Double) {
        let lowerIsDepression = dynamics.thetaDepression <= dynamics.thetaPotentiation
        let lower = lowerIsDepression ? dynamics.thetaDepression : dynamics.thetaPotentiation
        let upper = lowerIsDepression ? dynamics.thetaPotentiation : dynamics.thetaDepression
        let aboveUpperEnd = min(dynamics.timeAbove(upper, from: calcium), durationMs)
        let aboveLowerEnd = min(dynamics.timeAbove(lower, from: calcium), durationMs)
        append(aboveUpperEnd, gating: .both)
        append(aboveLowerEnd - aboveUpperEnd, gating: lowerIsDepression ? .depression : .potentiation)
        append(durationMs - aboveLowerEnd, gating: .none)
    }

    /// Appends one piece of trace (see the type's description); `decay` is
    /// e^{−aΔ}, computed once by the caller for the piece's end.
    public mutating func appendPiece(durationMs: Double, own c: Double, decayRate a: Double, decay: Double,
                                     exchangeStart e0: Double, exchangeEnd e1: Double) {
        guard durationMs > 0 else { return }
        // Below both thresholds at both ends: below throughout (convexity).
        let lowest = min(thetaDepression, thetaPotentiation)
        let endValue = c * decay + e1
        if c + e0 <= lowest && endValue <= lowest {
            append(durationMs, gating: .none)
            return
        }
        var cuts = Cuts(durationMs: durationMs)
        GatingTrace.crossings(durationMs: durationMs, own: c, decayRate: a, exchangeStart: e0, exchangeEnd: e1, level: thetaDepression, into: &cuts)
        GatingTrace.crossings(durationMs: durationMs, own: c, decayRate: a, exchangeStart: e0, exchangeEnd: e1, level: thetaPotentiation, into: &cuts)
        for index in 1..<cuts.count where cuts.times[index] > cuts.times[index - 1] {
            let start = cuts.times[index - 1], end = cuts.times[index]
            let middle = 0.5 * (start + end)
            let value = c * exp(-a * middle) + e0 + (e1 - e0) * middle / durationMs
            append(end - start, gating: Gating(aboveDepression: value > thetaDepression, abovePotentiation: value > thetaPotentiation))
        }
    }

    /// Appends the part [clock, t₁) of a grid step [t₀, t₁ = t₀ + h) (docs/MODEL.md §2a):
    /// the own calcium is `level` at `clock`, decays at a and jumps by
    /// `sizes[k]` at each `times[k]` < t₁ (k from `next` up to `end`); the
    /// received calcium is linear from e₀ at t₀ to e₁ at t₁. The step is cut
    /// into pieces at the jumps. On return `level` is the own calcium at t₁
    /// and `next` the first jump at or after t₁. `stepDecay` is e^{−ah}: a
    /// piece of length exactly h takes it instead of calling `exp` again.
    public mutating func appendStep(from clock: Double, stepStart t0: Double, stepMs h: Double, own level: inout Double, decayRate a: Double,
                                    stepDecay: Double, exchangeStart e0: Double, exchangeEnd e1: Double,
                                    jumpTimes times: UnsafePointer<Double>, jumpSizes sizes: UnsafePointer<Double>, next k: inout Int, end: Int) {
        let t1 = t0 + h
        var clock = clock
        while true {
            let stop = k < end && times[k] < t1 ? times[k] : t1
            let from = (clock - t0) / h, to = (stop - t0) / h
            let duration = stop - clock, decay = GatingTrace.decay(overMs: duration, rate: a, stepMs: h, stepDecay: stepDecay)
            appendPiece(durationMs: duration, own: level, decayRate: a, decay: decay,
                        exchangeStart: e0 + (e1 - e0) * from, exchangeEnd: e0 + (e1 - e0) * to)
            level *= decay
            clock = stop
            guard stop < t1 else { return }
            level += sizes[k]
            k += 1
        }
    }

    /// e^{−aΔ} over a piece of Δ ms of a grid step of h ms: the step's
    /// precomputed e^{−ah} when Δ is exactly h (the number `exp` would give),
    /// so that no caller computes it again.
    @inlinable public static func decay(overMs duration: Double, rate a: Double, stepMs h: Double, stepDecay: Double) -> Double {
        duration == h ? stepDecay : exp(-a * duration)
    }

    /// The cut times of a piece in ascending order: its two ends and at most
    /// two crossings of each threshold, held without allocation.
    struct Cuts {
        var times = SIMD8<Double>()
        var count = 2

        init(durationMs: Double) { times[1] = durationMs }

        mutating func insert(_ time: Double) {
            var index = count
            while index > 0 && times[index - 1] > time {
                times[index] = times[index - 1]
                index -= 1
            }
            times[index] = time
            count += 1
        }
    }

    /// Inserts the times in (0, Δ) at which the piece crosses `level` (at most two) into `cuts`.
    static func crossings(durationMs d: Double, own c: Double, decayRate a: Double,
                          exchangeStart e0: Double, exchangeEnd e1: Double, level theta: Double, into cuts: inout Cuts) {
        let slope = (e1 - e0) / d
        func f(_ t: Double) -> Double { c * exp(-a * t) + e0 + slope * t - theta }
        func df(_ t: Double) -> Double { -a * c * exp(-a * t) + slope }
        if slope == 0 && e0 == 0 {
            // Isolated spine: the closed form.
            guard c > theta, a > 0 else { return }
            let t = log(c / theta) / a
            if t < d { cuts.insert(t) }
            return
        }
        // The minimum of the convex f on [0, d].
        var tMin = d
        if c > 0 && a > 0 && slope > 0 {
            tMin = a * c > slope ? min(log(a * c / slope) / a, d) : 0
        } else if slope > 0 && (c == 0 || a == 0) {
            tMin = 0
        }
        let fMin = f(tMin)
        guard fMin < 0 else { return }
        if f(0) > 0 { cuts.insert(root(f, df, low: 0, high: tMin)) }       // falling through the level
        if f(d) > 0 { cuts.insert(root(f, df, low: tMin, high: d)) }       // rising through it
    }

    /// The root of a monotone f on [low, high] with a sign change: Newton's
    /// steps, falling back to bisection when a step leaves the bracket.
    static func root(_ f: (Double) -> Double, _ df: (Double) -> Double, low: Double, high: Double) -> Double {
        var lo = low, hi = high
        let increasing = f(hi) > f(lo)
        var t = 0.5 * (lo + hi)
        for _ in 0..<100 {
            let value = f(t)
            if (value > 0) == increasing { hi = t } else { lo = t }
            let slope = df(t)
            var next = slope != 0 ? t - value / slope : 0.5 * (lo + hi)
            if !(next > lo && next < hi) { next = 0.5 * (lo + hi) }
            if abs(next - t) < 1e-12 { return next }
            t = next
        }
        return t
    }
}
