"""Contracts with the real components, each rule as the component's own source or docs state it, checked on
what deploy/ renders; and for each rule a deliberately broken copy that the check must catch (schemas alone
caught none of these)."""
import copy
import pathlib
import re
import subprocess
import tomllib

import pytest
import yaml

from conftest import ROOT, _binary
from test_deploy import DEPLOY, render

HPA_CLASS = "hpa.autoscaling.knative.dev"
CLASS_KEY = "autoscaling.knative.dev/class"
AUTO_CREATE_KEY = "autoscaling.knative.dev/scaled-object-auto-create"
RUNBOOKS = ROOT / "docs" / "runbooks.md"


def everything():
    objects = []
    for kustomization in sorted(DEPLOY.rglob("kustomization.yaml")):
        objects += render(kustomization.parent)
    return objects


@pytest.fixture(scope="module")
def rendered():
    return everything()


def of_kind(objects, kind):
    return [o for o in objects if o.get("kind") == kind]


# --- knative-extensions/autoscaler-keda: Bring Your Own ScaledObject -------------------------------------
# DEVELOPMENT.md "Bring Your Own ScaledObject": the ScaledObject carries the HPA class annotation (so that
# the extension reconciles the HPA KEDA creates), sets spec.advanced.horizontalPodAutoscalerConfig.name to
# the revision name, and is named after the revision; pkg/reconciler/autoscaling/hpa/keda_hpa.go looks the
# HPA up by the PodAutoscaler's name, which is the revision's. The Service turns auto-creation off, or the
# extension creates its own ScaledObject of the same name and refuses ours ("does not own ScaledObject").

def knative_byo_violations(services, scaled_objects):
    problems = []
    by_target = {so["spec"]["scaleTargetRef"]["name"]: so for so in scaled_objects}
    for service in services:
        template = service["spec"]["template"]
        annotations = template.get("metadata", {}).get("annotations", {})
        if annotations.get(CLASS_KEY) != HPA_CLASS:
            continue
        revision = template["metadata"].get("name")
        brought = annotations.get(AUTO_CREATE_KEY) == "false"
        so = by_target.get(f"{revision}-deployment") if revision else None
        if not brought:
            if so is not None:
                problems.append(f"Service {service['metadata']['name']}: {AUTO_CREATE_KEY} must be \"false\" when the ScaledObject is brought")
            continue  # otherwise the extension creates the ScaledObject itself
        if not revision:
            problems.append(f"Service {service['metadata']['name']}: a brought ScaledObject needs the revision name pinned (spec.template.metadata.name)")
            continue
        if so is None:
            problems.append(f"Service {service['metadata']['name']}: auto-creation is off but no ScaledObject targets {revision}-deployment")
            continue
        where = f"ScaledObject {so['metadata']['name']} for revision {revision}"
        if so["metadata"]["name"] != revision:
            problems.append(f"{where}: must be named after the revision")
        if so["metadata"].get("annotations", {}).get(CLASS_KEY) != HPA_CLASS:
            problems.append(f"{where}: needs the annotation {CLASS_KEY}: {HPA_CLASS}")
        hpa_name = so["spec"].get("advanced", {}).get("horizontalPodAutoscalerConfig", {}).get("name")
        if hpa_name != revision:
            problems.append(f"{where}: spec.advanced.horizontalPodAutoscalerConfig.name must be {revision}, not {hpa_name}")
    return problems


def knative_inputs(objects):
    services = [o for o in of_kind(objects, "Service") if o["apiVersion"].startswith("serving.knative.dev/")]
    return services, of_kind(objects, "ScaledObject")


def test_brought_scaledobjects_follow_autoscaler_keda(rendered):
    services, scaled_objects = knative_inputs(rendered)
    brought = [s for s in services if s["spec"]["template"]["metadata"].get("annotations", {}).get(AUTO_CREATE_KEY) == "false"]
    assert brought, "deploy/knative/functions brings at least one ScaledObject"
    assert knative_byo_violations(services, scaled_objects) == []


@pytest.mark.parametrize("breakage", ["rename", "no-annotation", "no-hpa-name", "auto-create"])
def test_a_broken_knative_wiring_is_caught(rendered, breakage):
    services, scaled_objects = copy.deepcopy(knative_inputs(rendered))
    so = next(s for s in scaled_objects if s["metadata"]["name"] == "orders-v1")
    service = next(s for s in services if s["metadata"]["name"] == "orders")
    if breakage == "rename":
        so["metadata"]["name"] = "orders"
    elif breakage == "no-annotation":
        so["metadata"]["annotations"].pop(CLASS_KEY)
    elif breakage == "no-hpa-name":
        so["spec"]["advanced"]["horizontalPodAutoscalerConfig"].pop("name")
    else:
        service["spec"]["template"]["metadata"]["annotations"][AUTO_CREATE_KEY] = "true"
    assert knative_byo_violations(services, scaled_objects)


