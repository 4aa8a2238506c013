/// A configuration written back out (the resolved configuration of a
/// manifest) in the experiment file's own key names and nesting, so that it
/// is itself a valid experiment file; also any JSON value (the schema).
public indirect enum ConfigTree: Encodable, Sendable, ExpressibleByDictionaryLiteral, ExpressibleByStringLiteral,
    ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral {
    case number(Double)
    case text(String)
    case flag(Bool)
    case list([ConfigTree])
    case map([(String, ConfigTree)])

    public init(dictionaryLiteral elements: (String, ConfigTree)...) { self = .map(elements) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(booleanLiteral value: Bool) { self = .flag(value) }
    public init(arrayLiteral elements: ConfigTree...) { self = .list(elements) }

    public static func numbers<S: Sequence>(_ values: S) -> ConfigTree where S.Element: BinaryInteger {
        .list(values.map { .number(Double($0)) })
    }

    struct CodingName: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case let .number(x):
            var c = encoder.singleValueContainer()
            if x == x.rounded() && abs(x) < 1e15 { try c.encode(Int64(x)) } else { try c.encode(x) }
        case let .text(s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case let .flag(b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case let .list(items):
            var c = encoder.unkeyedContainer()
            for item in items { try c.encode(item) }
        case let .map(pairs):
            var c = encoder.container(keyedBy: CodingName.self)
            for (key, value) in pairs { try c.encode(value, forKey: CodingName(stringValue: key)) }
        }
    }
}
