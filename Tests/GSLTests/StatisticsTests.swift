import GSL
import Testing

@Suite("GSL statistics")
struct StatisticsTests {
    @Test("the least-squares line through points on a line is that line; no fit without spread in x")
    func linearFit() throws {
        let x = [0.5, 1.0, 2.5, 4.0, 7.0], y = x.map { 3 - 0.25 * $0 }
        let fit = try #require(Statistics.linearFit(x, y))
        #expect(abs(fit.intercept - 3) < 1e-12 && abs(fit.slope + 0.25) < 1e-12)
        // Noisy points: the slope is Σ(x−x̄)(y−ȳ)/Σ(x−x̄)², written out here.
        let noisy = [2.9, 2.8, 2.3, 2.1, 1.2]
        let mx = x.reduce(0, +) / 5, my = noisy.reduce(0, +) / 5
        let slope = zip(x, noisy).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        #expect(abs(try #require(Statistics.linearFit(x, noisy)).slope - slope) < 1e-12)
        #expect(Statistics.linearFit([1, 1, 1], [1, 2, 3]) == nil)
        #expect(Statistics.linearFit([1], [1]) == nil)
    }
}
