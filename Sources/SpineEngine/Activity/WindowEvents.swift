import Synchronization

/// The events every calcium window of this process has processed: calcium
/// jumps (spikes' and bAPs' calcium, dendritic-spike jumps) and the gating
/// segments through which ρ is advanced. Counted once per window (one
/// atomic addition per dendrite and session), read by `spinesim bench month`
/// to set the measured time against the work the events require.
public final class WindowEvents: Sendable {
    public struct Counts: Sendable, Equatable {
        public var windows: Int
        public var jumps: Int
        public var segments: Int
    }

    public static let shared = WindowEvents()

    private let windows = Atomic<Int>(0)
    private let jumps = Atomic<Int>(0)
    private let segments = Atomic<Int>(0)

    func record(jumps: Int, segments: Int) {
        windows.add(1, ordering: .relaxed)
        self.jumps.add(jumps, ordering: .relaxed)
        self.segments.add(segments, ordering: .relaxed)
    }

    public func reset() {
        windows.store(0, ordering: .relaxed)
        jumps.store(0, ordering: .relaxed)
        segments.store(0, ordering: .relaxed)
    }

    public var counts: Counts {
        Counts(windows: windows.load(ordering: .relaxed), jumps: jumps.load(ordering: .relaxed),
               segments: segments.load(ordering: .relaxed))
    }
}
