"""Registers N static triggers on a running prescale and writes one pre-encoded gRPC GetMetrics
request (5-byte length prefix + protobuf) for h2load. Used by scripts/bench-grpc."""
import pathlib
import struct
import sys
import tempfile

import grpc
from grpc_tools import protoc

ROOT = pathlib.Path(__file__).resolve().parents[2]
target, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
stubs = tempfile.mkdtemp()
assert protoc.main(["protoc", f"-I{ROOT / 'proto'}", f"--python_out={stubs}", f"--grpc_python_out={stubs}",
                    "externalscaler.proto"]) == 0
sys.path.insert(0, stubs)
import externalscaler_pb2 as pb  # noqa: E402
import externalscaler_pb2_grpc as pb_grpc  # noqa: E402


def metadata(i):
    return {"scalerAddress": "prescale.prescale.svc:6000", "source": "static", "value": str(i % 97),
            "target": "10", "activationValue": "0"}


channel = grpc.insecure_channel(target)
scaler = pb_grpc.ExternalScalerStub(channel)
for i in range(count):
    ref = pb.ScaledObjectRef(name=f"function-{i}", namespace=f"team-{i % 20}", scalerMetadata=metadata(i))
    name = scaler.GetMetricSpec(ref).metricSpecs[0].metricName
    scaler.GetMetrics(pb.GetMetricsRequest(scaledObjectRef=ref, metricName=name))
# The measured request asks about one trigger in the middle of the registry.
i = count // 2
ref = pb.ScaledObjectRef(name=f"function-{i}", namespace=f"team-{i % 20}", scalerMetadata=metadata(i))
body = pb.GetMetricsRequest(scaledObjectRef=ref, metricName="static").SerializeToString()
pathlib.Path(out).write_bytes(b"\x00" + struct.pack(">I", len(body)) + body)
print(f"registered {count} triggers; request is {len(body)} bytes of protobuf")
