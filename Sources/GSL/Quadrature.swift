import CGSL

/// Adaptive numerical integration (GSL QUADPACK: `gsl_integration_qags` on
/// finite intervals, `gsl_integration_qagiu` on [a, ∞)), with a Swift
/// closure as integrand. Off the hot path: for set-up computations.
public enum Quadrature {
    public struct Result: Sendable {
        public let value: Double
        public let estimatedError: Double
    }

    private final class Box {
        let integrand: (Double) -> Double
        init(_ integrand: @escaping (Double) -> Double) { self.integrand = integrand }
    }

    private static func withFunction<T>(_ integrand: @escaping (Double) -> Double,
                                        _ body: (UnsafeMutablePointer<gsl_function>, UnsafeMutablePointer<gsl_integration_workspace>) throws -> T) throws -> T {
        GSLRuntime.prepare()
        let box = Box(integrand)
        let limit = 1000
        guard let workspace = gsl_integration_workspace_alloc(limit) else { fatalError("gsl_integration_workspace_alloc failed") }
        defer { gsl_integration_workspace_free(workspace) }
        var function = gsl_function(function: { x, context in
            Unmanaged<Box>.fromOpaque(context!).takeUnretainedValue().integrand(x)
        }, params: Unmanaged.passUnretained(box).toOpaque())
        return try withExtendedLifetime(box) {
            try body(&function, workspace)
        }
    }

    /// ∫_a^b f(x) dx (singularities at the ends allowed).
    public static func integrate(from a: Double, to b: Double, absoluteTolerance: Double = 0,
                                 relativeTolerance: Double = 1e-10, _ f: @escaping (Double) -> Double) throws -> Result {
        try withFunction(f) { function, workspace in
            var value = 0.0, error = 0.0
            let status = gsl_integration_qags(function, a, b, absoluteTolerance, relativeTolerance, 1000,
                                              workspace, &value, &error)
            guard status == GSL_SUCCESS else { throw GSLError(code: status, context: "gsl_integration_qags on [\(a), \(b)]") }
            return Result(value: value, estimatedError: error)
        }
    }

    /// ∫_a^∞ f(x) dx.
    public static func integrate(from a: Double, toInfinity _: Void = (), absoluteTolerance: Double = 0,
                                 relativeTolerance: Double = 1e-10, _ f: @escaping (Double) -> Double) throws -> Result {
        try withFunction(f) { function, workspace in
            var value = 0.0, error = 0.0
            let status = gsl_integration_qagiu(function, a, absoluteTolerance, relativeTolerance, 1000,
                                               workspace, &value, &error)
            guard status == GSL_SUCCESS else { throw GSLError(code: status, context: "gsl_integration_qagiu on [\(a), ∞)") }
            return Result(value: value, estimatedError: error)
        }
    }
}

/// Cumulative distribution functions from GSL.
public enum CDF {
    /// Φ(x), the standard normal CDF.
    @inlinable public static func standardNormal(_ x: Double) -> Double { gsl_cdf_ugaussian_P(x) }
    /// 1 − Φ(x), accurate in the upper tail.
    @inlinable public static func standardNormalUpper(_ x: Double) -> Double { gsl_cdf_ugaussian_Q(x) }
    /// Φ⁻¹(p).
    @inlinable public static func standardNormalQuantile(_ p: Double) -> Double { gsl_cdf_ugaussian_Pinv(p) }
    /// Q⁻¹(q) = Φ⁻¹(1 − q), accurate for small q (+∞ at q = 0, −∞ at q = 1).
    @inlinable public static func standardNormalUpperQuantile(_ q: Double) -> Double { gsl_cdf_ugaussian_Qinv(q) }
    /// Upper tail of the chi-squared distribution with `dof` degrees of freedom.
    @inlinable public static func chiSquaredUpper(_ x: Double, degreesOfFreedom dof: Double) -> Double { gsl_cdf_chisq_Q(x, dof) }
}

/// Special functions from GSL.
public enum SpecialFunction {
    /// Dawson's integral D(x) = e^{−x²} ∫₀ˣ e^{t²} dt (`gsl_sf_dawson`).
    @inlinable public static func dawson(_ x: Double) -> Double { gsl_sf_dawson(x) }
}
