import Foundation
import Yams

/// Reads a trigger's metadata from a ScaledObject as `kubectl get scaledobject -o yaml` prints it, for
/// `prescale plan --scaledobject`.
enum ScaledObjectMetadata {
    /// A ScaledObject file that cannot be used, with what is wrong.
    struct ReadError: Error, CustomStringConvertible {
        var description: String
    }

    /// The metadata of trigger `index`, or of the first `external`/`external-push` trigger.
    static func read(path: String, trigger index: Int?) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ReadError(description: "cannot read \"\(path)\" as UTF-8 text")
        }
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw ReadError(description: "\"\(path)\" is not YAML: \(error)")
        }
        guard let object = document as? [String: Any], (object["kind"] as? String) == "ScaledObject" else {
            throw ReadError(description: "\"\(path)\" is not a ScaledObject (kind: ScaledObject)")
        }
        guard let spec = object["spec"] as? [String: Any], let triggers = spec["triggers"] as? [[String: Any]], !triggers.isEmpty else {
            throw ReadError(description: "\"\(path)\" has no spec.triggers")
        }
        let chosen: Int
        if let index {
            guard triggers.indices.contains(index) else {
                throw ReadError(description: "--trigger \(index) is not allowed; allowed: 0 to \(triggers.count - 1)")
            }
            chosen = index
        } else if let first = triggers.firstIndex(where: { ["external", "external-push"].contains($0["type"] as? String ?? "") }) {
            chosen = first
        } else {
            throw ReadError(description: "\"\(path)\" has no external or external-push trigger; choose one with --trigger")
        }
        guard let metadata = triggers[chosen]["metadata"] as? [String: Any] else {
            throw ReadError(description: "spec.triggers[\(chosen)] has no metadata")
        }
        // KEDA's metadata is map[string]string; YAML may still hold an unquoted number or bool.
        return metadata.mapValues { "\($0)" }
    }
}
