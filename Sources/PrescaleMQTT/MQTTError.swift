import CMosquitto
import Glibc
import PrescaleCore

/// Why an MQTT connection or subscription failed, with a message an operator can act on.
public typealias MQTTError = CodedError<MQTTErrorDomain>

/// The domain of ``MQTTError``'s codes.
public enum MQTTErrorDomain {}

extension MQTTError {
    /// A libmosquitto return code from a connect or loop call, read with `errno` as it was then.
    static func library(_ rc: Int32, errno savedErrno: Int32, broker: String) -> MQTTError {
        switch rc {
        case Int32(MOSQ_ERR_EAI.rawValue):
            let reason = String(cString: gai_strerror(savedErrno))
            return MQTTError(.dns, "mqtt \(broker): cannot resolve the host name (\(reason))")
        case Int32(MOSQ_ERR_ERRNO.rawValue):
            let reason = String(cString: strerror(savedErrno))
            return MQTTError(.unreachable, "mqtt \(broker): \(reason.prefix(1).lowercased() + reason.dropFirst())")
        case Int32(MOSQ_ERR_TLS.rawValue), Int32(MOSQ_ERR_TLS_HANDSHAKE.rawValue):
            return MQTTError(.tls, "mqtt \(broker): TLS handshake or certificate verification failed")
        case Int32(MOSQ_ERR_CONN_LOST.rawValue), Int32(MOSQ_ERR_NO_CONN.rawValue):
            return MQTTError(.unreachable, "mqtt \(broker): connection lost")
        case Int32(MOSQ_ERR_KEEPALIVE.rawValue):
            return MQTTError(.unreachable, "mqtt \(broker): keepalive timed out")
        case Int32(MOSQ_ERR_AUTH.rawValue):
            return MQTTError(.authenticationFailed, "mqtt \(broker): authentication failed")
        case Int32(MOSQ_ERR_CONN_REFUSED.rawValue):
            return MQTTError(.notAuthorized, "mqtt \(broker): connection refused by the broker")
        default:
            return MQTTError(.other, "mqtt \(broker): \(String(cString: mosquitto_strerror(rc)))")
        }
    }

    /// A CONNACK reason code (MQTT v5). mosquitto answers a wrong password with "not authorized"
    /// (135), not "bad user name or password" (134), so both are authentication failures here.
    static func connack(_ code: Int32, broker: String, username: String?) -> MQTTError {
        let text = String(cString: mosquitto_reason_string(code))
        switch code {
        case Int32(MQTT_RC_BAD_USERNAME_OR_PASSWORD.rawValue), Int32(MQTT_RC_NOT_AUTHORIZED.rawValue):
            let who = username.map { "the username \"\($0)\" or its password" } ?? "an anonymous client (no username given)"
            return MQTTError(.authenticationFailed, "mqtt \(broker): the broker refused \(who): \(text)")
        default:
            return Self.reason(code, broker: broker, refusing: "the connection")
        }
    }

    /// A SUBACK or DISCONNECT reason code (MQTT v5) from the broker.
    static func reason(_ code: Int32, broker: String, refusing what: String) -> MQTTError {
        let text = String(cString: mosquitto_reason_string(code))
        switch code {
        case Int32(MQTT_RC_BAD_USERNAME_OR_PASSWORD.rawValue):
            return MQTTError(.authenticationFailed, "mqtt \(broker): the broker refused the username or password (\(text))")
        case Int32(MQTT_RC_NOT_AUTHORIZED.rawValue):
            return MQTTError(.notAuthorized, "mqtt \(broker): the broker refused \(what): not authorized")
        default:
            return MQTTError(.other, "mqtt \(broker): the broker refused \(what): \(text) (reason code \(code))")
        }
    }
}

extension SourceFailure {
    /// An MQTT error as the trigger reports it.
    public init(mqtt error: MQTTError) {
        switch error.code {
        case .authenticationFailed: self.init(.authenticationFailed, error.message)
        case .dns, .unreachable, .connecting: self.init(.unreachable, error.message)
        case .invalidConfiguration: self.init(.invalidConfiguration, error.message)
        default: self.init(.other, error.message)
        }
    }
}

extension ErrorCode where Domain == MQTTErrorDomain {
    /// Not connected yet (first attempt in progress).
    public static var connecting: Self { Self("connecting") }
    /// The host name did not resolve.
    public static var dns: Self { Self("dns") }
    /// TCP connection refused, reset, timed out or lost.
    public static var unreachable: Self { Self("unreachable") }
    /// The broker refused the username or password.
    public static var authenticationFailed: Self { Self("authentication_failed") }
    /// The broker refused the client or a subscription (ACL).
    public static var notAuthorized: Self { Self("not_authorized") }
    /// The TLS handshake or certificate check failed.
    public static var tls: Self { Self("tls") }
    /// The settings cannot work (unreadable TLS files, …); retrying will not help.
    public static var invalidConfiguration: Self { Self("invalid_configuration") }
    /// Anything else the broker or library reported.
    public static var other: Self { Self("other") }
}
