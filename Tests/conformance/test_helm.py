"""deploy/helm/prescale rendered and linted with the real Helm engine (helm-python-sdk embeds Helm v4; no
helm binary), and held to the same checks as the kustomize render: strict Kubernetes schemas, the
ServiceMonitor contract, every option combining with every other, RoleBindings in their namespaces, the CA
rule with deploy/cert-manager, the settings the binary really reads, and one version."""
import copy
import itertools
import re
import shutil
import subprocess

import pytest
import yaml

from conftest import ROOT, _binary
from test_deploy import DEPLOY, KUBERNETES_VERSION, OPERATOR_KINDS, need, render
from test_deploy_contracts import (COMPONENT_ENV, cluster_issuer_violations, deployment_env,
                                   service_monitor_violations)

CHART = DEPLOY / "helm" / "prescale"
OPTIONS = {
    "tls": {"tls": {"enabled": True}},
    "actuation": {"actuation": {"enabled": True}},
    "actuation-namespaced": {"actuation": {"enabled": True, "namespaces": ["functions"]}},
    "monitoring": {"monitoring": {"serviceMonitor": {"enabled": True}, "prometheusRule": {"enabled": True}}},
}


def helm():
    return pytest.importorskip("helm_python", reason="scripts/bootstrap installs helm-python-sdk into .venv")


def merge(*parts):
    out = {}
    for part in parts:
        for key, value in part.items():
            out[key] = merge(out.get(key, {}), value) if isinstance(value, dict) else value
    return out


def render_chart(values, namespace="prescale", name="prescale"):
    chart = helm().Chart.load(CHART)
    manifests = chart.render(values, name=name, namespace=namespace, is_install=True)
    return [doc for path, text in manifests.items() if not path.endswith("NOTES.txt")
            for doc in yaml.safe_load_all(text) if doc]


def render_notes(values, name="prescale", namespace="prescale"):
    chart = helm().Chart.load(CHART)
    manifests = chart.render(values, name=name, namespace=namespace, is_install=True)
    return next(text for path, text in manifests.items() if path.endswith("NOTES.txt"))


def option_mixes():
    names = sorted(OPTIONS)
    for size in range(len(names) + 1):
        for mix in itertools.combinations(names, size):
            if "actuation-namespaced" in mix and "actuation" in mix:
                continue  # one or the other: namespaced is actuation with namespaces listed
            yield list(mix)


def values_for(mix):
    values = {"monitoring": {"serviceMonitor": {"enabled": False}, "prometheusRule": {"enabled": False}}}
    return merge(values, *(OPTIONS[name] for name in mix))


def test_the_chart_lints_clean_with_the_real_helm_engine():
    report = helm().lint(CHART, strict=True, kube_version=f"v{KUBERNETES_VERSION}.0")
    assert report["errors"] == [], report
    assert [m for m in report["messages"] if m["severity"] >= 2] == [], report


@pytest.mark.parametrize("mix", list(option_mixes()), ids=lambda m: "+".join(m) or "defaults-off")
def test_every_option_mix_renders_validates_and_keeps_the_contracts(mix):
    import kubernetes_validate

    objects = render_chart(values_for(mix))
    for obj in objects:
        key = (obj.get("apiVersion"), obj.get("kind"))
        if key in OPERATOR_KINDS:
            for field in OPERATOR_KINDS[key]:
                node = obj
                for part in field.split("."):
                    node = node.get(part) if isinstance(node, dict) else None
                assert node, f"{key[1]} {obj['metadata']['name']}: {field} is required"
            continue
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{mix}: {key[1]} {obj['metadata'].get('name')}: {error.message} at {list(error.path)}")
        if obj["kind"] not in ("ClusterRole", "ClusterRoleBinding"):
            assert obj["metadata"].get("namespace"), f"{obj['kind']}/{obj['metadata']['name']} has no namespace"
    env = deployment_env(objects)
    for name in mix:
        assert COMPONENT_ENV[name if name != "actuation-namespaced" else "actuation"] <= set(env), (name, env)
    assert service_monitor_violations(objects) == []
    assert bool([o for o in objects if o["kind"] == "ServiceMonitor"]) == ("monitoring" in mix)
    actuator = lambda o: o["roleRef"]["name"] == "prescale-actuator"  # noqa: E731
    bindings = [o for o in objects if o["kind"] == "RoleBinding" and o["roleRef"]["kind"] == "ClusterRole" and actuator(o)]
    cluster_bindings = [o for o in objects if o["kind"] == "ClusterRoleBinding" and actuator(o)]
    if "actuation-namespaced" in mix:
        assert {b["metadata"]["namespace"] for b in bindings} == {"functions"} and not cluster_bindings
    elif "actuation" in mix:
        assert cluster_bindings and not bindings
    if "tls" in mix:
        # The server certificate comes from the CA ClusterIssuer of deploy/cert-manager, whose Secret must be
        # in cert-manager's cluster resource namespace.
        certificates = [o for o in objects if o["kind"] == "Certificate"]
        assert certificates and certificates[0]["spec"]["issuerRef"] == {"name": "prescale-ca", "kind": "ClusterIssuer"}
        assert cluster_issuer_violations(objects + render(DEPLOY / "cert-manager")) == []