# --- cert-manager: a CA ClusterIssuer reads its Secret from the cluster resource namespace ---------------
# cert-manager docs, "Cluster Resource Namespace": secrets referenced by a ClusterIssuer are looked up in
# the namespace given by --cluster-resource-namespace, default `cert-manager`.

CLUSTER_RESOURCE_NAMESPACE = "cert-manager"


def cluster_issuer_violations(objects):
    problems = []
    certificates = of_kind(objects, "Certificate")
    for issuer in of_kind(objects, "ClusterIssuer"):
        secret = issuer["spec"].get("ca", {}).get("secretName")
        if not secret:
            continue
        sources = [c for c in certificates if c["spec"]["secretName"] == secret]
        if not sources:
            problems.append(f"ClusterIssuer {issuer['metadata']['name']}: no Certificate produces Secret {secret}")
        for certificate in sources:
            namespace = certificate["metadata"].get("namespace")
            if namespace != CLUSTER_RESOURCE_NAMESPACE:
                problems.append(
                    f"Certificate {certificate['metadata']['name']} writes the CA Secret {secret} to namespace {namespace}; "
                    f"ClusterIssuer {issuer['metadata']['name']} reads it from {CLUSTER_RESOURCE_NAMESPACE}")
    return problems


def test_the_ca_secret_is_in_cert_managers_cluster_resource_namespace(rendered):
    assert of_kind(rendered, "ClusterIssuer")
    assert cluster_issuer_violations(rendered) == []


def test_a_namespace_transformer_over_the_ca_is_caught(tmp_path):
    # The earlier layout: the CA inside a kustomization whose `namespace:` moves it.
    broken = tmp_path / "ca"
    broken.mkdir()
    (broken / "ca.yaml").write_text((DEPLOY / "cert-manager" / "ca.yaml").read_text())
    (broken / "kustomization.yaml").write_text("namespace: prescale\nresources:\n  - ca.yaml\n")
    assert cluster_issuer_violations(render(broken))


# --- Prometheus Operator + kube-prometheus-stack -------------------------------------------------------
# Without honorLabels the Operator's own `namespace` target label overrides the series' label (renamed
# exported_namespace); kube-prometheus-stack selects ServiceMonitors by `release: <release name>`.

def service_monitor_violations(objects):
    problems = []
    for monitor in of_kind(objects, "ServiceMonitor"):
        name = monitor["metadata"]["name"]
        if "release" not in monitor["metadata"].get("labels", {}):
            problems.append(f"ServiceMonitor {name}: no `release` label for kube-prometheus-stack's selector")
        for endpoint in monitor["spec"]["endpoints"]:
            if endpoint.get("honorLabels") is not True:
                problems.append(f"ServiceMonitor {name}: endpoint {endpoint.get('port')} needs honorLabels: true")
    return problems


def test_the_service_monitor_keeps_prescales_namespace_label(rendered):
    assert of_kind(rendered, "ServiceMonitor")
    assert service_monitor_violations(rendered) == []


def test_a_service_monitor_without_honor_labels_is_caught(rendered):
    broken = copy.deepcopy(of_kind(rendered, "ServiceMonitor"))
    broken[0]["spec"]["endpoints"][0].pop("honorLabels")
    assert service_monitor_violations(broken)


# --- K3s + containerd + crun: Wasm pod annotations must reach crun ---------------------------------------
# containerd's CRI plugin passes pod annotations to the OCI runtime only if the runtime lists them in
# `pod_annotations`; K3s's generated `crun` runtime (pkg/agent/templates) lists none, and a user
# config.toml.tmpl is rendered with K3s's own config as the template "base".

TEMPLATE = DEPLOY / "k3s" / "config.toml.tmpl"


