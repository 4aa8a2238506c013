import Foundation
import Yams

/// Where the nodes of one experiment document came from: the file, and the
/// key paths that `--set` overrides replaced (their errors name the override).
final class ConfigSource {
    let fileName: String
    /// The folder of the experiment file as its path was given ("" for text
    /// parsed without a file: the current folder); data files named in the
    /// experiment (`dendrites.from_csv`) are relative to it.
    let directory: String
    private(set) var overrides: [String: String] = [:]

    init(fileName: String, directory: String = "") {
        self.fileName = fileName
        self.directory = directory
    }

    /// `path` relative to the experiment file's folder (absolute paths as they are).
    func resolve(_ path: String) -> String {
        path.hasPrefix("/") || directory.isEmpty ? path : (directory as NSString).appendingPathComponent(path)
    }

    func noteOverride(path: String, text: String) { overrides[path] = text }

    func location(of node: Node?, keyPath: String) -> String {
        // List elements are written schedule[1] in key paths, schedule.1 in --set.
        var prefix = keyPath.replacingOccurrences(of: "[", with: ".").replacingOccurrences(of: "]", with: "")
        while !prefix.isEmpty {
            if let text = overrides[prefix] { return "--set \(prefix)=\(text)" }
            guard let dot = prefix.lastIndex(of: ".") else { break }
            prefix = String(prefix[..<dot])
        }
        if let mark = node?.mark { return "\(fileName):\(mark.line):\(mark.column)" }
        return fileName
    }
}

/// Strict reading of one YAML mapping: every key must be read by the decoder,
/// values must have the right type, be finite and lie in their allowed range.
/// `finish()` rejects any key that was not read.
final class ConfigMapping {
    let node: Node
    let path: String
    let source: ConfigSource
    private let pairs: [(key: String, keyNode: Node, value: Node)]
    private var consumed: Set<String> = []
    private var known: [String] = []

