import Foundation
import SpineEngine
import Testing

/// Every entry of a run directory, hidden ones included.
func directoryEntries(_ url: URL) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted() }

/// Small versions of the day-by-day experiments: the same sections as the
/// shipped files, few dendrites, short sessions, no dendritic diffusion (the
/// calcium window with diffusion has its own tests), so a run lasts seconds.
enum SmallExperiments {
    static let model = """
        seed: 11
        dendrites: {count: 6, length_um: 40}
        plasticity: {preset: DPD}
        diffusion: {enabled: false}
        initial_population: {density_per_um: 1.5, fraction_potentiated: 0.3, sizes: stationary}
        size_dynamics: {relaxation_days: 7, expression_hours: 2}
        turnover: {v_min_um3: 0.02, spinogenesis: {rate_per_um_per_day: auto, new_volume_um3: 0.03}}
        session: {trials: 20}
        activity_guided: {g1_per_um_per_day: 0.05}

        """

    static let learning = "experiment: learning-vs-notask\n" + model.replacingOccurrences(of: "count: 6", with: "count: 3") + """
        days: 6
        imaging: {first_days: [1, 2], interval_days: 2}
        analysis: {movement_shuffles: 100}
        """

    static let stability = "experiment: memory\n" + model + """
        schedule:
          - fork:
              learning:
                - session: {regime: learning, task: A, days: 5}
                - fork:
                    noise_on: [{home_cage: {days: 40, intrinsic_noise: true}}]
                    noise_off: [{home_cage: {days: 40, intrinsic_noise: false}}]
              notask:
                - session: {regime: notask, task: A, days: 5}
                - fork:
                    noise_on: [{home_cage: {days: 40, intrinsic_noise: true}}]
                    noise_off: [{home_cage: {days: 40, intrinsic_noise: false}}]
        recording: {every_days: 3}
        """

    static let interference = "experiment: memory\n" + model + """
        schedule:
          - session: {regime: learning, task: A, days: 5}
          - fork:
              A_then_B:
                - session: {regime: learning, task: B, days: 5}
                - home_cage: {days: 30}
              A_only:
                - home_cage: {days: 35}
        recording: {every_days: 2}
        """

    /// A population run long enough to be interrupted (about two seconds).
    static let longPopulation = """
        experiment: population
        seed: 11
        dendrites: {count: 60, length_um: 100}
        duration_days: 150
        step_days: 0.5
        initial_population: {density_per_um: 1.5, sizes: stationary}
        turnover: {spinogenesis: {rate_per_um_per_day: 0.12}}
        """

    /// A pairing run of a fraction of a second.
    static let stdp = "experiment: stdp\npairing: {pairs: 5, frequency_hz: 1, delta_t_ms: 10}\nsynapses_per_point: 100\n"

    /// Two short dendrites whose day-0 sizes come from the equilibrium draw.
    static let drawnMemory = """
        experiment: memory
        seed: 3
        dendrites: {count: 2, length_um: 20}
        plasticity: {preset: DPD}
        initial_population: {density_per_um: 1.5, fraction_potentiated: 0.2857, sizes: equilibrium}
        turnover:
          v_min_um3: 0.02
          spinogenesis: {rate_per_um_per_day: 0, new_volume_um3: 0.03}
        session: {trials: 1}
        schedule:
          - session: {regime: learning, task: A, days: 1}
          - home_cage: {days: 3, intrinsic_noise: true}
        recording: {every_days: 1, histogram_days: [0, 4], raster_dendrites: 1}
        """

    static func write(_ text: String, named name: String, in folder: URL) throws -> URL {
        let file = folder.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }
}

@Suite("Timeline engine: schedules, forks, resume", .serialized)
struct TimelineTests {
    static let kinds: [(name: String, text: String)] = [
        ("learning-vs-notask", SmallExperiments.learning),
        ("memory-stability", SmallExperiments.stability),
        ("memory-interference", SmallExperiments.interference),
    ]

    @Test("every day-by-day experiment writes the same bytes for 1 and 3 threads", arguments: [0, 1, 2])
    func threadCountInvariance(kind: Int) throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try SmallExperiments.write(TimelineTests.kinds[kind].text, named: "\(TimelineTests.kinds[kind].name).yaml", in: folder)
        let one = folder.appendingPathComponent("one"), three = folder.appendingPathComponent("three")
        #expect(try spinesim(["run", file.path, "--out", one.path, "--threads", "1", "--quiet"]).status == 0)
        #expect(try spinesim(["run", file.path, "--out", three.path, "--threads", "3", "--quiet"]).status == 0)
        let a = try resultFiles(one), b = try resultFiles(three)
        #expect(a.keys.sorted() == b.keys.sorted() && !a.isEmpty)
        for (name, data) in a { #expect(b[name] == data, "\(name) depends on the thread count") }
    }

