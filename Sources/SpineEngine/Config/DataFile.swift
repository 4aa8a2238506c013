import Foundation
import Yams

/// A CSV data file named in an experiment file (`dendrites.from_csv`,
/// `dendrites.spines_csv`; docs/MODEL.md §4 "Initial population"), read
/// strictly: UTF-8, a header of known column names, one value per column in
/// every row. Every error names the file, the line and column, the column's
/// name, the value and what is allowed.
struct CSVDataFile {
    /// The path as resolved against the experiment file's folder.
    let path: String
    /// SHA-256 of the file's bytes (64 hexadecimal digits).
    let sha256: String
    /// The column names, in file order.
    let header: [String]
    let rows: [Row]
    /// The experiment-file key that named the file (for error messages).
    let keyPath: String

    struct Row {
        /// The row's line in the file (from 1).
        let line: Int
        /// Each field's text (trimmed) and the column where it starts (from 1).
        let fields: [(text: Substring, column: Int)]
    }

    /// The largest data file read.
    static let maximumFileBytes = 1 << 30

    /// Reads the file named by `key` of `mapping`. `required` columns must
    /// be present, `optional` ones may be; no other column is allowed. When
    /// `<key>_sha256` is given (as in a resolved configuration), the file
    /// must have that digest.
    static func read(_ key: String, of mapping: ConfigMapping, required: [String], optional: [String],
                     maximumRows: Int) throws -> CSVDataFile {
        let keyPath = mapping.keyPath(key)
        guard let node = mapping.value(key) else {
            throw mapping.missing(key, allowed: "the path of a CSV file, relative to the experiment file")
        }
        guard case .scalar = node, let given = node.scalar?.string, !given.isEmpty else {
            throw mapping.error(key, node, "value \(ConfigMapping.describe(node)) is not allowed; allowed: the path of a CSV file, relative to the experiment file (text)")
        }
        let digestKey = "\(key)_sha256"
        var expectedDigest: String?
        if let digestNode = mapping.value(digestKey) {
            guard let text = digestNode.scalar?.string, text.count == 64,
                  text.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                throw mapping.error(digestKey, digestNode, "value \(ConfigMapping.describe(digestNode)) is not allowed; allowed: a SHA-256 digest (64 lowercase hexadecimal digits)")
            }
            expectedDigest = text
        }
        let path = mapping.source.resolve(given)
        let data: Data
        switch BoundedFile.read(path, limit: maximumFileBytes) {
        case let .success(bytes):
            data = bytes
        case .failure(.missing):
            throw mapping.error(key, node, "no such file '\(path)'; allowed: the path of a CSV file, relative to the experiment file")
        case .failure(.directory):
            throw mapping.error(key, node, "'\(path)' is a directory; allowed: the path of a CSV file")
        case .failure(.notRegular):
            throw mapping.error(key, node, "'\(path)' is not a regular file (a FIFO, socket or device); allowed: the path of a CSV file")
        case let .failure(.tooLarge(size)):
            throw mapping.error(key, node, "'\(path)' has \(size > maximumFileBytes + 1 ? "\(size)" : "more than \(maximumFileBytes)") bytes; allowed: a CSV file of at most \(maximumFileBytes) bytes")
        case let .failure(.unreadable(reason)):
            throw mapping.error(key, node, "cannot read '\(path)' (\(reason))")
        }
        let bytes = [UInt8](data)
        let digest = sha256Hex(bytes)
        if let expectedDigest, expectedDigest != digest {
            throw mapping.error(digestKey, mapping.peek(digestKey),
                                "'\(path)' has SHA-256 \(digest), not \(expectedDigest): the file changed since the configuration was resolved; allowed: the file with that digest")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            let (line, column) = position(ofFirstInvalidByteIn: bytes)
            throw ConfigError(location: "\(path):\(line):\(column)", keyPath: keyPath,
                              message: "the file is not UTF-8 text; allowed: a UTF-8 CSV file")
        }
        var header: [String] = []
        var headerLine = 0
        var rows: [Row] = []
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            let fields = split(line)
            if header.isEmpty {
                headerLine = index + 1
                for (position, field) in fields.enumerated() {
                    let name = String(field.text)
                    guard required.contains(name) || optional.contains(name) else {
                        throw ConfigError(location: "\(path):\(index + 1):\(field.column)", keyPath: keyPath,
                                          message: "header: unknown column \"\(name)\"; allowed columns: \(describe(required: required, optional: optional))")
                    }
                    guard !fields[..<position].contains(where: { $0.text == field.text }) else {
                        throw ConfigError(location: "\(path):\(index + 1):\(field.column)", keyPath: keyPath,
                                          message: "header: column \"\(name)\" appears twice; allowed: each column once")
                    }
                    header.append(name)
                }
                if let absent = required.first(where: { !header.contains($0) }) {
                    throw ConfigError(location: "\(path):\(index + 1):1", keyPath: keyPath,
                                      message: "header: the column \"\(absent)\" is missing; allowed columns: \(describe(required: required, optional: optional))")
                }
                continue
            }
            guard fields.count == header.count else {
                let column = fields.count > header.count ? fields[header.count].column : line.count + 1
                throw ConfigError(location: "\(path):\(index + 1):\(column)", keyPath: keyPath,
                                  message: "the row has \(fields.count) values; allowed: one per column of the header (\(header.count): \(header.joined(separator: ",")))")
            }
            guard rows.count < maximumRows else {
                throw ConfigError(location: "\(path):\(index + 1):1", keyPath: keyPath,
                                  message: "the file has more than \(maximumRows) rows; allowed: at most \(maximumRows) rows")
            }
            rows.append(Row(line: index + 1, fields: fields))
        }
        guard !header.isEmpty else {
            throw ConfigError(location: path, keyPath: keyPath,
                              message: "the file is empty; allowed: a header line (\(describe(required: required, optional: optional))) and one row per line")
        }
        guard !rows.isEmpty else {
            throw ConfigError(location: "\(path):\(headerLine):1", keyPath: keyPath, message: "the file has a header but no rows; allowed: at least one row")
        }
        return CSVDataFile(path: path, sha256: digest, header: header, rows: rows, keyPath: keyPath)
    }

    /// Whether the file has the column `name`.
    func has(_ name: String) -> Bool { header.contains(name) }

    /// The error at `row`'s value of `column`.
    func error(_ row: Row, _ column: String, _ message: String) -> ConfigError {
        let index = header.firstIndex(of: column)!
        let field = row.fields[index]
        return ConfigError(location: "\(path):\(row.line):\(field.column)", keyPath: keyPath,
                           message: "column \"\(column)\": value \"\(field.text)\" \(message)")
    }

    /// The text of `row`'s value of `column` (nil: no such column).
    func text(_ row: Row, _ column: String) -> Substring? {
        header.firstIndex(of: column).map { row.fields[$0].text }
    }

    /// A finite number of `column` in `row` accepted by `isAllowed` (described by `allowed`).
    func number(_ row: Row, _ column: String, allowed: String, _ isAllowed: (Double) -> Bool) throws -> Double {
        guard let text = text(row, column) else { preconditionFailure("column \(column) is not in the header") }
        guard let x = Double(text), text.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }) else {
            throw error(row, column, "is not a number; allowed: \(allowed)")
        }
        guard x.isFinite, isAllowed(x) else { throw error(row, column, "is out of range; allowed: \(allowed)") }
        return x
    }

    /// An integer of `column` in `row` within `range`.
    func integer(_ row: Row, _ column: String, in range: ClosedRange<Int>, allowed: String) throws -> Int {
        guard let text = text(row, column) else { preconditionFailure("column \(column) is not in the header") }
        guard let x = Int(text) else { throw error(row, column, "is not an integer; allowed: \(allowed)") }
        guard range.contains(x) else { throw error(row, column, "is out of range; allowed: \(allowed)") }
        return x
    }

    /// Comma-separated fields, trimmed, with the column (from 1) where each starts.
    private static func split(_ line: Substring) -> [(text: Substring, column: Int)] {
        var fields: [(text: Substring, column: Int)] = []
        var column = 1
        for part in line.split(separator: ",", omittingEmptySubsequences: false) {
            let leading = part.prefix { $0 == " " || $0 == "\t" }.count
            let trimmed = part.drop { $0 == " " || $0 == "\t" }
            let end = trimmed.lastIndex { $0 != " " && $0 != "\t" }.map { trimmed.index(after: $0) } ?? trimmed.startIndex
            fields.append((trimmed[..<end], column + leading))
            column += part.count + 1
        }
        return fields
    }

    private static func describe(required: [String], optional: [String]) -> String {
        (required.map { "\"\($0)\"" } + optional.map { "\"\($0)\" (optional)" }).joined(separator: ", ")
    }

    /// The line and column (from 1) of the first byte that is not UTF-8.
    private static func position(ofFirstInvalidByteIn bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1, column = 1, i = 0
        while i < bytes.count {
            let b = bytes[i]
            let length = b < 0x80 ? 1 : b >> 5 == 0b110 ? 2 : b >> 4 == 0b1110 ? 3 : b >> 3 == 0b11110 ? 4 : 0
            guard length > 0, i + length <= bytes.count,
                  bytes[(i + 1)..<(i + length)].allSatisfy({ $0 >> 6 == 0b10 }),
                  String(bytes: bytes[i..<(i + length)], encoding: .utf8) != nil else { return (line, column) }
            if b == 0x0a { line += 1; column = 1 } else { column += 1 }
            i += length
        }
        return (line, column)
    }
}
