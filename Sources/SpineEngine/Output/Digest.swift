import Crypto

/// FNV-1a (64 bits): the digest of a configuration and the checksum of a
/// checkpoint (detects damage, not tampering).
func fnv1a64<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    return hash
}

/// SHA-256 (FIPS 180-4, from swift-crypto) of `bytes`, as 64 lowercase
/// hexadecimal digits: the digest of a data file an experiment reads
/// (`dendrites.from_csv`), recorded in the resolved configuration so that a
/// run can be repeated from its manifest with the very same data.
func sha256Hex(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { byte in
        let hex = String(byte, radix: 16)
        return byte < 16 ? "0" + hex : hex
    }.joined()
}
