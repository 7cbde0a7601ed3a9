"""An independent model of what a cluster does around an external scaler, for end-to-end tests through the
binary: KEDA (activation from polled IsActive or the StreamIsActive push, scale to and from zero) and the
HPA (GetMetrics at every sync, AverageValue targets, the 10% tolerance, spec.behavior), a Deployment whose
pods become ready after a cold start, and a pool of consumers that each consume a fixed number of messages
per second and commit real offsets to a Kafka consumer group.

Written from Kubernetes' and KEDA's documented rules, not from Prescale's code, so that it can disagree."""
import collections
import math
import threading

import grpc

# Kubernetes' default HPA behaviour (autoscaling/v2): up by max(4 pods, 100%) per 15 s, down to the highest
# recommendation of the last 300 s.
DEFAULT_BEHAVIOR = {"up_pods": 4, "up_percent": 100, "down_window": 300}
TOLERANCE = 0.1  # --horizontal-pod-autoscaler-tolerance


def behavior_from_yaml(block):
    """The parts of a ScaledObject's horizontalPodAutoscalerConfig.behavior this model applies."""
    up = {p["type"]: p["value"] for p in block["scaleUp"]["policies"]}
    return {"up_pods": up["Pods"], "up_percent": up["Percent"],
            "down_window": block["scaleDown"]["stabilizationWindowSeconds"]}


class Workload:
    """A Deployment in the fake API: spec.replicas written by KEDA and the HPA, pods ready after
    `cold_start` seconds (status.readyReplicas), and replica-seconds counted from pod creation."""

    def __init__(self, api, namespace, name, cold_start):
        self.api, self.namespace, self.name, self.cold_start = api, namespace, name, cold_start
        self.pods = []  # ready-at times
        self.replica_seconds = 0.0

    @property
    def replicas(self):
        return self.api.replicas_of(self.namespace, self.name)

    def scale(self, replicas):
        self.api.set_replicas(self.namespace, self.name, replicas)

    def tick(self, now, dt):
        wanted = self.replicas
        self.replica_seconds += len(self.pods) * dt
        while len(self.pods) < wanted:
            self.pods.append(now + self.cold_start)
        del self.pods[wanted:]  # the newest go first
        ready = sum(1 for t in self.pods if t <= now)
        self.api.set_ready(self.namespace, self.name, ready)
        return ready


class ConsumerPool:
    """Messages produced into `partitions` partitions of a topic, consumed oldest first by the ready
    consumers at `rate` messages per second each, with the group's offsets committed to the mock cluster
    after every tick. Each message's wait (produce to consume) is recorded, from those produced at `since` on."""

    def __init__(self, kafka, topic, group, partitions, rate, since=0.0):
        self.kafka, self.topic, self.group, self.rate = kafka, topic, group, rate
        self.since = since  # messages produced before this are consumed but not counted in the waits
        self.queues = [collections.deque() for _ in range(partitions)]  # [produce time, count]
        self.produced = [0] * partitions
        self.committed = [0] * partitions
        self.carry = 0.0
        self.next_partition = 0
        self.waits = collections.Counter()  # seconds waited (to 0.1 s) -> messages

    def produce(self, now, count):
        per_partition = collections.Counter()
        for _ in range(count):
            per_partition[self.next_partition] += 1
            self.next_partition = (self.next_partition + 1) % len(self.queues)
        for p, n in sorted(per_partition.items()):
            queue = self.queues[p]
            if queue and queue[-1][0] == now:
                queue[-1][1] += n
            else:
                queue.append([now, n])
            self.produced[p] += n
        if per_partition:
            self.kafka.do(f"produce {self.topic} " + " ".join(f"{p} {n}" for p, n in sorted(per_partition.items())))

    @property
    def backlog(self):
        return sum(sum(c for _, c in q) for q in self.queues)

    def consume(self, now, ready, dt):
        budget = self.carry + ready * self.rate * dt
        changed = set()
        while budget >= 1:
            heads = [(q[0][0], p) for p, q in enumerate(self.queues) if q]
            if not heads:
                break
            _, p = min(heads)
            head = self.queues[p][0]
            take = min(head[1], int(budget))
            head[1] -= take
            budget -= take
            self.committed[p] += take
            if head[0] >= self.since:
                self.waits[round(now - head[0], 1)] += take
            changed.add(p)
            if head[1] == 0:
                self.queues[p].popleft()
        # Capacity cannot be banked while there is nothing to consume.
        self.carry = budget if self.backlog else 0.0
        if changed:
            self.kafka.do(f"commit {self.group} {self.topic} " + " ".join(f"{p} {self.committed[p]}" for p in sorted(changed)))

    def wait_quantile(self, q):
        total = sum(self.waits.values())
        if not total:
            return 0.0
        seen = 0
        for seconds in sorted(self.waits):
            seen += self.waits[seconds]
            if seen >= q * total:
                return float(seconds)
        return float(max(self.waits))


