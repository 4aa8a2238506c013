import Foundation
import GSL

/// How a window computes the calcium spines receive through their necks
/// (docs/MODEL.md §2a).
public enum ExchangeMethod: String, Sendable, CaseIterable {
    /// The shaft grid stepped through the whole window (the reference).
    case grid
    /// The grid's response kernels, summed only at the grid times where the
    /// received calcium can change a gating (`ExchangeKernels`).
    case events
}

/// Parameters of dendritic calcium diffusion (docs/MODEL.md §2).
public struct DiffusionParameters: Sendable, Equatable {
    /// Whether spines exchange calcium with the dendrite at all. Off: every
    /// spine is isolated (J_neck = 0) and the event-driven engine applies.
    public var enabled: Bool
    /// D (µm²/ms), buffered calcium.
    public var diffusionUm2PerMs: Double
    /// r_d (µm); A_d = π r_d².
    public var dendriteRadiusUm: Double
    /// τ_dend (ms), clearance of dendritic calcium (∞: none).
    public var tauDendriteMs: Double
    /// τ_neck (ms), spine–dendrite exchange through the neck (∞: none).
    public var tauNeckMs: Double
    /// Δx of the dendrite grid (µm). The neighbour's peak calcium is
    /// resolved to 0.5 % at 0.5 µm (1.5 % at 1 µm), against a 0.125 µm grid.
    public var gridSpacingUm: Double
    /// Δt of the grid (ms). Each spine's own calcium is exact between grid
    /// times, so Δt matters little: 4 ms adds 0.2 % to the neighbour's peak.
    public var timeStepMs: Double
    /// How the received calcium is computed; both give the grid's values
    /// (events: to the kernel tolerance).
    public var method: ExchangeMethod
    /// ε of `ExchangeKernels`: a jump's response is dropped where it is below ε of its peak.
    public var kernelTolerance: Double

    public init(enabled: Bool = true, diffusionUm2PerMs: Double = 0.22, dendriteRadiusUm: Double = 0.5,
                tauDendriteMs: Double = 50, tauNeckMs: Double = 50, gridSpacingUm: Double = 0.5, timeStepMs: Double = 4,
                method: ExchangeMethod = .grid, kernelTolerance: Double = 1e-6) {
        self.method = method
        self.kernelTolerance = kernelTolerance
        self.enabled = enabled
        self.diffusionUm2PerMs = diffusionUm2PerMs
        self.dendriteRadiusUm = dendriteRadiusUm
        self.tauDendriteMs = tauDendriteMs
        self.tauNeckMs = tauNeckMs
        self.gridSpacingUm = gridSpacingUm
        self.timeStepMs = timeStepMs
    }

    /// A_d (µm²).
    public var crossSectionUm2: Double { Double.pi * dendriteRadiusUm * dendriteRadiusUm }
}

/// Calcium of one dendrite's shaft and the part of its spines' calcium that
/// came through their necks (docs/MODEL.md §2):
///
///     ∂u/∂t = D ∂²u/∂x² − u/τ_dend + Σ_i (V_i/A_d)(c_i − u(x_i))/τ_neck δ(x − x_i)
///     dc_i/dt = −c_i/τ_Ca − (c_i − u(x_i))/τ_neck + inputs
///
/// **Split.** The system is linear, so c_i = c_own,i + c_ex,i exactly:
/// c_own,i carries the spine's own inputs (jumps at the exact spike times,
/// decaying at a_i = 1/τ_Ca + 1/τ_neck,i, integrated exactly by the caller);
/// c_ex,i is what the spine receives from the shaft
/// (dc_ex/dt = −a_i c_ex + u(x_i)/τ_neck,i). This grid advances u and c_ex;
/// c_own enters the shaft as a source through its exact average over each step.
///
/// **Discretisation.** Finite volumes of width Δx with sealed ends (no flux),
/// spines coupled to the two nearest cell centres with linear (hat) weights,
/// Crank–Nicolson in time. Eliminating c_ex from the implicit step leaves a
/// symmetric positive-definite tridiagonal system for u, factorised once by
/// GSL (banded Cholesky) and solved every step: unconditionally stable, second
/// order in Δt and Δx, and it conserves Σ V_i c_i + Σ A_d Δx u_k exactly
/// (to rounding) when τ_Ca, τ_dend → ∞.
public final class DendriticCalcium {
    public let parameters: DiffusionParameters
    public let cellCount: Int
    public let spineCount: Int
    /// Shaft calcium u per cell.
    public let shaft: UnsafeMutableBufferPointer<Double>
    /// c_ex per spine.
    public let exchange: UnsafeMutableBufferPointer<Double>
    /// a_i = 1/τ_Ca + 1/τ_neck,i: decay of a spine's own calcium (1/ms).
    public let ownDecayRate: [Double]
    /// V_i (µm³).
    public let spineVolumes: [Double]

