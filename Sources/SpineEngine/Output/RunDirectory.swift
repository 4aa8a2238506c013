import Foundation

/// The directory a run writes into. An existing non-empty directory is only
/// reused with `force`; every file is written atomically.
public struct RunDirectory: Sendable {
    public let url: URL

    public init(path: String, force: Bool) throws {
        url = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw RunError("output path \(url.path) exists and is not a directory")
            }
            let contents = (try? manager.contentsOfDirectory(atPath: url.path)) ?? []
            if !contents.isEmpty && !force {
                throw RunError("output directory \(url.path) is not empty (\(contents.count) entries); choose another --out or pass --force to replace its files")
            }
        } else {
            do {
                try manager.createDirectory(at: url, withIntermediateDirectories: true)
            } catch {
                throw RunError("cannot create output directory \(url.path): \(error.localizedDescription)")
            }
        }
    }

    /// An existing run directory (to resume a run).
    public init(existing path: String) throws {
        url = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RunError("no run directory at \(url.path)")
        }
    }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    public func write(_ name: String, text: String) throws {
        try AtomicFile.write(text, to: file(name))
    }

    public func write(_ name: String, table: CSVTable) throws {
        try write(name, text: table.text)
    }

    public func writeJSON<Value: Encodable>(_ name: String, _ value: Value) throws {
        try AtomicFile.write(try JSONOutput.encode(value), to: file(name))
    }
}

/// JSON as SpineSim writes it: sorted keys, indented, stable bytes.
public enum JSONOutput {
    public static func encode<Value: Encodable>(_ value: Value) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var data = try encoder.encode(value)
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