def wasm_runtime_violations(template_text, objects):
    problems = []
    if '{{ template "base" . }}' not in template_text:
        problems.append("config.toml.tmpl must keep K3s's generated configuration ({{ template \"base\" . }})")
    body = re.sub(r"\{\{-?\s*/\*.*?\*/\s*-?\}\}", "", template_text, flags=re.S)
    body = body.replace('{{ template "base" . }}', "").replace("{{ .SystemdCgroup }}", "true")
    try:
        config = tomllib.loads(body)
    except tomllib.TOMLDecodeError as error:
        return problems + [f"config.toml.tmpl is not valid TOML: {error}"]
    runtimes = config.get("plugins", {}).get("io.containerd.grpc.v1.cri", {}).get("containerd", {}).get("runtimes", {})
    if "crun" in runtimes:
        problems.append("config.toml.tmpl redefines the runtime `crun`, which K3s's base template already defines")
    wasm = {name for name, runtime in runtimes.items() if "module.wasm.image/*" in runtime.get("pod_annotations", [])}
    if not wasm:
        problems.append("no runtime passes the module.wasm.image/* pod annotations")
    classes = {rc["metadata"]["name"]: rc["handler"] for rc in of_kind(objects, "RuntimeClass")}
    for service in of_kind(objects, "Service"):
        template = service.get("spec", {}).get("template", {})
        if "module.wasm.image/variant" not in template.get("metadata", {}).get("annotations", {}):
            continue
        runtime_class = template.get("spec", {}).get("runtimeClassName")
        if classes.get(runtime_class) not in wasm:
            problems.append(f"Service {service['metadata']['name']}: runtimeClassName {runtime_class} does not select a runtime that passes the Wasm annotations")
    return problems


def test_wasm_functions_run_on_a_runtime_that_sees_their_annotations(rendered):
    assert wasm_runtime_violations(TEMPLATE.read_text(), rendered) == []


@pytest.mark.parametrize("breakage", ["no-pod-annotations", "redefine-crun", "no-base", "k3s-crun-class"])
def test_a_broken_wasm_runtime_is_caught(rendered, breakage):
    text, objects = TEMPLATE.read_text(), copy.deepcopy(rendered)
    if breakage == "no-pod-annotations":
        text = text.replace('pod_annotations = ["module.wasm.image/*"]', "")
    elif breakage == "redefine-crun":
        text = text.replace('runtimes."crun-wasm"', 'runtimes."crun"')
    elif breakage == "no-base":
        text = text.replace('{{ template "base" . }}', "")
    else:
        for service in of_kind(objects, "Service"):
            if "runtimeClassName" in service.get("spec", {}).get("template", {}).get("spec", {}):
                service["spec"]["template"]["spec"]["runtimeClassName"] = "crun"
    assert wasm_runtime_violations(text, objects)


# --- On-call: every alert has a severity and a runbook that exists; Prescale itself being gone alerts ----

def alert_violations(rule, runbooks_text):
    problems = []
    anchors = {re.sub(r"[^a-z0-9-]", "", h.strip().lower().replace(" ", "-")) for h in re.findall(r"^## (.+)$", runbooks_text, flags=re.M)}
    alerts = [r for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r]
    for alert in alerts:
        name = alert["alert"]
        if alert.get("labels", {}).get("severity") not in ("critical", "warning", "info"):
            problems.append(f"{name}: severity must be critical, warning or info")
        url = alert.get("annotations", {}).get("runbook_url", "")
        match = re.fullmatch(r"https://\S+/docs/runbooks\.md#([a-z0-9-]+)", url)
        if not match:
            problems.append(f"{name}: runbook_url must point at docs/runbooks.md#<alert>, not {url!r}")
        elif match.group(1) not in anchors:
            problems.append(f"{name}: docs/runbooks.md has no section #{match.group(1)}")
    if not any('up{job="prescale"}' in alert["expr"] and alert["labels"].get("severity") == "critical" for alert in alerts):
        problems.append("no critical alert fires when Prescale itself is down or absent")
    return problems


def test_every_alert_has_a_severity_and_a_runbook_and_prescale_down_alerts():
    rule = yaml.safe_load((DEPLOY / "observability" / "prometheusrule.yaml").read_text())
    assert alert_violations(rule, RUNBOOKS.read_text()) == []


def rule_selection_violations(rule, service_monitor):
    want = service_monitor["metadata"]["labels"].get("release")
    got = rule["metadata"].get("labels", {}).get("release")
    return [] if want and got == want else [f"PrometheusRule release label {got!r}, the ServiceMonitor's is {want!r}"]


