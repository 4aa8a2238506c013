import Foundation

/// The parameters of a messenger that diffuses and decays along the
/// dendrite (docs/MODEL.md §2c–2d).
public protocol MessengerParameters {
    /// D (µm²/ms).
    var diffusionUm2PerMs: Double { get }
    /// τ (ms).
    var tauMs: Double { get }
}

extension MessengerParameters {
    /// λ = √(D τ) (µm).
    public var lengthConstantUm: Double { (diffusionUm2PerMs * tauMs).squareRoot() }

    /// The messenger's field on a dendrite (release width: the dendrite's radius).
    public func field(lengthUm: Double, dendriteRadiusUm: Double) -> SealedCableField {
        SealedCableField(lengthUm: lengthUm, diffusionUm2PerMs: diffusionUm2PerMs, tauMs: tauMs, sourceWidthUm: dendriteRadiusUm)
    }
}

/// A messenger that diffuses and decays along a dendrite with sealed ends,
/// released in point-like amounts (docs/MODEL.md §2c–2d):
///
///     ∂f/∂t = D ∂²f/∂x² − f/τ + Σ_k Q_k δ_σ₀(x − x_k) δ(t − t_k),   ∂f/∂x = 0 at 0 and L.
///
/// A release enters the dendrite spread over its cross-section: a Gaussian of
/// width σ₀ (the dendrite radius), which removes the 1/√t singularity of a
/// mathematical point on a line without changing the field beyond a few σ₀.
///
/// **Exact modal form.** The sealed cable's eigenfunctions are cos(k_m x),
/// k_m = mπ/L, each decaying at λ_m = 1/τ + D k_m². A Gaussian release of Q at
/// x₀ (with all its images in the sealed ends) has the coefficients
/// a₀ = Q/L, a_m = (2Q/L) cos(k_m x₀) e^{−k_m²σ₀²/2}, and each decays exactly
/// by e^{−λ_m t}. The field is the Green's function itself, not a grid:
/// releases enter at their exact times and the field is exact at any time,
/// up to the truncation of the series after M modes, bounded by
/// `truncationBound` (every mode beyond M is smaller than e^{−k_M²σ₀²/2}).
///
/// Cost: M operations per release and M per spine per read-out.
public struct SealedCableField: Sendable {
    public let lengthUm: Double
    public let diffusionUm2PerMs: Double
    public let tauMs: Double
    public let sourceWidthUm: Double
    /// Number of modes M.
    public let modeCount: Int
    /// Coefficients a_m at `timeMs` (then zeros up to `paddedModeCount`).
    public private(set) var amplitudes: [Double]
    /// The time the amplitudes refer to (ms).
    public private(set) var timeMs: Double = 0
    /// Whether anything was ever released (a field that is zero reads zero for free).
    public private(set) var isZero = true

    /// The largest absolute truncation error of a read-out of the field of
    /// one release of unit amount, relative to its peak at release,
    /// Q/(σ₀√(2π)), below which modes are kept.
    public static let relativeTolerance = 1e-9

    public init(lengthUm: Double, diffusionUm2PerMs: Double, tauMs: Double, sourceWidthUm: Double) {
        precondition(lengthUm > 0 && diffusionUm2PerMs > 0 && tauMs > 0 && sourceWidthUm > 0)
        self.lengthUm = lengthUm
        self.diffusionUm2PerMs = diffusionUm2PerMs
        self.tauMs = tauMs
        self.sourceWidthUm = sourceWidthUm
        // Keep m while (2/L) Σ_{m' ≥ m} e^{−c m'²} > tol · 1/(σ₀√(2π)), c = (π σ₀/L)²/2.
        let c = 0.5 * pow(Double.pi * sourceWidthUm / lengthUm, 2)
        let target = SealedCableField.relativeTolerance * lengthUm / (2 * sourceWidthUm * (2 * Double.pi).squareRoot())
        var m = 1
        while SealedCableField.tail(from: m, c: c) > target && m < 1_000_000 { m += 1 }
        modeCount = m
        amplitudes = Array(repeating: 0, count: (m + 7) / 8 * 8)     // padded with zeros for SIMD read-outs
    }

    /// Σ_{m' ≥ m} e^{−c m'²} ≤ e^{−c m²} / (1 − e^{−c(2m+1)}).
    static func tail(from m: Int, c: Double) -> Double {
        let first = exp(-c * Double(m * m))
        return first / -expm1(-c * Double(2 * m + 1))
    }

    /// The bound on |read-out error| per unit of total amount released:
    /// (2/L) Σ_{m ≥ M} e^{−k_m²σ₀²/2}.
    public var truncationBound: Double {
        2 / lengthUm * SealedCableField.tail(from: modeCount, c: 0.5 * pow(Double.pi * sourceWidthUm / lengthUm, 2))
    }

