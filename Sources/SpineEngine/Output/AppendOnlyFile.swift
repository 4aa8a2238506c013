import Foundation

/// A result file written while a long run goes on: rows are appended to
/// `NAME.partial`, whose length is recorded in every checkpoint. Resuming
/// truncates it to that length (dropping rows written after the checkpoint),
/// and the finished run renames it to NAME. So a run killed at any moment
/// and resumed writes the same bytes as one that was never interrupted.
public final class AppendOnlyFile {
    public let finalURL: URL
    public let partialURL: URL
    private let handle: FileHandle
    private var buffer = Data()
    /// Bytes written to the partial file, buffered bytes excluded.
    public private(set) var committedLength: UInt64

    /// Starts a new file (with `header` as its first line), or reopens one at
    /// `resumeLength` bytes.
    public init(directory: RunDirectory, name: String, header: String, resumeLength: UInt64? = nil) throws {
        finalURL = directory.file(name)
        partialURL = directory.file(name + ".partial")
        let manager = FileManager.default
        if let resumeLength {
            // Killed while finishing: the final file may already have replaced the partial one.
            if !manager.fileExists(atPath: partialURL.path) && manager.fileExists(atPath: finalURL.path) {
                try manager.moveItem(at: finalURL, to: partialURL)
            }
            guard manager.fileExists(atPath: partialURL.path) else {
                throw RunError("cannot resume: \(partialURL.lastPathComponent) is missing")
            }
            handle = try FileHandle(forUpdating: partialURL)
            let length = try handle.seekToEnd()
            guard length >= resumeLength else {
                throw RunError("cannot resume: \(partialURL.lastPathComponent) has \(length) bytes, the checkpoint expects at least \(resumeLength)")
            }
            try handle.truncate(atOffset: resumeLength)
            try handle.seek(toOffset: resumeLength)
            committedLength = resumeLength
        } else {
            guard manager.createFile(atPath: partialURL.path, contents: nil) else {
                throw RunError("cannot create \(partialURL.path)")
            }
            handle = try FileHandle(forWritingTo: partialURL)
            committedLength = 0
            append(header + "\n")
        }
    }

    deinit { try? handle.close() }

    public func append(_ text: String) { buffer.append(contentsOf: text.utf8) }

    /// Writes buffered rows to the partial file, without waiting for the
    /// disk; returns the new length.
    @discardableResult
    public func write() throws -> UInt64 {
        if !buffer.isEmpty {
            try handle.write(contentsOf: buffer)
            committedLength += UInt64(buffer.count)
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

    /// Flushes, closes and renames NAME.partial to NAME.
    public func finish() throws {
        try flush()
        try handle.close()
        guard rename(partialURL.path, finalURL.path) == 0 else {
            throw RunError("cannot rename \(partialURL.lastPathComponent) to \(finalURL.lastPathComponent): \(String(cString: strerror(errno)))")
        }
    }

    /// Flushes and closes, then writes NAME with the rows (after the header)
    /// stably sorted by their `rank`. NAME.partial stays until
    /// the run is complete (a resume before that truncates it as usual); the
    /// runner removes it with the completed manifest.
    public func finish(orderedBy rank: (Substring) -> Int) throws {
        try flush()
        try handle.close()
        let text = try String(contentsOf: partialURL, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        let header = lines.isEmpty ? [] : [lines.removeFirst()]
        let keyed = lines.enumerated().map { (rank($0.element), $0.offset, $0.element) }
        let sorted = keyed.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
        try AtomicFile.write((header + sorted).joined(separator: "\n") + "\n", to: finalURL)
    }
}
