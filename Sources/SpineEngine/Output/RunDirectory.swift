import Foundation

/// The directory a run writes into.
///
/// - Result files are written into `.partial/` while the run goes on and
///   moved into the directory when it completes (`publish`), the completed
///   manifest (staged beside them) last: only files a completed manifest
///   lists are results. A run that stops early leaves its results in `.partial/`.
/// - An existing directory holding anything but a failed run's manifest is
///   only reused with `force`. Before a new run writes its manifest, every
///   entry the directory holds (but its lock file and earlier
///   `.previous-*` folders) is moved aside into a new `.previous-<UTC time>`
///   folder inside it (`movePreviousRunAside`): nothing of an earlier run —
///   whatever its manifest says, or if it has none — stays beside the new
///   one's files, and nothing is deleted.
/// - A run or resume holds an exclusive lock on the directory for its
///   lifetime (`RunLock`).
public struct RunDirectory: Sendable {
    public let url: URL

    /// Where results are written until the run completes.
    public var staging: URL { url.appendingPathComponent(".partial", isDirectory: true) }
    public var checkpoints: URL { url.appendingPathComponent("checkpoints", isDirectory: true) }

    /// A directory for a new run (created if absent); `force` replaces a previous run.
    public init(path: String, force: Bool) throws {
        url = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw RunError("output path \(url.path) exists and is not a directory")
            }
            let contents = RunDirectory.visibleEntries(url)
            let onlyFailedManifest = contents == ["manifest.json"]
                && (RunDirectory.readManifest(url)?["status"] as? String)?.hasPrefix("failed") == true
            if !contents.isEmpty && !force && !onlyFailedManifest {
                throw RunError("output directory \(url.path) is not empty (\(contents.count) entries); choose another --out or pass --force to replace the run in it (its files are moved aside into \(url.path)/\(RunDirectory.previousPrefix)<time>)")
            }
        } else {
            do {
                try manager.createDirectory(at: url, withIntermediateDirectories: true)
            } catch {
                throw RunError("cannot create output directory \(url.path): \(error.localizedDescription)")
            }
        }
    }

    /// A new private directory for what a rank other than 0 would write (removed after its run).
    static func scratch(rank: Int) throws -> RunDirectory {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("spinesim-rank-\(rank)-\(UUID().uuidString)").path
        return try RunDirectory(path: path, force: false)
    }

    /// An existing run directory (to resume a run).
    public init(existing path: String) throws {
        url = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RunError("no run directory at \(url.path)")
        }
    }

    /// Entries a user sees (hidden files aside).
    static func visibleEntries(_ url: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// The manifest of the run in `url` as JSON, nil if absent or unreadable.
    static func readManifest(_ url: URL) -> [String: Any]? {
        guard let data = try? Data(contentsOf: url.appendingPathComponent("manifest.json")) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    /// Moves every entry of the directory but its lock file and earlier
    /// `.previous-*` folders into a new folder `.previous-<UTC time>` inside
    /// it (renames: nothing is copied or deleted); returns that folder's name
    /// and the entries moved, nil when there was nothing to move. The old
    /// manifest is not consulted: it may be missing, damaged or forged. Call
    /// with the directory's lock held.
    func movePreviousRunAside(now: Date = Date()) throws -> (folder: String, entries: [String])? {
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [])
            .filter { $0 != RunLock.fileName && !$0.hasPrefix(RunDirectory.previousPrefix) }.sorted()
        guard !entries.isEmpty else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let stem = RunDirectory.previousPrefix + formatter.string(from: now)
        var name = stem, suffix = 1
        while FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path) {
            suffix += 1
            name = "\(stem)-\(suffix)"
        }
        let folder = url.appendingPathComponent(name, isDirectory: true)
        guard mkdir(folder.path, 0o755) == 0 else {
            throw RunError("cannot create \(folder.path) to move the previous run aside: \(String(cString: strerror(errno)))")
        }
        for entry in entries {
            guard rename(url.appendingPathComponent(entry).path, folder.appendingPathComponent(entry).path) == 0 else {
                throw RunError("cannot move the previous run's \(entry) aside into \(folder.path): \(String(cString: strerror(errno)))")
            }
        }
        AtomicFile.syncDirectory(url)
        return (name, entries)
    }

    /// The folders a new run moves a previous run's entries into.
    static let previousPrefix = ".previous-"

    /// Removes temporary files of interrupted writes (`.NAME.tmp-PID`).
    func removeTemporaryFiles() {
        for folder in [url, staging, checkpoints, url.appendingPathComponent("final_state"), staging.appendingPathComponent("final_state")] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasPrefix(".") && name.contains(".tmp-") {
                try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
            }
        }
    }

    /// A file of the directory (published results, the manifest).
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// A result file while the run goes on.
    public func staged(_ name: String) -> URL { staging.appendingPathComponent(name) }

    public func write(_ name: String, text: String) throws {
        try FileManager.default.createDirectory(at: staged(name).deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(text, to: staged(name))
    }

    public func write(_ name: String, table: CSVTable) throws {
        try table.checkDefined(file: name)
        try write(name, text: table.text)
    }

    public func writeJSON<Value: Encodable>(_ name: String, _ value: Value) throws {
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try AtomicFile.write(try JSONOutput.encode(value, file: name), to: staged(name))
    }

    /// The manifest, written in place and synced (it is the directory's index).
    func writeManifest<Value: Encodable>(_ value: Value) throws {
        try AtomicFile.write(try JSONOutput.encode(value, file: "manifest.json"), to: file("manifest.json"), durable: true)
    }

    /// The manifest of a run that stopped: written as usual, or — when that
    /// fails (a full disk has no room for the temporary copy) — rewritten in
    /// place, reusing the old manifest's blocks. Never throws: the failure
    /// being recorded is the one to report.
    func recordStop<Value: Encodable>(_ value: Value) {
        do {
            try writeManifest(value)
        } catch {
            guard let data = try? JSONOutput.encode(value, file: "manifest.json") else { return }
            try? AtomicFile.writeAll(data, to: file("manifest.json"), naming: file("manifest.json"), sync: true)
        }
    }

    /// Writes the manifest into the staging area, synced, to be published
    /// last (`publish`): a completed manifest that cannot be written leaves
    /// no result published.
    func stageManifest<Value: Encodable>(_ value: Value) throws {
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try AtomicFile.write(try JSONOutput.encode(value, file: "manifest.json"), to: staged("manifest.json"), durable: true)
    }

    /// Removes a staged completed manifest that was not published (the run failed after all).
    func dropStagedManifest() { unlink(staged("manifest.json").path) }

    /// Moves the staged results `names` into the directory (each rename is
    /// atomic) and syncs the directory.
    func publish(_ names: [String]) throws {
        for name in names {
            let target = file(name)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard rename(staged(name).path, target.path) == 0 else {
                throw RunError("cannot move \(name) into \(url.path): \(String(cString: strerror(errno)))")
            }
        }
        AtomicFile.syncDirectory(url)
    }

    /// After a completed manifest: the staging area, and the checkpoints unless kept.
    func cleanUp(keepCheckpoints: Bool) {
        try? FileManager.default.removeItem(at: staging)
        if !keepCheckpoints { try? FileManager.default.removeItem(at: checkpoints) }
        removeTemporaryFiles()
    }
}

