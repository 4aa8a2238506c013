import Foundation
import SpineEngine
import Testing

private func manifest(_ directory: URL) -> [String: Any]? {
    guard let data = try? Data(contentsOf: directory.appendingPathComponent("manifest.json")) else { return nil }
    return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
}

/// FNV-1a (64 bits), as checkpoints are checksummed: a forger can recompute it.
private func fnv1a(_ data: Data) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in data { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return hash
}

/// The checkpoint file with `edit` applied to its JSON header text and its checksum recomputed.
private func forged(_ data: Data, _ edit: (String) -> String) -> Data {
    let magic = Data("SPINESIM CHECKPOINT 3\n".utf8).count
    let length = Int(data[magic..<(magic + 8)].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
    let header = String(decoding: data[(magic + 8)..<(magic + 8 + length)], as: UTF8.self)
    let newHeader = Data(edit(header).utf8)
    var out = data.prefix(magic)
    withUnsafeBytes(of: UInt64(newHeader.count).littleEndian) { out.append(contentsOf: $0) }
    out.append(newHeader)
    out.append(data[(magic + 8 + length)..<(data.count - 8)])
    withUnsafeBytes(of: fnv1a(out).littleEndian) { out.append(contentsOf: $0) }
    return out
}

/// Replaces the first match of `pattern` in `text`.
private func replacingFirst(_ pattern: String, with replacement: String, in text: String) -> String {
    guard let range = text.range(of: pattern, options: .regularExpression) else { return text }
    return text.replacingCharacters(in: range, with: replacement)
}

@Suite("Faults: the final manifest, --force, manifests, checkpoints, NaN, input files, locks", .serialized)
struct FaultTests {
    /// On tmpfs disks of growing size every write of a run fails in turn —
    /// the final, completed manifest too: results are never published under
    /// a manifest that is not "completed".
    @Test("a full disk at any write never leaves results published under a manifest that is not completed")
    func fullDiskAtEveryWrite() throws {
        let folder = try temporaryDirectory()
        let disk = folder.appendingPathComponent("disk")
        defer {
            _ = try? spinesimShell("umount \(disk.path)")
            try? FileManager.default.removeItem(at: folder)
        }
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        let file = try SmallExperiments.write(SmallExperiments.stdp, named: "stdp.yaml", in: folder)
        var failures = 0
        for kilobytes in stride(from: 8, through: 48, by: 4) {
            guard (try? spinesimShell("mount -t tmpfs -o size=\(kilobytes)k tmpfs \(disk.path)")) == 0 else {
                print("skipped: cannot mount a tmpfs here (needs root and mount permission)")
                return
            }
            let out = disk.appendingPathComponent("out")
            let result = try spinesim(["run", file.path, "--out", out.path, "--quiet"])
            let status = manifest(out)?["status"] as? String
            let published = ["stdp.csv", "summary.json"].filter { FileManager.default.fileExists(atPath: out.appendingPathComponent($0).path) }
            #expect(published.isEmpty || status == "completed", "\(kilobytes)k: \(published) published under status \(status ?? "none")")
            #expect((result.status == 0) == (status == "completed"), "\(kilobytes)k: exit \(result.status), status \(status ?? "none")")
            if result.status != 0 {
                failures += 1
                #expect(result.standardError.lowercased().contains("no space left on device"), "\(kilobytes)k: \(result.standardError)")
            }
            _ = try spinesimShell("umount \(disk.path)")
        }
        #expect(failures > 0, "no disk size made the run fail")
    }

    /// A previous run whose manifest is missing, and one whose manifest
    /// lists a directory: --force moves every entry aside, deletes nothing.
    @Test("--force moves every previous entry aside into .previous-<time>, whatever the old manifest says")
    func forceMovesPreviousRunAside() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let stdp = try SmallExperiments.write(SmallExperiments.stdp, named: "stdp.yaml", in: folder)
        let population = try SmallExperiments.write(SmallExperiments.longPopulation.replacingOccurrences(of: "duration_days: 150", with: "duration_days: 4"), named: "p.yaml", in: folder)
        for variant in ["no manifest", "forged outputs"] {
            let out = folder.appendingPathComponent(variant.replacingOccurrences(of: " ", with: "-"))
            #expect(try spinesim(["run", stdp.path, "--out", out.path, "--quiet"]).status == 0)
            let precious = out.appendingPathComponent("precious")
            try FileManager.default.createDirectory(at: precious, withIntermediateDirectories: true)
            try "keep me".write(to: precious.appendingPathComponent("data.txt"), atomically: true, encoding: .utf8)
            if variant == "no manifest" {
                try FileManager.default.removeItem(at: out.appendingPathComponent("manifest.json"))
            } else {
                try #"{"status": "completed", "outputs": ["precious", "stdp.csv"]}"#.write(to: out.appendingPathComponent("manifest.json"),
                                                                                              atomically: true, encoding: .utf8)
            }
            let result = try spinesim(["run", population.path, "--out", out.path, "--force", "--quiet"])
            #expect(result.status == 0 && result.standardError.contains(".previous-"), "\(variant): \(result.standardError)")
            let entries = directoryEntries(out)
            #expect(!entries.contains("stdp.csv") && !entries.contains("precious") && entries.contains("density.csv"), "\(variant): \(entries)")
            #expect(manifest(out)?["experiment"] as? String == "population")
            let aside = try #require(entries.first { $0.hasPrefix(".previous-") }, "\(variant): \(entries)")
            #expect(result.standardError.contains(out.appendingPathComponent(aside).path))
            let moved = out.appendingPathComponent(aside)
            #expect(FileManager.default.fileExists(atPath: moved.appendingPathComponent("stdp.csv").path))
            #expect((try? String(contentsOf: moved.appendingPathComponent("precious/data.txt"), encoding: .utf8)) == "keep me")
        }
    }

    /// A manifest that is JSON but whose configuration is not a mapping.
    @Test("resume of a manifest whose configuration is null, a number, a text or a list exits 1 with a message",
          arguments: ["null", "3", "\"text\"", "[1, 2]"])
    func corruptManifestConfiguration(value: String) throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try SmallExperiments.write(SmallExperiments.stdp, named: "stdp.yaml", in: folder)
        let out = folder.appendingPathComponent("out")
        #expect(try spinesim(["run", file.path, "--out", out.path, "--quiet"]).status == 0)
        let url = out.appendingPathComponent("manifest.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        object["status"] = "running"
        object["configuration"] = try JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        let result = try spinesim(["resume", out.path, "--quiet"])
        #expect(result.status == 1 && result.standardError.contains("is damaged or not a SpineSim manifest")
                && result.standardError.contains("configuration is not a mapping"), "\(value): exit \(result.status), \(result.standardError)")
    }

    /// rho_star = 1e-9 makes a volume NaN on day 1: the raster row is
    /// checked like every other row, so the run stops there, naming the
    /// file, the column and the day, and no "nan" reaches a file.
    @Test("a volume that is not a number stops a memory run at raster.csv, naming the column and day")
    func rasterNaN() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try SmallExperiments.write(SmallExperiments.drawnMemory, named: "memsmall.yaml", in: folder)
        let out = folder.appendingPathComponent("out")
        let result = try spinesim(["run", file.path, "--out", out.path, "--quiet", "--set", "plasticity.rho_star=1e-9"])
        let lines = result.standardError.split(separator: "\n")
        #expect(result.status == 1 && lines.count == 1
                && lines[0].contains("raster.csv: column volume_um3") && lines[0].contains("(day 1) is not a number"), "\(result.standardError)")
        #expect((manifest(out)?["status"] as? String)?.hasPrefix("failed: raster.csv") == true)
        let partial = out.appendingPathComponent(".partial")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: partial.path)) ?? [] where name.hasSuffix(".stream") {
            let text = try String(contentsOf: partial.appendingPathComponent(name), encoding: .utf8).lowercased()
            #expect(!text.contains("nan"), "\(name) carries NaN")
        }
    }

    /// Every spine dies on day 1 and none is born: the days after begin
    /// with no spine, so their daily fractions are 0/0 — empty cells, and
    /// left out of the summary's means.
    @Test("0/0 daily turnover fractions are empty cells and the means are over defined days")
    func undefinedDailyFractions() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try SmallExperiments.write("""
            experiment: population
            dendrites: {count: 2, length_um: 20}
            duration_days: 30
            initial_population: {density_per_um: 1, sizes: {fixed_um3: 0.021}}
            size_dynamics: {preset: none, relaxation_days: 0.01, baseline_log_volume: -10}
            turnover: {spinogenesis: {rate_per_um_per_day: 0}}
            """, named: "die.yaml", in: folder)
        let out = folder.appendingPathComponent("out")
        #expect(try spinesim(["run", file.path, "--out", out.path, "--quiet"]).status == 0)
        let lines = try String(contentsOf: out.appendingPathComponent("turnover_daily.csv"), encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false)
        let lost = try #require(header.firstIndex(of: "lost_fraction"))
        var defined: [Double] = [], empty = 0
        for line in lines.dropFirst() {
            let cell = line.split(separator: ",", omittingEmptySubsequences: false)[lost]
            if cell.isEmpty { empty += 1 } else { defined.append(try #require(Double(cell))) }
        }
        #expect(empty > 0 && !defined.isEmpty, "empty \(empty), defined \(defined)")
        let summary = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any])
        let mean = try #require(summary["mean_daily_lost_fraction"] as? Double)
        #expect(abs(mean - defined.reduce(0, +) / Double(defined.count)) < 1e-12, "mean \(mean) over \(defined)")
    }

    /// A checkpoint whose header was edited and its checksum recomputed:
    /// refused, naming the file, and the previous one used — the results are
    /// those of an uninterrupted run.
    @Test("a forged newest checkpoint is refused, named, and the previous one used",
          arguments: [("phase", #""phaseIndex":\d+"#, #""phaseIndex":999"#),
                      ("day", #""dayInPhase":\d+"#, #""dayInPhase":-5"#),
                      ("path", #""path":\[\]"#, #""path":["zz"]"#),
                      ("length", #""lengthUm":[0-9.e+]+"#, #""lengthUm":1e308"#),
                      ("index", #""index":1,"#, #""index":0,"#),
                      ("daysDone", #""daysDone":\d+"#, #""daysDone":100000"#)])
    func forgedCheckpoint(name: String, pattern: String, replacement: String) throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try SmallExperiments.write(SmallExperiments.longPopulation.replacingOccurrences(of: "duration_days: 150", with: "duration_days: 40"), named: "long.yaml", in: folder)
        let reference = folder.appendingPathComponent("reference")
        #expect(try spinesim(["run", file.path, "--out", reference.path, "--quiet"]).status == 0)
        let out = folder.appendingPathComponent("out")
        let process = try startSpinesim(["run", file.path, "--out", out.path, "--checkpoint-every", "2", "--quiet", "--threads", "1"])
        waitForCheckpoint(in: out, of: process, count: 2)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("checkpoints").path)
            .filter { $0.hasSuffix(".ckpt") }.sorted()
        try #require(checkpoints.count >= 2, "\(checkpoints)")
        let newest = out.appendingPathComponent("checkpoints/\(checkpoints.last!)")
        let original = try Data(contentsOf: newest)
        let edited = forged(original) { replacingFirst(pattern, with: replacement, in: $0) }
        #expect(edited != original, "\(name): the pattern did not match")
        try edited.write(to: newest)
        let resumed = try spinesim(["resume", out.path, "--quiet"])
        #expect(resumed.status == 0 && resumed.standardError.contains(newest.path) && resumed.standardError.contains("does not fit this run"),
                "\(name): exit \(resumed.status), \(resumed.standardError)")
        let expected = try resultFiles(reference), got = try resultFiles(out)
        #expect(got.keys.sorted() == expected.keys.sorted())
        for (file, bytes) in expected { #expect(got[file] == bytes, "\(name): \(file) differs after refusing a forged checkpoint") }
    }

    @Test("input files: a symlink to a huge file, a FIFO, a device, an alias bomb, duplicate keys")
    func hostileInputFiles() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        func check(_ path: String) throws -> ProcessResult { try spinesim(["check", path]) }

        let huge = folder.appendingPathComponent("huge.bin")
        try (Data("experiment: stdp\n".utf8) + Data(repeating: 0x20, count: 6 << 20)).write(to: huge)
        let link = folder.appendingPathComponent("link.yaml")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: huge)
        let linked = try check(link.path)
        #expect(linked.status == 2 && linked.standardError.contains("allowed: an experiment file of at most 4194304 bytes"), "\(linked.standardError)")

        let fifo = folder.appendingPathComponent("fifo.yaml")
        #expect(mkfifo(fifo.path, 0o644) == 0)
        for path in [fifo.path, "/dev/null", "/dev/zero"] {
            let result = try check(path)
            #expect(result.status == 2 && result.standardError.contains("is not a regular file"), "\(path): \(result.standardError)")
        }

        // Ten levels of ten aliases: 10^10 nodes from about 600 bytes.
        var bomb = "experiment: stdp\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 { bomb += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let started = Date()
        let bombed = try check(try SmallExperiments.write(bomb, named: "bomb.yaml", in: folder).path)
        #expect(bombed.status == 2 && bombed.standardError.contains("bomb.yaml:2:5: a0: anchors and aliases"), "\(bombed.standardError)")
        #expect(Date().timeIntervalSince(started) < 20)

        let top = try check(try SmallExperiments.write("experiment: stdp\npairing: {pairs: 5, frequency_hz: 1, delta_t_ms: 5}\npairing: {pairs: 6}\n",
                                      named: "dup.yaml", in: folder).path)
        #expect(top.status == 2 && top.standardError.contains("dup.yaml:2:1: pairing: duplicate key") && !top.standardError.contains("Context"),
                "\(top.standardError)")
        let nested = try check(try SmallExperiments.write("experiment: stdp\npairing:\n  pairs: 5\n  frequency_hz: 1\n  pairs: 7\n  delta_t_ms: 5\n",
                                         named: "dup2.yaml", in: folder).path)
        #expect(nested.status == 2 && nested.standardError.contains("dup2.yaml:3:3: pairing.pairs: duplicate key"), "\(nested.standardError)")
    }

    @Test("resume creates no lock file where no run was started; a completed run leaves its lock file, empty")
    func lockFileDetails() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let result = try spinesim(["resume", empty.path, "--quiet"])
        #expect(result.status == 1 && result.standardError.contains("manifest.json is missing"))
        #expect(directoryEntries(empty).isEmpty, "\(directoryEntries(empty))")

        let out = folder.appendingPathComponent("out")
        #expect(try spinesim(["run", try SmallExperiments.write(SmallExperiments.stdp, named: "stdp.yaml", in: folder).path, "--out", out.path, "--quiet"]).status == 0)
        let lock = out.appendingPathComponent(".spinesim.lock")
        #expect(FileManager.default.fileExists(atPath: lock.path))
        #expect((try? Data(contentsOf: lock))?.isEmpty == true)
    }
}
