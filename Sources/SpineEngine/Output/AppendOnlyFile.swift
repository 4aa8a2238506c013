import Foundation

/// A result file written while a long run goes on: rows are appended to
/// `.partial/NAME.stream`, whose length is recorded in every checkpoint.
/// Resuming truncates it to that length (dropping rows written after the
/// checkpoint), and the finished run turns it into the staged result
/// `.partial/NAME`, which the run directory publishes. So a run killed at any
/// moment and resumed writes the same bytes as one that was never interrupted.
///
/// A gzip file (`Encoding.gzip`, NAME ending in `.gz`) is written as one
/// complete gzip member per `write()` (`Gzip`), so its length between two
/// writes is a member boundary that a resume can truncate to. Its bytes depend
/// on where the writes fall: callers write at points of the run that do not
/// depend on its interruptions (the end of a simulated day), and a checkpoint,
/// which flushes, comes after such a write.
public final class AppendOnlyFile {
    /// How rows are stored in the stream.
    public enum Encoding: Sendable {
        /// As written.
        case plain
        /// Compressed, one gzip member per `write()`.
        case gzip
    }

    public let encoding: Encoding
    /// The staged result (`.partial/NAME`) and the stream (`.partial/NAME.stream`).
    public let stagedURL: URL
    public let streamURL: URL
    private let handle: FileHandle
    private var buffer = Data()
    /// Bytes written to the stream, buffered bytes excluded.
    public private(set) var committedLength: UInt64

    /// Starts a new file (with `header` as its first line), or reopens one at
    /// `resumeLength` bytes.
    public init(directory: RunDirectory, name: String, header: String, resumeLength: UInt64? = nil,
                encoding: Encoding = .plain) throws {
        self.encoding = encoding
        stagedURL = directory.staged(name)
        streamURL = directory.staged(name + ".stream")
        let manager = FileManager.default
        try manager.createDirectory(at: directory.staging, withIntermediateDirectories: true)
        if let resumeLength {
            // Killed while finishing or publishing: the stream may already be the staged or the published file.
            if !manager.fileExists(atPath: streamURL.path),
               let moved = [stagedURL, directory.file(name)].first(where: { manager.fileExists(atPath: $0.path) }) {
                try manager.moveItem(at: moved, to: streamURL)
            }
            guard manager.fileExists(atPath: streamURL.path) else {
                throw RunError("cannot resume: \(name)'s stream (\(streamURL.path)) is missing")
            }
            handle = try FileHandle(forUpdating: streamURL)
            let length = try handle.seekToEnd()
            guard length >= resumeLength else {
                throw RunError("cannot resume: \(name)'s stream has \(length) bytes, the checkpoint expects at least \(resumeLength)")
            }
            try handle.truncate(atOffset: resumeLength)
            try handle.seek(toOffset: resumeLength)
            committedLength = resumeLength
        } else {
            guard manager.createFile(atPath: streamURL.path, contents: nil) else {
                throw RunError("cannot create \(streamURL.path)")
            }
            handle = try FileHandle(forWritingTo: streamURL)
            committedLength = 0
            append(header + "\n")
        }
    }

    deinit { try? handle.close() }

    public func append(_ text: String) { buffer.append(contentsOf: text.utf8) }

    /// Writes buffered rows to the stream (a gzip file: as one member),
    /// without waiting for the disk; returns the new length.
    @discardableResult
    public func write() throws -> UInt64 {
        if !buffer.isEmpty {
            let bytes = encoding == .gzip ? try Gzip.member(buffer) : buffer
            do {
                try handle.write(contentsOf: bytes)
            } catch {
                throw RunError("cannot write \(streamURL.path): \(String(cString: strerror(errno)).lowercased())")
            }
            committedLength += UInt64(bytes.count)
            buffer.removeAll(keepingCapacity: true)
        }
        return committedLength
    }

    /// Writes buffered rows and syncs them to disk (before a checkpoint
    /// records the length); returns the new length.
    @discardableResult
    public func flush() throws -> UInt64 {
        let length = try write()
        try handle.synchronize()
        return length
    }

    /// Flushes, closes and makes the stream the staged result.
    public func finish() throws {
        try flush()
        try handle.close()
        guard rename(streamURL.path, stagedURL.path) == 0 else {
            throw RunError("cannot rename \(streamURL.lastPathComponent) to \(stagedURL.lastPathComponent): \(String(cString: strerror(errno)))")
        }
    }

    /// Flushes and closes, then writes the staged result with the rows (after
    /// the header) stably sorted by their `rank`. The stream stays until the
    /// run is complete (a resume before that truncates it as usual).
    public func finish(orderedBy rank: (Substring) -> Int) throws {
        guard encoding == .plain else { throw RunError("\(stagedURL.lastPathComponent): a compressed stream cannot be sorted") }
        try flush()
        try handle.close()
        let text = try String(contentsOf: streamURL, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        let header = lines.isEmpty ? [] : [lines.removeFirst()]
        let keyed = lines.enumerated().map { (rank($0.element), $0.offset, $0.element) }
        let sorted = keyed.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
        try AtomicFile.write((header + sorted).joined(separator: "\n") + "\n", to: stagedURL)
    }
}
