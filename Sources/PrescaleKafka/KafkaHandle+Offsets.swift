import CRdKafka
import PrescaleCore

/// The blocking reads behind lag samples, run on the handle's queue. Each is one request per broker
/// involved, never one per partition: metadata (one broker) and end offsets
/// (`rd_kafka_offsets_for_times`, batched per partition leader). Committed offsets are read
/// asynchronously (``KafkaCommittedFetch``).
extension KafkaHandle {
    var timeout: Int32 { self.settings.requestTimeoutMilliseconds }

    /// The partitions of `topics` (all topics when `nil`), from cluster metadata.
    func partitions(of topics: Set<String>?) throws(KafkaError) -> [String: [Int32]] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(self.pointer, 1, nil, &metadata, self.timeout)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(err, while: "reading cluster metadata from \(self.settings.bootstrapServers.joined(separator: ","))")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        var result: [String: [Int32]] = [:]
        let count = Int(metadata.pointee.topic_cnt)
        for index in 0..<count {
            let topic = metadata.pointee.topics[index]
            let name = String(cString: topic.topic)
            guard topics?.contains(name) ?? true, topic.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            result[name] = (0..<Int(topic.partition_cnt)).map { topic.partitions[$0].id }.sorted()
        }
        return result
    }

    /// The end offsets (high watermarks) of `partitions`, in one `ListOffsets` request per leader.
    /// Partitions the brokers did not answer for are left out.
    func endOffsets(of partitions: [TopicPartition]) throws(KafkaError) -> [TopicPartition: Int64] {
        guard !partitions.isEmpty else { return [:] }
        let chunk = self.settings.partitionsPerRequest
        if partitions.count > chunk {
            var merged: [TopicPartition: Int64] = [:]
            merged.reserveCapacity(partitions.count)
            for start in stride(from: 0, to: partitions.count, by: chunk) {
                merged.merge(try self.endOffsets(of: Array(partitions[start..<min(start + chunk, partitions.count)]))) { $1 }
            }
            return merged
        }
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in partitions {
            let element = rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)!
            element.pointee.offset = Int64(RD_KAFKA_OFFSET_END)
        }
        let err = rd_kafka_offsets_for_times(self.pointer, list, self.timeout)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(err, while: "reading end offsets of \(partitions.count) partitions")
        }
        var offsets: [TopicPartition: Int64] = [:]
        offsets.reserveCapacity(partitions.count)
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            guard element.err == RD_KAFKA_RESP_ERR_NO_ERROR, element.offset >= 0 else { continue }
            offsets[TopicPartition(String(cString: element.topic), element.partition)] = element.offset
        }
        return offsets
    }
}
