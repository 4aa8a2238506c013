import Foundation
import Yams

/// An experiment file parsed into a YAML tree, with `--set key.path=value`
/// overrides applied, ready for strict decoding.
struct ExperimentDocument {
    let root: ConfigMapping

    /// Parses `text` (the contents of `fileName`) and applies `overrides`.
    init(text: String, fileName: String, overrides: [String] = []) throws {
        let source = ConfigSource(fileName: fileName)
        var tree: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else {
                throw ConfigError(location: fileName, keyPath: "",
                                  message: "the document is empty; an experiment file is a mapping that starts with 'experiment: <kind>'")
            }
            tree = composed
        } catch let error as ConfigError {
            throw error
        } catch let error as YamlError {
            let (position, summary) = ExperimentDocument.summary(of: error)
            throw ConfigError(location: position.map { "\(fileName):\($0)" } ?? fileName, keyPath: "",
                              message: "not valid YAML: \(summary)")
        } catch {
            throw ConfigError(location: fileName, keyPath: "", message: "not valid YAML: \(error)")
        }
        guard case .mapping = tree else {
            throw ConfigError(location: source.location(of: tree, keyPath: ""), keyPath: "",
                              message: "the document must be a mapping of keys to values, found \(ConfigMapping.describe(tree))")
        }
        for override in overrides {
            tree = try ExperimentDocument.apply(override, to: tree, source: source)
        }
        root = try ConfigMapping(tree, path: "", source: source)
    }

    /// Reads and parses the file at `path`.
    init(path: String, overrides: [String] = []) throws {
        let fileName = (path as NSString).lastPathComponent
        let text: String
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError(location: path, keyPath: "", message: "no such experiment file")
        }
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(location: path, keyPath: "", message: "cannot read the experiment file (\(error.localizedDescription))")
        }
        try self.init(text: text, fileName: fileName, overrides: overrides)
    }

    /// Applies one `key.path=value` override, the value parsed as YAML.
    static func apply(_ override: String, to tree: Node, source: ConfigSource) throws -> Node {
        guard let equals = override.firstIndex(of: "=") else {
            throw ConfigError(location: "--set \(override)", keyPath: "", message: "an override is written key.path=value")
        }
        let path = String(override[..<equals])
        let text = String(override[override.index(after: equals)...])
        let keys = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !keys.isEmpty, keys.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else {
            throw ConfigError(location: "--set \(override)", keyPath: path, message: "not a key path; write keys separated by dots, e.g. pairing.pairs=30")
        }
        let value: Node
        do {
            guard let parsed = try Yams.compose(yaml: text) else {
                throw ConfigError(location: "--set \(override)", keyPath: path, message: "the value is empty")
            }
            value = parsed
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(location: "--set \(override)", keyPath: path, message: "the value is not valid YAML")
        }
        source.noteOverride(path: path, text: text)
        return try set(value, at: keys[...], in: tree, walked: "", override: override)
    }

    private static func set(_ value: Node, at keys: ArraySlice<String>, in node: Node, walked: String, override: String) throws -> Node {
        guard let key = keys.first else { return value }
        let path = walked.isEmpty ? key : "\(walked).\(key)"
        // A list element by its index (from 0): schedule.1.home_cage.days=200.
        if case var .sequence(sequence) = node {
            guard let index = Int(key), sequence.indices.contains(index) else {
                throw ConfigError(location: "--set \(override)", keyPath: walked,
                                  message: "holds a list of \(sequence.count), so '\(key)' names no element; allowed: an index from 0 to \(sequence.count - 1)")
            }
            sequence[index] = try set(value, at: keys.dropFirst(), in: sequence[index], walked: path, override: override)
            return .sequence(sequence)
        }
        guard case var .mapping(mapping) = node else {
            throw ConfigError(location: "--set \(override)", keyPath: walked,
                              message: "holds \(ConfigMapping.describe(node)), not a mapping, so it has no key '\(key)'")
        }
        let child = mapping[Node(key)] ?? Node([(Node, Node)]())
        mapping[Node(key)] = try set(value, at: keys.dropFirst(), in: child, walked: path, override: override)
        return .mapping(mapping)
    }

    /// A Yams error as (line:column, first two lines of its text).
    private static func summary(of error: YamlError) -> (position: String?, text: String) {
        var text = "\(error)".split(separator: "\n", omittingEmptySubsequences: true).prefix(2)
            .joined(separator: " ").trimmingCharacters(in: .whitespaces)
        // Yams writes "LINE:COLUMN: error: …" for scanner and parser errors.
        if let match = text.firstMatch(of: #/^(\d+:\d+): error: /#) {
            text.removeSubrange(match.range)
            return (String(match.1), text)
        }
        return (nil, text)
    }
}

extension ConfigMapping {
    /// A sweep axis: a single number, a list of numbers, or a range written
    /// `{from: a, to: b, step: s}` (both ends included).
    func grid(_ key: String, in range: ClosedRange<Double>, unit: String, maxCount: Int = 100_000) throws -> [Double] {
        let allowed = "a number, a list of numbers, or {from: a, to: b, step: s}, each \(ConfigMapping.describe(range, unit: unit))"
        guard let node = value(key) else { throw missing(key, allowed: allowed) }
        switch node {
        case .scalar:
            return [try ConfigMapping.number(node, in: range, unit: unit) { error(key, node, $0) }]
        case let .sequence(sequence):
            guard !sequence.isEmpty else { throw error(key, node, "the list is empty; allowed: \(allowed)") }
            guard sequence.count <= maxCount else { throw error(key, node, "the list has \(sequence.count) values; allowed: at most \(maxCount)") }
            return try sequence.enumerated().map { index, element in
                try ConfigMapping.number(element, in: range, unit: unit) { error("\(key)[\(index)]", element, $0) }
            }
        case .mapping:
            let axis = try ConfigMapping(node, path: keyPath(key), source: source)
            let from = try axis.double("from", in: range, unit: unit)
            let to = try axis.double("to", in: range, unit: unit)
            let step = try axis.positiveDouble("step", upTo: range.upperBound - range.lowerBound, unit: unit)
            try axis.finish()
            guard to >= from else {
                throw error(key, node, "'to' (\(ConfigMapping.format(to))) is below 'from' (\(ConfigMapping.format(from))); allowed: from ≤ to")
            }
            let count = Int(((to - from) / step + 1e-9).rounded(.down)) + 1
            guard count <= maxCount else { throw error(key, node, "the range has \(count) values; allowed: at most \(maxCount)") }
            return (0..<count).map { i in
                let x = from + Double(i) * step
                return (x * 1e9).rounded() / 1e9   // drop representation noise (e.g. 0.30000000000000004)
            }
        case .alias:
            throw error(key, node, "aliases are not allowed here; allowed: \(allowed)")
        }
    }
}
