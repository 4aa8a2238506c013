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

    /// - Parameters:
    ///   - logVolumes: ln v of the sample; sorted in place.
    ///   - threads: workers for the sort and the KS distance (same result for any number).
    public init(logVolumes: inout [Double], threads: Int = 1) {
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
        parallelSort(&logVolumes, threads: threads)
        let sorted = logVolumes, sd = sigma
        let distances = parallelChunks(count: sorted.count, parts: threads, threads: threads) { range in
            var d = 0.0
            for i in range {
                let f = CDF.standardNormal((sorted[i] - mean) / sd)
                d = max(d, abs(Double(i + 1) / n - f), abs(f - Double(i) / n))
            }
            return d
        }
        ksStatistic = distances.max()!
    }
}