    /// Decays the amplitudes to `time` (≥ the current time): a_m ← a_m e^{−λ_m Δt}.
    public mutating func advance(to time: Double) {
        let dt = time - timeMs
        precondition(dt >= 0, "the messenger field cannot go back in time")
        timeMs = time
        guard dt > 0, !isZero else { return }
        // e^{−D k_m² Δt} = q^{m²} with q = e^{−D(π/L)²Δt}, by the recurrence
        // q^{(m+1)²} = q^{m²} q^{2m+1}; one exp for all modes.
        let clearance = exp(-dt / tauMs)
        let q = exp(-diffusionUm2PerMs * pow(Double.pi / lengthUm, 2) * dt)
        let q2 = q * q
        var square = 1.0, odd = q       // q^{m²}, q^{2m+1}
        amplitudes.withUnsafeMutableBufferPointer { a in
            for m in 0..<modeCount {
                a[m] *= clearance * square
                square *= odd
                odd *= q2
                if square == 0 { for rest in (m + 1)..<modeCount { a[rest] = 0 }; break }
            }
        }
    }

    /// Releases `amount` at `positionUm` at time `time` (≥ the current time).
    public mutating func release(_ amount: Double, atUm positionUm: Double, time: Double) {
        advance(to: time)
        guard amount != 0 else { return }
        isZero = false
        // cos(k_m x₀) by the Chebyshev recurrence; the source's Gaussian
        // factor e^{−k_m²σ₀²/2} = g^{m²} by the same recurrence as the decay.
        let angle = Double.pi * positionUm / lengthUm
        let twoCos = 2 * cos(angle)
        let g = exp(-0.5 * pow(Double.pi * sourceWidthUm / lengthUm, 2))
        let g2 = g * g
        var square = 1.0, odd = g
        var previous = cos(angle), current = 1.0     // cos(−θ), cos(0)
        let scale = 2 * amount / lengthUm
        amplitudes.withUnsafeMutableBufferPointer { a in
            a[0] += amount / lengthUm
            for m in 1..<modeCount {
                let next = twoCos * current - previous
                previous = current
                current = next
                square *= odd
                odd *= g2
                a[m] += scale * current * square
            }
        }
    }

    /// Rows of mode shapes are padded to a multiple of 8 modes (zeros), so
    /// that a read-out runs on SIMD lanes.
    public var paddedModeCount: Int { (modeCount + 7) / 8 * 8 }

    /// The modes' shapes at the given positions:
    /// `shapes[i * paddedModeCount + m] = cos(k_m x_i)` (0 beyond M).
    public func modeShapes(atUm positions: [Double]) -> [Double] {
        let stride = paddedModeCount
        var shapes = [Double](repeating: 0, count: positions.count * stride)
        for (i, x) in positions.enumerated() {
            let angle = Double.pi * x / lengthUm
            for m in 0..<modeCount { shapes[i * stride + m] = cos(Double(m) * angle) }
        }
        return shapes
    }

    /// The field at the current time at the positions whose mode shapes
    /// (`modeShapes`) are given: one dot product per position, on 8 lanes.
    public func read(shapes: UnsafePointer<Double>, count: Int, into values: UnsafeMutablePointer<Double>) {
        amplitudes.withUnsafeBufferPointer { a in
            SealedCableField.dots(a.baseAddress!, shapes: shapes, stride: paddedModeCount, rows: nil, count: count,
                                  modes: paddedModeCount, into: values)
        }
    }

    /// Σ_{m < modes} a_m · shape_m on 8 lanes (`modes` a multiple of 8): the
    /// read-out of one position, the same bits whichever call makes it.
    public static func dot(_ amplitudes: UnsafePointer<Double>, _ shape: UnsafePointer<Double>, modes: Int) -> Double {
        let a = UnsafeRawPointer(amplitudes), row = UnsafeRawPointer(shape)
        var sum = SIMD8<Double>()
        for b in 0..<(modes / 8) {
            let offset = b * 8 * MemoryLayout<Double>.stride
            sum += a.loadUnaligned(fromByteOffset: offset, as: SIMD8<Double>.self)
                * row.loadUnaligned(fromByteOffset: offset, as: SIMD8<Double>.self)
        }
        return sum.sum()
    }

    /// `dot` at several positions: `values[j]` is the dot with the row
    /// `rows[j]` of `shapes` (row j where `rows` is nil), each the same bits
    /// as `dot`. Two rows at a time: the amplitudes are loaded once for both,
    /// and their two sums, each a chain of dependent additions, run side by
    /// side (two, so that the sums stay in registers on 128-bit vectors).
    public static func dots(_ amplitudes: UnsafePointer<Double>, shapes: UnsafePointer<Double>, stride: Int, rows: UnsafePointer<Int>?,
                            count: Int, modes: Int, into values: UnsafeMutablePointer<Double>) {
        let a = UnsafeRawPointer(amplitudes), size = MemoryLayout<Double>.stride
        func row(_ j: Int) -> UnsafePointer<Double> { shapes + (rows?[j] ?? j) * stride }
        var j = 0
        while j + 2 <= count {
            let r0 = UnsafeRawPointer(row(j)), r1 = UnsafeRawPointer(row(j + 1))
            var s0 = SIMD8<Double>(), s1 = SIMD8<Double>()
            for b in 0..<(modes / 8) {
                let offset = b * 8 * size
                let v = a.loadUnaligned(fromByteOffset: offset, as: SIMD8<Double>.self)
                s0 += v * r0.loadUnaligned(fromByteOffset: offset, as: SIMD8<Double>.self)
                s1 += v * r1.loadUnaligned(fromByteOffset: offset, as: SIMD8<Double>.self)
            }
            (values[j], values[j + 1]) = (s0.sum(), s1.sum())
            j += 2
        }
        while j < count {
            values[j] = dot(amplitudes, row(j), modes: modes)
            j += 1
        }
    }

