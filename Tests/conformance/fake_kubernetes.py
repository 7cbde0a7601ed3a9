"""A fake Kubernetes API server over HTTPS for tests of the `prescale` binary, independent of Prescale's
own Swift test server. It enforces what Prescale relies on: TLS with a CA made here by openssl, the bearer
token, the paths and verbs of ScaledObjects, the `scale` subresource and Leases, the merge-patch content
type, Lease resourceVersion conflicts, and Deployments whose `status.readyReplicas` the test sets (pods
that are still starting are not ready). Every request is recorded."""
import json
import pathlib
import re
import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def make_certificates(directory: pathlib.Path):
    """A CA and a server certificate for 127.0.0.1, made with the openssl command line."""
    d = directory
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", d / "ca.key", "-out", d / "ca.pem", "-days", "2",
        "-subj", "/CN=fake kubernetes CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", d / "server.key", "-out", d / "server.csr", "-subj", "/CN=127.0.0.1")
    (d / "server.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", d / "server.csr", "-CA", d / "ca.pem", "-CAkey", d / "ca.key", "-CAcreateserial",
        "-out", d / "server.pem", "-days", "2", "-extfile", d / "server.ext")
    return d / "ca.pem", d / "server.pem", d / "server.key"


def status(code, reason, message):
    return code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
                  "reason": reason, "code": code}


class FakeKubernetes:
    SCALEDOBJECT = re.compile(r"^/apis/keda\.sh/v1alpha1/namespaces/([^/]+)/scaledobjects/([^/]+)$")
    SCALE = re.compile(r"^/apis/apps/v1/namespaces/([^/]+)/(deployments|statefulsets)/([^/]+)/scale$")
    WORKLOAD = re.compile(r"^/apis/apps/v1/namespaces/([^/]+)/(deployments|statefulsets)/([^/]+)$")
    LEASES = re.compile(r"^/apis/coordination\.k8s\.io/v1/namespaces/([^/]+)/leases(?:/([^/]+))?$")
    EVENTS = re.compile(r"^/api/v1/namespaces/([^/]+)/events$")
    CONFIGMAP = re.compile(r"^/api/v1/namespaces/([^/]+)/configmaps/([^/]+)$")

    def __init__(self, directory: pathlib.Path, token="conformance-token"):
        self.directory = directory
        self.token = token
        self.lock = threading.Lock()
        self.scaled_objects, self.replicas, self.leases, self.requests, self.events = {}, {}, {}, [], []
        self.ready = {}  # (namespace, plural, name) -> status.readyReplicas; absent: all of spec.replicas
        self.config_maps = {}  # (namespace, name) -> ConfigMap
        self.version = 100
        self.ca, self.cert, self.key = make_certificates(directory)
        self.connections = set()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                with fake.lock:
                    fake.connections.add(self.request)

            def finish(self):
                with fake.lock:
                    fake.connections.discard(self.request)
                super().finish()

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                code, obj = fake.handle(self.command, self.path, self.headers, body)
                data = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

        self.handler = Handler
        self.start(0)

    def start(self, port):
        """Serves on `port` (0: any free port); after close(), start(old port) ends an outage."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self.handler)
        self.server.daemon_threads = True
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"https://127.0.0.1:{self.server.server_address[1]}"

    def kubeconfig(self) -> pathlib.Path:
        path = self.directory / "kubeconfig"
        path.write_text(f"""apiVersion: v1
kind: Config
current-context: fake
contexts:
- name: fake
  context: {{cluster: fake, user: prescale, namespace: prescale}}
clusters:
- name: fake
  cluster: {{server: "{self.url}", certificate-authority: "{self.ca}"}}
users:
- name: prescale
  user: {{token: "{self.token}"}}
