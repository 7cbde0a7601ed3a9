import CRdKafka
import PrescaleCore

/// A Kafka operation failed. The code is stable and safe as a metric label; the message names the
/// cause (broker, topic, librdkafka's own words) and never contains credentials.
public typealias KafkaError = CodedError<KafkaErrorDomain>

/// The domain of ``KafkaError``'s codes.
public enum KafkaErrorDomain {}

extension KafkaError {
    /// An error from a librdkafka response code, classified.
    package init(_ err: rd_kafka_resp_err_t, while action: String) {
        let text = String(cString: rd_kafka_err2str(err))
        switch err {
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,
            RD_KAFKA_RESP_ERR__RESOLVE, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
            RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
            RD_KAFKA_RESP_ERR__WAIT_COORD:
            self.init(.unreachable, "\(action): \(text)")
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
            self.init(.unknownTopic, "\(action): \(text)")
        case RD_KAFKA_RESP_ERR__AUTHENTICATION, RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED,
            RD_KAFKA_RESP_ERR__SSL:
            self.init(.authentication, "\(action): \(text)")
        default:
            self.init(.request, "\(action): \(text)")
        }
    }
}

extension ErrorCode where Domain == KafkaErrorDomain {
    /// The client could not be configured (bad setting, unsupported feature).
    public static var configuration: Self { Self("configuration") }
    /// No broker answered in time, or the connection failed.
    public static var unreachable: Self { Self("unreachable") }
    /// The topic does not exist.
    public static var unknownTopic: Self { Self("unknown_topic") }
    /// SASL or TLS authentication failed.
    public static var authentication: Self { Self("authentication") }
    /// The broker refused the request (authorisation, coordinator, …).
    public static var request: Self { Self("request") }
}
