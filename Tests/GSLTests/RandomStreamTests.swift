import Foundation
import GSL
import Testing

@Suite("GSL generators")
struct RandomStreamTests {
    func draws(_ stream: RandomStream, _ n: Int) -> [Double] { stream.withHandle { random in (0..<n).map { _ in random.uniform() } } }

    @Test("the same seed gives the same sequence, for every offered generator")
    func seedingIsReproducible() {
        for name in ["taus2", "gfsr4", "mt19937"] {
            let type = GeneratorType(name: name)!
            #expect(draws(RandomStream(type: type, seed: 42), 1000) == draws(RandomStream(type: type, seed: 42), 1000))
            #expect(draws(RandomStream(type: type, seed: 42), 1000) != draws(RandomStream(type: type, seed: 43), 1000))
        }
    }

    @Test("generators are looked up by GSL name; unknown names are refused")
    func generatorNames() {
        #expect(GeneratorType(name: "taus2") == .taus2)
        #expect(GeneratorType(name: "ranlxd2") != nil)
        #expect(GeneratorType(name: "no-such-generator") == nil)
        #expect(GeneratorType.allNames.count > 30)
    }

    @Test("derived stream seeds are distinct within a run and change with the run seed")
    func streamSeedsAreDistinct() {
        let seeds = StreamSeeds(runSeed: 7)
        var seen = Set<UInt64>()
        for purpose in UInt8(0)...3 {
            for index in 0..<50_000 { seen.insert(seeds.seed(purpose: purpose, index: index)) }
        }
        #expect(seen.count == 4 * 50_000)
        #expect(StreamSeeds(runSeed: 8).seed(purpose: 0, index: 0) != seeds.seed(purpose: 0, index: 0))
    }

    /// Neighbouring streams (dendrites 0 and 1) must be uncorrelated: the
    /// sample correlation of n pairs has standard error 1/√n under
    /// independence; 5 standard errors leave a false alarm rate of 6e-7.
    @Test("neighbouring streams are uncorrelated, at lags 0…3")
    func streamsAreIndependent() {
        let n = 200_000
        let seeds = StreamSeeds(runSeed: 2026)
        let a = draws(RandomStream(seeds: seeds, purpose: 0, index: 0), n + 3)
        let b = draws(RandomStream(seeds: seeds, purpose: 0, index: 1), n + 3)
        for lag in 0...3 {
            let r = correlation(Array(a[0..<n]), Array(b[lag..<(lag + n)]))
            #expect(abs(r) < 5 / Double(n).squareRoot(), "lag \(lag): r = \(r)")
        }
    }

    @Test("a restored state continues the identical sequence", arguments: ["taus2", "gfsr4", "mt19937"])
    func saveAndRestore(name: String) throws {
        let type = GeneratorType(name: name)!
        let original = RandomStream(type: type, seed: 99)
        _ = draws(original, 1234)
        _ = original.withHandle { $0.gaussian() }
        let saved = original.savedState()
        let expected = draws(original, 500) + original.withHandle { [$0.gaussian(), Double($0.poisson(mean: 3))] }

        let copy = RandomStream(type: type, seed: 1)
        try copy.restore(saved)
        let continued = draws(copy, 500) + copy.withHandle { [$0.gaussian(), Double($0.poisson(mean: 3))] }
        #expect(continued == expected)

        // The state survives a round trip through JSON (checkpoints).
        let decoded = try JSONDecoder().decode(GeneratorState.self, from: JSONEncoder().encode(saved))
        try original.restore(decoded)
        #expect(draws(original, 500) == Array(expected.prefix(500)))
    }

    @Test("restoring a state of another generator type is refused")
    func restoreRejectsOtherType() {
        let state = RandomStream(type: .taus2, seed: 1).savedState()
        #expect(throws: GSLError.self) { try RandomStream(type: GeneratorType(name: "mt19937")!, seed: 1).restore(state) }
    }

    /// Moments of n draws: the sample mean has standard error sd/√n; the
    /// sample variance of a normal has standard error σ²√(2/(n−1)). 5 SE.
    @Test("distributions have their moments within 5 standard errors")
    func distributionMoments() {
        RandomStream(seed: 5).withHandle(checkMoments)
    }

    func checkMoments(_ random: RandomHandle) {
        let n = 200_000
        let tolerance = 5 / Double(n).squareRoot()

        let gaussian = (0..<n).map { _ in random.gaussian(sigma: 2) }
        #expect(abs(mean(gaussian)) < 2 * tolerance)
        #expect(abs(variance(gaussian) - 4) < 4 * 2.0.squareRoot() * tolerance)

        let exponential = (0..<n).map { _ in random.exponential(mean: 3) }
        #expect(abs(mean(exponential) - 3) < 3 * tolerance)

        let poisson = (0..<n).map { _ in Double(random.poisson(mean: 4)) }
        #expect(abs(mean(poisson) - 4) < 2 * tolerance)
        #expect(abs(variance(poisson) - 4) < 4 * 3 * tolerance)   // Var of s² for Poisson(4): ≈ (μ + 2μ²)/n

        let uniform = (0..<n).map { _ in random.uniformPositive() }
        #expect(uniform.allSatisfy { $0 > 0 && $0 < 1 })
        #expect(abs(mean(uniform) - 0.5) < (1 / 12.0).squareRoot() * tolerance)

        var batch = [Double](repeating: 0, count: n)
        batch.withUnsafeMutableBufferPointer { random.fillGaussian($0) }
        #expect(abs(mean(batch)) < tolerance)
        #expect(abs(variance(batch) - 1) < 2.0.squareRoot() * tolerance)
    }
}

func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }

func variance(_ x: [Double]) -> Double {
    let m = mean(x)
    return x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)
}

func correlation(_ x: [Double], _ y: [Double]) -> Double {
    let mx = mean(x), my = mean(y)
    var sxy = 0.0, sxx = 0.0, syy = 0.0
    for i in x.indices {
        sxy += (x[i] - mx) * (y[i] - my)
        sxx += (x[i] - mx) * (x[i] - mx)
        syy += (y[i] - my) * (y[i] - my)
    }
    return sxy / (sxx * syy).squareRoot()
}