def test_the_rules_are_selected_like_the_service_monitor():
    """kube-prometheus-stack selects rules and ServiceMonitors by the same `release` label."""
    rule = yaml.safe_load((DEPLOY / "observability" / "prometheusrule.yaml").read_text())
    monitor = yaml.safe_load((DEPLOY / "prescale" / "components" / "monitoring" / "servicemonitor.yaml").read_text())
    assert rule_selection_violations(rule, monitor) == []
    rule["metadata"]["labels"].pop("release")
    assert rule_selection_violations(rule, monitor)


@pytest.mark.parametrize("breakage", ["missing-section", "no-severity", "no-down-alert"])
def test_a_broken_alert_is_caught(breakage):
    rule = yaml.safe_load((DEPLOY / "observability" / "prometheusrule.yaml").read_text())
    runbooks = RUNBOOKS.read_text()
    if breakage == "missing-section":
        runbooks = runbooks.replace("## PrescaleTriggerStale", "## Stale triggers")
    elif breakage == "no-severity":
        rule["spec"]["groups"][1]["rules"][0]["labels"].pop("severity")
    else:
        rule["spec"]["groups"] = [g for g in rule["spec"]["groups"] if g["name"] != "prescale.self"]
    assert alert_violations(rule, runbooks)


# --- One version, written once --------------------------------------------------------------------------

