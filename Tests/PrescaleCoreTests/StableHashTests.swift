import PrescaleCore
import Testing

@Suite("Stable hash")
struct StableHashTests {
    @Test("FNV-1a 64 matches the published test vectors")
    func vectors() {
        #expect(StableHash.fnv1a("") == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)
    }

    @Test("a map hashes the same whatever its order, and as its sorted key=value lines")
    func map() {
        let map = ["topic": "orders", "source": "kafka"]
        #expect(StableHash.fnv1a(map) == StableHash.fnv1a(["source": "kafka", "topic": "orders"]))
        // Computed outside Swift (Python) from "source=kafka\ntopic=orders\n".
        #expect(StableHash.fnv1a(map) == 0x6f38_5901_783a_2716)
    }
}