/// An exclusive lock on a run directory for the lifetime of a run or a
/// resume (`flock` on `.spinesim.lock`, which names the holder): a second
/// process on the same directory is refused instead of interleaving its
/// files with the first one's.
public final class RunLock: @unchecked Sendable {
    private var descriptor: Int32
    private let url: URL
    /// The lock file's name in a run directory.
    static let fileName = ".spinesim.lock"

    public init(_ directory: RunDirectory) throws {
        url = directory.file(RunLock.fileName)
        descriptor = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw RunError("cannot create the lock file \(url.path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOf: url, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(descriptor)
            throw RunError("\(directory.url.path) is in use by another spinesim process (\(holder.isEmpty ? "unknown" : holder)); wait for it to end or stop it")
        }
        let holder = "pid \(getpid()): \(CommandLine.arguments.joined(separator: " "))\n"
        _ = ftruncate(descriptor, 0)
        _ = holder.withCString { write(descriptor, $0, strlen($0)) }
    }

    /// Empties the lock file (it names no holder any more) and releases the
    /// lock (a run that completed). The file itself stays: unlinking it would
    /// let a process that opened it just before lock the removed file while a
    /// third one creates and locks a new one — two holders at once.
    public func release() {
        guard descriptor >= 0 else { return }
        _ = ftruncate(descriptor, 0)
        close(descriptor)
        descriptor = -1
    }

    deinit { if descriptor >= 0 { close(descriptor) } }
}

/// JSON as SpineSim writes it: sorted keys, indented, stable bytes. A value
/// that is not a number (NaN, ±∞) is an error naming the file and the key:
/// summaries write null with a reason instead.
public enum JSONOutput {
    public static func encode<Value: Encodable>(_ value: Value, file: String = "JSON output") throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .throw
        var data: Data
        do {
            data = try encoder.encode(value)
        } catch let EncodingError.invalidValue(number, context) {
            let key = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            throw RunError("\(file): the value of \(key.isEmpty ? "the document" : key) is \(number), not a number; refusing to write it")
        }
        data.append(contentsOf: Array("\n".utf8))
        return data
    }
}

/// A key of `summary.json` by name.
struct SummaryKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension KeyedEncodingContainer where K == SummaryKey {
    /// A number, or — when it is not defined (NaN, ±∞) — null, with the
    /// reason under `<key>_reason`: summaries never carry sentinel numbers.
    mutating func encode(_ value: Double, forKey key: String, orNullBecause reason: @autoclosure () -> String) throws {
        if value.isFinite {
            try encode(value, forKey: SummaryKey(key))
        } else {
            try encodeNil(forKey: SummaryKey(key))
            try encode(reason(), forKey: SummaryKey(key + "_reason"))
        }
    }
}