    init(_ node: Node, path: String, source: ConfigSource) throws {
        guard case let .mapping(mapping) = node else {
            throw ConfigError(location: source.location(of: node, keyPath: path), keyPath: path,
                              message: "expected a mapping of keys to values, found \(ConfigMapping.describe(node))")
        }
        var pairs: [(key: String, keyNode: Node, value: Node)] = []
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                throw ConfigError(location: source.location(of: key, keyPath: path), keyPath: path,
                                  message: "keys must be plain names, found \(ConfigMapping.describe(key))")
            }
            pairs.append((name, key, value))
        }
        self.node = node
        self.path = path
        self.source = source
        self.pairs = pairs
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The value node of `key`, marked as read; nil if absent.
    func value(_ key: String) -> Node? {
        known.append(key)
        consumed.insert(key)
        return pairs.first { $0.key == key }?.value
    }

    func contains(_ key: String) -> Bool { pairs.contains { $0.key == key } }

    /// The value node of `key` without marking it as read (nil if absent).
    func peek(_ key: String) -> Node? { pairs.first { $0.key == key }?.value }

    /// The node at a dotted path below this mapping, without marking anything read.
    func peek(path: String) -> Node? {
        var node: Node? = .mapping(Node.Mapping(pairs.map { ($0.keyNode, $0.value) }))
        for key in path.split(separator: ".") {
            guard case let .mapping(mapping)? = node else { return nil }
            node = mapping[String(key)]
        }
        return node
    }

    /// The keys present, in file order.
    var keys: [String] { pairs.map(\.key) }

    func error(_ key: String, _ node: Node?, _ message: String) -> ConfigError {
        let path = keyPath(key)
        return ConfigError(location: source.location(of: node ?? self.node, keyPath: path), keyPath: path, message: message)
    }

    /// The error that `key` is required, or, when a key not read yet is a
    /// misspelling of it, that this key is unknown.
    func missing(_ key: String, allowed: String) -> ConfigError {
        if let typo = pairs.first(where: { !consumed.contains($0.key) && ConfigMapping.nearest(to: $0.key, among: [key]) != nil }) {
            return error(typo.key, typo.keyNode, "unknown key; did you mean \"\(key)\"? (\(key) is required; allowed: \(allowed))")
        }
        return error(key, nil, "is required; allowed: \(allowed)")
    }

    // MARK: typed values

    /// A finite real number in `range`, nil when the key is absent. Every
    /// error (not a number, not finite, out of range) states the range.
    func number(_ key: String, in range: NumberRange, unit: String = "") throws -> Double? {
        guard let node = value(key) else { return nil }
        return try ConfigMapping.number(node, in: range, unit: unit) { self.error(key, node, $0) }
    }

    /// A finite real number within `range`.
    func double(_ key: String, in range: ClosedRange<Double>, default defaultValue: Double? = nil, unit: String = "") throws -> Double {
        let numbers = NumberRange.from(range.lowerBound, to: range.upperBound)
        return try required(key, number(key, in: numbers, unit: unit) ?? defaultValue, allowed: numbers.allowed(unit: unit))
    }

    /// A real number that must be > `lowerBound` (open at the bottom).
    func positiveDouble(_ key: String, above lowerBound: Double = 0, upTo upper: Double,
                        default defaultValue: Double? = nil, unit: String = "") throws -> Double {
        let range = NumberRange.above(lowerBound, upTo: upper)
        return try required(key, number(key, in: range, unit: unit) ?? defaultValue, allowed: range.allowed(unit: unit))
    }

    /// An integer in `range`, nil when the key is absent.
    func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let node = value(key) else { return nil }
        return try ConfigMapping.integer(node, in: range) { self.error(key, node, $0) }
    }

    /// An integer within `range`.
    func int(_ key: String, in range: ClosedRange<Int>, default defaultValue: Int? = nil) throws -> Int {
        try required(key, integer(key, in: range) ?? defaultValue, allowed: "an integer from \(range.lowerBound) to \(range.upperBound)")
    }

    /// `value`, or the error that `key` is required.
    private func required<Value>(_ key: String, _ value: Value?, allowed: String) throws -> Value {
        guard let value else { throw missing(key, allowed: allowed) }
        return value
    }

    /// The number of a declared key (`.number` type): its value, else its
    /// default; a required key must be present.
    func number(_ declaration: SettingDeclaration) throws -> Double {
        guard case let .number(range) = declaration.type else { preconditionFailure("\(declaration.key) is not a number") }
        let fallback: Double? = if case let .number(x)? = declaration.defaultValue { x } else { nil }
        return try required(declaration.key, number(declaration.key, in: range, unit: declaration.unit) ?? fallback,
                            allowed: range.allowed(unit: declaration.unit))
    }

    /// The number of a declared key (`.number` type), nil when absent.
    func number(ifPresent declaration: SettingDeclaration) throws -> Double? {
        guard case let .number(range) = declaration.type else { preconditionFailure("\(declaration.key) is not a number") }
        return try number(declaration.key, in: range, unit: declaration.unit)
    }

    /// The integer of a declared key (`.integer` type), nil when absent.
    func integer(ifPresent declaration: SettingDeclaration) throws -> Int? {
        guard case let .integer(range) = declaration.type else { preconditionFailure("\(declaration.key) is not an integer") }
        return try integer(declaration.key, in: range)
    }

    /// The integer of a declared key (`.integer` type): its value, else its
    /// default (`runtimeDefault` for a key whose default depends on others).
    func integer(_ declaration: SettingDeclaration, default runtimeDefault: Int? = nil) throws -> Int {
        guard case let .integer(range) = declaration.type else { preconditionFailure("\(declaration.key) is not an integer") }
        let declared: Int? = if case let .number(x)? = declaration.defaultValue { Int(x) } else { nil }
        return try int(declaration.key, in: range, default: runtimeDefault ?? declared)
    }

    /// The grid of a declared key (`.grid` type), nil when absent (the
    /// caller's default applies).
    func grid(_ declaration: SettingDeclaration, maxCount: Int = 100_000) throws -> [Double]? {
        guard case let .grid(range, whole) = declaration.type else { preconditionFailure("\(declaration.key) is not a grid") }
        guard contains(declaration.key) || declaration.required else { _ = value(declaration.key); return nil }
        let values = try grid(declaration.key, in: range.lower...range.upper, unit: declaration.unit, maxCount: maxCount)
        if whole, let fraction = values.first(where: { $0 != $0.rounded() }) {
            throw error(declaration.key, peek(declaration.key),
                        "\(fraction) is not a whole number; allowed: whole numbers from \(ConfigMapping.format(range.lower)) to \(ConfigMapping.format(range.upper))")
        }
        return values
    }

    /// A non-negative 64-bit integer (seeds).
    func uint64(_ key: String, default defaultValue: UInt64) throws -> UInt64 {
        guard let node = value(key) else { return defaultValue }
        guard let scalar = node.scalar, node.isTagged(.int), let x = UInt64(scalar.string.replacingOccurrences(of: "_", with: "")) else {
            throw error(key, node, "value \(ConfigMapping.describe(node)) is not allowed; allowed: an integer from 0 to \(UInt64.max)")
        }
        return x
    }

    /// A string from a fixed set of choices. `allowed` describes them when
    /// the list is too long to print.
    func choice(_ key: String, from choices: [String], default defaultValue: String? = nil,
                allowed description: String? = nil) throws -> String {
        let allowed = description ?? ConfigMapping.oneOf(choices)
        guard let node = value(key) else {
            if let defaultValue { return defaultValue }
            throw missing(key, allowed: allowed)
        }
        guard let scalar = node.scalar, choices.contains(scalar.string) else {
            throw error(key, node, "value \(ConfigMapping.describe(node)) is not allowed; allowed: \(allowed)")
        }
        return scalar.string
    }

    /// Free text (descriptions).
    func text(_ key: String) throws -> String? {
        guard let node = value(key) else { return nil }
        guard let scalar = node.scalar, node.isTagged(.str) else {
            throw error(key, node, "value \(ConfigMapping.describe(node)) is not allowed; allowed: a text string")
        }
        return scalar.string
    }

    /// A nested mapping (nil if absent).
    func mapping(_ key: String) throws -> ConfigMapping? {
        guard let node = value(key) else { return nil }
        return try ConfigMapping(node, path: keyPath(key), source: source)
    }

    /// Rejects keys the decoder did not read.
    func finish() throws {
        for (key, keyNode, _) in pairs where !consumed.contains(key) {
            let allowed = known.isEmpty ? "no keys" : known.map { "\"\($0)\"" }.joined(separator: ", ")
            let suggestion = ConfigMapping.nearest(to: key, among: known).map { "; did you mean \"\($0)\"?" } ?? ""
            throw error(key, keyNode, "unknown key; allowed keys here: \(allowed)\(suggestion)")
        }
    }

    // MARK: shared helpers

    static func number(_ node: Node, in range: NumberRange, unit: String,
                       error: (String) -> ConfigError) throws -> Double {
        let allowed = range.allowed(unit: unit)
        guard let scalar = node.scalar, node.isTagged(.float) || node.isTagged(.int),
              let x = node.float ?? node.int.map(Double.init) else {
            throw error("value \(describe(node)) is not a number; allowed: \(allowed)")
        }
        guard x.isFinite else {
            throw error("value \(scalar.string) is not finite; allowed: \(allowed)")
        }
        guard range.contains(x) else {
            throw error("value \(scalar.string) is out of range; allowed: \(allowed)")
        }
        return x
    }

    /// The known key nearest to a misspelt `key` (at most two edits, or a
    /// third of its length, away), if there is one.
    static func nearest(to key: String, among known: [String]) -> String? {
        let limit = max(2, key.count / 3)
        let scored = known.map { ($0, editDistance(key, $0)) }.filter { $0.1 <= limit }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// Levenshtein distance between two strings.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let b = Array(b)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }

    static func integer(_ node: Node, in range: ClosedRange<Int>, error: (String) -> ConfigError) throws -> Int {
        let allowed = "an integer from \(range.lowerBound) to \(range.upperBound)"
        guard node.scalar != nil, node.isTagged(.int), let x = node.int else {
            throw error("value \(describe(node)) is not an integer; allowed: \(allowed)")
        }
        guard range.contains(x) else {
            throw error("value \(x) is out of range; allowed: \(allowed)")
        }
        return x
    }

    static func oneOf(_ choices: [String]) -> String {
        "one of " + choices.map { "\"\($0)\"" }.joined(separator: ", ")
    }

    static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
    }

    /// A short human description of a node, for messages.
    static func describe(_ node: Node) -> String {
        switch node {
        case let .scalar(scalar):
            let shown = scalar.string.count > 40 ? String(scalar.string.prefix(40)) + "…" : scalar.string
            return node.isTagged(.str) ? "\"\(shown)\" (text)" : shown
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

extension Node {
    /// Whether the node's resolved YAML tag is `name` (quoted scalars are text).
    func isTagged(_ name: Tag.Name) -> Bool { tag.rawValue == name.rawValue }
}
