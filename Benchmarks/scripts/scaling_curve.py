"""The scaling curve (docs/benchmarks.md): one `prescale serve` per point, N Kafka triggers over G consumer
groups of one 6-partition topic (librdkafka's mock cluster, 3 brokers), called at KEDA's real pattern by an independent client: per trigger GetMetricSpec once, then GetMetrics every
15 s and IsActive every 30 s (start times spread evenly), and one StreamIsActive kept open. After a
warm-up of one GetMetrics round, it measures over --seconds: resident memory and threads (/proc), the
server's CPU share of one core, and p50/p99 latency of every unary call as the client saw it.

    swift build -c release --product prescale
    .venv/bin/python Benchmarks/scripts/scaling_curve.py --binary .build/release/prescale \
        --points 100:10,1000:100,10000:1000 --seconds 60 --json curve.json
"""
import argparse
import asyncio
import json
import os
import pathlib
import re
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "conformance"))

import grpc  # noqa: E402
from grpc_tools import protoc  # noqa: E402

STUBS = tempfile.mkdtemp(prefix="prescale-curve-stubs-")
protoc.main(["protoc", f"-I{ROOT / 'proto'}", f"--python_out={STUBS}", f"--grpc_python_out={STUBS}", "externalscaler.proto"])
sys.path.insert(0, STUBS)
import externalscaler_pb2 as pb  # noqa: E402
import externalscaler_pb2_grpc as pbg  # noqa: E402

GET_METRICS_SECONDS, IS_ACTIVE_SECONDS = 15.0, 30.0  # KEDA's default pollingInterval and the HPA's sync
NAMESPACES = 20  # under --max-triggers-per-namespace's default of 1,000 up to 20,000 triggers


def process_status(pid):
    status = pathlib.Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"^VmRSS:\s+(\d+)", status, re.M).group(1)) / 1024
    threads = int(re.search(r"^Threads:\s+(\d+)", status, re.M).group(1))
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return rss, threads, cpu


def quantile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def measure(scaler, bootstrap, triggers, groups, seconds, streams=True):
    channel = grpc.aio.insecure_channel(scaler.target, options=[("grpc.max_concurrent_streams", 1 << 20)])
    stub = pbg.ExternalScalerStub(channel)
    refs, names = [], []
    for i in range(triggers):
        metadata = {"source": "kafka", "bootstrapServers": bootstrap, "consumerGroup": f"group-{i % groups}",
                    "topic": "orders", "lagThreshold": "10", "sampleIntervalMs": "1000", "predict": "false"}
        refs.append(pb.ScaledObjectRef(name=f"function-{i}", namespace=f"team-{i % NAMESPACES}", scalerMetadata=metadata))
    for start in range(0, triggers, 200):
        specs = await asyncio.gather(*(stub.GetMetricSpec(ref, timeout=30) for ref in refs[start:start + 200]))
        names.extend(spec.metricSpecs[0].metricName for spec in specs)
    # Every trigger answered once (its group sampled) before the pattern starts.
    for ref, name in zip(refs, names):
        for _ in range(300):
            try:
                await stub.GetMetrics(pb.GetMetricsRequest(scaledObjectRef=ref, metricName=name), timeout=10)
                break
            except grpc.aio.AioRpcError:
                await asyncio.sleep(0.1)
    streams = [stub.StreamIsActive(ref) for ref in refs] if streams else []
    latencies, failures = {"GetMetrics": [], "IsActive": []}, {"GetMetrics": 0, "IsActive": 0}
    measuring = asyncio.Event()

    async def call(kind, request, period, offset):
        await asyncio.sleep(offset)
        while True:
            started = time.perf_counter()
            try:
                if kind == "GetMetrics":
                    await stub.GetMetrics(request, timeout=10)
                else:
                    await stub.IsActive(request, timeout=10)
                if measuring.is_set():
                    latencies[kind].append(time.perf_counter() - started)
            except grpc.aio.AioRpcError:
                if measuring.is_set():
                    failures[kind] += 1
            await asyncio.sleep(max(0.0, period - (time.perf_counter() - started)))

    async def drain(stream):
        try:
            async for _ in stream:
                pass
        except (grpc.aio.AioRpcError, asyncio.CancelledError):
            pass

    tasks = [asyncio.create_task(drain(stream)) for stream in streams]
    for i, (ref, name) in enumerate(zip(refs, names)):
        spread = i / triggers
        tasks.append(asyncio.create_task(call("GetMetrics", pb.GetMetricsRequest(scaledObjectRef=ref, metricName=name),
                                              GET_METRICS_SECONDS, spread * GET_METRICS_SECONDS)))
        tasks.append(asyncio.create_task(call("IsActive", ref, IS_ACTIVE_SECONDS, spread * IS_ACTIVE_SECONDS)))
    await asyncio.sleep(GET_METRICS_SECONDS)  # warm-up: one GetMetrics round, every stream open
    _, _, cpu_before = process_status(scaler.proc.pid)
    measuring.set()
    started = time.monotonic()
    await asyncio.sleep(seconds)
    elapsed = time.monotonic() - started
    rss, threads, cpu_after = process_status(scaler.proc.pid)
    measuring.clear()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await channel.close()
    every = latencies["GetMetrics"] + latencies["IsActive"]
    return {
        "triggers": triggers, "groups": groups, "rss_mb": round(rss, 1), "threads": threads,
        "cpu_share": round((cpu_after - cpu_before) / elapsed, 4),
        "calls": len(every), "failures": failures,
        "p50_ms": round(quantile(every, 0.5) * 1000, 2), "p99_ms": round(quantile(every, 0.99) * 1000, 2),
        "get_metrics_p99_ms": round(quantile(latencies["GetMetrics"], 0.99) * 1000, 2),
        "is_active_p99_ms": round(quantile(latencies["IsActive"], 0.99) * 1000, 2),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=str(ROOT / ".build" / "release" / "prescale"))
    parser.add_argument("--points", default="100:10,1000:100,10000:1000", help="triggers:groups, comma-separated")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--no-streams", action="store_true", help="no StreamIsActive (to tell their cost apart)")
    parser.add_argument("--json")
    args = parser.parse_args()
    os.environ["PRESCALE_BIN"] = args.binary
    from conftest import ScalerProcess
    from test_kafka import MockKafka

    results = []
    for point in args.points.split(","):
        triggers, groups = (int(part) for part in point.split(":"))
        kafka = MockKafka()
        kafka.do("topic orders 6")
        scaler = ScalerProcess("--log-level=warning", f"--max-triggers={max(triggers, 1000)}")
        try:
            result = asyncio.run(measure(scaler, kafka.bootstrap, triggers, groups, args.seconds, streams=not args.no_streams))
        finally:
            scaler.kill()
            kafka.proc.kill()
            kafka.proc.wait()
        results.append(result)
        print(json.dumps(result), flush=True)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print("\n| triggers | groups | resident | threads | CPU (share of a core) | p50 | p99 | failed calls |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        failed = r["failures"]["GetMetrics"] + r["failures"]["IsActive"]
        print(f"| {r['triggers']:,} | {r['groups']:,} | {r['rss_mb']} MB | {r['threads']} | {r['cpu_share']:.1%} | "
              f"{r['p50_ms']} ms | {r['p99_ms']} ms | {failed} of {r['calls'] + failed} |")


if __name__ == "__main__":
    main()
