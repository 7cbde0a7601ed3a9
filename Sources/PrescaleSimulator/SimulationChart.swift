/// One SVG per run: arrivals, backlog and replicas over time, every policy on one time axis.
public enum SimulationChart {
    static let colors = ["#c0392b", "#e67e22", "#8e44ad", "#2471a3", "#16a085", "#7f8c8d", "#2c3e50"]

    /// The chart of simulated runs; long runs are reduced to at most `points` columns (each the column's
    /// maximum).
    public static func svg(series: ArrivalSeries, results: [SimulationResult], title: String, points: Int = 1_200) -> String {
        Self.svg(
            arrivals: series.perSecond, runs: results.map { (name: $0.policy, backlog: $0.backlog, replicas: $0.replicas) },
            title: title, points: points)
    }

    /// The chart of any runs on one load (the simulator's, the demo's): arrivals per second, and each
    /// run's backlog and replicas per second.
    public static func svg(
        arrivals perSecond: [Double], runs: [(name: String, backlog: [Double], replicas: [Double])], title: String,
        points: Int = 1_200
    ) -> String {
        let seconds = max(runs.map(\.backlog.count).max() ?? 0, perSecond.count, 1)
        let columns = min(points, seconds)
        let width = 1_000.0
        let left = 70.0
        let right = 150.0
        let panel = 170.0
        let gap = 30.0
        let top = 40.0
        let plotWidth = width - left - right
        let height = top + 3 * panel + 2 * gap + 40
        func reduce(_ values: [Double]) -> [Double] {
            (0..<columns).map { column in
                let start = column * seconds / columns
                let end = max((column + 1) * seconds / columns, start + 1)
                var best = 0.0
                for index in start..<min(end, values.count) { best = max(best, values[index]) }
                return best
            }
        }
        func path(_ values: [Double], maximum: Double, panelTop: Double) -> String {
            var out = ""
            for (index, value) in values.enumerated() {
                let x = left + Double(index) / Double(max(columns - 1, 1)) * plotWidth
                let y = panelTop + panel - min(value / max(maximum, 1e-9), 1) * panel
                out += "\(index == 0 ? "M" : "L")\(Int(x)),\(Int(y)) "
            }
            return out
        }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Int(left))" y="22" font-size="14">\(Self.escape(title))</text>

            """
        let arrivals = reduce(perSecond)
        let panels: [(String, [[Double]], Double)] = [
            ("arrivals / s", [arrivals], arrivals.max() ?? 1),
            ("backlog", runs.map { reduce($0.backlog) }, runs.map { $0.backlog.max() ?? 0 }.max() ?? 1),
            ("replicas", runs.map { reduce($0.replicas) }, runs.map { $0.replicas.max() ?? 0 }.max() ?? 1),
        ]
        for (number, (label, lines, maximum)) in panels.enumerated() {
            let panelTop = top + Double(number) * (panel + gap)
            svg +=
                "<line x1=\"\(Int(left))\" y1=\"\(Int(panelTop + panel))\" x2=\"\(Int(left + plotWidth))\" y2=\"\(Int(panelTop + panel))\" stroke=\"#888\"/>\n"
            svg += "<text x=\"4\" y=\"\(Int(panelTop + 12))\">\(label)</text>\n"
            svg += "<text x=\"4\" y=\"\(Int(panelTop + 28))\" fill=\"#555\">max \(Self.format(maximum))</text>\n"
            for (index, values) in lines.enumerated() {
                let color = number == 0 ? "#555" : Self.colors[index % Self.colors.count]
                svg +=
                    "<path d=\"\(path(values, maximum: maximum, panelTop: panelTop))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"/>\n"
            }
        }
        for (index, run) in runs.enumerated() {
            svg +=
                "<text x=\"\(Int(left + plotWidth + 12))\" y=\"\(Int(top + 60 + Double(index) * 18))\" fill=\"\(Self.colors[index % Self.colors.count])\">\(Self.escape(run.name))</text>\n"
        }
        svg += "<text x=\"\(Int(left))\" y=\"\(Int(height - 12))\">0 s</text>\n"
        svg += "<text x=\"\(Int(left + plotWidth - 60))\" y=\"\(Int(height - 12))\">\(seconds) s</text>\n</svg>\n"
        return svg
    }

    static func format(_ value: Double) -> String {
        value >= 100 || value == value.rounded() ? String(Int(value.rounded())) : String(Double(Int(value * 10)) / 10)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        self.split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
