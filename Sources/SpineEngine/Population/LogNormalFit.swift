import CGSL
import GSL

/// Maximum-likelihood log-normal fit of volumes and the Kolmogorov–Smirnov
/// statistic of the sample against the fitted law.
public struct LogNormalFit: Sendable, Equatable, Codable {
    public let count: Int
    /// µ, mean of ln v.
    public let mu: Double
    /// σ, maximum-likelihood SD of ln v (divisor n).
    public let sigma: Double
    /// sup |F_n − F_fit|.
    public let ksStatistic: Double

    /// - Parameter logVolumes: ln v of the sample; sorted in place.
    public init(logVolumes: inout [Double]) {
        count = logVolumes.count
        guard count > 1 else {
            mu = logVolumes.first ?? .nan
            sigma = .nan
            ksStatistic = .nan
            return
        }
        let n = Double(count)
        let mean = logVolumes.reduce(0, +) / n
        let variance = logVolumes.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        mu = mean
        sigma = variance.squareRoot()
        logVolumes.withUnsafeMutableBufferPointer { gsl_sort($0.baseAddress, 1, $0.count) }
        var d = 0.0
        for (i, x) in logVolumes.enumerated() {
            let f = CDF.standardNormal((x - mean) / sigma)
            d = max(d, abs(Double(i + 1) / n - f), abs(f - Double(i) / n))
        }
        ksStatistic = d
    }
}