    // Per spine (contiguous buffers, read through local pointers in `step`):
    // left cell, weight of the right cell, g_i = V_i/(A_d Δx τ_neck,i), and
    // the Crank–Nicolson coefficients of c_ex: c_ex' = α c_ex + q (w·u + w·u').
    private let leftCell: UnsafeMutableBufferPointer<Int>
    private let rightWeight: UnsafeMutableBufferPointer<Double>
    private let coupling: UnsafeMutableBufferPointer<Double>
    private let alpha: UnsafeMutableBufferPointer<Double>
    private let q: UnsafeMutableBufferPointer<Double>
    private let laplacianRate: Double     // D/Δx² (1/ms)
    private let clearanceRate: Double     // 1/τ_dend (1/ms)
    private let factor: SymmetricTridiagonalFactor
    private let rhs: UnsafeMutableBufferPointer<Double>
    private let spineShaft: UnsafeMutableBufferPointer<Double>   // w·u^n per spine (scratch)

    /// - Parameters:
    ///   - spinePositionsUm: x_i along the dendrite.
    ///   - spineVolumesUm3: V_i.
    ///   - neckCoupling: per-spine factor on 1/τ_neck (1: default, 0: sealed neck).
    public init(lengthUm: Double, parameters: DiffusionParameters, tauCalciumMs: Double,
                spinePositionsUm: [Double], spineVolumesUm3: [Double], neckCoupling: [Double]? = nil) throws {
        precondition(spinePositionsUm.count == spineVolumesUm3.count)
        self.parameters = parameters
        let dx = parameters.gridSpacingUm, h = parameters.timeStepMs
        let cells = DendriticCalcium.cellCount(lengthUm: lengthUm, gridSpacingUm: dx)
        cellCount = cells
        spineCount = spinePositionsUm.count
        spineVolumes = spineVolumesUm3
        shaft = .allocate(capacity: cells)
        shaft.initialize(repeating: 0)
        exchange = .allocate(capacity: spineCount)
        exchange.initialize(repeating: 0)
        rhs = .allocate(capacity: cells)
        rhs.initialize(repeating: 0)
        spineShaft = .allocate(capacity: spineCount)
        spineShaft.initialize(repeating: 0)

        let cellDx = lengthUm / Double(cells)
        let diffusionRate = parameters.diffusionUm2PerMs / (cellDx * cellDx)
        let clearance = parameters.tauDendriteMs.isFinite ? 1 / parameters.tauDendriteMs : 0
        laplacianRate = diffusionRate
        clearanceRate = clearance
        let neckRate = parameters.tauNeckMs.isFinite ? 1 / parameters.tauNeckMs : 0
        let ownRate = tauCalciumMs.isFinite ? 1 / tauCalciumMs : 0
        let cellVolume = parameters.crossSectionUm2 * cellDx

        var left = [Int](), right = [Double](), g = [Double](), a = [Double](), alphas = [Double](), qs = [Double]()
        // Matrix M = I + (h/2)(D/Δx²)(−Laplacian) + (h/2)/τ_dend + Σ (h/2) g (1 − q) w wᵀ.
        let r = 0.5 * h * diffusionRate
        var diagonal = (0..<cells).map { k in 1 + 0.5 * h * clearance + r * Double(k == 0 || k == cells - 1 ? 1 : 2) }
        var sub = [Double](repeating: -r, count: cells - 1)
        for i in 0..<spineCount {
            let position = min(max(spinePositionsUm[i] / cellDx - 0.5, 0), Double(cells - 1))
            let k = min(Int(position), cells - 2)
            let f = position - Double(k)
            let b = neckRate * (neckCoupling?[i] ?? 1)
            let decay = ownRate + b
            let gi = spineVolumesUm3[i] * b / cellVolume
            let qi = 0.5 * h * b / (1 + 0.5 * h * decay)
            left.append(k); right.append(f); g.append(gi); a.append(decay)
            alphas.append((1 - 0.5 * h * decay) / (1 + 0.5 * h * decay)); qs.append(qi)
            let s = 0.5 * h * gi * (1 - qi)
            diagonal[k] += s * (1 - f) * (1 - f)
            diagonal[k + 1] += s * f * f
            sub[k] += s * (1 - f) * f
        }
        func buffer<T>(_ values: [T]) -> UnsafeMutableBufferPointer<T> {
            let b = UnsafeMutableBufferPointer<T>.allocate(capacity: max(values.count, 1))
            _ = b.initialize(from: values)
            return b
        }
        leftCell = buffer(left); rightWeight = buffer(right); coupling = buffer(g); alpha = buffer(alphas); q = buffer(qs)
        ownDecayRate = a
        factor = try SymmetricTridiagonalFactor(diagonal: diagonal, subdiagonal: sub)
    }

