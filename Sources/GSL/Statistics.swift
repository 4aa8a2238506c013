import CGSL

/// Sample statistics from GSL (`gsl_statistics_double`).
public enum Statistics {
    /// The mean (NaN for an empty sample).
    public static func mean(_ x: [Double]) -> Double {
        guard !x.isEmpty else { return .nan }
        return x.withUnsafeBufferPointer { gsl_stats_mean($0.baseAddress, 1, x.count) }
    }

    /// The population variance Σ(x − x̄)²/n about the sample mean (NaN for an empty sample).
    public static func populationVariance(_ x: [Double]) -> Double {
        guard !x.isEmpty else { return .nan }
        return x.withUnsafeBufferPointer { buffer in
            gsl_stats_variance_with_fixed_mean(buffer.baseAddress, 1, x.count, gsl_stats_mean(buffer.baseAddress, 1, x.count))
        }
    }

    /// The sample variance Σ(x − x̄)²/(n − 1) (NaN for fewer than two points).
    public static func variance(_ x: [Double]) -> Double {
        guard x.count > 1 else { return .nan }
        return x.withUnsafeBufferPointer { gsl_stats_variance($0.baseAddress, 1, x.count) }
    }

    /// The least-squares line y = intercept + slope·x (`gsl_fit_linear`); nil
    /// for fewer than two points or no spread in x.
    public static func linearFit(_ x: [Double], _ y: [Double]) -> (intercept: Double, slope: Double)? {
        precondition(x.count == y.count, "a fit of samples of different sizes")
        guard x.count > 1 else { return nil }
        var c0 = 0.0, c1 = 0.0, cov00 = 0.0, cov01 = 0.0, cov11 = 0.0, sumsq = 0.0
        let status = x.withUnsafeBufferPointer { a in
            y.withUnsafeBufferPointer { b in
                gsl_fit_linear(a.baseAddress, 1, b.baseAddress, 1, x.count, &c0, &c1, &cov00, &cov01, &cov11, &sumsq)
            }
        }
        return status == GSL_SUCCESS && c1.isFinite ? (c0, c1) : nil
    }

    /// Pearson's correlation coefficient; NaN for fewer than two points or
    /// when either sample has no spread (the coefficient is not defined).
    public static func correlation(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "correlation of samples of different sizes")
        guard x.count > 1 else { return .nan }
        let r = x.withUnsafeBufferPointer { a in y.withUnsafeBufferPointer { b in gsl_stats_correlation(a.baseAddress, 1, b.baseAddress, 1, x.count) } }
        return r.isFinite ? r : .nan
    }
    /// The median (`gsl_stats_median`, on a copy; NaN for an empty sample).
    public static func median(_ x: [Double]) -> Double {
        guard !x.isEmpty else { return .nan }
        var copy = x
        return copy.withUnsafeMutableBufferPointer { gsl_stats_median($0.baseAddress, 1, $0.count) }
    }

    /// Spearman's rank correlation (`gsl_stats_spearman`; ties get their
    /// mean rank); NaN for fewer than two points or when either sample has
    /// no spread.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "rank correlation of samples of different sizes")
        guard x.count > 1 else { return .nan }
        var work = [Double](repeating: 0, count: 2 * x.count)
        let r = x.withUnsafeBufferPointer { a in
            y.withUnsafeBufferPointer { b in
                work.withUnsafeMutableBufferPointer { gsl_stats_spearman(a.baseAddress, 1, b.baseAddress, 1, x.count, $0.baseAddress) }
            }
        }
        return r.isFinite ? r : .nan
    }
}
