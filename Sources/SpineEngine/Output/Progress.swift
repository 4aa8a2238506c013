import Foundation
import Synchronization

/// Progress with an ETA on stderr. Thread-safe; prints at most twice a
/// second on a terminal (rewriting one line), every 5 s otherwise.
public final class ProgressReporter: Sendable {
    private struct State {
        var done = 0.0
        var lastPrinted = 0.0
    }

    private let label: String
    private let total: Double
    private let unit: String
    private let start: Date
    private let interactive: Bool
    private let quiet: Bool
    private let state = Mutex(State())

    /// - Parameters:
    ///   - total: the amount of work (points, simulated days, …).
    ///   - unit: its name, e.g. "points".
    public init(label: String, total: Double, unit: String, quiet: Bool = false) {
        self.label = label
        self.total = max(total, 1e-300)
        self.unit = unit
        self.quiet = quiet
        start = Date()
        interactive = isatty(STDERR_FILENO) != 0
    }

    public func advance(by amount: Double = 1) {
        let line: String? = state.withLock { s in
            s.done += amount
            let elapsed = Date().timeIntervalSince(start)
            let interval = interactive ? 0.5 : 5.0
            guard elapsed - s.lastPrinted >= interval, s.done < total else { return nil }
            s.lastPrinted = elapsed
            return render(done: s.done, elapsed: elapsed)
        }
        if let line, !quiet { emit(line, final: false) }
    }

    /// Prints the closing line.
    public func finish() {
        let (done, elapsed) = state.withLock { ($0.done, Date().timeIntervalSince(start)) }
        guard !quiet else { return }
        emit("\(label): done, \(ProgressReporter.amount(done)) \(unit) in \(ProgressReporter.duration(elapsed))", final: true)
    }

    private func render(done: Double, elapsed: Double) -> String {
        let fraction = min(done / total, 1)
        let rate = done / max(elapsed, 1e-9)
        let eta = rate > 0 ? (total - done) / rate : .infinity
        return "\(label): \(ProgressReporter.amount(done))/\(ProgressReporter.amount(total)) \(unit) "
            + "(\(Int(fraction * 100))%), \(ProgressReporter.amount(rate)) \(unit)/s, "
            + "elapsed \(ProgressReporter.duration(elapsed)), ETA \(ProgressReporter.duration(eta))"
    }

    private func emit(_ line: String, final: Bool) {
        let text = interactive ? "\r\u{1B}[K" + line + (final ? "\n" : "") : line + "\n"
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func amount(_ x: Double) -> String {
        x == x.rounded() ? String(Int(x)) : String(format: x < 10 ? "%.2f" : "%.1f", x)
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "unknown" }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        if seconds < 3600 { return String(format: "%d min %02d s", Int(seconds) / 60, Int(seconds) % 60) }
        return String(format: "%d h %02d min", Int(seconds) / 3600, (Int(seconds) % 3600) / 60)
    }
}
