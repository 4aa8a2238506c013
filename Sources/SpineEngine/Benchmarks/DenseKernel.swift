import Foundation
import GSL
import SpineModel

/// The dense clock-driven kernel: every spine stepped at a fixed dt every
/// step (GB calcium with Poisson pre/post spikes, ρ by Euler–Maruyama with
/// noise gated by the thresholds). SpineSim does not advance time this way
/// (it integrates calcium exactly between events); the kernel exists to
/// measure the Swift hot-loop machinery against a C reference of the same
/// algorithm (benchmarks/kernel/dense_kernel.c). Both use one GSL taus2
/// generator with the same seed and the same draw order, so their checksums
/// agree to the last bit.
///
/// Per spine and step: c ← c·e^{−dt/τ_Ca}; a spike due now adds C_pre or
/// C_post and draws the next inter-spike interval (1 + ⌊Exp(mean 1/(r·dt))⌋
/// steps); then ρ ← ρ + drift·dt/τ + σ√(dt/τ)√(H_p+H_d)·ξ, ξ drawn only
/// when calcium is above a threshold.
public struct DenseKernel {
    public let spines: Int
    public let steps: Int
    public let dtMs: Double
    public let preRateHz: Double
    public let postRateHz: Double
    public let parameters: PlasticityParameters
    public let seed: UInt64

    public init(spines: Int, steps: Int, dtMs: Double = 0.1, preRateHz: Double = 5, postRateHz: Double = 5,
                parameters: PlasticityParameters = PlasticityPreset.dp.parameters, seed: UInt64 = 1) {
        self.spines = spines
        self.steps = steps
        self.dtMs = dtMs
        self.preRateHz = preRateHz
        self.postRateHz = postRateHz
        self.parameters = parameters
        self.seed = seed
    }

    public struct Result: Sendable {
        public let wallSeconds: Double
        public let spineStepsPerSecond: Double
        /// Σρ + Σc at the end, to compare with the C reference.
        public let checksum: Double
        /// Memory of the spine state, bytes per spine.
        public let bytesPerSpine: Int
    }

    public func run() -> Result {
        RandomStream(type: .taus2, seed: seed).withHandle(run)
    }

    private func run(random: RandomHandle) -> Result {
        let calcium = UnsafeMutableBufferPointer<Double>.allocate(capacity: spines)
        let efficacy = UnsafeMutableBufferPointer<Double>.allocate(capacity: spines)
        let nextPre = UnsafeMutableBufferPointer<Int64>.allocate(capacity: spines)
        let nextPost = UnsafeMutableBufferPointer<Int64>.allocate(capacity: spines)
        defer {
            calcium.deallocate(); efficacy.deallocate(); nextPre.deallocate(); nextPost.deallocate()
        }
        let meanPreSteps = 1000 / (preRateHz * dtMs)
        let meanPostSteps = 1000 / (postRateHz * dtMs)
        for i in 0..<spines {
            efficacy[i] = random.uniform()
            calcium[i] = 0
            nextPre[i] = DenseKernel.interval(random, meanPreSteps)
            nextPost[i] = DenseKernel.interval(random, meanPostSteps)
        }
        let start = DenseKernel.now()
        DenseKernel.step(steps: steps, parameters: parameters, dtMs: dtMs, meanPreSteps: meanPreSteps,
                         meanPostSteps: meanPostSteps, calcium: calcium, efficacy: efficacy,
                         nextPre: nextPre, nextPost: nextPost, random: random)
        let wall = DenseKernel.now() - start
        var checksum = 0.0
        for i in 0..<spines { checksum += efficacy[i] + calcium[i] }
        return Result(wallSeconds: wall, spineStepsPerSecond: Double(spines) * Double(steps) / wall,
                      checksum: checksum, bytesPerSpine: 2 * MemoryLayout<Double>.stride + 2 * MemoryLayout<Int64>.stride)
    }

    /// Steps until the next spike: 1 + ⌊Exp(mean)⌋.
    @inline(__always)
    static func interval(_ random: RandomHandle, _ meanSteps: Double) -> Int64 {
        1 &+ Int64(random.exponential(mean: meanSteps).rounded(.down))
    }

    /// The hot loop: constants in locals, state in unsafe buffers, the
    /// generator pointer in a register.
    static func step(steps: Int, parameters p: PlasticityParameters, dtMs: Double, meanPreSteps: Double, meanPostSteps: Double,
                     calcium: UnsafeMutableBufferPointer<Double>, efficacy: UnsafeMutableBufferPointer<Double>,
                     nextPre: UnsafeMutableBufferPointer<Int64>, nextPost: UnsafeMutableBufferPointer<Int64>,
                     random: RandomHandle) {
        let decay = exp(-dtMs / p.tauCalciumMs)
        let cPre = p.calciumPre, cPost = p.calciumPost
        let thetaD = p.thetaDepression, thetaP = p.thetaPotentiation
        let gammaD = p.gammaDepression, gammaP = p.gammaPotentiation
        let rhoStar = p.rhoStar
        let dtOverTau = dtMs / p.tauEfficacyMs
        let noiseScale = p.sigma * dtOverTau.squareRoot()
        let count = calcium.count
        let c = calcium.baseAddress!, rho = efficacy.baseAddress!
        let pre = nextPre.baseAddress!, post = nextPost.baseAddress!
        for s in 0..<Int64(steps) {
            for i in 0..<count {
                var ca = c[i] * decay
                if pre[i] == s {
                    ca += cPre
                    pre[i] = s &+ interval(random, meanPreSteps)
                }
                if post[i] == s {
                    ca += cPost
                    post[i] = s &+ interval(random, meanPostSteps)
                }
                c[i] = ca
                let hd: Double = ca > thetaD ? 1 : 0
                let hp: Double = ca > thetaP ? 1 : 0
                let r = rho[i]
                let cubic = -r * (1.0 - r) * (rhoStar - r)
                var next = r + (cubic + gammaP * (1.0 - r) * hp - gammaD * r * hd) * dtOverTau
                if hd + hp > 0 {
                    next += noiseScale * (hp + hd).squareRoot() * random.gaussian()
                }
                rho[i] = next
            }
        }
    }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
