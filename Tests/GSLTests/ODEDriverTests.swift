import CGSL
import Foundation
import GSL
import Testing

@Suite("GSL ODE driver")
struct ODEDriverTests {
    /// Damped harmonic oscillator y'' + 2ζω y' + ω² y = 0 (ζ < 1), with the
    /// closed-form solution y(t) = e^{−ζωt}(cos ω_d t + ζω/ω_d sin ω_d t).
    @Test("a C right-hand side with a context pointer matches the analytic solution", arguments: [StepperType.rkf45, .rk8pd, .rkck, .msadams])
    func dampedOscillator(stepper: StepperType) throws {
        var constants: (omega: Double, zeta: Double) = (2.0, 0.1)
        let omega = constants.omega, zeta = constants.zeta
        try withUnsafeMutablePointer(to: &constants) { pointer in
            let driver = ODEDriver(dimension: 2, function: { _, y, dydt, context in
                let c = context!.assumingMemoryBound(to: (omega: Double, zeta: Double).self).pointee
                dydt![0] = y![1]
                dydt![1] = -2 * c.zeta * c.omega * y![1] - c.omega * c.omega * y![0]
                return Int32(GSL_SUCCESS)
            }, context: UnsafeMutableRawPointer(pointer), stepper: stepper, initialStep: 1e-3,
               absoluteTolerance: 1e-12, relativeTolerance: 1e-12)
            var y = [1.0, 0.0]
            var t = 0.0
            let omegaD = omega * (1 - zeta * zeta).squareRoot()
            for target in stride(from: 0.5, through: 10, by: 0.5) {
                try y.withUnsafeMutableBufferPointer { try driver.evolve($0.baseAddress!, from: t, to: target) }
                t = target
                let exact = exp(-zeta * omega * t) * (cos(omegaD * t) + zeta * omega / omegaD * sin(omegaD * t))
                #expect(abs(y[0] - exact) < 1e-8, "\(stepper) at t = \(t): \(y[0]) vs \(exact)")
            }
        }
    }

    @Test("a Swift closure right-hand side: logistic growth against its closed form")
    func logisticClosure() throws {
        let r = 0.7, k = 3.0, y0 = 0.1
        let solver = ODESolver(dimension: 1, stepper: .rk8pd, absoluteTolerance: 1e-13, relativeTolerance: 1e-13) { _, y, dydt in
            dydt[0] = r * y[0] * (1 - y[0] / k)
        }
        for t in [0.5, 2.0, 7.5, 20.0] {
            let y = try solver.solve([y0], from: 0, to: t)[0]
            let exact = k / (1 + (k / y0 - 1) * exp(-r * t))
            #expect(abs(y - exact) < 1e-9 * k, "t = \(t)")
        }
    }

    @Test("a failing integration is reported as an error, not an abort")
    func failureIsAnError() {
        // dy/dt = y² blows up at t = 1 from y(0) = 1.
        let solver = ODESolver(dimension: 1, stepper: .rkf45) { _, y, dydt in dydt[0] = y[0] * y[0] }
        #expect(throws: GSLError.self) { _ = try solver.solve([1], from: 0, to: 2) }
    }
}

@Suite("Tridiagonal solve")
struct TridiagonalTests {
    @Test("the stored-factor sweeps equal GSL's banded Cholesky solve and solve the system")
    func sweepsMatchGSL() throws {
        let n = 300
        // A diagonally dominant SPD matrix with varying entries.
        let diagonal = (0..<n).map { 2.5 + sin(Double($0)) }
        let sub = (0..<(n - 1)).map { -0.9 - 0.05 * cos(Double($0)) }
        let factor = try SymmetricTridiagonalFactor(diagonal: diagonal, subdiagonal: sub)
        let b = (0..<n).map { cos(0.1 * Double($0)) }
        var ours = b, gsls = b
        ours.withUnsafeMutableBufferPointer { factor.solveInPlace($0.baseAddress!) }
        gsls.withUnsafeMutableBufferPointer { factor.solveInPlaceWithGSL($0.baseAddress!) }
        for i in 0..<n { #expect(abs(ours[i] - gsls[i]) < 1e-13 * max(1, abs(gsls[i]))) }
        // and A x = b.
        for i in 0..<n {
            var row = diagonal[i] * ours[i]
            if i > 0 { row += sub[i - 1] * ours[i - 1] }
            if i + 1 < n { row += sub[i] * ours[i + 1] }
            #expect(abs(row - b[i]) < 1e-12)
        }
    }

    @Test("two systems solved together, their sweeps interleaved, give the bits of each solved alone", arguments: [(300, 300), (300, 173), (173, 300), (2, 5)])
    func solvedTogether(sizes: (Int, Int)) throws {
        func system(_ n: Int, _ phase: Double) throws -> (SymmetricTridiagonalFactor, [Double]) {
            (try SymmetricTridiagonalFactor(diagonal: (0..<n).map { 2.5 + sin(Double($0) + phase) },
                                            subdiagonal: (0..<(n - 1)).map { -0.9 - 0.05 * cos(Double($0) * phase) }),
             (0..<n).map { cos(0.1 * Double($0) + phase) })
        }
        let (a, x) = try system(sizes.0, 0.3), (b, y) = try system(sizes.1, 1.7)
        var xAlone = x, yAlone = y, xTogether = x, yTogether = y
        xAlone.withUnsafeMutableBufferPointer { a.solveInPlace($0.baseAddress!) }
        yAlone.withUnsafeMutableBufferPointer { b.solveInPlace($0.baseAddress!) }
        xTogether.withUnsafeMutableBufferPointer { u in
            yTogether.withUnsafeMutableBufferPointer { v in
                SymmetricTridiagonalFactor.solveInPlace(a, u.baseAddress!, together: b, v.baseAddress!)
            }
        }
        #expect(xTogether.map(\.bitPattern) == xAlone.map(\.bitPattern))
        #expect(yTogether.map(\.bitPattern) == yAlone.map(\.bitPattern))
        #expect(xAlone != x && yAlone != y)
    }

    @Test("a matrix that is not positive definite is refused")
    func indefiniteRefused() {
        #expect(throws: GSLError.self) { _ = try SymmetricTridiagonalFactor(diagonal: [1, 1, 1], subdiagonal: [2, 2]) }
    }
}
