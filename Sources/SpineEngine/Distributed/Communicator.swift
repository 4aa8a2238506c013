import Foundation

/// The processes one run is spread over: MPI ranks in the MPI build
/// (`make mpi`), one process otherwise. Only the main thread calls it
/// (MPI_THREAD_FUNNELED); threads work inside each rank as in one process.
///
/// Rank 0 writes every output. Work is split into contiguous blocks of
/// global indices (dendrites, grid points); every index draws only from its
/// own generator stream, keyed by its global index, and per-index results
/// reach rank 0 in global order, where every floating-point sum is taken —
/// so the bits do not depend on the rank count. Only integers are reduced
/// across ranks directly.
public protocol Communicator: AnyObject, Sendable {
    var rank: Int { get }
    var size: Int { get }
    /// Every rank's bytes, in rank order, on rank 0; empty on the others.
    func gather(_ bytes: [UInt8]) -> [[UInt8]]
    /// Rank 0's bytes, on every rank.
    func broadcast(_ bytes: [UInt8]) -> [UInt8]
    /// The largest of the ranks' values, on every rank.
    func maximum(_ value: Int) -> Int
    /// Bytes this rank has sent to rank 0 in gathers so far.
    var bytesGathered: Int { get }
}

/// One process: nothing to exchange.
final class SingleProcess: Communicator {
    var rank: Int { 0 }
    var size: Int { 1 }
    func gather(_ bytes: [UInt8]) -> [[UInt8]] { [bytes] }
    func broadcast(_ bytes: [UInt8]) -> [UInt8] { bytes }
    func maximum(_ value: Int) -> Int { value }
    var bytesGathered: Int { 0 }
}

extension Communicator {
    public var isRoot: Bool { rank == 0 }

    /// The contiguous block of 0..<count of `rank` (default: this one);
    /// near-equal blocks in rank order.
    public func block(of count: Int, rank: Int? = nil) -> Range<Int> {
        let rank = rank ?? self.rank
        return (rank * count / size)..<((rank + 1) * count / size)
    }

    /// Every rank's `local` values concatenated in rank order (global index
    /// order for blocks), on rank 0; nil on the others.
    func gathered<Value: Codable>(_ local: [Value]) throws -> [Value]? {
        guard size > 1 else { return local }
        let parts = gather(try Wire.encode(local))
        guard isRoot else { return nil }
        return try parts.flatMap { try Wire.decode([Value].self, from: $0) }
    }

    /// `gathered` for the values the timeline sends every step.
    func gathered<Value: WireValue>(_ local: [Value]) throws -> [Value]? {
        guard size > 1 else { return local }
        let parts = gather(local.wireBytes())
        guard isRoot else { return nil }
        return try parts.flatMap { try [Value](wireBytes: $0) }
    }

    /// Every rank's `local` values concatenated in rank order, on every rank.
    func shared<Value: Codable>(_ local: [Value]) throws -> [Value] {
        guard size > 1 else { return local }
        let all = try gathered(local).map { try Wire.encode($0) } ?? []
        return try Wire.decode([Value].self, from: broadcast(all))
    }

    /// `body(index)` for every index of 0..<count, each rank computing its
    /// block on `threads` workers; every rank gets all results in index order.
    func map<Value: Codable & Sendable>(count: Int, threads: Int, _ body: @Sendable (Int) throws -> Value) throws -> [Value] {
        let block = self.block(of: count)
        return try shared(try parallelMap(count: block.count, threads: threads) { try body(block.lowerBound + $0) })
    }

    /// Whether any rank was asked to stop (SIGINT/SIGTERM), agreed by all.
    var interruptRequested: Bool { maximum(Interrupts.requested ? 1 : 0) == 1 }
}

/// How values travel between ranks: binary property lists, which keep every
/// Double's bits.
enum Wire {
    static func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let encoder = PropertyListEncoder()
        encoder.outputFormat = .binary
        return Array(try encoder.encode(value))
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        try PropertyListDecoder().decode(type, from: Data(bytes))
    }
}

/// This process's place among the ranks of a run.
public enum Cluster {
    /// MPI's world in the MPI build (MPI is initialised on first use: touch
    /// it from the main thread first), one process otherwise.
    public static let world: any Communicator = {
        #if MPI
        return MPIWorld()
        #else
        return SingleProcess()
        #endif
    }()

    /// Whether this is the MPI build.
    public static var isMPIBuild: Bool {
        #if MPI
        return true
        #else
        return false
        #endif
    }

    /// Ends MPI (every rank, before exiting normally).
    public static func finish() {
        #if MPI
        (world as? MPIWorld)?.finalize()
        #endif
    }

    /// Stops every rank with `status` (an error on one rank that the others
    /// cannot know of); returns only in one process.
    public static func abort(status: Int32) {
        #if MPI
        if world.size > 1 { (world as? MPIWorld)?.abort(status: status) }
        #endif
    }
}
