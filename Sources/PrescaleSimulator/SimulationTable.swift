/// The table and JSON `prescale simulate` writes.
public enum SimulationTable {
    /// A fixed-width table, one row per policy.
    public static func render(_ results: [SimulationResult], slo: Double, title: String) -> String {
        let headers = [
            "policy", "replica-s", "wait p50", "p95", "p99", ">SLO \(Self.number(slo))s", "to capacity", "max backlog", "cold starts",
            "scale events", "reversals", "HPA reverts",
        ]
        var rows = [headers]
        for result in results {
            rows.append([
                result.policy, Self.number(result.replicaSeconds), Self.seconds(result.waitP50), Self.seconds(result.waitP95),
                Self.seconds(result.waitP99), Self.percent(result.overSLO), Self.seconds(result.timeToCapacity),
                Self.number(result.maximumBacklog),
                String(result.coldStarts), String(result.scaleEvents), String(result.reversals),
                String(result.reverts),
            ])
        }
        let widths = (0..<headers.count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        var out = title + "\n"
        for (index, row) in rows.enumerated() {
            out +=
                row.enumerated().map { column, cell in
                    column == 0 ? cell.padding(widths[column]) : String(repeating: " ", count: widths[column] - cell.count) + cell
                }.joined(separator: "  ") + "\n"
            if index == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        return out
    }

    /// The results as a JSON document (timelines left out).
    public static func json(_ results: [SimulationResult], series: ArrivalSeries) -> String {
        var out =
            "{\"trace\":\"\(series.name)\",\"seconds\":\(series.perSecond.count),\"messages\":\(Self.number(series.total)),\"policies\":["
        out += results.map { r in
            "{\"policy\":\"\(r.policy)\",\"replicaSeconds\":\(Self.raw(r.replicaSeconds)),\"waitP50\":\(Self.raw(r.waitP50)),"
                + "\"waitP95\":\(Self.raw(r.waitP95)),\"waitP99\":\(Self.raw(r.waitP99)),\"overSLO\":\(Self.raw(r.overSLO)),\"timeToCapacity\":\(Self.raw(r.timeToCapacity)),"
                + "\"maximumBacklog\":\(Self.raw(r.maximumBacklog)),\"coldStarts\":\(r.coldStarts),\"scaleEvents\":\(r.scaleEvents),"
                + "\"reversals\":\(r.reversals),\"hpaReverts\":\(r.reverts),\"arrived\":\(Self.raw(r.arrived)),\"served\":\(Self.raw(r.served)),\"simulatedSeconds\":\(Self.raw(r.seconds))}"
        }.joined(separator: ",")
        return out + "]}\n"
    }

    /// A per-second CSV: `second,arrivals,backlog_<policy>,replicas_<policy>,…`, and for the policies
    /// that run the planner `value_<policy>,planned_<policy>,burst_rate_<policy>` (the value reported,
    /// the queueing plan's replicas and the burst-memory rate).
    public static func timeline(_ results: [SimulationResult], series: ArrivalSeries) -> String {
        let seconds = max(results.map(\.backlog.count).max() ?? 0, series.perSecond.count)
        var out =
            "second,arrivals"
            + results.map {
                ",backlog_\($0.policy),replicas_\($0.policy)"
                    + ($0.plan.isEmpty ? "" : ",value_\($0.policy),planned_\($0.policy),burst_rate_\($0.policy)")
            }.joined() + "\n"
        for second in 0..<seconds {
            out += "\(second),\(Self.raw(second < series.perSecond.count ? series.perSecond[second] : 0))"
            for result in results {
                let backlog = second < result.backlog.count ? result.backlog[second] : 0
                let replicas = second < result.replicas.count ? result.replicas[second] : 0
                out += ",\(Self.raw((backlog * 100).rounded() / 100)),\(Self.raw(replicas))"
                if !result.plan.isEmpty {
                    let point = second < result.plan.count ? result.plan[second] : PlanPoint(value: 0, plannedReplicas: 0, burstRate: 0)
                    out +=
                        ",\(Self.raw((point.value * 100).rounded() / 100)),\(point.plannedReplicas),\(Self.raw((point.burstRate * 100).rounded() / 100))"
                }
            }
            out += "\n"
        }
        return out
    }

    static func raw(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() || value >= 100 ? String(Int64(value.rounded())) : String(Double(Int64(value * 100)) / 100)
    }

    static func seconds(_ value: Double) -> String { "\(Self.number(value)) s" }

    static func percent(_ share: Double) -> String {
        let tenths = Int64((share * 1_000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        self.count >= width ? self : self + String(repeating: " ", count: width - self.count)
    }
}
