/// One key of an experiment file as the reference and the JSON Schema show
/// it: name, type with its allowed range or choices, default, unit and a
/// one-line description.
struct SettingDeclaration: Sendable {
    var key: String
    var type: SettingType
    var unit: String = ""
    /// The value used when the key is absent (nil: required, or no single default).
    var defaultValue: ConfigTree? = nil
    var required = false
    var summary: String
    /// Keys of the same mapping this one stands in for: none of them may be
    /// given with it, and a required one is required only without it
    /// (`initial_state` replaces `dendrites` and `initial_population`).
    var replaces: [String] = []
}

extension SettingDeclaration {
    /// The default of a number key.
    var defaultNumber: Double {
        guard case let .number(x)? = defaultValue else { preconditionFailure("\(key) has no default number") }
        return x
    }
}

/// What values a setting takes.
indirect enum SettingType: Sendable {
    /// A finite real number in the range.
    case number(NumberRange)
    case integer(ClosedRange<Int>)
    /// true or false.
    case flag
    case choice([String])
    case text
    /// A number in the range, or the word `auto`.
    case numberOrAuto(NumberRange)
    /// A number, a list of numbers, or `{from, to, step}` (both ends
    /// included); `whole`: whole numbers only.
    case grid(NumberRange, whole: Bool)
    /// A mapping of its own keys; `name` names it in the schema's `$defs`.
    case section(name: String, [SettingDeclaration])
    /// A non-empty list of items; `name` names it in the schema's `$defs`
    /// (an item may contain the list again, as a fork's branches do).
    case list(name: String, SettingType)
    /// One of several forms (e.g. a preset's sections, or a word or a mapping).
    case oneOf(String, [SettingType])
    /// A form the other types do not cover, with its schema.
    case custom(String, schema: ConfigTree)

    /// The type in a few words (the reference's "type" column).
    var summary: String {
        switch self {
        case let .number(range): "number in \(range.interval)"
        case let .integer(range): "integer in [\(range.lowerBound), \(range.upperBound)]"
        case .flag: "true or false"
        case let .choice(choices): choices.count > 12 ? "one of \(choices.count) names" : choices.map { "`\($0)`" }.joined(separator: " \\| ")
        case .text: "text"
        case let .numberOrAuto(range): "`auto` or number in \(range.interval)"
        case let .grid(range, whole): "\(whole ? "whole number" : "number"), list or {from, to, step} in \(range.interval)"
        case .section: "mapping"
        case .list: "list"
        case let .oneOf(summary, _): summary
        case let .custom(summary, _): summary
        }
    }
}
