import CGSL
import Foundation

/// A 1-D histogram with arbitrary bin edges (`gsl_histogram` with
/// `gsl_histogram_set_ranges`). Values outside the edges are counted in
/// `below` and `above`.
public final class Histogram {
    private let histogram: UnsafeMutablePointer<gsl_histogram>
    public let edges: [Double]
    public private(set) var below = 0
    public private(set) var above = 0

    /// - Parameter edges: strictly increasing, at least two.
    public init(edges: [Double]) {
        precondition(edges.count >= 2 && zip(edges, edges.dropFirst()).allSatisfy { $0 < $1 }, "histogram edges must increase")
        GSLRuntime.prepare()
        guard let h = gsl_histogram_alloc(edges.count - 1) else { fatalError("gsl_histogram_alloc failed") }
        histogram = h
        self.edges = edges
        _ = edges.withUnsafeBufferPointer { gsl_histogram_set_ranges(h, $0.baseAddress, edges.count) }
    }

    /// `count` log-spaced bins from `lower` to `upper` (both > 0).
    public convenience init(logSpacedFrom lower: Double, to upper: Double, bins count: Int) {
        precondition(lower > 0 && upper > lower && count >= 1)
        let ratio = pow(upper / lower, 1 / Double(count))
        self.init(edges: (0...count).map { $0 == count ? upper : lower * pow(ratio, Double($0)) })
    }

    deinit { gsl_histogram_free(histogram) }

    public var binCount: Int { edges.count - 1 }

    public func add(_ x: Double, weight: Double = 1) {
        if x < edges[0] { below += 1; return }
        if x >= edges[edges.count - 1] { above += 1; return }
        _ = gsl_histogram_accumulate(histogram, x, weight)
    }

    public func count(bin: Int) -> Double { gsl_histogram_get(histogram, bin) }

    /// The bin holding x, or nil outside the edges.
    public func bin(of x: Double) -> Int? {
        var index = 0
        return gsl_histogram_find(histogram, x, &index) == GSL_SUCCESS ? index : nil
    }

    public func reset() {
        gsl_histogram_reset(histogram)
        below = 0
        above = 0
    }
}
