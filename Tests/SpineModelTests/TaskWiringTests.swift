import Foundation
import GSL
import SpineModel
import Testing

/// P(X > z, Y > z) for a standard bivariate normal pair of correlation ρ:
/// Q(z)² + (1/2π) ∫₀^{asin ρ} exp(−z²/(1 + sin θ)) dθ (the ρ-derivative of
/// the orthant probability is the bivariate density at (z, z); r = sin θ),
/// by Simpson's rule.
func orthantProbability(z: Double, rho: Double) -> Double {
    let q = CDF.standardNormalUpper(z)
    let top = asin(rho), n = 2000
    var sum = 0.0
    for i in 0...n {
        let weight: Double = i == 0 || i == n ? 1 : (i % 2 == 1 ? 4 : 2)
        sum += weight * exp(-z * z / (1 + sin(top * Double(i) / Double(n))))
    }
    return q * q + sum * top / (3 * Double(n)) / (2 * Double.pi)
}

/// Mean and standard error over independent replicates.
func meanAndStandardError(_ values: [Double]) -> (mean: Double, se: Double) {
    let n = Double(values.count)
    let mean = values.reduce(0, +) / n
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
    return (mean, (variance / n).squareRoot())
}

@Suite("Clustered task wiring (docs/MODEL.md §4)")
struct TaskWiringTests {
    @Test("the orthant probability of the test's closed form: ρ = 0, ρ = 1 and z = 0 (Sheppard)")
    func orthantClosedForm() {
        let z = CDF.standardNormalUpperQuantile(0.3)
        #expect(abs(orthantProbability(z: z, rho: 0) - 0.09) < 1e-12)
        #expect(abs(orthantProbability(z: z, rho: 1) - 0.3) < 1e-9)
        #expect(abs(orthantProbability(z: 0, rho: 0.5) - (0.25 + asin(0.5) / (2 * Double.pi))) < 1e-12)
    }

    /// The construction's covariance, computed exactly from unit weight
    /// vectors (f = Σ_k w_k f_{e_k}, so Cov(f(x), f(x')) = Σ_k f_{e_k}(x) f_{e_k}(x')):
    /// variance 1 and correlation exp(−d²/(2ℓ²)) within the documented 1e−11.
    @Test("the field's covariance is exp(−d²/(2ℓ²)) within 1e−11, its variance 1, at any position")
    func exactCovariance() {
        let l = 4.0, length = 20.0
        let n = TaskField.nodeCount(lengthUm: length, correlationLengthUm: l)
        let units = (0..<n).map { k in TaskField(correlationLengthUm: l, threshold: 0, weights: (0..<n).map { $0 == k ? 1.0 : 0 }) }
        var worst = 0.0
        for x in [0, 0.3, 3.33, 10, 17.77, 20] {
            for x2 in stride(from: 0.0, through: length, by: 0.7) + [length] {
                let covariance = units.reduce(0) { $0 + $1.value(atUm: x) * $1.value(atUm: x2) }
                let d = x2 - x
                worst = max(worst, abs(covariance - exp(-d * d / (2 * l * l))))
            }
        }
        #expect(worst < 1e-11, "largest covariance error \(worst)")
    }