""")
        return path

    def add_scaled_object(self, namespace, name, target, replicas=1, min_replicas=None, max_replicas=None, triggers=None,
                          advanced=None, cooldown=None):
        spec = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
                "triggers": triggers or [{"type": "external-push", "metadata": {"scalerAddress": "prescale:6000"}}]}
        if advanced is not None:
            spec["advanced"] = advanced
        if cooldown is not None:
            spec["cooldownPeriod"] = cooldown
        if min_replicas is not None:
            spec["minReplicaCount"] = min_replicas
        if max_replicas is not None:
            spec["maxReplicaCount"] = max_replicas
        with self.lock:
            self.scaled_objects[(namespace, name)] = {
                "apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
                "metadata": {"name": name, "namespace": namespace, "resourceVersion": "1"}, "spec": spec}
            self.replicas[(namespace, "deployments", target)] = replicas

    def replicas_of(self, namespace, target):
        with self.lock:
            return self.replicas.get((namespace, "deployments", target))

    def set_replicas(self, namespace, target, replicas):
        """What the HPA (or KEDA) writes to the target's spec.replicas."""
        with self.lock:
            self.replicas[(namespace, "deployments", target)] = replicas

    def set_ready(self, namespace, target, ready):
        """What the Deployment controller reports in status.readyReplicas."""
        with self.lock:
            self.ready[(namespace, "deployments", target)] = ready

    def add_config_map(self, namespace, name, data=None):
        with self.lock:
            self.version += 1
            self.config_maps[(namespace, name)] = {
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": name, "namespace": namespace, "resourceVersion": str(self.version)},
                **({"data": dict(data)} if data else {})}

    def config_map_data(self, namespace, name):
        with self.lock:
            return dict(self.config_maps[(namespace, name)].get("data", {}))

    def writes(self):
        """Requests that would change something in the cluster."""
        with self.lock:
            return [r for r in self.requests if r[0] in ("POST", "PUT", "PATCH", "DELETE")]

    def lease_holder(self, namespace, name):
        with self.lock:
            lease = self.leases.get((namespace, name))
            return lease and lease["spec"].get("holderIdentity")

    def handle(self, method, path, headers, body):
        with self.lock:
            code, obj = self._handle(method, path, headers, body)
            self.requests.append((method, path, headers.get("Content-Type"), code))
            return code, obj

    def _handle(self, method, path, headers, body):
        if headers.get("Authorization") != f"Bearer {self.token}":
            return status(401, "Unauthorized", "Unauthorized")
        if m := self.SCALEDOBJECT.match(path):
            if method != "GET":
                return status(405, "MethodNotAllowed", "not allowed")
            obj = self.scaled_objects.get((m[1], m[2]))
            return (200, obj) if obj else status(404, "NotFound", f'scaledobjects.keda.sh "{m[2]}" not found')
        if m := self.SCALE.match(path):
            key = (m[1], m[2], m[3])
            if key not in self.replicas:
                return status(404, "NotFound", f'{m[2]}.apps "{m[3]}" not found')
            if method == "PATCH":
                if headers.get("Content-Type") != "application/merge-patch+json":
                    return status(415, "UnsupportedMediaType", "the body of the request was in an unknown format")
                replicas = json.loads(body).get("spec", {}).get("replicas")
                if not isinstance(replicas, int) or replicas < 0:
                    return status(422, "Invalid", "spec.replicas: Invalid value")
                self.replicas[key] = replicas
            elif method != "GET":
                return status(405, "MethodNotAllowed", "not allowed")
            r = self.replicas[key]
            return 200, {"kind": "Scale", "apiVersion": "autoscaling/v1",
                         "metadata": {"name": m[3], "namespace": m[1]}, "spec": {"replicas": r},
                         "status": {"replicas": r, "selector": f"app={m[3]}"}}
        if m := self.WORKLOAD.match(path):
            key = (m[1], m[2], m[3])
            if key not in self.replicas:
                return status(404, "NotFound", f'{m[2]}.apps "{m[3]}" not found')
            if method != "GET":
                return status(405, "MethodNotAllowed", "not allowed")
            replicas = self.replicas[key]
            ready = min(self.ready.get(key, replicas), replicas)
            obj = {"kind": "Deployment" if m[2] == "deployments" else "StatefulSet", "apiVersion": "apps/v1",
                   "metadata": {"name": m[3], "namespace": m[1]}, "spec": {"replicas": replicas},
                   "status": {"replicas": replicas}}
            if ready:  # the API server omits zero-valued status fields
                obj["status"]["readyReplicas"] = ready
            return 200, obj
        if m := self.CONFIGMAP.match(path):
            current = self.config_maps.get((m[1], m[2]))
            if current is None:
                return status(404, "NotFound", f'configmaps "{m[2]}" not found')
            if method == "GET":
                return 200, current
            if method != "PUT":
                return status(405, "MethodNotAllowed", "not allowed")
            if headers.get("Content-Type") != "application/json":
                return status(415, "UnsupportedMediaType", "unknown format")
            obj = json.loads(body)
            if obj.get("kind") != "ConfigMap" or obj.get("metadata", {}).get("name") != m[2]:
                return status(400, "BadRequest", "the name of the object does not match the name on the URL")
            if not all(isinstance(v, str) for v in obj.get("data", {}).values()):
                return status(422, "Invalid", "data values must be strings")
            if obj["metadata"].get("resourceVersion") != current["metadata"]["resourceVersion"]:
                return status(409, "Conflict", f'Operation cannot be fulfilled on configmaps "{m[2]}": the object has been modified')
            if sum(len(k) + len(v) for k, v in obj.get("data", {}).items()) > 1 << 20:
                return status(422, "Invalid", "ConfigMap is too long: must have at most 1048576 bytes")
            self.version += 1
            obj["metadata"]["resourceVersion"] = str(self.version)
            self.config_maps[(m[1], m[2])] = obj
            return 200, obj
        if m := self.EVENTS.match(path):
            if method != "POST":
                return status(405, "MethodNotAllowed", "not allowed")
            if headers.get("Content-Type") != "application/json":
                return status(415, "UnsupportedMediaType", "unknown format")
            event = json.loads(body)
            involved = event.get("involvedObject", {})
            metadata = event.get("metadata", {})
            if (event.get("kind"), event.get("apiVersion")) != ("Event", "v1") or involved.get("namespace") != m[1] \
                    or not involved.get("name") or not (metadata.get("name") or metadata.get("generateName")) \
                    or not event.get("reason") or not event.get("message"):
                return status(422, "Invalid", "Event is invalid")
            self.version += 1
            metadata.setdefault("name", f"{metadata.get('generateName', '')}{self.version}")
            self.events.append(event)
            return 201, event
        if m := self.LEASES.match(path):
            namespace, name = m[1], m[2]
            if method in ("POST", "PUT") and headers.get("Content-Type") != "application/json":
                return status(415, "UnsupportedMediaType", "unknown format")
            if name is None:
                if method != "POST":
                    return status(405, "MethodNotAllowed", "not allowed")
                lease = json.loads(body)
                key = (namespace, lease["metadata"]["name"])
                if key in self.leases:
                    return status(409, "AlreadyExists", "already exists")
                self.version += 1
                lease["metadata"]["resourceVersion"] = str(self.version)
                self.leases[key] = lease
                return 201, lease
            current = self.leases.get((namespace, name))
            if current is None:
                return status(404, "NotFound", f'leases.coordination.k8s.io "{name}" not found')
            if method == "GET":
                return 200, current
            if method != "PUT":
                return status(405, "MethodNotAllowed", "not allowed")
            lease = json.loads(body)
            if lease["metadata"].get("resourceVersion") != current["metadata"]["resourceVersion"]:
                return status(409, "Conflict", "the object has been modified")
            self.version += 1
            lease["metadata"]["resourceVersion"] = str(self.version)
            self.leases[(namespace, name)] = lease
            return 200, lease
        return status(404, "NotFound", "the server could not find the requested resource")

    def close(self):
        """Stops listening and cuts every open connection, as an API server outage would."""
        self.server.shutdown()
        self.server.server_close()
        with self.lock:
            connections = list(self.connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
