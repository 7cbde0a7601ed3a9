import Hummingbird
import ServiceLifecycle

/// Runs the Hummingbird application, naming `--http-address` when it cannot listen.
struct HTTPServerService<App: ApplicationProtocol>: Service {
    let application: App
    let address: HostAndPort

    func run() async throws {
        do {
            try await self.application.run()
        } catch is CancellationError {
            return
        } catch {
            throw ListenerError(setting: "--http-address", address: self.address, error: error)
        }
    }
}
