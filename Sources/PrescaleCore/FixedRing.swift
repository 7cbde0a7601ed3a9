/// A ring of the last `capacity` numbers, allocated once: pushing never allocates.
public struct FixedRing: Sendable, Hashable {
    private var storage: [Double]
    private var next = 0
    /// How many values it holds (at most its capacity).
    public private(set) var count = 0
    /// The sum of the values held.
    public private(set) var sum: Double = 0

    /// Creates an empty ring of `capacity` (at least 1).
    public init(capacity: Int) {
        self.storage = Array(repeating: 0, count: max(capacity, 1))
    }

    /// The capacity.
    public var capacity: Int { self.storage.count }

    /// Appends `value`, dropping the oldest when full.
    public mutating func push(_ value: Double) {
        if self.count == self.storage.count {
            self.sum -= self.storage[self.next]
        } else {
            self.count += 1
        }
        self.storage[self.next] = value
        self.sum += value
        self.next = (self.next + 1) % self.storage.count
    }

    /// The value pushed `age` pushes ago (0 = the newest), if still held.
    public func value(ago age: Int) -> Double? {
        guard age >= 0, age < self.count else { return nil }
        let index = (self.next - 1 - age + 2 * self.storage.count) % self.storage.count
        return self.storage[index]
    }

    /// The values held, oldest first.
    public var valuesOldestFirst: [Double] {
        (0..<self.count).reversed().map { self.value(ago: $0)! }
    }

    /// Copies the values held into `scratch` (reusing its storage) and returns the `q`-quantile
    /// (nearest rank, 0 < q < 1), or `nil` when empty.
    public func quantile(_ q: Double, scratch: inout [Double]) -> Double? {
        guard self.count > 0 else { return nil }
        scratch.removeAll(keepingCapacity: true)
        if self.count == self.storage.count {
            scratch.append(contentsOf: self.storage)
        } else {
            for age in 0..<self.count { scratch.append(self.value(ago: age)!) }
        }
        let rank = min(self.count - 1, max(0, Int((q * Double(self.count)).rounded(.up)) - 1))
        return Self.select(&scratch, rank)
    }

    /// The `k`-th smallest element (quickselect, in place).
    private static func select(_ values: inout [Double], _ k: Int) -> Double {
        var low = 0
        var high = values.count - 1
        while low < high {
            let pivot = values[(low + high) / 2]
            var i = low
            var j = high
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j {
                high = j
            } else if k >= i {
                low = i
            } else {
                return values[k]
            }
        }
        return values[k]
    }
}
