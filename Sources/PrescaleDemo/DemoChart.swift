/// One second of the demo.
public struct DemoRow: Sendable {
    public var second: Int
    public var arrivalRate: Double
    public var lag: Int64
    public var desired: Int
    public var ready: Int
}

/// Draws lag and replicas over time as a self-contained SVG.
public enum DemoChart {
    public static func svg(_ rows: [DemoRow], title: String) -> String {
        let width = 900.0, height = 360.0, left = 60.0, right = 60.0, top = 40.0, bottom = 40.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let maxLag = max(Double(rows.map(\.lag).max() ?? 1), 1)
        let maxReplicas = max(Double(rows.map { max($0.desired, $0.ready) }.max() ?? 1), 1)
        let span = max(Double(rows.count - 1), 1)
        func x(_ index: Int) -> Double { left + Double(index) / span * plotWidth }
        func path(_ value: (DemoRow) -> Double, max: Double) -> String {
            rows.enumerated().map { index, row in
                let y = top + plotHeight - value(row) / max * plotHeight
                return "\(index == 0 ? "M" : "L")\(Int(x(index))),\(Int(y))"
            }.joined(separator: " ")
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Int(left))" y="20" font-size="14">\(title)</text>
            <line x1="\(Int(left))" y1="\(Int(top + plotHeight))" x2="\(Int(left + plotWidth))" y2="\(Int(top + plotHeight))" stroke="#888"/>
            <text x="\(Int(left))" y="\(Int(height - 12))">0 s</text>
            <text x="\(Int(left + plotWidth - 30))" y="\(Int(height - 12))">\(rows.count - 1) s</text>
            <text x="4" y="\(Int(top + 10))" fill="#c0392b">lag \(Int(maxLag))</text>
            <text x="\(Int(width - right + 4))" y="\(Int(top + 10))" fill="#2471a3">\(Int(maxReplicas)) repl.</text>
            <path d="\(path({ Double($0.lag) }, max: maxLag))" fill="none" stroke="#c0392b" stroke-width="2"/>
            <path d="\(path({ Double($0.desired) }, max: maxReplicas))" fill="none" stroke="#7fb3d5" stroke-width="2" stroke-dasharray="4 3"/>
            <path d="\(path({ Double($0.ready) }, max: maxReplicas))" fill="none" stroke="#2471a3" stroke-width="2"/>
            <text x="\(Int(left + 10))" y="\(Int(top + 14))" fill="#c0392b">lag</text>
            <text x="\(Int(left + 50))" y="\(Int(top + 14))" fill="#7fb3d5">desired replicas</text>
            <text x="\(Int(left + 170))" y="\(Int(top + 14))" fill="#2471a3">ready replicas</text>
            </svg>

            """
    }
}
