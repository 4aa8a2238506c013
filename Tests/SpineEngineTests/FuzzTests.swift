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

    /// Reduced shipped experiments, and the numeric keys whose extreme values
    /// are also run: at 1e-300, 1e-9 and 1e9 the `bounded` keys (frequencies
    /// and windows with real bounds) must finish in seconds; at the edges of
    /// the ranges (1000, 0.01) any key may run long, but nothing may crash.
    static let runnable: [(file: String, reduced: [String], keys: [String], bounded: Set<String>)] = [
        ("cooperativity.yaml", ["trials=2", "distances_um=[1.5]", "delays_min=[0.5]", "tail_s=10"],
         ["ltp.frequency_hz", "test.frequency_hz", "ltp.pulses", "trials", "diffusion.time_step_ms",
          "heterosynaptic.cooperativity.update_interval_ms"],
         ["ltp.frequency_hz", "test.frequency_hz"]),
        ("heterosynaptic.yaml", ["repetitions=2", "cluster.sizes=[2]", "timing.delays_ms=[0]", "diffusion_sweep.diffusion_um2_per_ms=[0.22]",
                                 "neighbours.distances_um=[1]", "timing.distances_um=[1]", "diffusion_sweep.distances_um=[1]", "pairing.pairs=5",
                                 "heterosynaptic.dendritic_spikes.enabled=true"],
         ["pairing.frequency_hz", "pairing.pairs", "repetitions", "heterosynaptic.dendritic_spikes.window_ms", "diffusion.time_step_ms",
          "diffusion.grid_spacing_um"],
         ["pairing.frequency_hz", "heterosynaptic.dendritic_spikes.window_ms"]),
        ("heterosynaptic-oh2015.yaml", ["repetitions=2", "correlation_repetitions=2", "stimulated_counts=[1]", "neighbours.distances_um=[1]",
                                        "stimulation.pulses=5"],
         ["stimulation.frequency_hz", "stimulation.pulses", "repetitions"], ["stimulation.frequency_hz"]),
    ]

    @Test("extreme values that check accepts also run: no crash, and bounded keys finish in seconds",
          arguments: runnable.map(\.file))
    func acceptedExtremesRun(file: String) throws {
        let entry = FuzzTests.runnable.first { $0.file == file }!
        let path = packageRoot.appendingPathComponent("Experiments/\(file)").path
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let reduced = entry.reduced.flatMap { ["--set", $0] }
        var ran = 0
        for key in entry.keys {
            for value in ["1e-300", "1e-9", "1e9", "1000", "0.01"] {
                let overrides = reduced + ["--set", "\(key)=\(value)"]
                guard try spinesim(["check", path] + overrides).status == 0 else { continue }
                let out = folder.appendingPathComponent("\(key)-\(value)")
                let process = Process()
                process.executableURL = spinesimExecutable
                process.arguments = ["run", path, "--out", out.path, "--quiet", "--threads", "1"] + overrides
                process.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                ran += 1
                let deadline = Date().addingTimeInterval(4)
                while process.isRunning && Date() < deadline { usleep(20_000) }
                let timedOut = process.isRunning
                if timedOut {
                    kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                    let extreme = ["1e-300", "1e-9", "1e9"].contains(value)
                    #expect(!(extreme && entry.bounded.contains(key)), "\(file) --set \(key)=\(value): accepted, still running after 4 s")
                    continue
                }
                process.waitUntilExit()
                #expect(process.terminationReason == .exit && [0, 1].contains(process.terminationStatus),
                        "\(file) --set \(key)=\(value): accepted, then ended with \(process.terminationReason == .exit ? "exit" : "signal") \(process.terminationStatus)")
            }
        }
        #expect(ran > 0, "\(file): no variant was accepted, nothing ran")
    }
}
