"""deploy/ validated offline (there is no cluster here): every kustomization renders, every object validates
against the Kubernetes and CRD schemas, the alert rules pass promtool's checks and unit tests, every metric the
dashboard and the alerts use exists in a real scrape of `prescale serve`, and the Dockerfile's runtime stage
provides every shared library the binary links."""
import copy
import json
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT, ScalerProcess, _binary, wait_for
from fake_kubernetes import FakeKubernetes
from test_externalscaler import ref, stub
from test_kafka import MockKafka, kafka_metadata

DEPLOY = ROOT / "deploy"
sys.path.insert(0, str(ROOT / "scripts"))
import dockerfile_runtime  # noqa: E402  (scripts/dockerfile_runtime.py, which scripts/build-image runs too)
SCHEMAS = ROOT.parent / "shared" / "schemas"
KUBERNETES_VERSION = "1.32"
KUSTOMIZATIONS = sorted(p.parent for p in DEPLOY.rglob("kustomization.yaml"))
# Prometheus Operator kinds: no schema is available offline; their required fields are checked here and the
# rules' content by promtool.
OPERATOR_KINDS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): ["spec.selector", "spec.endpoints"],
    ("monitoring.coreos.com/v1", "PrometheusRule"): ["spec.groups"],
    ("cert-manager.io/v1", "Certificate"): ["spec.secretName", "spec.issuerRef.name"],
    ("cert-manager.io/v1", "ClusterIssuer"): ["spec"],
}


def need(tool):
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is not installed; scripts/bootstrap installs it")