def test_a_broken_helm_render_is_caught():
    objects = copy.deepcopy(render_chart(values_for(["monitoring"])))
    next(o for o in objects if o["kind"] == "ServiceMonitor")["spec"]["endpoints"][0].pop("honorLabels")
    assert service_monitor_violations(objects)


def test_the_chart_and_the_kustomize_base_run_the_same_container():
    chart = next(o for o in render_chart(values_for([])) if o["kind"] == "Deployment")
    base = next(o for o in render(DEPLOY / "prescale" / "base") if o["kind"] == "Deployment")
    c, b = chart["spec"]["template"]["spec"], base["spec"]["template"]["spec"]
    assert c["containers"][0]["args"] == b["containers"][0]["args"]
    assert c["containers"][0]["volumeMounts"] == b["containers"][0]["volumeMounts"]
    assert [v["name"] for v in c["volumes"]] == [v["name"] for v in b["volumes"]]
    assert c["containers"][0]["securityContext"] == b["containers"][0]["securityContext"]
    assert {p["name"]: p["containerPort"] for p in c["containers"][0]["ports"]} == {p["name"]: p["containerPort"] for p in b["containers"][0]["ports"]}
    assert c["securityContext"] == b["securityContext"]


@pytest.mark.parametrize("values, key", [
    ({"actuation": {"mode": "on"}}, "mode"),
    ({"replicaCount": 0}, "replicaCount"),
    ({"actuation": {"leaseName": "Not A Name"}}, "leaseName"),
    ({"tls": {"enabeld": True}}, "enabeld"),
    ({"image": {"digest": "latest"}}, "digest"),
    ({"serviceAccount": {"craete": False}}, "craete"),
    ({"extraArgs": ["log-level=debug"]}, "extraArgs"),
    ({"imagePullSecrets": [{"nam": "regcred"}]}, "name"),
    ({"nodeSelector": {"disk": 1}}, "disk"),
])
def test_bad_values_are_refused_naming_the_key(values, key):
    h = helm()
    with pytest.raises(h.HelmError) as error:
        render_chart(values)
    assert key in str(error.value), str(error.value)


