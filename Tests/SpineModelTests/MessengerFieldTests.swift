import Foundation
import SpineModel
import Testing

/// The free-space Gaussian of one release, written out independently of the
/// code under test: Q/√(2π s²) e^{−x²/(2s²)} e^{−t/τ}, s² = σ₀² + 2Dt.
private func freeGaussian(amount q: Double, distance x: Double, afterMs t: Double, d: Double, tau: Double, width: Double) -> Double {
    let s2 = width * width + 2 * d * t
    return q / (2 * Double.pi * s2).squareRoot() * exp(-x * x / (2 * s2) - t / tau)
}

@Suite("Messenger fields on a sealed dendrite (docs/MODEL.md §2c–2d)")
struct MessengerFieldTests {
    @Test("a release in the middle of a long dendrite is the free-space Gaussian, to 1e-9 of its peak",
          arguments: [(0.01, 1000.0), (3e-4, 300_000.0)])
    func pointRelease(d: Double, tau: Double) {
        var field = SealedCableField(lengthUm: 400, diffusionUm2PerMs: d, tauMs: tau, sourceWidthUm: 0.5)
        field.release(2.5, atUm: 200, time: 10)
        let peak = 2.5 / (0.5 * (2 * Double.pi).squareRoot())
        for t in [10.0, 10.5, 60, 1010, 5010] {
            field.advance(to: t)
            for x in [200.0, 200.3, 201, 203, 190, 230] {
                let expected = freeGaussian(amount: 2.5, distance: x - 200, afterMs: t - 10, d: d, tau: tau, width: 0.5)
                #expect(abs(field.value(atUm: x) - expected) <= 1e-9 * peak, "t \(t) x \(x): \(field.value(atUm: x)) vs \(expected)")
            }
        }
    }

    @Test("near a sealed end the field is the Gaussian plus its mirror image; nothing leaves the dendrite")
    func sealedEnd() {
        let d = 0.01, tau = 1e12      // no clearance to speak of
        var field = SealedCableField(lengthUm: 30, diffusionUm2PerMs: d, tauMs: tau, sourceWidthUm: 0.5)
        field.release(1, atUm: 1, time: 0)
        for t in [100.0, 1000, 3000] {   // the images beyond are below 1e-12 until then
            field.advance(to: t)
            for x in [0.0, 0.5, 1, 2, 5] {
                // Mirror in x = 0; the far end (30 µm) is out of reach for these times but included anyway.
                let expected = freeGaussian(amount: 1, distance: x - 1, afterMs: t, d: d, tau: tau, width: 0.5)
                    + freeGaussian(amount: 1, distance: x + 1, afterMs: t, d: d, tau: tau, width: 0.5)
                    + freeGaussian(amount: 1, distance: 60 - x - 1, afterMs: t, d: d, tau: tau, width: 0.5)
                #expect(abs(field.value(atUm: x) - expected) <= 1e-9, "t \(t) x \(x)")
            }
            // Mass: the integral of the field over [0, L] is the amount released (no clearance).
            #expect(abs(field.amplitudes[0] * 30 - exp(-t / tau)) <= 1e-12)
        }
    }

    @Test("two releases superpose: the field is the sum of their Green's functions (images included)")
    func superposition() {
        let (length, d, tau, w) = (25.0, 0.01, 1000.0, 0.5)
        var field = SealedCableField(lengthUm: length, diffusionUm2PerMs: d, tauMs: tau, sourceWidthUm: w)
        field.release(1, atUm: 3, time: 5)
        field.release(0.7, atUm: 24.2, time: 40.3)
        field.advance(to: 900)
        for x in stride(from: 0.0, through: length, by: 1.7) {
            let expected = SealedCableField.greensFunction(amount: 1, fromUm: 3, toUm: x, afterMs: 895, lengthUm: length,
                                                           diffusionUm2PerMs: d, tauMs: tau, sourceWidthUm: w)
                + SealedCableField.greensFunction(amount: 0.7, fromUm: 24.2, toUm: x, afterMs: 859.7, lengthUm: length,
                                                  diffusionUm2PerMs: d, tauMs: tau, sourceWidthUm: w)
            #expect(abs(field.value(atUm: x) - expected) <= field.truncationBound * 1.7 + 1e-12, "x \(x)")
        }
        #expect(field.truncationBound < 1e-9)
    }

