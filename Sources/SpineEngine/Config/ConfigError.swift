/// A rejected experiment file or `--set` override: names where (file and
/// line, or the override), the key, the value and what is allowed.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    /// "file.yaml:12:5", "--set pairing.pairs=0" or the file name alone.
    public let location: String
    /// Dotted key path, e.g. "pairing.delta_t_ms.step"; empty for the document.
    public let keyPath: String
    public let message: String

    public init(location: String, keyPath: String, message: String) {
        self.location = location
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        keyPath.isEmpty ? "\(location): \(message)" : "\(location): \(keyPath): \(message)"
    }
}