def render(directory):
    need("kubectl")
    result = subprocess.run(["kubectl", "kustomize", str(directory)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"kubectl kustomize {directory}: {result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def test_there_is_something_to_check():
    names = {str(p.relative_to(DEPLOY)) for p in KUSTOMIZATIONS}
    assert {"prescale/base", "prescale/overlays/actuation", "prescale/overlays/tls", "prescale/overlays/tls-actuation",
            "keda", "keda/tls", "knative/functions", "observability", "cert-manager"} <= names


@pytest.mark.parametrize("directory", KUSTOMIZATIONS, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_kustomization_renders_and_core_kinds_validate(directory):
    import kubernetes_validate

    for obj in render(directory):
        key = (obj.get("apiVersion"), obj.get("kind"))
        if key in OPERATOR_KINDS or key[0] in ("keda.sh/v1alpha1", "serving.knative.dev/v1"):
            continue
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{directory.relative_to(ROOT)}: {key[1]} {obj['metadata'].get('name')}: {error.message} at {list(error.path)}")


def crd_validators():
    if not SCHEMAS.is_dir():
        pytest.skip(f"../shared/schemas is absent ({SCHEMAS}): the KEDA and Knative kinds cannot be validated here")
    import jsonschema

    validators = {}
    for path in SCHEMAS.glob("*.yaml"):
        crd = yaml.safe_load(path.read_text())
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            schema = strict_schema(version["schema"]["openAPIV3Schema"])
            validators[(f"{group}/{version['name']}", kind)] = jsonschema.Draft7Validator(schema)
    return validators


def strict_schema(schema):
    """The API server prunes fields a structural schema does not declare; here they are errors instead, so a
    misspelt field fails CI rather than vanishing at apply time."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if not isinstance(node, dict):
            return
        if "properties" in node and "additionalProperties" not in node and not node.get("x-kubernetes-preserve-unknown-fields"):
            node["additionalProperties"] = False
        for value in node.values():
            if isinstance(value, dict):
                walk(value)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

    walk(schema)
    # metadata is validated by the API server's ObjectMeta rules, not by the CRD.
    schema.get("properties", {}).get("metadata", {}).pop("additionalProperties", None)
    return schema


def test_keda_and_knative_objects_validate_against_the_crd_schemas():
    validators = crd_validators()
    checked = []
    # The MQTT example is applied on its own (its target and TLS broker are the user's), not by a
    # kustomization: it is validated as written.
    standalone = list(yaml.safe_load_all((DEPLOY / "keda" / "scaledobject-mqtt.yaml").read_text()))
    for directory, objects in [(d, None) for d in KUSTOMIZATIONS] + [(DEPLOY / "keda", standalone)]:
        for obj in objects if objects is not None else render(directory):
            key = (obj.get("apiVersion"), obj.get("kind"))
            if key in OPERATOR_KINDS:
                for field in OPERATOR_KINDS[key]:
                    node = obj
                    for part in field.split("."):
                        assert isinstance(node, dict) and part in node, f"{key[1]} {obj['metadata']['name']}: {field} is required"
                        node = node[part]
                continue
            if key[0] not in ("keda.sh/v1alpha1", "serving.knative.dev/v1"):
                continue
            assert key in validators, f"no schema in ../shared/schemas for {key}"
            errors = sorted(validators[key].iter_errors(obj), key=lambda e: list(e.path))
            assert not errors, f"{directory.relative_to(ROOT)}: {key[1]} {obj['metadata']['name']}: " + "; ".join(
                f"{e.message} at {'.'.join(map(str, e.path))}" for e in errors)
            checked.append(f"{key[1]}/{obj['metadata']['name']}")
    assert {"ScaledObject/orders-v1", "ScaledObject/telemetry", "ScaledObject/prescale-smoke", "ScaledObject/prescale-smoke-tls",
            "TriggerAuthentication/prescale-tls", "Service/orders", "Service/sensors"} <= set(checked)


def test_the_schema_check_catches_a_misspelt_field():
    validators = crd_validators()
    obj = next(o for o in render(DEPLOY / "keda") if o["metadata"]["name"] == "orders-v1")
    obj["spec"]["pollingIntervall"] = 5
    assert list(validators[("keda.sh/v1alpha1", "ScaledObject")].iter_errors(obj))


def extracted_rules(tmp_path):
    rule = yaml.safe_load((DEPLOY / "observability" / "prometheusrule.yaml").read_text())
    path = tmp_path / "prescale-rules.yaml"
    path.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    return path


def test_promtool_checks_the_rules(tmp_path):
    need("promtool")
    result = subprocess.run(["promtool", "check", "rules", str(extracted_rules(tmp_path))], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests_fire_each_alert_and_keep_healthy_series_quiet(tmp_path):
    need("promtool")
    extracted_rules(tmp_path)
    tests = tmp_path / "prescale-rules.test.yaml"
    shutil.copy(DEPLOY / "observability" / "tests" / "prescale-rules.test.yaml", tests)
    alerts = {r["alert"] for g in yaml.safe_load((tmp_path / "prescale-rules.yaml").read_text())["groups"] for r in g["rules"]}
    tested = {t["alertname"] for case in yaml.safe_load(tests.read_text())["tests"] for t in case["alert_rule_test"]}
    assert alerts == tested, f"alerts without a unit test: {alerts - tested}"
    result = subprocess.run(["promtool", "test", "rules", tests.name], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def used_metric_names(dashboard_text=None, rules_text=None):
    """Every prescale_* metric named in a dashboard query or an alert expression (of the given texts, by
    default deploy/observability's)."""
    exprs = []
    dashboard = json.loads(dashboard_text or (DEPLOY / "observability" / "prescale-dashboard.json").read_text())

    def collect(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("expr", "query", "definition") and isinstance(value, str):
                    exprs.append(value)
                else:
                    collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(dashboard)
    rule = yaml.safe_load(rules_text or (DEPLOY / "observability" / "prometheusrule.yaml").read_text())
    exprs += [r["expr"] for g in rule["spec"]["groups"] for r in g["rules"]]
    return {name for expr in exprs for name in re.findall(r"\bprescale_[a-z0-9_]+", expr)}


def missing_metrics(used, scrape):
    """The used metric names that no sample line of `scrape` carries."""
    present = {line.split("{")[0].split(" ")[0] for line in scrape.splitlines() if line and not line.startswith("#")}
    return sorted(used - present)


@pytest.fixture
def rich_scaler(tmp_path, pb):
    """`prescale serve` with actuation against a fake API server, a predicting actuated Kafka trigger, an MQTT
    trigger with $SYS backlog, an MQTT trigger whose broker is down and an actuated Kafka trigger whose
    ScaledObject does not exist: every family of metrics has series."""
    from test_mqtt import MOSQUITTO, Broker

    if MOSQUITTO is None:
        pytest.fail("mosquitto is not installed; scripts/bootstrap installs it")
    kube = FakeKubernetes(tmp_path)
    kube.add_scaled_object("shop", "orders", "orders-consumer", replicas=1)
    kafka = MockKafka()
    broker = Broker()
    scaler = ScalerProcess("--actuation=enabled", f"--kubeconfig={kube.kubeconfig()}", "--identity=prescale-0")
    try:
        kafka.do("topic orders 3")
        for partition in range(3):
            kafka.do(f"commit workers orders {partition} 0")
            kafka.do(f"produce orders {partition} 100")
        _, client = stub(pb, scaler)
        triggers = [
            ("orders", kafka_metadata(kafka, lagThreshold="50", predict="true", actuate="true")),
            ("sensors", {"scalerAddress": "p:6000", "source": "mqtt", "brokerAddress": broker.address, "topic": "plant/#",
                         "queryValue": "5", "backlog": "sys"}),
            ("offline", {"scalerAddress": "p:6000", "source": "mqtt", "brokerAddress": "mqtt://127.0.0.1:1",
                         "topic": "x", "queryValue": "5"}),
            # Sampled repeatedly (a static trigger decides once, possibly before the lease is won).
            ("ghost", kafka_metadata(kafka, lagThreshold="50", actuate="true")),
        ]
        for name, metadata in triggers:
            client.GetMetricSpec(ref(pb, metadata, name=name), timeout=5)
        broker.publish("plant/a", 10)
        yield scaler
    finally:
        scaler.kill()
        broker.close()
        if kafka.proc.poll() is None:
            kafka.proc.kill()
        kube.close()


def test_dashboard_and_alert_metrics_exist_in_a_real_scrape_that_promtool_accepts(rich_scaler, tmp_path):
    need("promtool")
    used = used_metric_names()
    assert len(used) > 20, used
    latest = {}

    def complete():
        latest["scrape"] = rich_scaler.http("/metrics")[1]
        latest["missing"] = missing_metrics(used, latest["scrape"])
        return not latest["missing"] or None

    try:
        wait_for("every metric the dashboard and alerts use is in a real scrape", complete, timeout=60, interval=0.5)
    except AssertionError:
        raise AssertionError(f"used by the dashboard or alerts but absent from a real scrape: {latest['missing']}")
    scrape = latest["scrape"]
    check = subprocess.run(["promtool", "check", "metrics"], input=scrape, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_consistency_check_catches_a_renamed_metric():
    # A scrape that has every metric the dashboard and the rules use today passes...
    used = used_metric_names()
    scrape = "".join(f"{name} 1\n" for name in sorted(used))
    assert missing_metrics(used, scrape) == []
    # ...and a dashboard whose query names a metric the binary no longer exports is caught.
    dashboard = (DEPLOY / "observability" / "prescale-dashboard.json").read_text()
    assert "prescale_trigger_observed_value" in dashboard
    renamed = dashboard.replace("prescale_trigger_observed_value", "prescale_trigger_reactive_value")
    assert missing_metrics(used_metric_names(dashboard_text=renamed), scrape) == ["prescale_trigger_reactive_value"]


def dockerfile_runtime_packages():
    """The Dockerfile's runtime stage, and the packages it installs: deploy/image/packages.txt (which
    scripts/build-image extracts too) and what its apt-get line adds."""
    runtime = dockerfile_runtime.runtime_stage(ROOT / "Dockerfile")
    assert "COPY deploy/image/packages.txt /tmp/packages.txt" in runtime
    packages = {line.strip() for line in (DEPLOY / "image" / "packages.txt").read_text().splitlines()
                if line.strip() and not line.startswith("#")}
    for match in re.finditer(r"apt-get install ([^&\n]+)", runtime):
        packages |= {word for word in match.group(1).split() if not word.startswith("-")}
    return runtime, packages


def test_dockerfile_runtime_stage_provides_every_shared_library_of_the_binary():
    runtime, packages = dockerfile_runtime_packages()
    assert "USER 65532" in runtime, "the runtime image must run as a non-root user"
    assert "COPY --from=build /out/swift/ /usr/lib/swift/linux/" in runtime
    need("ldd")
    need("dpkg")
    out = subprocess.run(["ldd", str(_binary())], capture_output=True, text=True, check=True).stdout
    unresolved, missing = [], []
    for line in out.splitlines():
        parts = line.split()
        if "=>" not in parts:
            continue  # the vDSO and the dynamic loader itself
        path = parts[parts.index("=>") + 1]
        if path == "not":
            unresolved.append(parts[0])
            continue
        if "/usr/lib/swift/linux/" in path:
            continue  # the Swift runtime, copied from the build stage
        owner = subprocess.run(["dpkg", "-S", str(pathlib.Path(path).resolve())], capture_output=True, text=True)
        if owner.returncode != 0:
            owner = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
        assert owner.returncode == 0, f"{path}: no Debian package owns it"
        package = owner.stdout.split(":")[0]
        if package not in packages:
            missing.append(f"{parts[0]} ({package})")
    assert not unresolved, f"ldd cannot resolve: {unresolved}"
    assert not missing, f"libraries whose packages the runtime stage does not install: {missing}"


def test_the_k3s_overlay_plans_for_the_hpa_sync_period_k3s_is_configured_with():
    """deploy/k3s makes the HPA sync every 5 s; Prescale's k3s overlay must tell the planner the same."""
    import re

    config = yaml.safe_load((DEPLOY / "k3s" / "config.yaml").read_text())
    periods = [re.fullmatch(r"horizontal-pod-autoscaler-sync-period=(\d+)s", arg) for arg in config["kube-controller-manager-arg"]]
    period = next(int(match.group(1)) for match in periods if match)
    deployment = next(d for d in render(DEPLOY / "prescale" / "overlays" / "k3s") if d["kind"] == "Deployment")
    env = {e["name"]: e.get("value") for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["PRESCALE_HPA_SYNC_SECONDS"] == str(period)
    # And the walkthrough installs that overlay.
    assert "kubectl apply -k deploy/prescale/overlays/k3s" in (DEPLOY / "README.md").read_text()