def test_the_chart_version_is_the_binarys():
    version = subprocess.run([str(_binary()), "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["version"] == version and chart["appVersion"] == version
    deployment = next(o for o in render_chart({}) if o["kind"] == "Deployment")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"].endswith(f":{version}")
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    # The kustomize base runs the same release.
    base = next(o for o in render(DEPLOY / "prescale" / "base") if o["kind"] == "Deployment")
    assert base["spec"]["template"]["spec"]["containers"][0]["image"] == f"ghcr.io/prescale/prescale:{version}"


def test_the_charts_alerts_are_deploy_observabilitys_and_pass_promtool(tmp_path):
    """One set of alerts: the chart renders exactly the rules of deploy/observability, with the job the
    Prometheus Operator gives the release's Service (its name) in place of `prescale`, and promtool's
    checks and unit tests pass on the Helm render itself, under a release name that is not `prescale`."""
    rule = next(o for o in render_chart(values_for(["monitoring"]), name="scaler") if o["kind"] == "PrometheusRule")
    kustomize_text = (DEPLOY / "observability" / "prometheusrule.yaml").read_text()
    kustomize = yaml.safe_load(kustomize_text.replace('job="prescale"', 'job="scaler"'))
    assert rule["spec"]["groups"] == kustomize["spec"]["groups"], "deploy/helm/prescale/files/prescale-rules.yaml differs"
    exprs = [r["expr"] for g in rule["spec"]["groups"] for r in g["rules"]]
    assert any('up{job="scaler"}' in e for e in exprs) and not any('job="prescale"' in e for e in exprs), exprs
    assert rule["metadata"]["labels"]["release"] == kustomize["metadata"]["labels"]["release"]
    need("promtool")
    (tmp_path / "prescale-rules.yaml").write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    tests = (DEPLOY / "observability" / "tests" / "prescale-rules.test.yaml").read_text()
    (tmp_path / "prescale-rules.test.yaml").write_text(tests.replace('job="prescale"', 'job="scaler"'))
    check = subprocess.run(["promtool", "check", "rules", "prescale-rules.yaml"], capture_output=True, text=True, cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    test = subprocess.run(["promtool", "test", "rules", "prescale-rules.test.yaml"], capture_output=True, text=True, cwd=tmp_path)
    assert test.returncode == 0, test.stdout + test.stderr


def test_a_release_named_otherwise_gets_alerts_on_its_own_job(tmp_path):
    """The release's Service (and so its scrape job) is named after the release: PrescaleDown must watch
    that job, or it fires for ever under any other release name."""
    need("promtool")
    for name in ("prescale", "scaler"):
        rule = next(o for o in render_chart(values_for(["monitoring"]), name=name) if o["kind"] == "PrometheusRule")
        service = next(o for o in render_chart(values_for(["monitoring"]), name=name) if o["kind"] == "Service")
        down = next(r for g in rule["spec"]["groups"] for r in g["rules"] if r.get("alert") == "PrescaleDown")
        assert f'up{{job="{service["metadata"]["name"]}"}}' in down["expr"], (name, down["expr"])


def test_a_pdb_only_with_more_than_one_replica():
    """With one replica a PodDisruptionBudget of minAvailable 1 only blocks node drains."""
    assert not [o for o in render_chart({"replicaCount": 1}) if o["kind"] == "PodDisruptionBudget"]
    pdbs = [o for o in render_chart({"replicaCount": 2}) if o["kind"] == "PodDisruptionBudget"]
    assert len(pdbs) == 1 and pdbs[0]["spec"]["minAvailable"] == 1


def test_the_notes_give_the_scaler_address():
    notes = render_notes({}, name="scaler", namespace="autoscaling")
    assert "scalerAddress: scaler.autoscaling.svc.cluster.local:6000" in notes, notes
    assert "mutual TLS" not in notes
    assert "mutual TLS" in render_notes({"tls": {"enabled": True}})


def test_the_values_operators_expect_land_where_kubernetes_reads_them():
    """KEDA's chart's names for the pod's placement, identity, image and extras."""
    digest = "sha256:" + "a" * 64
    values = {
        "image": {"digest": digest}, "imagePullSecrets": [{"name": "regcred"}],
        "serviceAccount": {"name": "scaler-sa", "annotations": {"iam.example/role": "r"}},
        "podAnnotations": {"a": "1"}, "podLabels": {"team": "platform"}, "priorityClassName": "system-cluster-critical",
        "nodeSelector": {"kubernetes.io/os": "linux"}, "tolerations": [{"key": "edge", "operator": "Exists"}],
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}]}}},
        "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway",
                                       "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "prescale"}}}],
        "extraArgs": ["--log-level=debug"], "extraEnv": [{"name": "PRESCALE_LOG_FORMAT", "value": "text"}],
        "extraVolumes": [{"name": "ca", "configMap": {"name": "corp-ca"}}],
        "extraVolumeMounts": [{"name": "ca", "mountPath": "/etc/corp-ca", "readOnly": True}],
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]},
                            "runAsUser": 1000},
        "readinessProbe": {"periodSeconds": 2, "failureThreshold": 3},
    }
    objects = render_chart(values)
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    pod = deployment["spec"]["template"]
    spec = pod["spec"]
    container = spec["containers"][0]
    assert container["image"] == f"ghcr.io/prescale/prescale@{digest}"
    assert spec["imagePullSecrets"] == [{"name": "regcred"}]
    assert spec["serviceAccountName"] == "scaler-sa"
    account = next(o for o in objects if o["kind"] == "ServiceAccount")
    assert account["metadata"]["name"] == "scaler-sa" and account["metadata"]["annotations"] == {"iam.example/role": "r"}
    # Every binding grants to the account the pods run as.
    subjects = [s for o in objects if o["kind"] in ("RoleBinding", "ClusterRoleBinding") for s in o["subjects"]]
    assert subjects and all(s["name"] == "scaler-sa" for s in subjects), subjects
    assert pod["metadata"]["annotations"]["a"] == "1" and "checksum/config" in pod["metadata"]["annotations"]
    assert pod["metadata"]["labels"]["team"] == "platform"
    assert spec["priorityClassName"] == "system-cluster-critical"
    assert spec["nodeSelector"] == values["nodeSelector"] and spec["tolerations"] == values["tolerations"]
    assert spec["affinity"] == values["affinity"]  # replaces the default anti-affinity
    assert spec["topologySpreadConstraints"] == values["topologySpreadConstraints"]
    assert container["args"] == ["serve", "--config", "/etc/prescale/config.yaml", "--log-level=debug"]
    assert {"name": "PRESCALE_LOG_FORMAT", "value": "text"} in container["env"]
    assert {"name": "ca", "configMap": {"name": "corp-ca"}} in spec["volumes"]
    assert {"name": "ca", "mountPath": "/etc/corp-ca", "readOnly": True} in container["volumeMounts"]
    assert container["securityContext"]["runAsUser"] == 1000
    assert container["readinessProbe"] == {"httpGet": {"path": "/readyz", "port": "http"}, "periodSeconds": 2, "failureThreshold": 3}
    # An existing account: the chart creates none, and still binds the one named.
    objects = render_chart({"serviceAccount": {"create": False, "name": "existing"}})
    assert not [o for o in objects if o["kind"] == "ServiceAccount"]
    assert all(s["name"] == "existing" for o in objects if o["kind"] in ("RoleBinding", "ClusterRoleBinding") for s in o["subjects"])


