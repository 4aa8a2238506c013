import CGSL

/// A GSL random number generator algorithm, chosen by its GSL name
/// (`taus2`, `gfsr4`, `mt19937`, `ranlxd2`, …).
public struct GeneratorType: Sendable, Equatable, CustomStringConvertible {
    /// GSL's name of the algorithm.
    public let name: String

    /// The default: taus2 (L'Ecuyer's maximally equidistributed Tausworthe
    /// generator): fast, statistically good, and 24 bytes of state, so one
    /// stream per dendrite costs nothing in memory or checkpoints.
    public static let taus2 = GeneratorType(validatedName: "taus2")
    public static let defaultType = taus2

    private init(validatedName: String) { name = validatedName }

    /// Looks a generator up by its GSL name; nil if GSL has none of that name.
    public init?(name: String) {
        guard GeneratorType.allNames.contains(name) else { return nil }
        self.name = name
    }

    public var description: String { name }

    /// Every generator name this GSL provides.
    public static let allNames: [String] = {
        var names: [String] = []
        guard var cursor = gsl_rng_types_setup() else { return names }
        while let type = cursor.pointee {
            names.append(String(cString: type.pointee.name))
            cursor += 1
        }
        return names
    }()

    /// The GSL type object. Looked up on demand: GSL's globals are only
    /// touched through `gsl_rng_types_setup()` or the shim's accessors.
    var gslType: UnsafePointer<gsl_rng_type> {
        if name == "taus2" { return cgsl_rng_taus2() }
        guard var cursor = gsl_rng_types_setup() else { fatalError("GSL has no generator table") }
        while let type = cursor.pointee {
            if String(cString: type.pointee.name) == name { return type }
            cursor += 1
        }
        fatalError("GSL generator \(name) vanished after validation")
    }
}