    /// How much each bound from the first modes neglects:
    /// `tails[b] = Σ_{m ≥ 8b} |a_m|` for b = 0 … paddedModeCount/8 (the last
    /// is 0), one pass from the last block of 8 modes down, each block on 8 lanes.
    /// `tails` holds paddedModeCount/8 + 1 values.
    public func absoluteTails(into tails: UnsafeMutablePointer<Double>) {
        let blocks = paddedModeCount / 8
        amplitudes.withUnsafeBufferPointer { a in
            let raw = UnsafeRawPointer(a.baseAddress!)
            tails[blocks] = 0
            for b in stride(from: blocks - 1, through: 0, by: -1) {
                let block = raw.loadUnaligned(fromByteOffset: b * 8 * MemoryLayout<Double>.stride, as: SIMD8<Double>.self)
                let magnitude = unsafeBitCast(unsafeBitCast(block, to: SIMD8<UInt64>.self) & 0x7FFF_FFFF_FFFF_FFFF, to: SIMD8<Double>.self)
                let halves = magnitude.lowHalf + magnitude.highHalf, quarters = halves.lowHalf + halves.highHalf
                tails[b] = tails[b + 1] + (quarters.x + quarters.y)
            }
        }
    }

    /// The fewest modes (a multiple of 8) whose neglected rest `tails[modes/8]`
    /// (`absoluteTails`) is at most `allowance`; nil if dropping even the last
    /// block of 8 leaves more.
    public func modesLeaving(atMost allowance: Double, tails: UnsafePointer<Double>) -> Int? {
        let blocks = paddedModeCount / 8
        for b in 1..<max(1, blocks) where tails[b] <= allowance { return 8 * b }
        return nil
    }

    /// Lower bounds of the read-out at the positions of `rows` (indices into
    /// `shapes`) from the first `modes` modes only (a multiple of 8):
    /// since |cos| ≤ 1, `read` ≥ Σ_{m < modes} a_m cos(k_m x) − Σ_{m ≥ modes} |a_m|
    /// at every x, the rest taken from `tails` (`absoluteTails`). A relative
    /// allowance of 1e-12 of Σ|a_m| covers the rounding of the sums (at most
    /// about M·2⁻⁵³ of it; docs/MODEL.md §2c, lazy read-out).
    public func lowerBounds(shapes: UnsafePointer<Double>, modes: Int, tails: UnsafePointer<Double>, rows: UnsafePointer<Int>,
                            count: Int, into values: UnsafeMutablePointer<Double>) {
        precondition(modes % 8 == 0 && modes <= paddedModeCount)
        let stride = paddedModeCount
        let allowance = tails[modes / 8] + 1e-12 * tails[0]
        amplitudes.withUnsafeBufferPointer { a in
            SealedCableField.dots(a.baseAddress!, shapes: shapes, stride: stride, rows: rows, count: count, modes: modes, into: values)
        }
        for j in 0..<count { values[j] -= allowance }
    }

    /// The amplitudes a_m (padded with zeros), for a read-out at this time later on.
    public func copyAmplitudes(into buffer: UnsafeMutablePointer<Double>) {
        amplitudes.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: $0.count) }
    }

    /// The field at the current time at one position.
    public func value(atUm x: Double) -> Double {
        let angle = Double.pi * x / lengthUm
        var sum = 0.0
        for m in 0..<modeCount { sum += amplitudes[m] * cos(Double(m) * angle) }
        return sum
    }

    /// The closed-form field of one release (the reference of the tests and
    /// of single-release protocols): the Gaussian of variance σ₀² + 2Dt with
    /// its images in both sealed ends, decayed by e^{−t/τ}.
    public static func greensFunction(amount: Double, fromUm x0: Double, toUm x: Double, afterMs t: Double,
                                      lengthUm: Double, diffusionUm2PerMs: Double, tauMs: Double, sourceWidthUm: Double) -> Double {
        let variance = sourceWidthUm * sourceWidthUm + 2 * diffusionUm2PerMs * t
        let norm = amount / (2 * Double.pi * variance).squareRoot() * exp(-t / tauMs)
        let reach = 12 * variance.squareRoot()
        func term(_ source: Double) -> Double {
            abs(x - source) < reach ? exp(-(x - source) * (x - source) / (2 * variance)) : 0
        }
        var sum = term(x0) + term(-x0)
        var n = 1
        while Double(2 * n - 1) * lengthUm <= reach + lengthUm {
            let shift = Double(2 * n) * lengthUm
            sum += term(x0 + shift) + term(-x0 + shift) + term(x0 - shift) + term(-x0 - shift)
            n += 1
        }
        return norm * sum
    }
}
