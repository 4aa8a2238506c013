import Foundation

/// Reads an input file (an experiment file, a data file) through one open
/// descriptor, so that what is checked is what is read: the kind of file
/// and its size come from the opened file (`fstat`), which a symbolic link
/// cannot disguise, and at most `limit + 1` bytes are read, whatever the
/// file claims. A FIFO or a device is "not a regular file" (opened without
/// blocking, never read).
enum BoundedFile {
    enum Failure: Error {
        case missing
        case directory
        case notRegular
        /// More than `limit` bytes (the size if known).
        case tooLarge(Int)
        /// open/read failed with this reason.
        case unreadable(String)
    }

    static func read(_ path: String, limit: Int) -> Result<Data, Failure> {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return .failure(.missing) }
            return .failure(.unreadable(String(cString: strerror(code)).lowercased()))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            return .failure(.unreadable(String(cString: strerror(errno)).lowercased()))
        }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: return .failure(.directory)
        case S_IFREG: break
        default: return .failure(.notRegular)
        }
        guard Int(status.st_size) <= limit else { return .failure(.tooLarge(Int(status.st_size))) }
        var bytes = [UInt8](repeating: 0, count: min(Int(status.st_size), limit) + 1)
        var total = 0
        // Up to limit + 1 bytes: a file that grew after fstat is still caught.
        while total < limit + 1 {
            if total == bytes.count { bytes.append(contentsOf: [UInt8](repeating: 0, count: min(bytes.count, limit + 1 - bytes.count))) }
            let count = bytes.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress! + total, $0.count - total) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(.unreadable(String(cString: strerror(errno)).lowercased()))
            }
            if count == 0 { break }
            total += count
        }
        guard total <= limit else { return .failure(.tooLarge(total)) }
        return .success(Data(bytes.prefix(total)))
    }
}
