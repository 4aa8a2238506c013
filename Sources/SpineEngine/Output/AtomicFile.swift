import Foundation

/// Writes files so that a reader never sees a half-written one: the bytes go
/// to a temporary file in the same directory, which is then renamed over the
/// target (rename(2) is atomic within a file system).
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try data.write(to: temporary, options: [])
            guard rename(temporary.path, url.path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw RunError("cannot move \(temporary.lastPathComponent) to \(url.path): \(reason)")
            }
        } catch let error as RunError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw RunError("cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}

/// A failure while running (I/O, numerical blow-up), as a message for the user.
public struct RunError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