    /// SIGKILL at moments spread over the run (after the first checkpoint,
    /// then again during resumes), then resumes until complete: the result
    /// files (final states included) must equal an uninterrupted run's.
    @Test("killed with SIGKILL at several moments and resumed, every day-by-day experiment writes the same bytes", arguments: [0, 1, 2])
    func killAndResume(kind: Int) throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try SmallExperiments.write(TimelineTests.kinds[kind].text, named: "\(TimelineTests.kinds[kind].name).yaml", in: folder)
        let reference = folder.appendingPathComponent("reference")
        let start = Date()
        #expect(try spinesim(["run", file.path, "--out", reference.path, "--threads", "2", "--quiet"]).status == 0)
        let wall = Date().timeIntervalSince(start)

        let killed = folder.appendingPathComponent("killed")
        var process = try startSpinesim(["run", file.path, "--out", killed.path, "--threads", "1", "--checkpoint-every", "1", "--quiet"])
        var kills = 0
        for fraction in [0.15, 0.3, 0.3] {
            waitForCheckpoint(in: killed, of: process)
            usleep(useconds_t(fraction * wall * 1e6))
            guard process.isRunning else { break }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            kills += 1
            process = try startSpinesim(["resume", killed.path, "--threads", "2", "--quiet"])
        }
        process.waitUntilExit()
        #expect(kills >= 2, "the run ended before it could be killed twice (\(wall) s); make it longer")
        let manifest = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: killed.appendingPathComponent("manifest.json"))) as? [String: Any])
        #expect(manifest["status"] as? String == "completed", "\(manifest["status"] ?? "no status")")
        let expected = try resultFiles(reference), got = try resultFiles(killed)
        #expect(got.keys.sorted() == expected.keys.sorted())
        for (name, data) in expected { #expect(got[name] == data, "\(name) differs after \(kills) kills and resumes") }
        // Complete: the staging area and the checkpoints are gone (the lock file stays, empty).
        #expect(directoryEntries(killed) == directoryEntries(reference))
        #expect(!FileManager.default.fileExists(atPath: killed.appendingPathComponent(".partial").path))
        #expect(!FileManager.default.fileExists(atPath: killed.appendingPathComponent("checkpoints").path))
    }

    /// A fork copies the state with its generators: each branch must equal
    /// the same phases run on their own after the shared prefix.
    @Test("a schedule with a fork equals its branches run separately")
    func forkEqualsSeparateRuns() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let prefix = "experiment: memory\n" + SmallExperiments.model
        let branchA = "[{session: {regime: learning, task: A, days: 3}}, {home_cage: {days: 6}}]"
        let branchB = "[{session: {regime: notask, task: A, days: 2}}, {home_cage: {days: 7, intrinsic_noise: false}}]"
        let forked = try SmallExperiments.write(prefix + "schedule:\n  - fork: {x: \(branchA), y: \(branchB)}\n", named: "fork.yaml", in: folder)
        let onlyA = try SmallExperiments.write(prefix + "schedule: \(branchA)\n", named: "a.yaml", in: folder)
        let onlyB = try SmallExperiments.write(prefix + "schedule: \(branchB)\n", named: "b.yaml", in: folder)
        for (file, out) in [(forked, "fork"), (onlyA, "a"), (onlyB, "b")] {
            let result = try spinesim(["run", file.path, "--out", folder.appendingPathComponent(out).path, "--quiet"])
            #expect(result.status == 0, "\(result.standardError)")
        }
        for table in ["retention.csv", "size_fit.csv", "density.csv", "raster.csv"] {
            let fork = try String(contentsOf: folder.appendingPathComponent("fork/\(table)"), encoding: .utf8)
            let lines = fork.split(separator: "\n").dropFirst()
            for (condition, run) in [("x", "a"), ("y", "b")] {
                let separate = try String(contentsOf: folder.appendingPathComponent("\(run)/\(table)"), encoding: .utf8)
                let expected = separate.split(separator: "\n").dropFirst().map { String($0.dropFirst("main,".count)) }
                let branch = lines.filter { $0.hasPrefix("\(condition),") }.map { String($0.dropFirst("\(condition),".count)) }
                #expect(branch == expected, "\(table): branch \(condition) differs from its separate run")
            }
        }
        let state = { (path: String) in try Data(contentsOf: folder.appendingPathComponent(path)) }
        #expect(try state("fork/final_state/x.state") == state("a/final_state/main.state"))
        #expect(try state("fork/final_state/y.state") == state("b/final_state/main.state"))
    }

    /// Starting from a final state continues the same spines (counts, day)
    /// with generators of the new run's seed; a reactivation phase of the
    /// task trained in the earlier run is allowed. `initial_state: DIR` is
    /// short for `{run: DIR}`: the same run, valid only for a run with one
    /// final state.
    @Test("a run can start from another run's final state, named by its directory alone or with its condition")
    func initialState() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try SmallExperiments.write("experiment: memory\n" + SmallExperiments.model
                                                + "schedule: [{session: {regime: learning, task: A, days: 3}}]\n", named: "first.yaml", in: folder)
        let trained = folder.appendingPathComponent("trained")
        #expect(try spinesim(["run", first.path, "--out", trained.path, "--quiet"]).status == 0)
        let model = SmallExperiments.model.split(separator: "\n")
            .filter { !$0.hasPrefix("dendrites:") && !$0.hasPrefix("initial_population:") }.joined(separator: "\n")
        func continuation(_ initialState: String) -> String {
            """
            experiment: memory
            initial_state: \(initialState)
            \(model)
            schedule: [{session: {regime: reactivation, task: A, days: 2}}, {home_cage: {days: 3}}]
            """
        }
        let second = try SmallExperiments.write(continuation(trained.path), named: "second.yaml", in: folder)
        let continued = folder.appendingPathComponent("continued")
        let result = try spinesim(["run", second.path, "--out", continued.path, "--quiet"])
        #expect(result.status == 0, "\(result.standardError)")
        // The mapping form names the same state: the same bytes.
        let mapping = try SmallExperiments.write(continuation("{run: \(trained.path), condition: main}"), named: "mapping.yaml", in: folder)
        let named = folder.appendingPathComponent("named")
        #expect(try spinesim(["run", mapping.path, "--out", named.path, "--quiet"]).status == 0)
        let scalarFiles = try resultFiles(continued), mappingFiles = try resultFiles(named)
        #expect(scalarFiles.keys.sorted() == mappingFiles.keys.sorted() && !scalarFiles.isEmpty)
        for (name, data) in scalarFiles { #expect(mappingFiles[name] == data, "\(name) differs between initial_state: DIR and {run: DIR, condition: main}") }
        let before = try csvRows(trained.appendingPathComponent("density.csv")).last!
        let after = try csvRows(continued.appendingPathComponent("density.csv"))
        #expect(after.first?["day"] == "3" && after.first?["spine_density_per_um"] == before["spine_density_per_um"])
        #expect(after.last?["day"] == "8")
        let retention = try csvRows(continued.appendingPathComponent("retention.csv"))
        #expect(retention.first?["day_after_training"] == "0" && retention.first?["fraction_learned_alive"] == "1")

        // A run with several final states needs the condition, in either form; a value that is not text is rejected.
        let forked = folder.appendingPathComponent("forked/final_state")
        try FileManager.default.createDirectory(at: forked, withIntermediateDirectories: true)
        for name in ["x", "y"] { try Data().write(to: forked.appendingPathComponent("\(name).state")) }
        for form in [forked.deletingLastPathComponent().path, "{run: \(forked.deletingLastPathComponent().path)}"] {
            #expect { try Experiment.parse(continuation(form)) } throws: { error in
                "\(error)".contains("initial_state.condition: is required; allowed: the run has several final states: one of \"x\", \"y\"")
            }
        }
        #expect { try Experiment.parse(continuation("7")) } throws: { error in
            "\(error)".contains("initial_state: value 7 is not allowed; allowed: the directory of a finished run (text), or {run: DIR, condition: NAME}")
        }
    }

    @Test("--set reaches into the schedule by list index, and names itself in errors")
    func setIntoSchedule() throws {
        let file = SmallExperiments.interference
        let changed = try #require(Experiment.parse(file, overrides: ["schedule.1.fork.A_only.0.home_cage.days=50"]).body as? MemoryExperiment)
        guard case let .fork(branches) = changed.schedule.phases[1], case let .homeCage(phase) = branches[0].phases[0] else {
            Issue.record("unexpected schedule")
            return
        }
        #expect(branches[0].name == "A_only" && phase.days == 50)
        #expect { try Experiment.parse(file, overrides: ["schedule.1.fork.A_only.0.home_cage.days=-1"]) } throws: { error in
            "\(error)".hasPrefix("--set schedule.1.fork.A_only.0.home_cage.days=-1: schedule[1].fork.A_only[0].home_cage.days: value -1 is out of range")
        }
        #expect { try Experiment.parse(file, overrides: ["schedule.7.home_cage.days=5"]) } throws: { error in
            "\(error)".contains("holds a list of 2, so '7' names no element; allowed: an index from 0 to 1")
        }
    }

    @Test("a --set that a phase of the schedule overrides is rejected, not silently ignored")
    func contradictingOverride() throws {
        let file = SmallExperiments.stability
        #expect { try Experiment.parse(file, overrides: ["size_dynamics.intrinsic_noise=false"]) } throws: { error in
            "\(error)".hasPrefix("--set size_dynamics.intrinsic_noise=false: size_dynamics.intrinsic_noise: the schedule sets")
        }
        // A key no phase sets is fine.
        _ = try Experiment.parse(file, overrides: ["size_dynamics.stationary_sd=0.9"])
    }
}