def test_the_version_is_one_fact():
    version = subprocess.run([str(_binary()), "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    source = (ROOT / "Sources" / "PrescaleCore" / "PrescaleVersion.swift").read_text()
    assert f'public static let current = "{version}"' in source
    newest = re.search(r"^## (\d+\.\d+\.\d+)", (ROOT / "CHANGELOG.md").read_text(), flags=re.M).group(1)
    assert newest == version, f"CHANGELOG.md's newest entry is {newest}, the binary says {version}"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert f'org.opencontainers.image.version="{version}"' in dockerfile
    assert 'org.opencontainers.image.licenses="Apache-2.0"' in dockerfile
    assert (ROOT / "LICENSE").read_text().lstrip().startswith("Apache License")


# --- The dashboard answers "why did it scale?" ------------------------------------------------------------

WHY_METRICS = {
    "prescale_trigger_target", "prescale_trigger_forecast_rate", "prescale_trigger_forecast_model",
    "prescale_trigger_lead_time_seconds", "prescale_trigger_observed_value", "prescale_trigger_value",
    "prescale_trigger_predicted_backlog", "prescale_trigger_planned_replicas", "prescale_trigger_desired_replicas",
    "prescale_actuation_current_replicas", "prescale_trigger_capacity_per_replica", "prescale_trigger_burst_rate",
    "prescale_trigger_replica_source",
}


def why_row_missing(dashboard):
    panels = dashboard["panels"]
    rows = [i for i, p in enumerate(panels) if p["type"] == "row" and "why did it scale" in p["title"].lower()]
    if not rows:
        return WHY_METRICS
    start = rows[0] + 1
    end = next((i for i in range(start, len(panels)) if panels[i]["type"] == "row"), len(panels))
    exprs = " ".join(t["expr"] for p in panels[start:end] for t in p.get("targets", []))
    return {m for m in WHY_METRICS if not re.search(rf"\b{m}\b", exprs)}


def test_the_dashboard_has_a_why_did_it_scale_row():
    import json
    dashboard = json.loads((DEPLOY / "observability" / "prescale-dashboard.json").read_text())
    assert why_row_missing(dashboard) == set()


def test_a_why_row_without_the_lead_time_is_caught():
    import json
    dashboard = json.loads((DEPLOY / "observability" / "prescale-dashboard.json").read_text())
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            target["expr"] = target["expr"].replace("prescale_trigger_lead_time_seconds", "vector(0)")
    assert why_row_missing(dashboard) == {"prescale_trigger_lead_time_seconds"}


# --- Components combine in any mix -------------------------------------------------------------------------
# Each component adds its settings as PRESCALE_* environment variables (which override the config file
# without replacing it) and its own objects with explicit namespaces; none may replace another's settings,
# and no namespace transformer may move a RoleBinding into the wrong namespace.

import itertools  # noqa: E402

COMPONENTS = DEPLOY / "prescale" / "components"
COMPONENT_ENV = {
    "tls": {"PRESCALE_TLS_CERT", "PRESCALE_TLS_KEY", "PRESCALE_TLS_CLIENT_CA"},
    "actuation": {"PRESCALE_ACTUATION", "PRESCALE_LEADER_ELECTION", "PRESCALE_LEASE_NAME"},
    "actuation-namespaced": set(),
    "monitoring": set(),
}


def mixes():
    names = sorted(COMPONENT_ENV)
    for size in range(len(names) + 1):
        for mix in itertools.combinations(names, size):
            if "actuation-namespaced" in mix and "actuation" not in mix:
                continue  # it narrows the actuation component's binding
            # actuation-namespaced patches what actuation adds, so it goes after it
            yield sorted(mix, key=lambda n: (n == "actuation-namespaced", n))


def render_mix(mix):
    """Renders base + the components of `mix` from a throw-away kustomization beside them (kustomize takes
    only relative paths)."""
    import os
    import shutil
    import tempfile

    root = pathlib.Path(tempfile.mkdtemp(prefix=".mix-", dir=DEPLOY / "prescale"))
    try:
        rel = lambda path: os.path.relpath(path, root)  # noqa: E731
        components = "".join(f"  - {rel(COMPONENTS / name)}\n" for name in mix)
        (root / "kustomization.yaml").write_text(
            f"resources:\n  - {rel(DEPLOY / 'prescale' / 'base')}\n" + (f"components:\n{components}" if mix else ""))
        return render(root)
    finally:
        shutil.rmtree(root)


def deployment_env(objects):
    deployment = next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "prescale")
    return {e["name"]: e.get("value") for e in deployment["spec"]["template"]["spec"]["containers"][0].get("env", [])}


def mix_violations(base, objects, mix):
    problems = []
    env = deployment_env(objects)
    for name in mix:
        if not COMPONENT_ENV.get(name, set()) <= set(env):
            problems.append(f"{name}: its settings are missing when combined with {mix}")
    config = next(o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "prescale-config")
    base_config = next(o for o in base if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "prescale-config")
    if config["data"] != base_config["data"]:
        problems.append("a component replaced the config file")
    for obj in objects:
        if obj["kind"] in ("Role", "RoleBinding", "Certificate", "ServiceMonitor", "Deployment", "Service") \
                and not obj["metadata"].get("namespace"):
            problems.append(f"{obj['kind']}/{obj['metadata']['name']} has no namespace")
    bindings = [o for o in objects if o["kind"] == "RoleBinding" and o["roleRef"]["name"] == "prescale-actuator"]
    cluster_bindings = [o for o in objects if o["kind"] == "ClusterRoleBinding" and o["metadata"]["name"] == "prescale-actuator"]
    if "actuation-namespaced" in mix:
        if {b["metadata"]["namespace"] for b in bindings} != {"functions"} or cluster_bindings:
            problems.append("actuation-namespaced: the RoleBindings must stay in their namespaces, with no ClusterRoleBinding")
    elif "actuation" in mix and not cluster_bindings:
        problems.append("actuation: no ClusterRoleBinding")
    return problems


@pytest.mark.parametrize("mix", list(mixes()), ids=lambda m: "+".join(m) or "base")
def test_components_combine_in_any_mix(mix):
    assert mix_violations(render_mix([]), render_mix(mix), mix) == []


def test_a_component_that_replaces_the_config_is_caught():
    # The earlier overlays' way: a whole config file per variant.
    objects = copy.deepcopy(render_mix(["tls"]))
    config = next(o for o in objects if o["kind"] == "ConfigMap")
    config["data"]["config.yaml"] = "tls-cert: /etc/prescale-tls/tls.crt\n"
    assert mix_violations(render_mix([]), objects, ["tls"]) == ["a component replaced the config file"]


def test_every_setting_a_component_sets_is_one_the_binary_reads():
    """Each PRESCALE_* variable, set alone to a bad value, stops `prescale serve` with exit 1 naming it or
    its flag: the binary reads it (a misspelt variable would be silently ignored)."""
    names = set().union(*COMPONENT_ENV.values())
    for name in sorted(names):
        env = {"PATH": "/usr/bin:/bin", name: "%bad%"}
        result = subprocess.run([str(_binary()), "serve", "--grpc-address", "127.0.0.1:0", "--http-address", "127.0.0.1:0"],
                                env=env, capture_output=True, text=True, timeout=30)
        flag = "--" + name.removeprefix("PRESCALE_").lower().replace("_", "-")
        assert result.returncode == 1 and (name in result.stderr or flag in result.stderr), (name, result.stderr)


def test_a_misspelt_setting_would_be_caught():
    env = {"PATH": "/usr/bin:/bin", "PRESCALE_ACTUATON": "%bad%"}
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run([str(_binary()), "serve", "--grpc-address", "127.0.0.1:0", "--http-address", "127.0.0.1:0"],
                       env=env, capture_output=True, text=True, timeout=3)


# --- The default install reads replicas and writes only its own learned state --------------------------------
# Predicting triggers learn what one replica consumes from their target's ready replicas. A default install
# (the kustomize base, the chart's default values) must give `prescale serve` that replica source: the
# service-account token mounted, no `actuation` setting that turns it off (the binary's default, auto, uses
# the pod's service account read-only), and `get` on ScaledObjects and on Deployments and StatefulSets with
# their scale subresource, cluster-wide. Nothing it may write but its learned-state ConfigMaps, by name, in
# its own namespace (get and update; they exist, so no create), which the install creates.

WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection", "*"}
READS = {("keda.sh", "scaledobjects"), ("apps", "deployments"), ("apps", "statefulsets"), ("apps", "deployments/scale"),
         ("apps", "statefulsets/scale")}


def replica_source_violations(objects):
    problems = []
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    account = next(o for o in objects if o["kind"] == "ServiceAccount" and o["metadata"]["name"] == pod["serviceAccountName"])
    if pod.get("automountServiceAccountToken") is False or account.get("automountServiceAccountToken") is False:
        problems.append("the service-account token is not mounted")
    config = next(o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"].endswith("-config"))
    settings = yaml.safe_load(config["data"]["config.yaml"]) or {}
    mode = deployment_env(objects).get("PRESCALE_ACTUATION", settings.get("actuation", "auto"))
    if mode not in ("auto", "read-only"):
        problems.append(f"actuation {mode}")
    namespace = deployment["metadata"]["namespace"]
    state_maps = {o["metadata"]["name"] for o in objects if o["kind"] == "ConfigMap"
                  and o["metadata"]["name"].startswith(f"{settings.get('learned-state')}-")}
    if len(state_maps) != 4:
        problems.append(f"learned-state ConfigMaps: {sorted(state_maps)}")
    bound = {b["roleRef"]["name"] for b in objects if b["kind"] == "ClusterRoleBinding"
             and any(s.get("name") == account["metadata"]["name"] for s in b.get("subjects", []))}
    granted = set()
    for role in objects:
        if role["kind"] not in ("ClusterRole", "Role"):
            continue
        for rule in role.get("rules", []):
            writes = WRITE_VERBS & set(rule.get("verbs", []))
            own_state = (role["kind"] == "Role" and role["metadata"].get("namespace") == namespace
                         and rule.get("resources") == ["configmaps"] and set(rule.get("resourceNames", [])) == state_maps
                         and writes == {"update"})
            if writes and not own_state:
                problems.append(f"{role['kind']} {role['metadata']['name']} writes: {rule}")
            if role["kind"] == "ClusterRole" and role["metadata"]["name"] in bound and "get" in rule.get("verbs", []):
                granted |= {(g, r) for g in rule.get("apiGroups", []) for r in rule.get("resources", [])}
    if READS - granted:
        problems.append(f"not granted cluster-wide: {sorted(READS - granted)}")
    return problems


def default_installs():
    from test_helm import render_chart
    return {"kustomize base": render(DEPLOY / "prescale" / "base"), "chart defaults": render_chart({})}


def test_a_default_install_has_a_read_only_replica_source():
    for name, objects in default_installs().items():
        assert replica_source_violations(objects) == [], name


@pytest.mark.parametrize("breakage", ["no-token", "disabled", "writes", "no-scale-read", "state-unnamed", "state-create"])
def test_a_default_install_without_its_replica_source_or_that_writes_is_caught(breakage):
    for name, objects in default_installs().items():
        objects = copy.deepcopy(objects)
        deployment = next(o for o in objects if o["kind"] == "Deployment")
        reader = next(o for o in objects if o["kind"] == "ClusterRole")
        if breakage == "no-token":
            deployment["spec"]["template"]["spec"]["automountServiceAccountToken"] = False
        elif breakage == "disabled":
            deployment["spec"]["template"]["spec"]["containers"][0].setdefault("env", []).append(
                {"name": "PRESCALE_ACTUATION", "value": "disabled"})
        elif breakage == "writes":
            reader["rules"][1]["verbs"].append("patch")
        elif breakage == "no-scale-read":
            reader["rules"][1]["resources"].remove("deployments/scale")
        else:
            rule = next(o for o in objects if o["kind"] == "Role" and o["metadata"]["name"].endswith("learned-state"))["rules"][0]
            if breakage == "state-unnamed":
                del rule["resourceNames"]
            else:
                rule["verbs"].append("create")
        assert replica_source_violations(objects), (name, breakage)
