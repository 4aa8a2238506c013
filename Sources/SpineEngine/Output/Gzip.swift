import CZlib
import Foundation

/// gzip (RFC 1952) through zlib, for result streams too large to keep as
/// plain text (`turnover.csv.gz`).
///
/// A compressed stream is a sequence of complete gzip members, one per
/// `member(_:)` call. RFC 1952 allows members to be concatenated; zlib,
/// gunzip, Python's `gzip` module and pandas read them as one stream. Every
/// member ends at a byte boundary of the file, so a checkpoint can record the
/// file's length between two members and a resume can truncate to it
/// (`AppendOnlyFile`). The members are deterministic: a fixed level, and
/// zlib's default header (no file name, modification time 0); the same rows
/// give the same bytes with the same zlib.
public enum Gzip {
    /// zlib's compression level for result streams (6: zlib's default trade-off).
    public static let level: Int32 = 6

    /// zlib feeds at most `UInt32.max` bytes per call; this is what one call
    /// gets, and the size of each output chunk.
    private static let chunkBytes = 1 << 20

    /// One complete gzip member holding `data`.
    public static func member(_ data: Data) throws -> Data {
        var stream = z_stream()
        var status = czlib_deflate_init_gzip(&stream, level)
        guard status == Z_OK else { throw RunError("gzip: cannot start a compressed member (zlib status \(status))") }
        defer { deflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: chunkBytes)
        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            var offset = 0
            repeat {
                let count = min(input.count - offset, chunkBytes)
                let last = offset + count == input.count
                stream.next_in = count == 0 ? nil
                    : UnsafeMutablePointer(mutating: input.baseAddress!.advanced(by: offset).assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(count)
                offset += count
                repeat {
                    status = chunk.withUnsafeMutableBufferPointer { buffer in
                        stream.next_out = buffer.baseAddress
                        stream.avail_out = uInt(buffer.count)
                        return deflate(&stream, last ? Z_FINISH : Z_NO_FLUSH)
                    }
                    guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                        throw RunError("gzip: compression failed (zlib status \(status))")
                    }
                    output.append(contentsOf: chunk[0..<(chunkBytes - Int(stream.avail_out))])
                } while stream.avail_out == 0 || (last && status != Z_STREAM_END)
            } while offset < input.count
        }
        return output
    }

    /// The decompressed content of gzip data: every member, in order, as
    /// one byte sequence each. Throws on data that is not gzip, is damaged
    /// or ends inside a member.
    public static func members(_ data: Data) throws -> [Data] {
        var members: [Data] = []
        guard !data.isEmpty else { return members }
        var stream = z_stream()
        var status = czlib_inflate_init_gzip(&stream)
        guard status == Z_OK else { throw RunError("gzip: cannot start decompressing (zlib status \(status))") }
        defer { inflateEnd(&stream) }
        var chunk = [UInt8](repeating: 0, count: chunkBytes)
        var current = Data()
        var insideMember = false, outputPending = false
        data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            var offset = 0
            while true {
                if stream.avail_in == 0 && offset < input.count {
                    let count = min(input.count - offset, chunkBytes)
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.advanced(by: offset).assumingMemoryBound(to: Bytef.self))
                    stream.avail_in = uInt(count)
                    offset += count
                }
                guard stream.avail_in > 0 || outputPending else { return }
                status = chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                current.append(contentsOf: chunk[0..<(chunkBytes - Int(stream.avail_out))])
                outputPending = stream.avail_out == 0
                switch status {
                case Z_STREAM_END:
                    members.append(current)
                    current = Data()
                    insideMember = false
                    outputPending = false
                    inflateReset(&stream)
                case Z_OK, Z_BUF_ERROR:
                    insideMember = true
                default:
                    return
                }
            }
        }
        guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
            let reason = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
            throw RunError("gzip: the data cannot be decompressed after \(members.count) complete members: \(reason)")
        }
        guard !insideMember else {
            throw RunError("gzip: the data ends inside a member (after \(members.count) complete members)")
        }
        return members
    }

    /// The decompressed content of gzip data, all members joined.
    public static func decompress(_ data: Data) throws -> Data {
        try members(data).reduce(into: Data()) { $0.append($1) }
    }
}
