import CGSL
import Foundation

/// The CPUs this process may use: its affinity mask (an MPI launcher binds
/// each rank to its cores; `taskset` too), at most `SLURM_CPUS_PER_TASK`
/// when Slurm sets it. The default thread count of a run — never every core
/// of the node for every rank.
public enum AvailableCPUs {
    public static var count: Int {
        var cpus = affinity ?? ProcessInfo.processInfo.activeProcessorCount
        if let slurm = ProcessInfo.processInfo.environment["SLURM_CPUS_PER_TASK"].flatMap(Int.init), slurm >= 1 {
            cpus = min(cpus, slurm)
        }
        return max(1, cpus)
    }

    /// The number of CPUs in the affinity mask (nil where it cannot be read).
    private static var affinity: Int? {
        #if os(Linux)
        var mask = [UInt64](repeating: 0, count: 64)   // 4096 CPUs
        let status = mask.withUnsafeMutableBytes { bytes in
            sched_getaffinity(0, bytes.count, bytes.baseAddress!.assumingMemoryBound(to: cpu_set_t.self))
        }
        guard status == 0 else { return nil }
        return mask.reduce(0) { $0 + $1.nonzeroBitCount }
        #else
        return nil
        #endif
    }
}