    @Test("the lower bound from the first modes is below the read-out at every spine, and the neglected rest is as asked")
    func lowerBoundFromFirstModes() throws {
        var field = SealedCableField(lengthUm: 100, diffusionUm2PerMs: 0.01, tauMs: 1000, sourceWidthUm: 0.5)
        let positions = (0..<150).map { 0.33 + Double($0) * 0.66 }
        let shapes = field.modeShapes(atUm: positions)
        let rows = Array(0..<positions.count)
        var exact = [Double](repeating: 0, count: positions.count), bound = exact
        // Releases at 300 Hz along the dendrite for 2 s (the field of a busy session), read every 50 ms.
        var closest = Double.infinity, time = 0.0, k = 0
        while time < 2000 {
            k += 1
            time += 1000 / 300
            field.release(1, atUm: positions[(k * 37) % positions.count], time: time)
            guard k % 15 == 0 else { continue }
            shapes.withUnsafeBufferPointer { field.read(shapes: $0.baseAddress!, count: positions.count, into: &exact) }
            var tails = [Double](repeating: .nan, count: field.paddedModeCount / 8 + 1)
            field.absoluteTails(into: &tails)
            for b in tails.indices {
                let rest = (min(8 * b, field.modeCount)..<field.modeCount).reduce(0.0) { $0 + abs(field.amplitudes[$1]) }
                #expect(abs(tails[b] - rest) <= 1e-13 * tails[0], "block \(b): \(tails[b]) against \(rest)")
            }
            for allowance in [0.05, 0.5, 2.0] {
                let modes = try #require(field.modesLeaving(atMost: allowance, tails: tails))
                let rest = (modes..<field.modeCount).reduce(0.0) { $0 + abs(field.amplitudes[$1]) }
                let restWithOneBlockFewer = (modes - 8..<field.modeCount).reduce(0.0) { $0 + abs(field.amplitudes[$1]) }
                #expect(modes % 8 == 0 && rest <= allowance * (1 + 1e-13))
                #expect(modes == 8 || restWithOneBlockFewer > allowance * (1 - 1e-13), "not the fewest modes")
                shapes.withUnsafeBufferPointer { s in rows.withUnsafeBufferPointer { r in
                    field.lowerBounds(shapes: s.baseAddress!, modes: modes, tails: tails, rows: r.baseAddress!, count: rows.count,
                                      into: &bound)
                } }
                for i in rows {
                    #expect(bound[i] <= exact[i], "spine \(i) at \(time) ms: bound \(bound[i]) above \(exact[i])")
                    closest = min(closest, exact[i] - bound[i])
                }
            }
        }
        // The bound is not vacuous: with the coarsest allowance it comes within 2 of the field (mean ≈ 3).
        #expect(closest < 2 && field.amplitudes[0] > 2)
    }

