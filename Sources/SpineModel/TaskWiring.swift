import Foundation
import GSL

/// Which spines carry the axons of a task ensemble (docs/MODEL.md §4): a
/// property of the wiring, the same in the learning and the no-task regime.
/// With correlation length ℓ > 0 the task inputs are clustered: on each
/// dendrite the ensemble has its own stationary Gaussian random field f(x)
/// (mean 0, variance 1, correlation exp(−d²/(2ℓ²))), and the axon at x belongs
/// to the ensemble iff f(x) > z = Φ⁻¹(1 − f_task), so that a fraction f_task
/// of the dendrite carries task axons. ℓ = 0 is independent placement (each
/// spine with probability f_task).
public struct TaskWiring: Sendable, Equatable {
    /// ℓ (µm); 0: independent placement.
    public var correlationLengthUm: Double
    /// f_task, the fraction of axons in the ensemble.
    public var taskFraction: Double

    public init(correlationLengthUm: Double, taskFraction: Double) {
        self.correlationLengthUm = correlationLengthUm
        self.taskFraction = taskFraction
    }

    public var isClustered: Bool { correlationLengthUm > 0 }

    /// z = Φ⁻¹(1 − f_task) (+∞ at f_task = 0, −∞ at f_task = 1).
    public var threshold: Double { CDF.standardNormalUpperQuantile(taskFraction) }

    /// One ensemble's field on a dendrite of `lengthUm` (ℓ > 0), its
    /// white-noise weights drawn from `random` in grid order.
    public func field(lengthUm: Double, random: RandomHandle) -> TaskField {
        precondition(isClustered, "independent placement has no field")
        var weights = [Double](repeating: 0, count: TaskField.nodeCount(lengthUm: lengthUm, correlationLengthUm: correlationLengthUm))
        weights.withUnsafeMutableBufferPointer { random.fillGaussian($0) }
        return TaskField(correlationLengthUm: correlationLengthUm, threshold: threshold, weights: weights)
    }
}

/// One task ensemble's Gaussian random field along one dendrite
/// (docs/MODEL.md §4), evaluable at any position 0 ≤ x ≤ L (initial and new
/// spines alike):
///
///     f(x) = Σ_k w_k φ(x − y_k) / √(Σ_k φ(x − y_k)²),   φ(u) = exp(−u²/ℓ²)
///
/// with w_k ~ N(0, 1) on the grid y_k = −R + k h, h = ℓ/8, extending
/// R = 5ℓ beyond both ends, and the sums over the nodes within R of x.
/// φ is a Gaussian of sd ℓ/√2, so the convolution of white noise with it has
/// correlation exp(−d²/(2ℓ²)). The normalisation is computed from the grid
/// at every x, so Var f(x) = 1 exactly for the discrete sum. Covariance error
/// against exp(−d²/(2ℓ²)), at every lag d: the lattice sum of the Gaussian
/// product (sd ℓ/2) differs from its integral by a relative
/// 2 exp(−π²ℓ²/(2h²)) = 2e^{−32π²} (< 1e−130), and the window drops its tails
/// beyond R − d/2 from their centre, an absolute error below
/// max_u e^{−u²/2}·2Q(2R/ℓ − u) = 2.2e−12 (u = d/ℓ); in all below 1e−11.
public struct TaskField: Sendable, Equatable {
    /// ℓ (µm).
    public let correlationLengthUm: Double
    /// z: the axon at x is task-related iff f(x) > z.
    public let threshold: Double
    /// w_k, one per grid node.
    public let weights: [Double]

    /// h/ℓ and R/ℓ.
    public static let spacingPerLength = 1.0 / 8, windowPerLength = 5.0

    /// The number of grid nodes for a dendrite of `lengthUm` (ℓ > 0).
    public static func nodeCount(lengthUm: Double, correlationLengthUm: Double) -> Int {
        Int(((lengthUm + 2 * windowPerLength * correlationLengthUm) / (spacingPerLength * correlationLengthUm)).rounded(.up)) + 1
    }

    public init(correlationLengthUm: Double, threshold: Double, weights: [Double]) {
        self.correlationLengthUm = correlationLengthUm
        self.threshold = threshold
        self.weights = weights
    }

    /// f(x), x in µm along the dendrite.
    @inlinable
    public func value(atUm x: Double) -> Double {
        let l = correlationLengthUm
        let h = TaskField.spacingPerLength * l, window = TaskField.windowPerLength * l
        let first = -window
        let low = max(0, Int(((x - window - first) / h).rounded(.up)))
        let high = min(weights.count - 1, Int(((x + window - first) / h).rounded(.down)))
        guard low <= high else { return 0 }
        let inverseSquare = 1 / (l * l)
        var sum = 0.0, norm = 0.0
        weights.withUnsafeBufferPointer { w in
            for k in low...high {
                let u = x - (first + Double(k) * h)
                let phi = exp(-u * u * inverseSquare)
                sum += w[k] * phi
                norm += phi * phi
            }
        }
        return sum / norm.squareRoot()
    }

    /// Whether the axon at x (µm) belongs to this ensemble: f(x) > z.
    @inlinable
    public func isTaskRelated(atUm x: Double) -> Bool { value(atUm: x) > threshold }
}
