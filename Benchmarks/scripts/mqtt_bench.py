"""MQTT benchmarks of docs/benchmarks.md, against the release binary and a real mosquitto broker.

1. Ingest: a raw-socket MQTT 3.1.1 publisher sends small QoS 0 messages at --rate for --seconds to the
   topic of one Prescale trigger. Reports messages published, counted by Prescale (from /metrics),
   counted by a reference mosquitto_sub, the broker's dropped count, Prescale's CPU (utime+stime from
   /proc over the publish interval) and RSS.
2. Push latency: --triggers triggers with windowSeconds 1, each with a StreamIsActive stream open.
   Each trial publishes one message to an idle trigger's topic and times publish -> `true` on its
   stream. Reports p50/p99/max over --trials.

Usage: scripts/bench-mqtt [--rate 50000] [--seconds 10] [--trials 1000]
"""
import argparse
import os
import pathlib
import queue
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import grpc
from grpc_tools import protoc

ROOT = pathlib.Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def remaining_length(n):
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def utf8(text):
    data = text.encode()
    return struct.pack("!H", len(data)) + data


class RawPublisher:
    """MQTT 3.1.1 over a plain socket: CONNECT, then QoS 0 PUBLISH packets, nothing else."""

    def __init__(self, port, client_id):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        body = utf8("MQTT") + bytes([4, 0x02]) + struct.pack("!H", 60) + utf8(client_id)
        self.sock.sendall(b"\x10" + remaining_length(len(body)) + body)
        connack = self.sock.recv(4)
        assert connack[:2] == b"\x20\x02" and connack[3] == 0, f"CONNACK {connack!r}"

    @staticmethod
    def packet(topic, payload=b"x" * 16):
        body = utf8(topic) + payload
        return b"\x30" + remaining_length(len(body)) + body

    def send(self, data):
        self.sock.sendall(data)

    def close(self):
        self.sock.sendall(b"\xe0\x00")
        self.sock.close()


def stubs():
    out = tempfile.mkdtemp()
    assert protoc.main(["protoc", f"-I{ROOT / 'proto'}", f"--python_out={out}", f"--grpc_python_out={out}",
                        "externalscaler.proto"]) == 0
    sys.path.insert(0, out)
    import externalscaler_pb2 as pb
    import externalscaler_pb2_grpc as pb_grpc
    return pb, pb_grpc


def proc_cpu_seconds(pid):
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid):
    return int(re.search(r"VmRSS:\s+(\d+)", pathlib.Path(f"/proc/{pid}/status").read_text()).group(1))


