import Foundation
import Testing

/// Results from before a change, committed as fixtures, that today's binary
/// must reproduce.
@Suite("Golden results")
struct GoldenTests {
    /// Every process of docs/MODEL.md §2b–2d absent: the calcium windows,
    /// dendritic diffusion and ρ are those of version 1, bit for bit.
    @Test("with every process of §2b–2d off, the heterosynaptic sweeps are byte-identical to those of commit b3b7b41")
    func heterosynapticBeforeTheProcesses() throws {
        let fixture = testsFolder.appendingPathComponent("Golden/heterosynaptic-b3b7b41")
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        let run = try spinesim(["run", fixture.appendingPathComponent("heterosynaptic.yaml").path, "--out", out.path, "--quiet"])
        #expect(run.status == 0, "\(run.standardError)")
        let tables = ["distance", "timing", "diffusion", "control", "calcium"].map { "heterosynaptic_\($0).csv" }
        for name in tables {
            let expected = try Data(contentsOf: fixture.appendingPathComponent(name))
            let actual = try Data(contentsOf: out.appendingPathComponent(name))
            #expect(actual == expected, "\(name) differs from the one of b3b7b41")
        }
        // No spike tables when the spikes are off.
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("heterosynaptic_timing_spikes.csv").path))
        // summary.json: the same values; only the spike sweeps' keys are new, and empty.
        func object(_ url: URL) throws -> NSDictionary {
            try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? NSDictionary)
        }
        let summary = try #require(try object(out.appendingPathComponent("summary.json")).mutableCopy() as? NSMutableDictionary)
        for key in ["timing_spikes", "diffusion_spikes"] {
            #expect((summary[key] as? [Any])?.isEmpty == true, "\(key) should be present and empty")
            summary.removeObject(forKey: key)
        }
        #expect(summary.isEqual(try object(fixture.appendingPathComponent("summary.json"))), "summary.json differs from the one of b3b7b41")
    }
}
