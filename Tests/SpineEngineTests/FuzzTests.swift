import Foundation
import Testing
import Yams

/// Malformed experiment files made from every shipped experiment: at every
/// mapping an unknown key, and at the scalar leaves (in turn) a text, a
/// non-core YAML tag, huge, negative, tiny and non-finite numbers, and a
/// huge integer. Each must be rejected with exit status 2 and one `error:`
/// line (or, where the value happens to be allowed, accepted), never crash
/// or hang; a rejected `run` leaves no directory behind.
@Suite("Fuzzed experiment files", .serialized)
struct FuzzTests {
    enum Step: CustomStringConvertible {
        case key(String), index(Int)
        var description: String {
            switch self {
            case let .key(k): k
            case let .index(i): "[\(i)]"
            }
        }
    }

    struct Mutation {
        var path: [Step]
        var replacement: Node?
        var unknownKey: Bool
        /// The key path as error messages write it.
        var keyPath: String {
            var text = ""
            for step in path {
                switch step {
                case let .key(k): text += text.isEmpty ? k : ".\(k)"
                case let .index(i): text += "[\(i)]"
                }
            }
            return unknownKey ? (text.isEmpty ? "zz_unknown_key" : "\(text).zz_unknown_key") : text
        }
    }

    /// Stands for a value with an application tag (written into the text after serialising).
    static let tagMark = "ZZ_TAGGED_VALUE"

    /// Scalar replacements, used in turn.
    static var values: [Node] { [
        Node("text", Tag(.str), .doubleQuoted), Node(FuzzTests.tagMark),
        Node("1e300"), Node("-1e300"), Node("-1"), Node("1e-300"), Node(".nan"), Node("9223372036854775807"),
    ] }

    /// Every mapping and scalar of `node`, with their paths.
    static func sites(_ node: Node, path: [Step] = []) -> (mappings: [[Step]], scalars: [[Step]]) {
        switch node {
        case let .mapping(mapping):
            var result: (mappings: [[Step]], scalars: [[Step]]) = ([path], [])
            for (key, value) in mapping {
                let inner = sites(value, path: path + [.key(key.scalar?.string ?? "")])
                result.mappings += inner.mappings
                result.scalars += inner.scalars
            }
            return result
        case let .sequence(sequence):
            var result: (mappings: [[Step]], scalars: [[Step]]) = ([], [])
            for (index, element) in sequence.enumerated() {
                let inner = sites(element, path: path + [.index(index)])
                result.mappings += inner.mappings
                result.scalars += inner.scalars
            }
            return result
        default:
            return ([], [path])
        }
    }

    static func apply(_ mutation: Mutation, to node: Node, at depth: Int = 0) -> Node {
        if depth == mutation.path.count {
            if mutation.unknownKey, case var .mapping(mapping) = node {
                mapping[Node("zz_unknown_key")] = Node("1")
                return .mapping(mapping)
            }
            return mutation.replacement ?? node
        }
        switch (mutation.path[depth], node) {
        case let (.key(k), .mapping(mapping)):
            var copy = mapping
            copy[Node(k)] = apply(mutation, to: mapping[Node(k)]!, at: depth + 1)
            return .mapping(copy)
        case let (.index(i), .sequence(sequence)):
            var copy = sequence
            copy[i] = apply(mutation, to: sequence[i], at: depth + 1)
            return .sequence(copy)
        default:
            return node
        }
    }

    static let shipped: [String] = {
        let folder = packageRoot.appendingPathComponent("Experiments")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".yaml") && !$0.hasPrefix("sweep-") }.sorted()   // sweep-*.yaml: sweep files (SweepTests)
    }()

    @Test("malformed variants of every shipped experiment are rejected cleanly", arguments: shipped)
    func fuzz(name: String) throws {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("Experiments/\(name)"), encoding: .utf8)
        let root = try #require(try Yams.compose(yaml: text))
        let (mappings, scalars) = FuzzTests.sites(root)
        var mutations = mappings.map { Mutation(path: $0, replacement: nil, unknownKey: true) }
        let values = FuzzTests.values
        for (index, path) in scalars.enumerated() {
            mutations.append(Mutation(path: path, replacement: values[index % values.count], unknownKey: false))
        }
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var rejected = 0
        for (index, mutation) in mutations.enumerated() {
            let file = folder.appendingPathComponent("fuzz-\(index).yaml")
            try Yams.serialize(node: FuzzTests.apply(mutation, to: root))
                .replacingOccurrences(of: FuzzTests.tagMark, with: "!!python/object:os.system 1")
                .write(to: file, atomically: true, encoding: .utf8)
            let result = try spinesim(["check", file.path, "--max-memory", "1T"])
            let lines = result.standardError.split(separator: "\n")
            #expect(result.status == 0 || result.status == 2, "\(name) \(mutation.keyPath): status \(result.status): \(result.standardError)")
            guard result.status == 2 else { continue }
            rejected += 1
            #expect(lines.count == 1 && lines[0].hasPrefix("error: "), "\(name) \(mutation.keyPath): \(result.standardError)")
            let tagged = mutation.replacement?.scalar?.string == FuzzTests.tagMark
            if mutation.unknownKey || tagged {
                #expect(result.standardError.contains(mutation.keyPath), "\(name): «\(result.standardError)» does not name \(mutation.keyPath)")
            }
            if rejected % 7 == 0 {   // a rejected run writes nothing
                let out = folder.appendingPathComponent("out-\(index)")
                #expect(try spinesim(["run", file.path, "--out", out.path, "--max-memory", "1T"]).status == 2)
                #expect(!FileManager.default.fileExists(atPath: out.path), "\(name) \(mutation.keyPath): a rejected run left \(out.path)")
            }
        }
        #expect(rejected >= mappings.count, "\(name): only \(rejected) of \(mutations.count) variants were rejected")
    }
}