class KEDA:
    """One ScaledObject as KEDA and the HPA it creates run it: KEDA polls IsActive every
    `polling_interval` (and, for `push`, follows StreamIsActive), scales 0 -> 1 when active and 1 -> 0 after
    `cooldown` seconds inactive; the HPA calls GetMetrics every `sync` seconds while replicas > 0 and
    applies the AverageValue rule with the tolerance and `behavior`."""

    def __init__(self, pb, channel, ref, workload, behavior, push, polling_interval=30, cooldown=300, sync=15,
                 max_replicas=100, phase=0.0):
        self.pb, self.ref, self.workload, self.behavior, self.push = pb, ref, workload, behavior, push
        self.stub = pb[1].ExternalScalerStub(channel)
        self.polling_interval, self.cooldown, self.sync, self.max_replicas = polling_interval, cooldown, sync, max_replicas
        spec = self.stub.GetMetricSpec(ref, timeout=30).metricSpecs[0]
        self.metric, self.target = spec.metricName, spec.targetSizeFloat
        self.next_poll = 0.0
        self.next_sync = phase
        self.last_active = -math.inf
        self.recommendations = []  # (time, desired)
        self.active_pushed = threading.Event()
        self.errors = 0
        self.values = []  # (time, value, replicas before the sync) at each HPA sync
        self.stream = None
        self.closed = threading.Event()
        if push:
            threading.Thread(target=self._follow, daemon=True).start()

    def _follow(self):
        # KEDA keeps one stream per ScaledObject and opens it again when it ends (a scaler restart).
        while not self.closed.is_set():
            self.stream = self.stub.StreamIsActive(self.ref)
            try:
                for response in self.stream:
                    if response.result:
                        self.active_pushed.set()
            except grpc.RpcError:
                pass
            self.closed.wait(1.0)

    def close(self):
        self.closed.set()
        if self.stream is not None:
            self.stream.cancel()

    def step(self, now):
        replicas = self.workload.replicas
        if self.active_pushed.is_set():
            self.active_pushed.clear()
            self.last_active = now
            if replicas == 0:
                self.workload.scale(1)
                replicas = 1
        if now >= self.next_poll:
            self.next_poll = now + self.polling_interval
            try:
                active = self.stub.IsActive(self.ref, timeout=10).result
            except grpc.RpcError:
                self.errors += 1
                active = None
            if active:
                self.last_active = now
                if replicas == 0:
                    self.workload.scale(1)
                    replicas = 1
            elif active is False and replicas > 0 and now - self.last_active >= self.cooldown:
                self.workload.scale(0)
                replicas = 0
        if now >= self.next_sync:
            self.next_sync += self.sync
            if replicas > 0:
                self._sync(now, replicas)

    def _sync(self, now, current):
        try:
            request = self.pb[0].GetMetricsRequest(scaledObjectRef=self.ref, metricName=self.metric)
            value = self.stub.GetMetrics(request, timeout=10).metricValues[0].metricValueFloat
        except grpc.RpcError:
            self.errors += 1
            return
        self.values.append((now, value, current))
        ratio = value / (self.target * current)
        desired = current if abs(ratio - 1) <= TOLERANCE else math.ceil(value / self.target)
        desired = min(max(desired, 1), self.max_replicas)
        self.recommendations = [(t, d) for t, d in self.recommendations if now - t < self.behavior["down_window"]]
        self.recommendations.append((now, desired))
        if desired > current:
            limit = max(current + self.behavior["up_pods"], current * (100 + self.behavior["up_percent"]) // 100)
            desired = min(desired, limit)
        elif desired < current:
            desired = min(current, max(d for _, d in self.recommendations))
        if desired != current:
            self.workload.scale(desired)
