import Foundation
import SpineEngine
import Testing

/// `recording.turnover_events` (README "What a run writes"): no event log by
/// default, turnover.csv, or turnover.csv.gz written as one gzip member per day.
@Suite("Turnover event log: off, csv or gzip", .serialized)
struct TurnoverEventsTests {
    /// 20 dendrites × 100 µm for 30 days in half-day steps, with births
    /// (spinogenesis) and deaths every day.
    static let experiment = """
        experiment: population
        seed: 23
        dendrites: {count: 20, length_um: 100}
        duration_days: 30
        step_days: 0.5
        initial_population: {density_per_um: 1.5, sizes: stationary}
        turnover: {spinogenesis: {rate_per_um_per_day: 0.12}}
        """
    static let durationDays = 30

    /// Runs the experiment with `turnover_events` set to `value` (nil: not
    /// set) into `folder/name`; returns the run directory.
    private func run(_ value: String?, in folder: URL, name: String) throws -> URL {
        let file = folder.appendingPathComponent("\(name).yaml")
        try Self.experiment.write(to: file, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent(name)
        let settings = value.map { ["--set", "recording.turnover_events=\($0)"] } ?? []
        let result = try spinesim(["run", file.path, "--out", out.path, "--quiet", "--threads", "2"] + settings)
        #expect(result.status == 0, "\(result.standardError)")
        return out
    }

    private func manifest(_ directory: URL) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("manifest.json"))) as? [String: Any])
    }

    private func resolvedTurnoverEvents(_ directory: URL) throws -> Any? {
        let configuration = try #require(try manifest(directory)["configuration"] as? [String: Any])
        return (configuration["recording"] as? [String: Any])?["turnover_events"]
    }

    @Test("turnover.csv.gz decompresses to exactly the bytes of turnover.csv for the same seed, one gzip member per day")
    func gzipMatchesPlain() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let plain = try run("csv", in: folder, name: "plain")
        let compressed = try run("gzip", in: folder, name: "compressed")
        let csv = try Data(contentsOf: plain.appendingPathComponent("turnover.csv"))
        let gz = try Data(contentsOf: compressed.appendingPathComponent("turnover.csv.gz"))
        #expect(!FileManager.default.fileExists(atPath: compressed.appendingPathComponent("turnover.csv").path))
        #expect(String(decoding: csv.prefix(60), as: UTF8.self).hasPrefix("day,spine_id,dendrite,position_um,event,cause,volume_um3\n"))
        #expect(csv.count > 100_000, "too few events to test compression: \(csv.count) bytes")

        let members = try Gzip.members(gz)
        #expect(members.reduce(into: Data()) { $0.append($1) } == csv)
        // Births and deaths every day: one member per day (the header is in the first).
        #expect(members.count == Self.durationDays)
        // Deterministic header: gzip magic, deflate, no flags (no file name), modification time 0.
        #expect(Array(gz.prefix(8)) == [0x1f, 0x8b, 8, 0, 0, 0, 0, 0])
        #expect(gz.count * 2 < csv.count, "compressed \(gz.count) bytes of \(csv.count)")

        #expect((try manifest(compressed)["outputs"] as? [String])?.contains("turnover.csv.gz") == true)
        #expect(try resolvedTurnoverEvents(compressed) as? String == "gzip")
        #expect(try resolvedTurnoverEvents(plain) as? String == "csv")
        // Every other result is the same as with the plain log.
        var expected = try resultFiles(plain), got = try resultFiles(compressed)
        expected["turnover.csv"] = nil
        got["turnover.csv.gz"] = nil
        #expect(got == expected)
    }

    @Test("by default (and with false) no event log is written; true is read as csv")
    func offByDefault() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let unset = try run(nil, in: folder, name: "unset")
        let off = try run("false", in: folder, name: "off")
        for directory in [unset, off] {
            #expect(directoryEntries(directory).allSatisfy { !$0.hasPrefix("turnover.csv") })
            #expect(directoryEntries(directory).contains("turnover_daily.csv"))
            #expect((try manifest(directory)["outputs"] as? [String])?.contains { $0.hasPrefix("turnover.csv") } == false)
            #expect(try resolvedTurnoverEvents(directory) as? Bool == false)
        }
        #expect(try resultFiles(unset) == resultFiles(off))

        let yes = try run("true", in: folder, name: "true")
        let plain = try run("csv", in: folder, name: "plain")
        #expect(try resolvedTurnoverEvents(yes) as? String == "csv")
        #expect(try resultFiles(yes) == resultFiles(plain))
        #expect(try resultFiles(yes)["turnover.csv"] != nil)
    }

    @Test("a value other than false, true, csv or gzip is rejected naming the key, the value and what is allowed")
    func badValueRejected() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bad.yaml")
        try (Self.experiment + "\nrecording: {turnover_events: zip}\n").write(to: file, atomically: true, encoding: .utf8)
        let result = try spinesim(["run", file.path, "--out", folder.appendingPathComponent("out").path, "--quiet"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("recording.turnover_events: value \"zip\" (text) is not allowed; allowed: false, \"csv\" or \"gzip\""),
                "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/manifest.json").path))
    }

    @Test("a gzip stream resumed at a checkpoint's length drops the later members and continues byte-identically")
    func gzipStreamResume() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let days = (0..<6).map { day in (0..<200).map { "\(day),\($0 * 7919 % 1000),\($0 % 9),birth\n" }.joined() }

        let whole = try RunDirectory(path: folder.appendingPathComponent("whole").path, force: false)
        let uninterrupted = try AppendOnlyFile(directory: whole, name: "events.csv.gz", header: "day,id,dendrite,event", encoding: .gzip)
        for day in days { uninterrupted.append(day); try uninterrupted.write() }
        try uninterrupted.finish()

        let broken = try RunDirectory(path: folder.appendingPathComponent("broken").path, force: false)
        var checkpointLength: UInt64 = 0
        do {
            let first = try AppendOnlyFile(directory: broken, name: "events.csv.gz", header: "day,id,dendrite,event", encoding: .gzip)
            for day in days[0..<3] { first.append(day); try first.write() }
            checkpointLength = try first.flush()
            for day in days[3..<5] { first.append(day); try first.write() }   // lost with the process
            first.append(days[5])                                              // buffered, never written
        }
        let resumed = try AppendOnlyFile(directory: broken, name: "events.csv.gz", header: "day,id,dendrite,event",
                                         resumeLength: checkpointLength, encoding: .gzip)
        #expect(resumed.committedLength == checkpointLength)
        for day in days[3...] { resumed.append(day); try resumed.write() }
        try resumed.finish()

        let expected = try Data(contentsOf: uninterrupted.stagedURL)
        let got = try Data(contentsOf: resumed.stagedURL)
        #expect(got == expected)
        #expect(try Gzip.members(got).count == days.count)
        #expect(try Gzip.decompress(got) == Data(("day,id,dendrite,event\n" + days.joined()).utf8))
    }
}

@Suite("gzip through zlib")
struct GzipTests {
    @Test("members round-trip, alone and concatenated, including one larger than zlib's 1 MiB chunk")
    func roundTrip() throws {
        let small = Data("day,spine_id\n1,2\n".utf8)
        let large = Data((0..<300_000).map { "\($0 % 97),\($0)\n" }.joined().utf8)
        #expect(large.count > 1 << 20)
        #expect(try Gzip.decompress(Gzip.member(small)) == small)
        let both = try Gzip.member(small) + Gzip.member(large) + Gzip.member(small)
        #expect(try Gzip.members(both) == [small, large, small])
        #expect(try Gzip.member(large) == Gzip.member(large))
        #expect(try Gzip.members(Data()).isEmpty)
    }

    @Test("damaged or truncated data is refused")
    func damagedRefused() throws {
        let member = try Gzip.member(Data((0..<5000).map { "\($0)\n" }.joined().utf8))
        #expect(throws: RunError.self) { try Gzip.members(member.prefix(member.count - 3)) }
        #expect(throws: RunError.self) { try Gzip.members(Data("day,spine_id\n".utf8)) }
        var flipped = member
        flipped[20] ^= 0xff
        #expect(throws: RunError.self) { try Gzip.members(flipped) }
    }
}
