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
        /// Event-driven windows (docs/MODEL.md §2a): received-calcium values
        /// summed from kernels, the jump terms those sums read, the jumps
        /// into the shaft (a spine's own jump, or one bAP for all spines it
        /// reaches), kernel rows (source–receiver pairs kept) and grid steps
        /// run to compute the kernels.
        public var exchangeEvaluations: Int
        public var exchangeTerms: Int
        public var shaftJumps: Int
        public var kernelRows: Int
        public var kernelSteps: Int
    }

    public static let shared = WindowEvents()

    private let windows = Atomic<Int>(0)
    private let jumps = Atomic<Int>(0)
    private let segments = Atomic<Int>(0)
    private let exchangeEvaluations = Atomic<Int>(0)
    private let exchangeTerms = Atomic<Int>(0)
    private let shaftJumps = Atomic<Int>(0)
    private let kernelRows = Atomic<Int>(0)
    private let kernelSteps = Atomic<Int>(0)

    func record(jumps: Int, segments: Int, exchangeEvaluations: Int = 0, exchangeTerms: Int = 0, shaftJumps: Int = 0, kernelRows: Int = 0, kernelSteps: Int = 0) {
        windows.add(1, ordering: .relaxed)
        self.jumps.add(jumps, ordering: .relaxed)
        self.segments.add(segments, ordering: .relaxed)
        self.exchangeEvaluations.add(exchangeEvaluations, ordering: .relaxed)
        self.exchangeTerms.add(exchangeTerms, ordering: .relaxed)
        self.shaftJumps.add(shaftJumps, ordering: .relaxed)
        self.kernelRows.add(kernelRows, ordering: .relaxed)
        self.kernelSteps.add(kernelSteps, ordering: .relaxed)
    }

    public func reset() {
        windows.store(0, ordering: .relaxed)
        jumps.store(0, ordering: .relaxed)
        segments.store(0, ordering: .relaxed)
        exchangeEvaluations.store(0, ordering: .relaxed)
        exchangeTerms.store(0, ordering: .relaxed)
        shaftJumps.store(0, ordering: .relaxed)
        kernelRows.store(0, ordering: .relaxed)
        kernelSteps.store(0, ordering: .relaxed)
    }

    public var counts: Counts {
        Counts(windows: windows.load(ordering: .relaxed), jumps: jumps.load(ordering: .relaxed),
               segments: segments.load(ordering: .relaxed), exchangeEvaluations: exchangeEvaluations.load(ordering: .relaxed),
               exchangeTerms: exchangeTerms.load(ordering: .relaxed), shaftJumps: shaftJumps.load(ordering: .relaxed),
               kernelRows: kernelRows.load(ordering: .relaxed),
               kernelSteps: kernelSteps.load(ordering: .relaxed))
    }
}
