/// The carriers of heterosynaptic plasticity beyond the passive neck
/// exchange (docs/MODEL.md §2b–2d), each with its own switch. All off, a
/// session's calcium is exactly version 1's.
public struct HeterosynapticProcesses: Sendable, Equatable {
    public var dendriticSpikes: DendriticSpikeParameters
    public var storeRelease: StoreReleaseParameters
    public var cooperativity: CooperativityParameters

    public init(dendriticSpikes: DendriticSpikeParameters = DendriticSpikeParameters(),
                storeRelease: StoreReleaseParameters = StoreReleaseParameters(),
                cooperativity: CooperativityParameters = CooperativityParameters()) {
        self.dendriticSpikes = dendriticSpikes
        self.storeRelease = storeRelease
        self.cooperativity = cooperativity
    }

    public var anyEnabled: Bool { dendriticSpikes.enabled || storeRelease.enabled || cooperativity.enabled }
}