    /// 200 independent dendrites of 500 µm (ℓ = 4 µm, f = 0.3), the field
    /// sampled every 0.5 µm; each dendrite is one replicate, so every
    /// tolerance is 4 standard errors of the mean over the replicates.
    @Test("the random-field placement has the requested task fraction and correlation length")
    func fractionAndCorrelationLength() {
        let l = 4.0, f = 0.3, length = 500.0, spacing = 0.5
        let wiring = TaskWiring(correlationLengthUm: l, taskFraction: f)
        let z = wiring.threshold
        #expect(abs(CDF.standardNormalUpper(z) - f) < 1e-12)
        let lags = [4, 8, 16]   // 2, 4, 8 µm
        var fractions: [Double] = [], products: [[Double]] = lags.map { _ in [] }, joints: [[Double]] = lags.map { _ in [] }
        for replicate in 0..<200 {
            let field = RandomStream(seed: UInt64(1000 + replicate)).withHandle { wiring.field(lengthUm: length, random: $0) }
            let values = stride(from: 0.0, through: length, by: spacing).map { field.value(atUm: $0) }
            let task = values.map { $0 > z }
            #expect(task == stride(from: 0.0, through: length, by: spacing).map { field.isTaskRelated(atUm: $0) })
            fractions.append(Double(task.filter { $0 }.count) / Double(task.count))
            for (index, m) in lags.enumerated() {
                let pairs = values.count - m
                products[index].append((0..<pairs).reduce(0) { $0 + values[$1] * values[$1 + m] } / Double(pairs))
                joints[index].append(Double((0..<pairs).filter { task[$0] && task[$0 + m] }.count) / Double(pairs))
            }
        }
        let fraction = meanAndStandardError(fractions)
        #expect(abs(fraction.mean - f) < 4 * fraction.se, "task fraction \(fraction.mean) ± \(fraction.se)")
        for (index, m) in lags.enumerated() {
            let d = Double(m) * spacing
            let rho = exp(-d * d / (2 * l * l))
            let product = meanAndStandardError(products[index])
            #expect(abs(product.mean - rho) < 4 * product.se, "correlation at \(d) µm: \(product.mean) ± \(product.se), expected \(rho)")
            let joint = meanAndStandardError(joints[index])
            let expected = orthantProbability(z: z, rho: rho)
            #expect(abs(joint.mean - expected) < 4 * joint.se, "P(both task) at \(d) µm: \(joint.mean) ± \(joint.se), expected \(expected)")
            if d <= 4 { #expect(expected - f * f > 10 * joint.se) }   // clustering resolved: independent placement would fail here
        }
        // ℓ fitted from the correlation at d = 4 µm: d/√(−2 ln ρ̂), its SE by the delta method.
        let atFour = meanAndStandardError(products[1])
        let fitted = 4 / (-2 * log(atFour.mean)).squareRoot()
        let fittedSE = atFour.se * pow(fitted, 3) / (16 * atFour.mean)
        #expect(fittedSE < 0.25)
        #expect(abs(fitted - l) < 4 * fittedSE, "fitted ℓ = \(fitted) ± \(fittedSE) µm")
    }

    /// Without fields (ℓ = 0) a new spine's axon is drawn as before clustered
    /// wiring existed: the same uniforms in the same order, so runs with
    /// ℓ = 0 are bit-identical; the ensembles are independent, each with
    /// probability f (4 SE, binomial).
    @Test("ℓ = 0 gives independent placement, drawn exactly as before")
    func independentPlacement() {
        let rules = NewSpineRules(taskFraction: 0.3, ensembles: 3)
        let draws = 20_000
        let (withoutFields, nextA) = RandomStream(seed: 5).withHandle { random in
            ((0..<draws).map { i in rules.drawEnsembles(atUm: Double(i), fields: [nil, nil, nil], random: random) }, random.uniform())
        }
        let (before, nextB) = RandomStream(seed: 5).withHandle { random in
            ((0..<draws).map { _ in rules.drawEnsembles(random: random) }, random.uniform())
        }
        #expect(withoutFields == before && nextA == nextB)
        let n = Double(draws)
        for k in 0..<3 {
            let share = Double(withoutFields.filter { $0 & (1 << UInt8(k)) != 0 }.count) / n
            #expect(abs(share - 0.3) < 4 * (0.3 * 0.7 / n).squareRoot())
        }
        let both = Double(withoutFields.filter { $0 & 0b11 == 0b11 }.count) / n
        #expect(abs(both - 0.09) < 4 * (0.09 * 0.91 / n).squareRoot())
        // Consecutive spines (1 µm apart) are independent too.
        let neighbours = Double((1..<draws).filter { withoutFields[$0] & 1 != 0 && withoutFields[$0 - 1] & 1 != 0 }.count) / (n - 1)
        #expect(abs(neighbours - 0.09) < 4 * (0.09 * 0.91 / n).squareRoot() * 2)
    }

    /// With a field, ensemble k of a new spine is the field's verdict at its
    /// position, and draws no uniform; an ensemble without a field still draws.
    @Test("a new spine takes ensemble k from its field at its position")
    func newSpineFromField() {
        let wiring = TaskWiring(correlationLengthUm: 4, taskFraction: 0.3)
        let field = RandomStream(seed: 9).withHandle { wiring.field(lengthUm: 100, random: $0) }
        let rules = NewSpineRules(taskFraction: 0.3, ensembles: 2)
        let positions = stride(from: 0.0, through: 100, by: 0.25).map { $0 }
        let (masks, next) = RandomStream(seed: 6).withHandle { random in
            (positions.map { rules.drawEnsembles(atUm: $0, fields: [field, nil], random: random) }, random.uniform())
        }
        #expect(zip(masks, positions).allSatisfy { ($0 & 1 != 0) == field.isTaskRelated(atUm: $1) })
        let (independent, nextIndependent) = RandomStream(seed: 6).withHandle { random in
            (positions.map { _ in NewSpineRules(taskFraction: 0.3, ensembles: 1).drawEnsembles(random: random) }, random.uniform())
        }
        #expect(zip(masks, independent).allSatisfy { ($0 >> 1) == $1 } && next == nextIndependent)
        #expect(masks.contains { $0 & 1 != 0 } && masks.contains { $0 & 1 == 0 })
    }

    @Test("f = 0 wires nothing and f = 1 everything")
    func extremeFractions() {
        for (f, expected) in [(0.0, false), (1.0, true)] {
            let field = RandomStream(seed: 2).withHandle { TaskWiring(correlationLengthUm: 4, taskFraction: f).field(lengthUm: 50, random: $0) }
            #expect(stride(from: 0.0, through: 50, by: 0.5).allSatisfy { field.isTaskRelated(atUm: $0) == expected })
        }
    }
}

@Suite("Cooperative activity-guided spinogenesis (docs/MODEL.md §4)")
struct CooperativeSpinogenesisTests {
    let rule = ActivityGuidedSpinogenesis(g1PerUmPerDay: 0.5, rule: .cooperative, cooperativeCount: 3, cooperativeRadiusUm: 5)

