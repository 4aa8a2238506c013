/// A tidy CSV table (one observation per row), built in memory and written
/// atomically. Numbers are written in Swift's shortest round-trip form, so
/// the same values always give the same bytes.
public struct CSVTable {
    public let header: [String]
    private var lines: [String]
    /// The first cell that is not a number (NaN, ±∞): a value is either
    /// defined or written as an empty cell (`real(orEmpty:)`), never "nan".
    private var undefined: String?

    public init(header: [String]) {
        self.header = header
        lines = [header.joined(separator: ",")]
    }

    public enum Cell: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
        case text(String), integer(Int), real(Double)
        public init(stringLiteral value: String) { self = .text(value) }
        public init(integerLiteral value: Int) { self = .integer(value) }
        public init(floatLiteral value: Double) { self = .real(value) }

        /// A real number, or an empty cell when it is not defined (NaN, ±∞).
        public static func real(orEmpty x: Double) -> Cell { x.isFinite ? .real(x) : .text("") }

        var rendered: String {
            switch self {
            case let .text(s): s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
            case let .integer(i): String(i)
            case let .real(x): CSVTable.format(x)
            }
        }
    }

    public mutating func append(_ cells: [Cell]) {
        precondition(cells.count == header.count, "row has \(cells.count) cells for \(header.count) columns")
        if undefined == nil { undefined = CSVTable.undefinedCell(cells, header: header, row: lines.count) }
        lines.append(cells.map(\.rendered).joined(separator: ","))
    }

    /// Throws, naming the file, the column and the row, if a cell is not a number.
    public func checkDefined(file: String) throws {
        if let undefined { throw RunError("\(file): \(undefined) is not a number; refusing to write it") }
    }

    /// Where the first non-finite real of a row is ("column c of row r (day d)"), nil if none.
    static func undefinedCell(_ cells: [Cell], header: [String], row: Int?) -> String? {
        guard let column = cells.firstIndex(where: { if case let .real(x) = $0 { !x.isFinite } else { false } }) else { return nil }
        let day = header.firstIndex(of: "day").map { " (day \(cells[$0].rendered))" } ?? ""
        return "column \(header[column])\(row.map { " of row \($0)" } ?? "")\(day)"
    }

    public var rowCount: Int { lines.count - 1 }

    /// One row as a line of a streamed table `file` with `header`; throws
    /// if a cell is not a number.
    public static func row(_ cells: [Cell], file: String, header: [String], row: Int? = nil) throws -> String {
        if let undefined = undefinedCell(cells, header: header, row: row) {
            throw RunError("\(file): \(undefined) is not a number; refusing to write it")
        }
        return cells.map(\.rendered).joined(separator: ",") + "\n"
    }

    public var text: String { lines.joined(separator: "\n") + "\n" }

    /// Shortest round-trip decimal; integral values without ".0".
    public static func format(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }
}