    /// The read-out of two positions at a time must not change a bit: the
    /// results of every session with the messengers depend on it.
    @Test("read-outs two positions at a time give the bits of one at a time, in any order of rows")
    func readOutsSideBySide() {
        var field = SealedCableField(lengthUm: 60, diffusionUm2PerMs: 0.01, tauMs: 1000, sourceWidthUm: 0.5)
        let positions = (0..<91).map { 0.2 + Double($0) * 0.65 }
        for k in 0..<40 { field.release(1 + 0.1 * Double(k % 3), atUm: positions[(k * 29) % positions.count], time: 2.5 * Double(k)) }
        let shapes = field.modeShapes(atUm: positions), stride = field.paddedModeCount
        let single = field.amplitudes.withUnsafeBufferPointer { a in
            shapes.withUnsafeBufferPointer { s in positions.indices.map { SealedCableField.dot(a.baseAddress!, s.baseAddress! + $0 * stride, modes: stride) } }
        }
        var all = [Double](repeating: .nan, count: positions.count)
        shapes.withUnsafeBufferPointer { field.read(shapes: $0.baseAddress!, count: positions.count, into: &all) }
        #expect(all == single)
        // Some rows, shuffled, an odd number of them, and fewer modes.
        let rows = (0..<37).map { ($0 * 53) % positions.count }
        var some = [Double](repeating: .nan, count: rows.count)
        field.amplitudes.withUnsafeBufferPointer { a in
            shapes.withUnsafeBufferPointer { s in
                SealedCableField.dots(a.baseAddress!, shapes: s.baseAddress!, stride: stride, rows: rows, count: rows.count, modes: 16, into: &some)
                for (j, i) in rows.enumerated() {
                    #expect(some[j] == SealedCableField.dot(a.baseAddress!, s.baseAddress! + i * stride, modes: 16), "row \(i)")
                }
            }
        }
    }

    @Test("the Hill read-out of store calcium: half of c_max at K, c_max·θ_d at saturation, 0 without messenger")
    func hillReadout() {
        let store = StoreReleaseParameters(enabled: true, halfActivation: 0.3, hillCoefficient: 4, maximumCalciumOverThetaD: 1.1)
        #expect(abs(store.storeCalcium(messenger: 0.3, thetaDepression: 2) - 1.1) < 1e-12)
        #expect(abs(store.storeCalcium(messenger: 1e6, thetaDepression: 1) - 1.1) < 1e-9)
        #expect(store.storeCalcium(messenger: 0, thetaDepression: 1) == 0)
        // c_ER > θ_d exactly when p > K·10^{1/4} (c_max = 1.1 θ_d).
        let crossing = 0.3 * pow(10, 0.25)
        #expect(store.storeCalcium(messenger: crossing * 0.999, thetaDepression: 1) < 1)
        #expect(store.storeCalcium(messenger: crossing * 1.001, thetaDepression: 1) > 1)
    }

    @Test("the cooperativity factor lowers θ_p by δ_θ at most, by δ_θ/2 at K_r")
    func cooperativityFactor() {
        let c = CooperativityParameters(enabled: true, halfEffect: 0.02, maximumLowering: 0.3)
        #expect(c.thresholdFactor(messenger: 0) == 1)
        #expect(abs(c.thresholdFactor(messenger: 0.02) - 0.85) < 1e-12)
        #expect(abs(c.thresholdFactor(messenger: 1e9) - 0.7) < 1e-9)
    }

    @Test("dendritic spikes: N events within W on a stretch fire once; N − 1 do not; refractory; stretches apart")
    func dendriticSpikes() {
        let rule = DendriticSpikeParameters(enabled: true, minimumEvents: 8, windowMs: 10, stretchUm: 20, refractoryMs: 50)
        let positions = (0..<8).map { 2.0 + Double($0) }               // all on stretch 0
        let eight = (0..<8).map { [100.0 + Double($0)] }                // 8 arrivals within 7 ms
        #expect(rule.spikes(arrivalsMs: eight, positionsUm: positions) == [DendriticSpike(timeMs: 107, stretch: 0)])
        var seven = eight
        seven[7] = [200]                                                  // the 8th comes too late
        #expect(rule.spikes(arrivalsMs: seven, positionsUm: positions).isEmpty)
        // A second volley 30 ms later is refractory, one 60 ms later fires.
        let twice = (0..<8).map { [100.0 + Double($0), 130 + Double($0), 160 + Double($0)] }
        #expect(rule.spikes(arrivalsMs: twice, positionsUm: positions).map(\.timeMs) == [107, 167])
        // The same events spread over two stretches (4 + 4) fire nothing.
        let split = positions.enumerated().map { $0.offset < 4 ? $0.element : $0.element + 20 }
        #expect(rule.spikes(arrivalsMs: eight, positionsUm: split).isEmpty)
    }
}