def operator_objects(objects):
    return {o["kind"] for o in objects if o["apiVersion"].startswith("monitoring.coreos.com/")}


def test_a_default_install_needs_no_prometheus_operator_crds():
    """With the chart's defaults nothing needs the Prometheus Operator's CRDs (an install on a cluster
    without them would fail); turning monitoring on renders both objects, which the check would catch."""
    assert operator_objects(render_chart({})) == set()
    on = {"monitoring": {"serviceMonitor": {"enabled": True}, "prometheusRule": {"enabled": True}}}
    assert operator_objects(render_chart(on)) == {"ServiceMonitor", "PrometheusRule"}


def test_the_defaults_keep_the_hardened_pod():
    spec = next(o for o in render_chart({}) if o["kind"] == "Deployment")["spec"]["template"]["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    container = spec["containers"][0]
    assert container["securityContext"] == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}
    assert "podAntiAffinity" in spec["affinity"]
    assert container["image"].endswith(":" + yaml.safe_load((CHART / "Chart.yaml").read_text())["appVersion"])


# --- `helm test` and the chart's README ---------------------------------------------------------------

def helm_test_objects(values, name="prescale", namespace="prescale"):
    return [o for o in render_chart(values, name=name, namespace=namespace)
            if o["metadata"].get("annotations", {}).get("helm.sh/hook") == "test"]


def admitted_on_grpc(objects, pod):
    """Whether the chart's NetworkPolicy admits `pod` (in the release's namespace) to port 6000."""
    policy = next(o for o in objects if o["kind"] == "NetworkPolicy")
    labels = pod["metadata"]["labels"]
    for rule in policy["spec"]["ingress"]:
        if {"port": 6000, "protocol": "TCP"} not in rule["ports"]:
            continue
        for peer in rule["from"]:
            wanted = peer.get("podSelector", {}).get("matchLabels")
            if "namespaceSelector" not in peer and wanted and wanted.items() <= labels.items():
                return True
    return False


