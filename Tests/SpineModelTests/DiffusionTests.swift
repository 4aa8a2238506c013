import Foundation
import GSL
import SpineModel
import Testing

/// A spine's own calcium after a jump: c_own(t) = C e^{−a t}. Its exact
/// average over the step [t, t + h], as the activity engine supplies it.
func ownAverage(jump c: Double, rate a: Double, from t: Double, step h: Double) -> Double {
    a == 0 ? c : c * exp(-a * t) * (-expm1(-a * h)) / (a * h)
}

@Suite("Dendritic calcium diffusion")
struct DiffusionTests {
    let length = 40.0

    @Test("total calcium is conserved to 1e-9 over 1e5 steps when τ_Ca and τ_dend → ∞")
    func conservation() throws {
        var parameters = DiffusionParameters(tauDendriteMs: .infinity, gridSpacingUm: 0.5, timeStepMs: 0.5)
        parameters.tauNeckMs = 20
        let positions = [3.0, 10.2, 10.9, 25.0, 39.7], volumes = [0.05, 0.1, 0.2, 0.08, 0.3]
        let grid = try DendriticCalcium(lengthUm: length, parameters: parameters, tauCalciumMs: .infinity,
                                        spinePositionsUm: positions, spineVolumesUm3: volumes)
        // Start: calcium in the shaft near one end, in two spines' exchange pools, and
        // own calcium (a jump of 3 at t = 0) in spine 1 that drains through its neck.
        for k in 0..<10 { grid.shaft[k] = 1 }
        grid.exchange[0] = 2
        grid.exchange[3] = 0.5
        let ownJump = 3.0, a = grid.ownDecayRate[1]
        let h = parameters.timeStepMs
        var own = [Double](repeating: 0, count: positions.count)
        func total(at t: Double) -> Double { grid.gridAmount(lengthUm: length) + volumes[1] * ownJump * exp(-a * t) }
        let start = total(at: 0)
        for n in 0..<100_000 {
            own[1] = ownAverage(jump: ownJump, rate: a, from: Double(n) * h, step: h)
            own.withUnsafeBufferPointer { grid.step(ownAverage: $0.baseAddress!) }
        }
        let end = total(at: 100_000 * h)
        #expect(abs(end - start) <= 1e-9 * start, "relative drift \((end - start) / start)")
        // and the calcium has spread: the far end of the shaft now holds some.
        #expect(grid.shaft[grid.cellCount - 1] > 0.01)
    }

    /// Q released at x₀ spreads as Q/(A_d√(4πDt)) exp(−x²/4Dt − t/τ_dend).
    @Test("a point release on a long dendrite matches the analytic Green's function (L2 within 1%)", arguments: [5.0, 20.0, 80.0])
    func greensFunction(time: Double) throws {
        let parameters = DiffusionParameters(diffusionUm2PerMs: 0.22, tauDendriteMs: 50, gridSpacingUm: 0.1, timeStepMs: 0.01)
        let long = 200.0
        let grid = try DendriticCalcium(lengthUm: long, parameters: parameters, tauCalciumMs: 20,
                                        spinePositionsUm: [], spineVolumesUm3: [])
        let dx = grid.cellWidth(lengthUm: long)
        let center = grid.cellCount / 2
        let area = parameters.crossSectionUm2
        let released = 1.0
        grid.shaft[center] = released / (area * dx)
        let none = [Double]()
        for _ in 0..<Int((time / parameters.timeStepMs).rounded()) {
            none.withUnsafeBufferPointer { grid.step(ownAverage: $0.baseAddress ?? UnsafePointer(bitPattern: 8)!) }
        }
        let d = parameters.diffusionUm2PerMs
        var errorSquared = 0.0, normSquared = 0.0
        for k in 0..<grid.cellCount {
            let x = Double(k - center) * dx
            let exact = released / (area * (4 * Double.pi * d * time).squareRoot()) * exp(-x * x / (4 * d * time) - time / parameters.tauDendriteMs)
            errorSquared += (grid.shaft[k] - exact) * (grid.shaft[k] - exact)
            normSquared += exact * exact
        }
        let relative = (errorSquared / normSquared).squareRoot()
        #expect(relative < 0.01, "t = \(time) ms: relative L2 error \(relative)")
    }

    /// A cluster spine receives a calcium jump; its neighbour 2 µm away sees a
    /// peak of shaft-borne calcium. From the default grid, halving Δx and Δt
    /// moves that peak by < 1%.
    @Test("halving Δx and Δt of the default grid changes a neighbour's peak calcium by less than 1%")
    func convergence() throws {
        func neighbourPeak(dx: Double, dt: Double) throws -> Double {
            let parameters = DiffusionParameters(gridSpacingUm: dx, timeStepMs: dt)
            let grid = try DendriticCalcium(lengthUm: length, parameters: parameters, tauCalciumMs: 20,
                                            spinePositionsUm: [20, 22], spineVolumesUm3: [0.1, 0.1])
            let a = grid.ownDecayRate[0]
            var own = [0.0, 0.0], peak = 0.0
            for n in 0..<Int((200 / dt).rounded()) {
                own[0] = ownAverage(jump: 3, rate: a, from: Double(n) * dt, step: dt)
                own.withUnsafeBufferPointer { grid.step(ownAverage: $0.baseAddress!) }
                peak = max(peak, grid.exchange[1])
            }
            return peak
        }
        let defaults = DiffusionParameters()
        let coarse = try neighbourPeak(dx: defaults.gridSpacingUm, dt: defaults.timeStepMs)
        let fine = try neighbourPeak(dx: defaults.gridSpacingUm / 2, dt: defaults.timeStepMs / 2)
        #expect(coarse > 0)
        #expect(abs(coarse - fine) < 0.01 * fine,
                "peak \(coarse) at Δx = \(defaults.gridSpacingUm) µm, Δt = \(defaults.timeStepMs) ms; \(fine) at half of both")
    }

    @Test("a spine with zero neck coupling is unaffected by its neighbours")
    func sealedNeck() throws {
        let grid = try DendriticCalcium(lengthUm: length, parameters: DiffusionParameters(), tauCalciumMs: 20,
                                        spinePositionsUm: [20, 20.5, 21], spineVolumesUm3: [0.1, 0.1, 0.1],
                                        neckCoupling: [1, 0, 1])
        #expect(grid.ownDecayRate[1] == 1.0 / 20)   // its own calcium decays by τ_Ca alone
        let a = grid.ownDecayRate[0]
        var own = [0.0, 0.0, 0.0]
        for n in 0..<2000 {
            own[0] = ownAverage(jump: 5, rate: a, from: Double(n) * 0.5, step: 0.5)
            own.withUnsafeBufferPointer { grid.step(ownAverage: $0.baseAddress!) }
            #expect(grid.exchange[1] == 0)
        }
        #expect(grid.exchange[2] > 0)   // the coupled neighbour on the other side did receive calcium
    }
}
