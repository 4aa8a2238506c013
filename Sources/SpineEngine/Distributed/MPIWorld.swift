#if MPI
import CMPI
import Synchronization

/// MPI_COMM_WORLD (the MPI build): initialised with MPI_THREAD_FUNNELED —
/// worker threads compute, only the main thread calls MPI (hence
/// `@unchecked Sendable`: the handle never crosses threads).
final class MPIWorld: Communicator, @unchecked Sendable {
    let rank: Int
    let size: Int
    private let comm: MPI_Comm
    private let sent = Atomic<Int>(0)
    private let finalized = Atomic<Bool>(false)

    init() {
        var provided: Int32 = 0
        MPI_Init_thread(nil, nil, cmpi_thread_funneled(), &provided)
        comm = cmpi_comm_world()
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(comm, &rank)
        MPI_Comm_size(comm, &size)
        self.rank = Int(rank)
        self.size = Int(size)
    }

    var bytesGathered: Int { sent.load(ordering: .relaxed) }

    func gather(_ bytes: [UInt8]) -> [[UInt8]] {
        var count = Int64(bytes.count)
        var counts = [Int64](repeating: 0, count: isRoot ? size : 0)
        MPI_Gather(&count, 1, cmpi_int64(), &counts, 1, cmpi_int64(), 0, comm)
        sent.add(bytes.count, ordering: .relaxed)
        let lengths = counts.map { Int32(clamping: $0) }
        guard counts.allSatisfy({ $0 == Int64(Int32(clamping: $0)) }), counts.reduce(0, +) <= Int64(Int32.max) else {
            fatalError("a gather of \(counts.reduce(0, +)) bytes exceeds MPI's int counts; use more ranks")
        }
        var offsets = [Int32](repeating: 0, count: lengths.count)
        for k in lengths.indices.dropFirst() { offsets[k] = offsets[k - 1] + lengths[k - 1] }
        var all = [UInt8](repeating: 0, count: Int(lengths.reduce(0, +)))
        bytes.withUnsafeBytes { mine in
            _ = MPI_Gatherv(mine.baseAddress, Int32(bytes.count), cmpi_byte(), &all, lengths, offsets, cmpi_byte(), 0, comm)
        }
        return lengths.indices.map { Array(all[Int(offsets[$0])..<Int(offsets[$0] + lengths[$0])]) }
    }

    func broadcast(_ bytes: [UInt8]) -> [UInt8] {
        var count = Int64(bytes.count)
        MPI_Bcast(&count, 1, cmpi_int64(), 0, comm)
        var buffer = isRoot ? bytes : [UInt8](repeating: 0, count: Int(count))
        _ = buffer.withUnsafeMutableBytes { MPI_Bcast($0.baseAddress, Int32(clamping: count), cmpi_byte(), 0, comm) }
        return buffer
    }

    func maximum(_ value: Int) -> Int {
        var mine = Int64(value), result: Int64 = 0
        MPI_Allreduce(&mine, &result, 1, cmpi_int64(), cmpi_max(), comm)
        return Int(result)
    }

    func finalize() {
        guard !finalized.exchange(true, ordering: .relaxed) else { return }
        MPI_Finalize()
    }

    func abort(status: Int32) { MPI_Abort(comm, status) }
}
#endif