def test_helm_test_calls_the_releases_grpc_port_from_the_image_and_is_admitted():
    objects = render_chart({}, name="scaler", namespace="autoscaling")
    tests = helm_test_objects({}, name="scaler", namespace="autoscaling")
    assert [o["kind"] for o in tests] == ["Pod"]
    pod = tests[0]
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    container = pod["spec"]["containers"][0]
    assert container["image"] == deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    assert container["args"] == ["check", "--address=scaler.autoscaling.svc:6000"]
    assert pod["spec"]["restartPolicy"] == "Never"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert admitted_on_grpc(objects, pod)
    # A copy whose pod lost the label the policy admits is caught.
    broken = copy.deepcopy(pod)
    del broken["metadata"]["labels"]["app.kubernetes.io/component"]
    assert not admitted_on_grpc(objects, broken)
    # The command the pod runs exists in the binary, with those flags.
    help_text = subprocess.run([str(_binary()), "check", "--help"], capture_output=True, text=True, timeout=30).stdout
    for flag in ("--address", "--tls-ca", "--tls-cert", "--tls-key"):
        assert flag in help_text


def test_helm_test_presents_a_client_certificate_from_the_servers_issuer_under_tls():
    values = {"tls": {"enabled": True, "issuer": "corp-ca"}}
    tests = helm_test_objects(values)
    certificate = next(o for o in tests if o["kind"] == "Certificate")
    server = next(o for o in render_chart(values) if o["kind"] == "Certificate" and o not in tests)
    assert certificate["spec"]["issuerRef"] == server["spec"]["issuerRef"] == {"name": "corp-ca", "kind": "ClusterIssuer"}
    assert "client auth" in certificate["spec"]["usages"]
    # Issued before the pod starts: a lower hook weight.
    assert int(certificate["metadata"]["annotations"]["helm.sh/hook-weight"]) < 0
    pod = next(o for o in tests if o["kind"] == "Pod")
    args = pod["spec"]["containers"][0]["args"]
    mount = pod["spec"]["containers"][0]["volumeMounts"][0]["mountPath"]
    assert {f"--tls-ca={mount}/ca.crt", f"--tls-cert={mount}/tls.crt", f"--tls-key={mount}/tls.key"} <= set(args)
    assert pod["spec"]["volumes"][0]["secret"]["secretName"] == certificate["spec"]["secretName"]


def copy_chart_readme_tooling(tmp_path):
    shutil.copytree(CHART, tmp_path / "deploy" / "helm" / "prescale")
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "chart-readme", tmp_path / "scripts" / "chart-readme")
    return tmp_path


