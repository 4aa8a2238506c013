/// Derives the seeds of independent generator streams (one per dendrite,
/// per grid point, per purpose) from one run seed, so that results do not
/// depend on thread count or scheduling order.
///
/// GSL's fast generators (taus2, gfsr4, mt19937) take a 32-bit seed. Stream
/// seeds are `fmix32(base &+ key)` with `base` a hash of the run seed and
/// `key = purpose << 24 | index`. fmix32 (MurmurHash3's finaliser) is a
/// bijection on 32-bit words, so within one run two different streams never
/// receive the same seed.
public struct StreamSeeds: Sendable, Equatable {
    public let runSeed: UInt64
    private let base: UInt32

    /// The largest stream index within one purpose.
    public static let maxIndex = (1 << 24) - 1

    public init(runSeed: UInt64) {
        self.runSeed = runSeed
        let mixed = StreamSeeds.splitMix64(runSeed)
        base = UInt32(truncatingIfNeeded: mixed ^ (mixed >> 32))
    }

    /// The seed of stream `index` of purpose `purpose` (0…255).
    ///
    /// Distinct (purpose, index) pairs get distinct 32-bit seeds. GSL's
    /// seeding then maps a few of the 2^32 seeds onto one state (taus2 treats
    /// 0 as 1), so a clash needs one of those few seeds: negligible.
    public func seed(purpose: UInt8, index: Int) -> UInt64 {
        precondition(index >= 0 && index <= StreamSeeds.maxIndex, "stream index \(index) out of range")
        let key = UInt32(purpose) << 24 | UInt32(index)
        return UInt64(StreamSeeds.fmix32(base &+ key))
    }

    /// SplitMix64 step (Steele, Lea & Flood 2014): a well-mixed 64-bit hash.
    public static func splitMix64(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// MurmurHash3's 32-bit finaliser: a bijection with good avalanche.
    public static func fmix32(_ value: UInt32) -> UInt32 {
        var h = value
        h ^= h >> 16
        h &*= 0x85EB_CA6B
        h ^= h >> 13
        h &*= 0xC2B2_AE35
        h ^= h >> 16
        return h
    }
}
