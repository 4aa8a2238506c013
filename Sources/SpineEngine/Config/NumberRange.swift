/// The values a real-valued setting allows: from `lower` (included or not)
/// to `upper` (included).
struct NumberRange: Sendable, Equatable {
    var lower: Double
    var lowerIncluded: Bool
    var upper: Double

    /// [lower, upper].
    static func from(_ lower: Double, to upper: Double) -> NumberRange {
        NumberRange(lower: lower, lowerIncluded: true, upper: upper)
    }

    /// (lower, upper]: a value must be greater than `lower`.
    static func above(_ lower: Double, upTo upper: Double) -> NumberRange {
        NumberRange(lower: lower, lowerIncluded: false, upper: upper)
    }

    /// (0, upper].
    static func positive(upTo upper: Double) -> NumberRange { above(0, upTo: upper) }

    func contains(_ x: Double) -> Bool {
        (lowerIncluded ? x >= lower : x > lower) && x <= upper
    }

    /// What the range allows, in words: "a number from 0 to 1" or
    /// "a number greater than 0 and at most 5 µm".
    func allowed(unit: String) -> String {
        let suffix = unit.isEmpty ? "" : " \(unit)"
        let low = ConfigMapping.format(lower), high = ConfigMapping.format(upper)
        return lowerIncluded ? "a number from \(low) to \(high)\(suffix)" : "a number greater than \(low) and at most \(high)\(suffix)"
    }

    /// Interval notation: "[0, 1]", "(0, 5]".
    var interval: String {
        "\(lowerIncluded ? "[" : "(")\(ConfigMapping.format(lower)), \(ConfigMapping.format(upper))]"
    }
}