def metric(http_port, pattern):
    body = urllib.request.urlopen(f"http://127.0.0.1:{http_port}/metrics", timeout=5).read().decode()
    match = re.search(pattern + r" ([0-9.e+]+)", body)
    return float(match.group(1)) if match else None


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=str(ROOT / ".build" / "release" / "prescale"))
    parser.add_argument("--rate", type=int, default=50_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--triggers", type=int, default=25)
    parser.add_argument("--settle", type=float, default=2, help="seconds to wait after the last publish before reading the count")
    args = parser.parse_args()
    pb, pb_grpc = stubs()

    work = pathlib.Path(tempfile.mkdtemp(prefix="prescale-bench-mqtt-"))
    work.chmod(0o755)
    port = free_port()
    (work / "mosquitto.conf").write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\nsys_interval 1\npersistence false\n")
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    broker = subprocess.Popen([mosquitto, "-c", str(work / "mosquitto.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    grpc_port, http_port = free_port(), free_port()
    server = subprocess.Popen([args.binary, "serve", f"--grpc-address=127.0.0.1:{grpc_port}",
                               f"--http-address=127.0.0.1:{http_port}", "--log-level=warning"])
    reference = None
    try:
        time.sleep(1)
        channel = grpc.insecure_channel(f"127.0.0.1:{grpc_port}")
        grpc.channel_ready_future(channel).result(timeout=30)
        scaler = pb_grpc.ExternalScalerStub(channel)
        broker_address = f"mqtt://127.0.0.1:{port}"

        def ref(name, **extra):
            metadata = {"scalerAddress": "x:1", "source": "mqtt", "brokerAddress": broker_address, "queryValue": "100"}
            metadata.update(extra)
            return pb.ScaledObjectRef(name=name, namespace="bench", scalerMetadata=metadata)

        # --- Ingest ---
        ingest = ref("ingest", topic="ingest/+", windowSeconds="10", qos="0", backlog="sys")
        scaler.GetMetricSpec(ingest)
        request = pb.GetMetricsRequest(scaledObjectRef=ingest, metricName="mqtt-ingest")
        for _ in range(200):
            try:
                scaler.GetMetrics(request)
                break
            except grpc.RpcError:
                time.sleep(0.05)
        total = args.rate * args.seconds
        # A reference subscriber in C: exits after `total` messages, or 30 s after the run.
        # Its output goes to a file: a pipe read only at the end would fill, stall it and make the broker
        # drop messages for it.
        reference_out = open(work / "reference.out", "wb")
        reference = subprocess.Popen(["mosquitto_sub", "-p", str(port), "-t", "ingest/+", "-q", "0", "-C", str(total),
                                      "-W", str(args.seconds + 30)], stdout=reference_out, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        publisher = RawPublisher(port, "bench-publisher")
        packet = RawPublisher.packet("ingest/a")
        batch_interval = 0.005
        per_batch = max(1, int(args.rate * batch_interval))
        cpu_before, started = proc_cpu_seconds(server.pid), time.monotonic()
        sent = 0
        while sent < total:
            n = min(per_batch, total - sent)
            publisher.send(packet * n)
            sent += n
            target = started + sent / args.rate
            delay = target - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        elapsed = time.monotonic() - started
        time.sleep(args.settle)  # let the last messages arrive
        cpu = proc_cpu_seconds(server.pid) - cpu_before
        publisher.close()
        label = f'broker="{broker_address}",filter="ingest/\\+"'
        counted = metric(http_port, r"prescale_mqtt_messages_received_total\{" + label + r"\}")
        dropped = metric(http_port, r'prescale_mqtt_broker_dropped_messages_total\{broker="' + re.escape(broker_address) + r'"\}')
        reference.wait(timeout=args.seconds + 60)
        reference_out.close()
        received_by_reference = (work / "reference.out").read_bytes().count(b"\n")
        print(f"ingest: published {sent} messages in {elapsed:.2f} s ({sent / elapsed:,.0f} msg/s)")
        print(f"ingest: counted by Prescale {counted:,.0f}; by a reference mosquitto_sub {received_by_reference:,}; "
              f"broker dropped (growth seen by Prescale) {dropped}")
        print(f"ingest: Prescale CPU {cpu:.2f} s over {elapsed + args.settle:.1f} s = {cpu / (elapsed + args.settle):.2f} cores; RSS {rss_kb(server.pid) / 1024:.1f} MB")

        # --- Push latency ---
        events = queue.Queue()
        streams = []
        for i in range(args.triggers):
            stream = scaler.StreamIsActive(ref(f"push-{i}", topic=f"push/{i}", windowSeconds="1"))
            streams.append(stream)

            def reader(i=i, stream=stream):
                try:
                    for message in stream:
                        events.put((i, message.result, time.monotonic()))
                except grpc.RpcError:
                    pass

            threading.Thread(target=reader, daemon=True).start()
        state = {i: None for i in range(args.triggers)}
        pusher = RawPublisher(port, "bench-pusher")
        packets = [RawPublisher.packet(f"push/{i}") for i in range(args.triggers)]
        latencies = []

        def drain(block_until=None):
            while True:
                try:
                    i, result, at = events.get(timeout=0.001 if block_until is None else max(0.0, block_until - time.monotonic()))
                except queue.Empty:
                    return None
                state[i] = result
                if block_until is not None:
                    return i, result, at

        next_trigger = 0
        deadline = time.monotonic() + 600
        while len(latencies) < args.trials and time.monotonic() < deadline:
            drain()
            i = next_trigger
            next_trigger = (next_trigger + 1) % args.triggers
            if state[i] is not False:
                time.sleep(0.01)
                continue
            sent_at = time.monotonic()
            pusher.send(packets[i])
            while True:
                got = drain(block_until=sent_at + 5)
                if got is None:
                    print(f"push: trigger {i} did not push true within 5 s", file=sys.stderr)
                    break
                if got[0] == i and got[1] is True:
                    latencies.append((got[2] - sent_at) * 1000)
                    break
        pusher.close()
        for stream in streams:
            stream.cancel()
        print(f"push: {len(latencies)} trials, publish -> StreamIsActive true: p50 {percentile(latencies, 0.5):.2f} ms, "
              f"p99 {percentile(latencies, 0.99):.2f} ms, max {max(latencies):.2f} ms")
    finally:
        for process in (server, broker, reference):
            if process and process.poll() is None:
                process.kill()
                process.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