def test_the_chart_readme_values_table_is_generated_from_values_yaml(tmp_path):
    run = subprocess.run(["python3", str(ROOT / "scripts" / "chart-readme"), "--check"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    # A default changed in values.yaml and not in the README is caught, naming the line.
    copy = copy_chart_readme_tooling(tmp_path)
    values = copy / "deploy" / "helm" / "prescale" / "values.yaml"
    values.write_text(values.read_text().replace("replicaCount: 2", "replicaCount: 3"))
    run = subprocess.run(["python3", str(copy / "scripts" / "chart-readme"), "--check"], capture_output=True, text=True)
    assert run.returncode == 1 and "`replicaCount` | `2`" in run.stderr and "`replicaCount` | `3`" in run.stderr, run.stderr


def test_every_value_is_documented_in_values_yaml():
    """Each key has a comment, or is under one that has (the README's table is made from them)."""
    import importlib.machinery
    import importlib.util

    loader = importlib.machinery.SourceFileLoader("chart_readme", str(ROOT / "scripts" / "chart-readme"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("chart_readme", loader))
    loader.exec_module(module)
    rows = module.rows((CHART / "values.yaml").read_text().splitlines())
    described = {path for path, _, description in rows if description}
    undocumented = [path for path, _, _ in rows
                    if not any(path == d or path.startswith(d + ".") for d in described)]
    assert undocumented == [], undocumented


# --- One source: the chart and the kustomize overlays render the same objects ---------------------------

SERVICE_MONITOR = {"monitoring": {"serviceMonitor": {"enabled": True}}}
# Each kustomize overlay (and the base) and the chart values that install the same thing.
KUSTOMIZE_EQUIVALENTS = {
    "base": {},
    "overlays/actuation": merge(OPTIONS["actuation"], SERVICE_MONITOR),
    "overlays/actuation-namespaced": merge(OPTIONS["actuation-namespaced"], SERVICE_MONITOR),
    "overlays/tls": merge(OPTIONS["tls"], SERVICE_MONITOR),
    "overlays/tls-actuation": merge(OPTIONS["tls"], OPTIONS["actuation"], SERVICE_MONITOR),
    "overlays/k3s": merge(OPTIONS["actuation"], SERVICE_MONITOR,
                          {"extraEnv": [{"name": "PRESCALE_HPA_SYNC_SECONDS", "value": "5"}]}),
}


def comparable(objects):
    """Objects keyed by (kind, namespace, name), without what differs by convention alone: labels and
    annotations (Helm's and the chart's release labels), the release's instance label in selectors (the
    chart can be installed twice; the kustomize base once), the Namespace (the chart leaves it to
    `--create-namespace`) and `helm test`'s hooks. Lists of named things are compared as sets; the config
    file as the settings it holds."""
    def normal(node):
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key in ("labels", "annotations") and isinstance(value, dict) and "metadata" not in node:
                    continue
                if key in ("matchLabels", "selector") and isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
                    value = {k: v for k, v in value.items() if k != "app.kubernetes.io/instance"}
                if key == "config.yaml" and isinstance(value, str):
                    value = yaml.safe_load(value)
                out[key] = normal(value)
            if "metadata" in out:
                out["metadata"] = {k: v for k, v in out["metadata"].items() if k not in ("labels", "annotations")}
            if "template" in out and "metadata" in out["template"]:
                out["template"]["metadata"] = {k: v for k, v in out["template"]["metadata"].items()
                                               if k not in ("labels", "annotations")}
            return out
        if isinstance(node, list):
            items = [normal(item) for item in node]
            if items and all(isinstance(item, dict) and "name" in item for item in items):
                items.sort(key=lambda item: str(item["name"]))
            return items
        return node

    return {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): normal(o) for o in objects
            if o["kind"] != "Namespace" and o["metadata"].get("annotations", {}).get("helm.sh/hook") != "test"}


def one_source_differences(chart, kustomize):
    differences = [f"only in the chart: {key}" for key in sorted(set(chart) - set(kustomize))]
    differences += [f"only in kustomize: {key}" for key in sorted(set(kustomize) - set(chart))]
    for key in sorted(set(chart) & set(kustomize)):
        if chart[key] != kustomize[key]:
            a = yaml.safe_dump(kustomize[key], sort_keys=True).splitlines()
            b = yaml.safe_dump(chart[key], sort_keys=True).splitlines()
            import difflib
            differences.append(f"{key}:\n" + "\n".join(difflib.unified_diff(a, b, "kustomize", "chart", lineterm="", n=1)))
    return differences


@pytest.mark.parametrize("overlay", sorted(KUSTOMIZE_EQUIVALENTS))
def test_the_chart_and_each_kustomize_overlay_install_the_same_objects(overlay):
    chart = comparable(render_chart(merge(values_for([]), KUSTOMIZE_EQUIVALENTS[overlay])))
    kustomize = comparable(render(DEPLOY / "prescale" / overlay))
    assert one_source_differences(chart, kustomize) == []


def test_a_copy_that_drifts_from_the_other_is_caught():
    chart = comparable(render_chart(values_for([])))
    kustomize = comparable(render(DEPLOY / "prescale" / "base"))
    drifted = copy.deepcopy(kustomize)
    deployment = next(key for key in drifted if key[0] == "Deployment")
    drifted[deployment]["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["memory"] = "64Mi"
    assert any("64Mi" in line for line in one_source_differences(chart, drifted))
    service = next(key for key in drifted if key[0] == "Service")
    del drifted[service]
    assert f"only in the chart: {service}" in one_source_differences(chart, drifted)