    /// Eligible spines at 10, 12, 14, 40 (k = 3, r_e = 5): the discs
    /// [5, 15], [7, 17], [9, 19], [35, 45] overlap three deep on [9, 15].
    /// Twelve spines on 100 µm (unsorted): {1, 2, 3, 10, 12} reach three on
    /// [−2, 8] (clipped to [0, 8]); {10, 12, 14} on [9, 15]; {40, 43, 46} on
    /// [41, 45]; {97, 98, 99} on [94, 104] (clipped to [94, 100]): 24 µm.
    @Test("the cooperative set and its measure match a hand count")
    func handCount() {
        #expect(rule.cooperativeSet(around: [10, 12, 14, 40], lengthUm: 100) == [9...15])
        let sources: [Double] = [40, 12, 99, 10, 14, 1, 2, 3, 43, 46, 97, 98]
        let set = rule.cooperativeSet(around: sources, lengthUm: 100)
        #expect(set == [0...8, 9...15, 41...45, 94...100])
        #expect(set.reduce(0) { $0 + $1.upperBound - $1.lowerBound } == 24)
        #expect(rule.cooperativeSet(around: [10, 12], lengthUm: 100).isEmpty)
        var single = rule
        single.cooperativeCount = 1
        #expect(single.cooperativeSet(around: [10, 12, 30], lengthUm: 100) == [5...17, 25...35])
        #expect(single.cooperativeSet(around: [10, 20], lengthUm: 100) == [5...25])   // touching discs join
    }

    /// Births: Poisson with mean g₁·|S|·days (g₁ = 0.5, |S| = 24 µm, 2 days:
    /// 24 per call; 2000 calls, 4 SE), positions uniform over S (each
    /// interval's share within 4 SE, binomial).
    @Test("cooperative births are Poisson at g₁·|S| per day, uniform over the set")
    func poissonRate() {
        let sources: [Double] = [40, 12, 99, 10, 14, 1, 2, 3, 43, 46, 97, 98]
        let set = rule.cooperativeSet(around: sources, lengthUm: 100)
        let positions = RandomStream(seed: 21).withHandle { random in
            (0..<2000).flatMap { _ in rule.births(around: sources, lengthUm: 100, days: 2, random: random) }
        }
        let expected = 0.5 * 24 * 2 * 2000.0
        #expect(abs(Double(positions.count) - expected) < 4 * expected.squareRoot())
        #expect(positions.allSatisfy { x in set.contains { $0.contains(x) } })
        let n = Double(positions.count)
        for interval in set {
            let p = (interval.upperBound - interval.lowerBound) / 24
            let share = Double(positions.filter { interval.contains($0) }.count) / n
            #expect(abs(share - p) < 4 * (p * (1 - p) / n).squareRoot())
        }
        #expect(RandomStream(seed: 1).withHandle { rule.births(around: [10, 12, 40], lengthUm: 100, days: 2, random: $0) }.isEmpty)
    }

    @Test("the rule is selectable: linear births follow the kernel of version 1")
    func linearSelectable() {
        var linear = rule
        linear.rule = .linear
        let sources = [50.0, 60.0]
        let a = RandomStream(seed: 3).withHandle { linear.births(around: sources, lengthUm: 100, days: 3, random: $0) }
        let b = RandomStream(seed: 3).withHandle { linear.linearBirths(around: sources, lengthUm: 100, days: 3, random: $0) }
        #expect(a == b && !a.isEmpty)
        #expect(ActivityGuidedSpinogenesis().rule == .cooperative)
    }
}
