/// The partitions a Kafka trigger is limited to (`partitionLimitation: "1,2,10-20,31"`).
///
/// Items are comma-separated; each is a partition number or an inclusive range `a-b` with `a <= b`.
/// Spaces around items and numbers are trimmed. `"1-2-3"`, `"a,b"`, `"a-3"` and `"5-2"` are errors.
public struct PartitionLimitation: Sendable, Hashable {
    /// The allowed partitions.
    public var partitions: Set<Int32>

    /// Creates a limitation from a set.
    public init(_ partitions: Set<Int32>) {
        self.partitions = partitions
    }

    /// What the key accepts, for error messages.
    public static let allowed =
        "comma-separated partition numbers and inclusive ranges, e.g. \"1,2,10-20,31\""

    /// Parses the metadata value; `key` names it in errors.
    public init(parsing text: String, key: String = "partitionLimitation") throws(MetadataError) {
        var partitions: Set<Int32> = []
        for rawItem in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = String(rawItem).trimmingWhitespace()
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false).map {
                String($0).trimmingWhitespace()
            }
            let numbers = bounds.compactMap { Int32($0) }
            guard !item.isEmpty, numbers.count == bounds.count, numbers.allSatisfy({ $0 >= 0 }) else {
                throw MetadataError(.invalidValue, key: key, value: text, allowed: Self.allowed)
            }
            switch numbers.count {
            case 1:
                partitions.insert(numbers[0])
            case 2 where numbers[0] <= numbers[1] && numbers[1] - numbers[0] < 1_000_000:
                for partition in numbers[0]...numbers[1] { partitions.insert(partition) }
            default:
                throw MetadataError(.invalidValue, key: key, value: text, allowed: Self.allowed)
            }
        }
        self.partitions = partitions
    }

    /// Whether `partition` is allowed.
    public func contains(_ partition: Int32) -> Bool {
        self.partitions.contains(partition)
    }
}
