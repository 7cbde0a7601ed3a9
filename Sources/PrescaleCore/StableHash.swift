/// A 64-bit FNV-1a hash of bytes: the same in every process and on every replica, unlike `Hashable`,
/// whose seed Swift randomises per process. For identities that are compared or logged across replicas
/// and restarts.
public enum StableHash {
    /// FNV-1a over the UTF-8 bytes of `text`.
    public static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// The hash of a string map, independent of its order: `key=value` lines sorted by key.
    public static func fnv1a(_ map: [String: String]) -> UInt64 {
        self.fnv1a(map.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined())
    }
}
