import Foundation
import Yams

/// An experiment file parsed into a YAML tree, with `--set key.path=value`
/// overrides applied, ready for strict decoding.
struct ExperimentDocument {
    let root: ConfigMapping

    /// Parses `text` (the contents of `fileName`) and applies `overrides`.
    init(text: String, fileName: String, directory: String = "", overrides: [String] = []) throws {
        let source = ConfigSource(fileName: fileName, directory: directory)
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
        try ExperimentDocument.checkTags(tree, source: source, path: "")
        guard case .mapping = tree else {
            throw ConfigError(location: source.location(of: tree, keyPath: ""), keyPath: "",
                              message: "the document must be a mapping of keys to values, found \(ConfigMapping.describe(tree))")
        }
        for override in overrides {
            tree = try ExperimentDocument.apply(override, to: tree, source: source)
        }
        root = try ConfigMapping(tree, path: "", source: source)
    }

    /// The largest experiment file read (an experiment file is a few kB).
    static let maximumFileBytes = 4 << 20

    /// Reads and parses the file at `path`.
    init(path: String, overrides: [String] = []) throws {
        let fileName = (path as NSString).lastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigError(location: path, keyPath: "", message: "no such experiment file")
        }
        guard !isDirectory.boolValue else {
            throw ConfigError(location: path, keyPath: "", message: "is a directory, not an experiment file")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= ExperimentDocument.maximumFileBytes else {
            throw ConfigError(location: path, keyPath: "",
                              message: "the file has \(size) bytes; allowed: an experiment file of at most \(ExperimentDocument.maximumFileBytes) bytes")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigError(location: path, keyPath: "", message: "cannot read the experiment file (\(String(cString: strerror(errno)).lowercased()))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            let valid = data.prefix { $0 < 0x80 }.count
            throw ConfigError(location: path, keyPath: "", message: "is not UTF-8 text (first bad byte near offset \(valid)); allowed: a UTF-8 YAML file")
        }
        try self.init(text: text, fileName: fileName, directory: (path as NSString).deletingLastPathComponent, overrides: overrides)
    }

    /// YAML's core tags are the only ones an experiment file may carry
    /// (an application tag such as `!!python/object` is rejected).
    static func checkTags(_ node: Node, source: ConfigSource, path: String) throws {
        let core: Set<String> = [Tag.Name.str, .int, .float, .bool, .null, .map, .seq].map(\.rawValue).reduce(into: []) { $0.insert($1) }
        guard core.contains(node.tag.rawValue) else {
            throw ConfigError(location: source.location(of: node, keyPath: path), keyPath: path,
                              message: "the tag \(node.tag.rawValue) is not allowed; allowed: plain YAML values (text, numbers, true/false, lists, mappings)")
        }
        switch node {
        case let .mapping(mapping):
            for (key, value) in mapping {
                try checkTags(key, source: source, path: path)
                let name = key.scalar?.string ?? ""
                try checkTags(value, source: source, path: path.isEmpty ? name : "\(path).\(name)")
            }
        case let .sequence(sequence):
            for (index, element) in sequence.enumerated() { try checkTags(element, source: source, path: "\(path)[\(index)]") }
        default:
            break
        }
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
    func grid(_ key: String, in closed: ClosedRange<Double>, unit: String, maxCount: Int = 100_000) throws -> [Double] {
        let range = NumberRange.from(closed.lowerBound, to: closed.upperBound)
        let allowed = "a number, a list of numbers, or {from: a, to: b, step: s}, each \(range.allowed(unit: unit))"
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
            let from = try axis.double("from", in: closed, unit: unit)
            let to = try axis.double("to", in: closed, unit: unit)
            let step = try axis.positiveDouble("step", upTo: closed.upperBound - closed.lowerBound, unit: unit)
            try axis.finish()
            guard to >= from else {
                throw error(key, node, "'to' (\(ConfigMapping.format(to))) is below 'from' (\(ConfigMapping.format(from))); allowed: from ≤ to")
            }
            // Counted in floating point first: a tiny step must not overflow Int.
            let steps = ((to - from) / step + 1e-9).rounded(.down)
            guard steps < Double(maxCount) else {
                throw error(key, node, "the range has \(ConfigMapping.format(steps + 1)) values; allowed: at most \(maxCount)")
            }
            let count = Int(steps) + 1
            return (0..<count).map { i in
                let x = from + Double(i) * step
                return (x * 1e9).rounded() / 1e9   // drop representation noise (e.g. 0.30000000000000004)
            }
        case .alias:
            throw error(key, node, "aliases are not allowed here; allowed: \(allowed)")
        }
    }
}
