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
        // The parser is kept until the tags are checked: it holds the
        // anchors, which nodes reference only weakly.
        var parser: Parser?
        do {
            parser = try Parser(yaml: text)
            guard let composed = try parser?.singleRoot() else {
                throw ConfigError(location: fileName, keyPath: "",
                                  message: "the document is empty; an experiment file is a mapping that starts with 'experiment: <kind>'")
            }
            tree = composed
        } catch let error as ConfigError {
            throw error
        } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
            let mark = context.mark
            let path = ExperimentDocument.blockKeyPath(in: text, line: mark.line, column: mark.column) ?? duplicates.first ?? ""
            throw ConfigError(location: "\(fileName):\(mark.line):\(mark.column)", keyPath: path,
                              message: "duplicate key\(duplicates.count > 1 ? "s \(duplicates.map { "'\($0)'" }.joined(separator: ", "))" : ""); allowed: each key once in a mapping")
        } catch let error as YamlError {
            let (position, summary) = ExperimentDocument.summary(of: error)
            throw ConfigError(location: position.map { "\(fileName):\($0)" } ?? fileName, keyPath: "",
                              message: "not valid YAML: \(summary)")
        } catch {
            throw ConfigError(location: fileName, keyPath: "", message: "not valid YAML: \(error)")
        }
        try withExtendedLifetime(parser) { try ExperimentDocument.checkTags(tree, source: source, path: "") }
        parser = nil
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
        let data: Data
        switch BoundedFile.read(path, limit: ExperimentDocument.maximumFileBytes) {
        case let .success(bytes):
            data = bytes
        case .failure(.missing):
            throw ConfigError(location: path, keyPath: "", message: "no such experiment file")
        case .failure(.directory):
            throw ConfigError(location: path, keyPath: "", message: "is a directory, not an experiment file")
        case .failure(.notRegular):
            throw ConfigError(location: path, keyPath: "", message: "is not a regular file (a FIFO, socket or device); allowed: an experiment file")
        case let .failure(.tooLarge(size)):
            throw ConfigError(location: path, keyPath: "",
                              message: "the file has \(size > ExperimentDocument.maximumFileBytes + 1 ? "\(size)" : "more than \(ExperimentDocument.maximumFileBytes)") bytes; allowed: an experiment file of at most \(ExperimentDocument.maximumFileBytes) bytes")
        case let .failure(.unreadable(reason)):
            throw ConfigError(location: path, keyPath: "", message: "cannot read the experiment file (\(reason))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            let valid = data.prefix { $0 < 0x80 }.count
            throw ConfigError(location: path, keyPath: "", message: "is not UTF-8 text (first bad byte near offset \(valid)); allowed: a UTF-8 YAML file")
        }
        try self.init(text: text, fileName: fileName, directory: (path as NSString).deletingLastPathComponent, overrides: overrides)
    }

    /// The key path of the key written at `line`:`column` (from 1) of a
    /// block-style document (`a.b.key`), found from the indentation of the
    /// lines above; nil when the key sits in a flow collection or a list,
    /// whose path indentation does not tell.
    static func blockKeyPath(in text: String, line: Int, column: Int) -> String? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        guard (1...lines.count).contains(line), column >= 1 else { return nil }
        func key(_ scalars: [UnicodeScalar], at start: Int) -> String? {
            var end = start
            while end < scalars.count, scalars[end] != ":", scalars[end] != " ", scalars[end] != "{", scalars[end] != "[",
                  scalars[end] != "-" || end > start { end += 1 }
            guard end > start, end < scalars.count, scalars[end] == ":" else { return nil }
            return String(String.UnicodeScalarView(scalars[start..<end]))
        }
        let own = lines[line - 1]
        guard column - 1 < own.count, own[..<(column - 1)].allSatisfy({ $0 == " " }), let name = key(own, at: column - 1) else { return nil }
        var path = [name], indent = column - 1
        for number in stride(from: line - 2, through: 0, by: -1) where indent > 0 {
            let scalars = lines[number]
            guard let first = scalars.firstIndex(where: { $0 != " " }), scalars[first] != "#" else { continue }
            guard first < indent else { continue }
            guard scalars[first] != "-", let parent = key(scalars, at: first) else { return nil }
            path.insert(parent, at: 0)
            indent = first
        }
        return indent == 0 ? path.joined(separator: ".") : nil
    }

    /// YAML's core tags are the only ones an experiment file may carry
    /// (an application tag such as `!!python/object` is rejected), and no
    /// node may carry an anchor (`&name`, reused as `*name`): aliases would
    /// let a few hundred bytes stand for billions of nodes. The walk stops at
    /// the first anchored node, before visiting any alias, so it is bounded by
    /// the text's size.
    static func checkTags(_ node: Node, source: ConfigSource, path: String) throws {
        if let anchor = node.anchor {
            throw ConfigError(location: source.location(of: node, keyPath: path), keyPath: path,
                              message: "anchors and aliases (&\(anchor.rawValue), *\(anchor.rawValue)) are not allowed; allowed: every value written out")
        }
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
        let parser: Parser
        do {
            parser = try Parser(yaml: text)
            guard let parsed = try parser.singleRoot() else {
                throw ConfigError(location: "--set \(override)", keyPath: path, message: "the value is empty")
            }
            value = parsed
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(location: "--set \(override)", keyPath: path, message: "the value is not valid YAML")
        }
        source.noteOverride(path: path, text: text)
        try withExtendedLifetime(parser) { try checkTags(value, source: source, path: path) }
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
