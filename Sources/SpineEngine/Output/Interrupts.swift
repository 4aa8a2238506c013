import Dispatch
import Foundation
import Synchronization

/// SIGINT and SIGTERM as a request: long runs poll `requested` between
/// steps, write a checkpoint and stop cleanly instead of dying mid-write.
public enum Interrupts {
    private static let flag = Atomic<Bool>(false)
    private static let sources = Mutex<[DispatchSourceSignal]>([])
    /// For runs that cannot stop at a checkpoint: what to do at once on a signal.
    private static let immediate = Mutex<(@Sendable () -> Void)?>(nil)

    /// Makes a signal run `action` at once (it should record the stop and exit)
    /// instead of waiting for the run to poll `requested`.
    public static func onRequest(_ action: (@Sendable () -> Void)?) {
        immediate.withLock { $0 = action }
    }

    /// Starts catching SIGINT and SIGTERM (idempotent).
    public static func install() {
        sources.withLock { installed in
            guard installed.isEmpty else { return }
            for signalNumber in [SIGINT, SIGTERM] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler {
                    flag.store(true, ordering: .relaxed)
                    immediate.withLock { $0 }?()
                }
                source.resume()
                installed.append(source)
            }
        }
    }

    public static var requested: Bool { flag.load(ordering: .relaxed) }
}

/// A run stopped on request after writing a checkpoint.
public struct RunInterrupted: Error, CustomStringConvertible {
    public let day: Int
    public let directory: String
    public var description: String {
        "interrupted at day \(day); a checkpoint was written. Continue with: spinesim resume \(directory)"
    }
}
