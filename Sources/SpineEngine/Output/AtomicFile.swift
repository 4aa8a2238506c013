import Foundation

/// Writes files so that a reader never sees a half-written one: the bytes go
/// to a temporary file in the same directory, which is then renamed over the
/// target (rename(2) is atomic within a file system). `durable` also syncs
/// the file before the rename and the directory after it, so that the file
/// survives a crash of the machine once `write` returns (checkpoints, the
/// manifest).
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL, durable: Bool = false) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try writeAll(data, to: temporary, naming: url, sync: durable)
            guard rename(temporary.path, url.path) == 0 else {
                throw RunError("cannot move \(temporary.lastPathComponent) to \(url.path): \(String(cString: strerror(errno)))")
            }
            if durable { syncDirectory(directory) }
        } catch {
            unlink(temporary.path)
            throw error
        }
    }

    /// write(2) of all of `data` into a new file, errors as one line naming `name`.
    static func writeAll(_ data: Data, to url: URL, naming name: URL, sync: Bool) throws {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw RunError(failure(writing: name, errno)) }
        defer { close(descriptor) }
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw RunError(failure(writing: name, errno))
                }
                offset += written
            }
        }
        if sync && fsync(descriptor) != 0 { throw RunError(failure(writing: name, errno)) }
    }

    public static func write(_ text: String, to url: URL, durable: Bool = false) throws {
        try write(Data(text.utf8), to: url, durable: durable)
    }

    /// Syncs a directory's entries (renames, new files) to disk.
    public static func syncDirectory(_ directory: URL) {
        let descriptor = open(directory.path, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    /// One line naming the file and the reason ("no space left on device").
    static func failure(writing url: URL, _ code: Int32) -> String {
        "cannot write \(url.path): \(String(cString: strerror(code)).lowercased())"
    }

}

/// A failure while running (I/O, numerical blow-up), as a message for the user.
public struct RunError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
