/// One second of the demo.
public struct DemoRow: Sendable {
    public var second: Int
    public var arrivalRate: Double
    public var lag: Int64
    public var desired: Int
    public var ready: Int
}