    deinit {
        shaft.deallocate(); exchange.deallocate(); rhs.deallocate(); spineShaft.deallocate()
        leftCell.deallocate(); rightWeight.deallocate(); coupling.deallocate(); alpha.deallocate(); q.deallocate()
    }

    /// Empties the shaft and the exchange pools (the grid at rest).
    public func reset() {
        shaft.update(repeating: 0)
        exchange.update(repeating: 0)
    }

    /// The number of cells of a dendrite: its length in whole cells of about Δx, at least 2.
    public static func cellCount(lengthUm: Double, gridSpacingUm: Double) -> Int {
        max(2, Int((lengthUm / gridSpacingUm).rounded()))
    }

    /// Cell width actually used (the length divided into whole cells).
    public func cellWidth(lengthUm: Double) -> Double { lengthUm / Double(cellCount) }

    /// Advances u and c_ex by one time step. `ownAverage[i]` is the average
    /// of spine i's own calcium c_own,i over the step (exact, from the caller).
    public func step(ownAverage: UnsafePointer<Double>) {
        assembleStep(ownAverage: ownAverage)
        factor.solveInPlace(rhs.baseAddress!)
        finishStep()
    }

    /// Advances two dendrites by one time step each, their tridiagonal solves
    /// interleaved: the same bits as `first.step(…)` then `second.step(…)`,
    /// in little more than the time of one solve.
    public static func step(_ first: DendriticCalcium, ownAverage firstAverage: UnsafePointer<Double>,
                            together second: DendriticCalcium, ownAverage secondAverage: UnsafePointer<Double>) {
        first.assembleStep(ownAverage: firstAverage)
        second.assembleStep(ownAverage: secondAverage)
        SymmetricTridiagonalFactor.solveInPlace(first.factor, first.rhs.baseAddress!, together: second.factor, second.rhs.baseAddress!)
        first.finishStep()
        second.finishStep()
    }

    /// The right-hand side of the step's tridiagonal system for u^{n+1}.
    private func assembleStep(ownAverage: UnsafePointer<Double>) {
        let h = parameters.timeStepMs
        let n = cellCount
        let u = shaft.baseAddress!, cEx = exchange.baseAddress!, b = rhs.baseAddress!, uAt = spineShaft.baseAddress!
        let leftCell = leftCell.baseAddress!, rightWeight = rightWeight.baseAddress!, coupling = coupling.baseAddress!
        let alpha = alpha.baseAddress!, q = q.baseAddress!
        let spineCount = spineCount
        // Explicit half of the shaft equation.
        let r = 0.5 * h * laplacianRate
        let keep = 1 - 0.5 * h * clearanceRate
        b[0] = u[0] * keep + r * (u[1] - u[0])
        for k in 1..<(n - 1) { b[k] = u[k] * keep + r * (u[k - 1] - 2 * u[k] + u[k + 1]) }
        b[n - 1] = u[n - 1] * keep + r * (u[n - 2] - u[n - 1])
        // Spines: explicit exchange, the own source, and the eliminated c_ex'.
        for i in 0..<spineCount {
            let k = leftCell[i], f = rightWeight[i], g = coupling[i]
            let shaftHere = (1 - f) * u[k] + f * u[k + 1]
            uAt[i] = shaftHere
            let p = alpha[i] * cEx[i] + q[i] * shaftHere          // c_ex' = p + q·(w·u')
            let source = 0.5 * h * g * (cEx[i] - shaftHere) + h * g * ownAverage[i] + 0.5 * h * g * p
            b[k] += (1 - f) * source
            b[k + 1] += f * source
        }
    }

    /// u^{n+1} from the solved system, then c_ex^{n+1}.
    private func finishStep() {
        let n = cellCount
        let u = shaft.baseAddress!, cEx = exchange.baseAddress!, b = rhs.baseAddress!, uAt = spineShaft.baseAddress!
        let leftCell = leftCell.baseAddress!, rightWeight = rightWeight.baseAddress!
        let alpha = alpha.baseAddress!, q = q.baseAddress!
        for k in 0..<n { u[k] = b[k] }
        for i in 0..<spineCount {
            let k = leftCell[i], f = rightWeight[i]
            cEx[i] = alpha[i] * cEx[i] + q[i] * (uAt[i] + (1 - f) * u[k] + f * u[k + 1])
        }
    }

    /// Total calcium Σ V_i c_ex,i + Σ A_d Δx u_k (add the spines' own calcium
    /// Σ V_i c_own,i for the whole amount).
    public func gridAmount(lengthUm: Double) -> Double {
        var total = 0.0
        let cellVolume = parameters.crossSectionUm2 * cellWidth(lengthUm: lengthUm)
        for k in 0..<cellCount { total += cellVolume * shaft[k] }
        for i in 0..<spineCount { total += spineVolumes[i] * exchange[i] }
        return total
    }
}
