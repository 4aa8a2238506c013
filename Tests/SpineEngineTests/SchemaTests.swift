import Foundation
@testable import SpineEngine
import Testing

/// The settings' declarations against what the readers accept, and the
/// committed reference and schema against the declarations.
@Suite("Schema and reference")
struct SchemaTests {
    @Test("docs/CONFIG.md is the reference the declarations give")
    func referenceIsCurrent() throws {
        let committed = try String(contentsOf: packageRoot.appendingPathComponent("docs/CONFIG.md"), encoding: .utf8)
        #expect(committed == ConfigReference.markdown(),
                "docs/CONFIG.md is out of date; regenerate it with: make docs (\(ConfigReference.command))")
    }

    @Test("docs/spinesim.schema.json is the schema the declarations give")
    func schemaIsCurrent() throws {
        let committed = try Data(contentsOf: packageRoot.appendingPathComponent("docs/spinesim.schema.json"))
        #expect(committed == (try JSONOutput.encode(ConfigSchema.all()) + Data("\n".utf8)),
                "docs/spinesim.schema.json is out of date; regenerate it with: make docs (spinesim schema > docs/spinesim.schema.json)")
    }

    /// Every key path of a resolved configuration (what the readers accept,
    /// with every default written out) that the declarations do not list.
    static func undeclared(_ tree: ConfigTree, _ declarations: [SettingDeclaration], path: String) -> [String] {
        guard case let .map(pairs) = tree else { return [] }
        return pairs.flatMap { key, value -> [String] in
            let keyPath = path.isEmpty ? key : "\(path).\(key)"
            guard let declaration = declarations.first(where: { $0.key == key }) else { return [keyPath] }
            return undeclared(value, declaration.type, path: keyPath)
        }
    }

    static func undeclared(_ tree: ConfigTree, _ type: SettingType, path: String) -> [String] {
        switch (type, tree) {
        case let (.section(_, nested), _):
            return undeclared(tree, nested, path: path)
        case let (.oneOf(_, types), _):
            // Declared if one of the forms declares every key.
            let misses = types.map { undeclared(tree, $0, path: path) }
            return misses.min { $0.count < $1.count } ?? []
        case let (.list(_, item), .list(elements)):
            return elements.enumerated().flatMap { undeclared($1, item, path: "\(path)[\($0)]") }
        case let (.custom, .map(branches)) where path.hasSuffix(".fork"):
            // A fork: named branches, each a list of phases.
            return branches.flatMap { name, branch in undeclared(branch, ScheduleReader.phasesType, path: "\(path).\(name)") }
        default:
            return []
        }
    }

    @Test("every key of every shipped experiment's resolved configuration is declared",
          arguments: ExperimentFileTests.shippedExperiments)
    func resolvedKeysAreDeclared(name: String) throws {
        let experiment = try Experiment.load(path: packageRoot.appendingPathComponent("Experiments/\(name)").path)
        let tree = try JSONDecoder().decode(JSONTree.self, from: JSONOutput.encode(experiment)).tree
        #expect(SchemaTests.undeclared(tree, experiment.kind.declarations, path: "") == [])
    }

    @Test("a misspelt key is rejected with the nearest known key")
    func typoSuggestsNearestKey() {
        #expect { try Experiment.parse("experiment: stdp\npairing: {pairs: 60, frequency_hz: 1, delta_t_ms: 5}\nsynapses_per_pont: 100\n") } throws: { error in
            "\(error)".contains("synapses_per_pont: unknown key; allowed keys here:") && "\(error)".hasSuffix("did you mean \"synapses_per_point\"?")
        }
        // A misspelt required key is reported as the misspelling, not as the key missing.
        #expect { try Experiment.parse("experiment: stdp\npairing: {pairs: 60, frequncy_hz: 1, delta_t_ms: 5}\n") } throws: { error in
            "\(error)".contains("experiment.yaml:2:") && "\(error)".contains("pairing.frequncy_hz: unknown key; did you mean \"frequency_hz\"? (frequency_hz is required")
        }
        #expect { try Experiment.parse("experiment: stdp\npairing: {pairs: 60, frequency_hz: 1, delta_t_ms: 5}\nxyz: 1\n") } throws: { error in
            "\(error)".contains("xyz: unknown key") && !"\(error)".contains("did you mean")
        }
    }

    @Test("a value of the wrong type is rejected with the key's real range")
    func typeErrorStatesRange() {
        #expect { try Experiment.parse("experiment: stdp\npairing: {pairs: 60, frequency_hz: 1, delta_t_ms: 5}\nintegration: {max_step_ms: fast}\n") } throws: { error in
            "\(error)".hasSuffix("integration.max_step_ms: value \"fast\" (text) is not a number; allowed: a number greater than 0.0001 and at most 100 ms")
        }
    }

    @Test("the nearest key is at most a few edits away")
    func nearestKey() {
        #expect(ConfigMapping.editDistance("kitten", "sitting") == 3)
        #expect(ConfigMapping.nearest(to: "theta_q", among: ["theta_d", "theta_p", "tau_ca_ms"]) == "theta_d")
        #expect(ConfigMapping.nearest(to: "zzz", among: ["theta_d", "theta_p"]) == nil)
    }
}

/// A JSON document read back as a configuration tree.
struct JSONTree: Decodable {
    let tree: ConfigTree

    init(from decoder: Decoder) throws {
        let single = try decoder.singleValueContainer()
        if let flag = try? single.decode(Bool.self) {
            tree = .flag(flag)
        } else if let number = try? single.decode(Double.self) {
            tree = .number(number)
        } else if let text = try? single.decode(String.self) {
            tree = .text(text)
        } else if let list = try? single.decode([JSONTree].self) {
            tree = .list(list.map(\.tree))
        } else {
            let map = try single.decode([String: JSONTree].self)
            tree = .map(map.keys.sorted().map { ($0, map[$0]!.tree) })
        }
    }
}
