/// A tidy CSV table (one observation per row), built in memory and written
/// atomically. Numbers are written in Swift's shortest round-trip form, so
/// the same values always give the same bytes.
public struct CSVTable {
    public let header: [String]
    private var lines: [String]

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
        lines.append(cells.map(\.rendered).joined(separator: ","))
    }

    public var rowCount: Int { lines.count - 1 }

    /// One row as a line (streamed tables).
    public static func row(_ cells: [Cell]) -> String { cells.map(\.rendered).joined(separator: ",") + "\n" }

    public var text: String { lines.joined(separator: "\n") + "\n" }

    /// Shortest round-trip decimal; integral values without ".0".
    public static func format(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }
}
