import Foundation
import GSL
@testable import SpineEngine
import SpineModel
import Testing

/// `dendrites.from_csv` and `dendrites.spines_csv` (docs/MODEL.md §4
/// "Initial population"); the malformed files are in Malformed/ (csv-*.yaml).
@Suite("Dendrites and spines from CSV files")
struct DendriteFileTests {
    /// Writes `files` (name → contents) into a new folder and returns it.
    static func folder(_ files: [String: String]) throws -> URL {
        let folder = try temporaryDirectory()
        for (name, text) in files { try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return folder
    }

    /// The day-0 track of `population` under `settings`, `ensembles` task ensembles wired.
    static func dayZero(_ population: InitialPopulation, settings: ModelSettings, ensembles: Int, in folder: URL) throws -> Track {
        let context = RunContext(directory: try RunDirectory(path: folder.appendingPathComponent("run").path, force: false),
                                 seeds: StreamSeeds(runSeed: 7), generator: GeneratorType.defaultType, threads: 2, quiet: true)
        let model = try settings.resolvedModel(ensembles: ensembles).model
        let wiring = settings.activity?.guided.wiring ?? TaskWiring(correlationLengthUm: 0, taskFraction: 0)
        return try InitialState.track(population, model: model, ensembles: ensembles, wiring: wiring, context: context)
    }

    static let memorySpines = """
        experiment: memory
        seed: 3
        diffusion: {enabled: false}
        turnover: {v_min_um3: 0.02, spinogenesis: {rate_per_um_per_day: auto, new_volume_um3: 0.03}}
        session: {trials: 5}
        dendrites: {from_csv: dendrites.csv, spines_csv: spines.csv}
        schedule:
          - session: {regime: learning, task: A, days: 1}
          - session: {regime: learning, task: B, days: 1}

        """

    @Test("SHA-256 gives the digests of FIPS 180-4's examples")
    func sha256Vectors() {
        #expect(sha256Hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(sha256Hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(sha256Hex(Array(repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("a spines file places exactly its spines on day 0: dendrite, position, volume, ρ, w̄(ρ) and the first task's flag")
    func spinesPlacedOnDayZero() throws {
        let folder = try DendriteFileTests.folder([
            "dendrites.csv": "dendrite,length_um\n0,20\n1,10\n2,5\n",
            "spines.csv": "dendrite, position_um, volume_um3, rho, task\r\n0,2.5,0.1,0,1\r\n1,0,0.3,1,1\r\n0,10,0.25,1,0\r\n\r\n0,19.5,0.05,0.4,1\r\n1,10,0.08,0,0\r\n",
            "memory.yaml": DendriteFileTests.memorySpines,
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let experiment = try #require(Experiment.load(path: folder.appendingPathComponent("memory.yaml").path).body as? MemoryExperiment)
        let population = experiment.population
        #expect(population.dendriteLengthsUm == [20, 10, 5])
        #expect(abs(population.densityPerUm - 5.0 / 35) < 1e-15)
        #expect(abs(experiment.settings.stationaryDensityPerUm - 5.0 / 35) < 1e-15)   // what 'auto' keeps
        #expect(experiment.schedule.tasks.count == 2)

        let track = try DendriteFileTests.dayZero(population, settings: experiment.settings, ensembles: 2, in: folder)
        let expected: [[(x: Double, v: Double, rho: Double, task: UInt8)]] = [
            [(2.5, 0.1, 0, 1), (10, 0.25, 1, 0), (19.5, 0.05, 0.4, 1)],
            [(0, 0.3, 1, 1), (10, 0.08, 0, 0)],
            [],
        ]
        let weight = try experiment.settings.resolvedModel(ensembles: 2).model.weight
        #expect(track.dendrites.map(\.lengthUm) == [20, 10, 5])
        for (d, spines) in expected.enumerated() {
            let table = track.dendrites[d].table
            #expect(table.count == spines.count, "dendrite \(d)")
            for (i, spine) in spines.enumerated() where i < table.count {
                #expect(table.position[i] == spine.x, "dendrite \(d) spine \(i)")
                #expect(abs(exp(table.logVolume[i]) - spine.v) < 1e-15, "dendrite \(d) spine \(i)")
                #expect(table.efficacy[i] == spine.rho && table.expressedEfficacy[i] == spine.rho)
                #expect(table.weight[i] == weight.target(efficacy: spine.rho))
                #expect(table.ensembles[i] & 1 == spine.task, "dendrite \(d) spine \(i): the first task's flag")
                #expect(table.birthDay[i] == 0 && table.previousDayLogVolume[i] == table.logVolume[i])
            }
        }
    }

    @Test("without a task column the first task ensemble is wired as in the model (f_task), and ρ defaults to 0")
    func noTaskColumnKeepsWiring() throws {
        let spines = (0..<400).map { "0,\(Double($0) * 0.5),0.1" }.joined(separator: "\n")
        let folder = try DendriteFileTests.folder([
            "dendrites.csv": "dendrite,length_um\n0,200\n",
            "spines.csv": "dendrite,position_um,volume_um3\n" + spines + "\n",
            "memory.yaml": DendriteFileTests.memorySpines,
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let experiment = try #require(Experiment.load(path: folder.appendingPathComponent("memory.yaml").path).body as? MemoryExperiment)
        #expect(experiment.population.files?.spinesCarryTask == false)
        let track = try DendriteFileTests.dayZero(experiment.population, settings: experiment.settings, ensembles: 1, in: folder)
        let table = track.dendrites[0].table
        let members = (0..<table.count).filter { table.ensembles[$0] & 1 != 0 }.count
        let f = experiment.settings.activity!.guided.taskFraction
        let sd = (400 * f * (1 - f)).squareRoot()
        #expect(table.count == 400 && abs(Double(members) - 400 * f) < 5 * sd, "\(members) of 400 in the task ensemble, f_task = \(f)")
        #expect(table.efficacy[0] == 0)   // ρ defaults to 0
    }

    @Test("drawn spines follow each dendrite's own length")
    func drawnSpinesFollowLengths() throws {
        let folder = try DendriteFileTests.folder([
            "dendrites.csv": "dendrite,length_um\n0,10\n1,1000\n",
            "population.yaml": """
                experiment: population
                duration_days: 3
                dendrites: {from_csv: dendrites.csv}
                initial_population: {density_per_um: 1.5}
                """,
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let experiment = try #require(Experiment.load(path: folder.appendingPathComponent("population.yaml").path).body as? PopulationExperiment)
        let population = experiment.config.population
        #expect(population.dendriteLengthsUm == [10, 1000] && population.totalLengthUm == 1010 && population.longestDendriteUm == 1000)
        let track = try DendriteFileTests.dayZero(population, settings: experiment.config.settings, ensembles: 0, in: folder)
        for dendrite in track.dendrites {
            let positions = (0..<dendrite.table.count).map { dendrite.table.position[$0] }
            #expect(positions.allSatisfy { $0 >= 0 && $0 <= dendrite.lengthUm })
            let mean = 1.5 * dendrite.lengthUm
            #expect(abs(Double(positions.count) - mean) < 5 * mean.squareRoot(), "dendrite \(dendrite.index): \(positions.count) spines, mean \(mean)")
        }
        // The long dendrite's spines cover it: some lie beyond the short one's length.
        #expect((0..<track.dendrites[1].table.count).contains { track.dendrites[1].table.position[$0] > 900 })
    }

    @Test("a run from CSV files: density over the total length, and the manifest records each file with its SHA-256")
    func runRecordsDigest() throws {
        let dendrites = "dendrite,length_um\n0,10\n1,1000\n"
        let folder = try DendriteFileTests.folder([
            "dendrites.csv": dendrites,
            "spines.csv": "dendrite,position_um,volume_um3,rho\n0,1,0.2,1\n1,500,0.1,0\n1,999,0.15,0.5\n",
            "population.yaml": """
                experiment: population
                duration_days: 2
                size_dynamics: {intrinsic_noise: false}
                dendrites: {from_csv: dendrites.csv, spines_csv: spines.csv}
                """,
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        let result = try spinesim(["run", folder.appendingPathComponent("population.yaml").path, "--out", out.path, "--quiet"])
        #expect(result.status == 0, "\(result.standardError)")
        let summary = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any])
        #expect(summary["spines_initial"] as? Int == 3)
        #expect(abs((summary["density_initial_per_um"] as? Double ?? 0) - 3.0 / 1010) < 1e-15)
        #expect(summary["dendrite_length_um"] as? Double == 505)   // the mean length
        let manifest = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as? [String: Any])
        let configuration = try #require(manifest["configuration"] as? [String: Any])
        let recorded = try #require(configuration["dendrites"] as? [String: Any])
        #expect(recorded["from_csv"] as? String == folder.appendingPathComponent("dendrites.csv").path)
        #expect(recorded["from_csv_sha256"] as? String == "c02306a41fadb125a605a764d99a935c22bcc25ea048f28434df5442f11d21b2")
        #expect(recorded["spines_csv_sha256"] as? String == sha256Hex(Array(try Data(contentsOf: folder.appendingPathComponent("spines.csv")))))
        #expect(configuration["initial_population"] == nil)
    }

    @Test("the resolved configuration loads again with the same data, and refuses a file that changed since")
    func resolvedConfigurationChecksDigest() throws {
        let folder = try DendriteFileTests.folder([
            "dendrites.csv": "dendrite,length_um\n0,20\n1,10\n2,5\n",
            "spines.csv": "dendrite,position_um,volume_um3,rho,task\n0,2.5,0.1,0,1\n1,0,0.3,1,1\n",
            "memory.yaml": DendriteFileTests.memorySpines,
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let experiment = try Experiment.load(path: folder.appendingPathComponent("memory.yaml").path)
        let resolved = String(decoding: try JSONOutput.encode(experiment), as: UTF8.self)
        let again = try Experiment.parse(resolved, fileName: "resolved.json")
        #expect(try JSONOutput.encode(again) == JSONOutput.encode(experiment))
        #expect((again.body as? MemoryExperiment)?.population.spines == (experiment.body as? MemoryExperiment)?.population.spines)

        try "dendrite,position_um,volume_um3,rho,task\n0,2.5,0.1,0,1\n1,0,0.3,1,0\n"
            .write(to: folder.appendingPathComponent("spines.csv"), atomically: true, encoding: .utf8)
        #expect { try Experiment.parse(resolved, fileName: "resolved.json") } throws: { error in
            "\(error)".contains("dendrites.spines_csv_sha256: '\(folder.appendingPathComponent("spines.csv").path)' has SHA-256")
                && "\(error)".contains("the file changed since the configuration was resolved")
        }
    }

    @Test("learning-vs-notask runs on dendrites of different lengths: imaged new spines lie on their own dendrite")
    func learningUnequalLengths() throws {
        let lengths = [30.0, 120.0, 60.0]
        let text = SmallExperiments.learning.replacingOccurrences(of: "dendrites: {count: 3, length_um: 40}", with: "dendrites: {from_csv: dendrites.csv}")
        #expect(text != SmallExperiments.learning)
        let folder = try DendriteFileTests.folder([
            "dendrites.csv": "dendrite,length_um\n" + lengths.enumerated().map { "\($0),\($1)" }.joined(separator: "\n") + "\n",
            "learning.yaml": text,
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        let result = try spinesim(["run", folder.appendingPathComponent("learning.yaml").path, "--out", out.path, "--quiet"])
        #expect(result.status == 0, "\(result.standardError)")
        let newSpines = try csvRows(out.appendingPathComponent("new_spines.csv"))
        #expect(!newSpines.isEmpty)
        for row in newSpines {
            let d = try #require(Int(row["dendrite"]!)), x = try #require(Double(row["position_um"]!))
            #expect(x >= 0 && x <= lengths[d], "a new spine at \(x) µm on dendrite \(d) of \(lengths[d]) µm")
        }
        #expect(newSpines.contains { Double($0["position_um"]!)! > 60 })   // the longest dendrite is imaged along its whole length
    }

    @Test("a malformed CSV stops the run with exit status 2 and names file, line, column and value")
    func malformedFileExitStatus() throws {
        let folder = try DendriteFileTests.folder([
            "dendrites.csv": "dendrite,length_um\n0,10\n1,-4\n",
            "population.yaml": "experiment: population\nduration_days: 2\ndendrites: {from_csv: dendrites.csv}\n",
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try spinesim(["run", folder.appendingPathComponent("population.yaml").path,
                                   "--out", folder.appendingPathComponent("out").path, "--quiet"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("dendrites.csv:3:3: dendrites.from_csv: column \"length_um\": value \"-4\" is out of range"),
                "\(result.standardError)")
    }

    @Test("a CSV file with more rows than allowed is refused at the first row beyond the limit")
    func rowLimit() throws {
        let folder = try DendriteFileTests.folder(["d.csv": "dendrite,length_um\n0,1\n1,1\n2,1\n"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let document = try ExperimentDocument(text: "dendrites: {from_csv: d.csv}\n", fileName: "e.yaml", directory: folder.path)
        let dendrites = try #require(try document.root.mapping("dendrites"))
        #expect { try CSVDataFile.read("from_csv", of: dendrites, required: ["dendrite", "length_um"], optional: [], maximumRows: 2) } throws: { error in
            "\(error)".hasPrefix("\(folder.appendingPathComponent("d.csv").path):4:1: dendrites.from_csv: the file has more than 2 rows")
        }
    }
}
