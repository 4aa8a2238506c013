import Foundation
@testable import SpineEngine
import Testing

@Suite("Month benchmark (a month of daily learning sessions)")
struct MonthBenchmarkTests {
    @Test("its experiment file is valid for every choice of processes")
    func documents() throws {
        for processes in MonthBenchmark.Processes.allCases {
            let experiment = try Experiment.parse(MonthBenchmark.document(dendrites: 2, days: 3, processes: processes, seed: 5))
            let body = try #require(experiment.body as? MemoryExperiment)
            #expect(body.schedule.longestConditionDays == 3)
        }
    }

    @Test("one dendrite for one day runs and counts the session's calcium jumps")
    func smallest() throws {
        let r = try MonthBenchmark.run(spines: 150, days: 1, processes: .none, threads: 1, seed: 3)
        #expect(r.dendrites == 1 && r.spines == 150)
        // Other suites may run windows at the same time: their events only add.
        #expect(r.events.windows >= 1)
        #expect(r.events.jumps > 150 && r.events.segments > 0)
        #expect(r.floorCostPerJump > 0 && r.floorCostPerJump < 1e-4)
    }
}
