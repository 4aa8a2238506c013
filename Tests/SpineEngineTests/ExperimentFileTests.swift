import Foundation
import SpineEngine
import Testing

/// Folder of this test file: the fixtures live beside it.
let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let packageRoot = testsFolder.deletingLastPathComponent().deletingLastPathComponent()

@Suite("Experiment files")
struct ExperimentFileTests {
    /// Every file in Malformed/ starts with `# expect: <text>`; loading it
    /// must fail with a ConfigError whose message contains that text.
    static let malformedFiles: [String] = {
        let folder = testsFolder.appendingPathComponent("Malformed")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    @Test("there are at least ten malformed experiment files")
    func enoughMalformedFiles() {
        #expect(ExperimentFileTests.malformedFiles.count >= 10)
    }

    @Test("a malformed file is rejected with a message naming location, key, value and what is allowed",
          arguments: malformedFiles)
    func malformedFileIsRejected(name: String) throws {
        let path = testsFolder.appendingPathComponent("Malformed/\(name)").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let firstLine = text.split(separator: "\n", omittingEmptySubsequences: false).first ?? ""
        #expect(firstLine.hasPrefix("# expect: "), "fixture \(name) declares no expected message")
        let expected = String(firstLine.dropFirst("# expect: ".count))
        do {
            _ = try Experiment.load(path: path)
            Issue.record("\(name) was accepted")
        } catch let error as ConfigError {
            #expect("\(error)".contains(expected), "\(name): got «\(error)», expected it to contain «\(expected)»")
        }
    }

    static let shippedExperiments: [String] = {
        let folder = packageRoot.appendingPathComponent("Experiments")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".yaml") && !$0.hasPrefix("sweep-") }.sorted()   // sweep-*.yaml: sweep files (SweepTests)
    }()

    @Test("every shipped experiment is valid, and its resolved configuration resolves to itself", arguments: shippedExperiments)
    func shippedExperimentLoads(name: String) throws {
        let experiment = try Experiment.load(path: packageRoot.appendingPathComponent("Experiments/\(name)").path)
        let resolved = String(decoding: try JSONOutput.encode(experiment), as: UTF8.self)
        let again = try Experiment.parse(resolved, fileName: "resolved-\(name)")
        #expect(try JSONOutput.encode(again) == JSONOutput.encode(experiment))
    }

    @Test("a range axis gives exact grid values, both ends included")
    func rangeAxis() throws {
        let experiment = try Experiment.parse("""
            experiment: stdp
            pairing: {pairs: 60, frequency_hz: 1, delta_t_ms: {from: -100, to: 100, step: 5}}
            """)
        let sweep = try #require(experiment.body as? PairingSweep)
        #expect(sweep.deltaTsMs.count == 41)
        #expect(sweep.deltaTsMs.first == -100 && sweep.deltaTsMs.last == 100 && sweep.deltaTsMs[21] == 5)
        let fine = try #require(Experiment.parse("""
            experiment: stdp
            pairing: {pairs: 1, frequency_hz: 1, delta_t_ms: {from: 0, to: 1, step: 0.1}}
            """).body as? PairingSweep)
        #expect(fine.deltaTsMs == [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1])
    }

    @Test("--set overrides values, and errors in an override name the override")
    func overrides() throws {
        let text = "experiment: stdp\npairing: {pairs: 60, frequency_hz: 1, delta_t_ms: 5}\n"
        let changed = try Experiment.parse(text, overrides: ["pairing.pairs=30", "plasticity.preset=DPD", "plasticity.theta_p=1.5"])
        let sweep = try #require(changed.body as? PairingSweep)
        #expect(sweep.pairs == 30)
        #expect(sweep.plasticity.preset == "DPD" && sweep.plasticity.parameters.thetaPotentiation == 1.5)
        #expect(sweep.plasticity.parameters.calciumPre == 0.9)   // the rest from the DPD preset

        #expect { try Experiment.parse(text, overrides: ["pairing.pairs=0"]) } throws: { error in
            "\(error)".hasPrefix("--set pairing.pairs=0: pairing.pairs: value 0 is out of range")
        }
        #expect { try Experiment.parse(text, overrides: ["pairing.pairz=3"]) } throws: { error in
            "\(error)".contains("--set pairing.pairz=3: pairing.pairz: unknown key")
        }
        #expect { try Experiment.parse(text, overrides: ["pairing"]) } throws: { error in
            "\(error)".contains("an override is written key.path=value")
        }
    }

    @Test("the resolved configuration is itself a valid experiment file that resolves to the same")
    func resolvedConfigurationRoundTrips() throws {
        let original = try Experiment.load(path: packageRoot.appendingPathComponent("Experiments/stdp-frequency.yaml").path,
                                           overrides: ["plasticity.sigma=2"])
        let resolved = String(decoding: try JSONOutput.encode(original), as: UTF8.self)
        let again = try Experiment.parse(resolved, fileName: "resolved.json")
        #expect(try JSONOutput.encode(again) == JSONOutput.encode(original))
    }
}
