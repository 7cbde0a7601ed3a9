/// One second of the demo.
public struct DemoRow: Sendable {
    public var second: Int
    public var arrivalRate: Double
    public var lag: Int64
    public var desired: Int
    public var ready: Int
}

/// Draws the runs of one demo side by side as a self-contained SVG: arrivals and backlog (messages) in
/// the upper panel, ready replicas in the lower one, one colour per run, with axes and units.
public enum DemoChart {
    static let colours = ["#c0392b", "#2471a3", "#1e8449", "#7d3c98"]

    public static func svg(_ runs: [(name: String, rows: [DemoRow])], title: String) -> String {
        let width = 900.0
        let left = 70.0
        let right = 30.0
        let top = 40.0
        let panel = 200.0
        let gap = 50.0
        let height = top + panel * 2 + gap + 40
        let plotWidth = width - left - right
        let seconds = max(runs.map(\.rows.count).max() ?? 1, 2)
        let arrivals = runs.first?.rows.map(\.arrivalRate) ?? []
        let maxMessages = max(Self.niceCeiling(max(arrivals.max() ?? 1, Double(runs.flatMap(\.rows).map(\.lag).max() ?? 1))), 1)
        let maxReplicas = max(Self.niceCeiling(Double(runs.flatMap(\.rows).map(\.ready).max() ?? 1)), 1)
        func x(_ second: Int) -> Double { left + Double(second) / Double(seconds - 1) * plotWidth }
        func path(_ values: [Double], max: Double, panelTop: Double) -> String {
            values.enumerated().map { index, value in
                "\(index == 0 ? "M" : "L")\(Int(x(index))),\(Int(panelTop + panel - value / max * panel))"
            }.joined(separator: " ")
        }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Int(left))" y="20" font-size="14">\(title)</text>

            """
        for (index, (panelTop, label, maximum)) in [(top, "messages", maxMessages), (top + panel + gap, "ready replicas", maxReplicas)]
            .enumerated()
        {
            out +=
                "<line x1=\"\(Int(left))\" y1=\"\(Int(panelTop))\" x2=\"\(Int(left))\" y2=\"\(Int(panelTop + panel))\" stroke=\"#888\"/>\n"
            out +=
                "<line x1=\"\(Int(left))\" y1=\"\(Int(panelTop + panel))\" x2=\"\(Int(left + plotWidth))\" y2=\"\(Int(panelTop + panel))\" stroke=\"#888\"/>\n"
            for tick in 0...4 {
                let value = maximum * Double(tick) / 4
                let y = panelTop + panel - Double(tick) / 4 * panel
                out += "<text x=\"\(Int(left - 6))\" y=\"\(Int(y + 4))\" text-anchor=\"end\">\(Self.label(value))</text>\n"
                out += "<line x1=\"\(Int(left))\" y1=\"\(Int(y))\" x2=\"\(Int(left + plotWidth))\" y2=\"\(Int(y))\" stroke=\"#eee\"/>\n"
            }
            out +=
                "<text x=\"14\" y=\"\(Int(panelTop + panel / 2))\" transform=\"rotate(-90 14 \(Int(panelTop + panel / 2)))\" text-anchor=\"middle\">\(label)</text>\n"
            for tick in 0...5 {
                let second = (seconds - 1) * tick / 5
                out += "<text x=\"\(Int(x(second)))\" y=\"\(Int(panelTop + panel + 16))\" text-anchor=\"middle\">\(second) s</text>\n"
            }
            if index == 0 {
                out +=
                    "<path d=\"\(path(arrivals, max: maximum, panelTop: panelTop))\" fill=\"none\" stroke=\"#999\" stroke-width=\"1.5\"/>\n"
                out += "<text x=\"\(Int(left + 8))\" y=\"\(Int(panelTop + 14))\" fill=\"#999\">arrivals per second</text>\n"
            }
        }
        for (index, run) in runs.enumerated() {
            let colour = Self.colours[index % Self.colours.count]
            out +=
                "<path d=\"\(path(run.rows.map { Double($0.lag) }, max: maxMessages, panelTop: top))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>\n"
            out +=
                "<path d=\"\(path(run.rows.map { Double($0.ready) }, max: maxReplicas, panelTop: top + panel + gap))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
            out +=
                "<text x=\"\(Int(left + plotWidth - 260))\" y=\"\(Int(top + 14 + Double(index) * 16))\" fill=\"\(colour)\">\(run.name): backlog (dashed), replicas (below)</text>\n"
        }
        return out + "</svg>\n"
    }

    /// 1, 2 or 5 × a power of ten, at least `value`.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        var power = 1.0
        while power * 10 <= value { power *= 10 }
        while power > value { power /= 10 }
        for step in [1.0, 2, 5, 10] where step * power >= value { return step * power }
        return 10 * power
    }

    static func label(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format1: value)
    }
}

extension String {
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
