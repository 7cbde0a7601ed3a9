"""The runtime image scripts/build-image builds, checked from its OCI layout and started from its root
filesystem (scripts/test-image unpacks it and writes the `prescale-in-image` wrapper: a mount namespace
with the root filesystem read-only, chroot, user 65532). PRESCALE_IMAGE names the build's directory."""
import hashlib
import json
import os
import pathlib
import re
import subprocess

import pytest

from image_paths import IMAGE, ROOT, WRAPPER, ROOTFS, conformance, runtime_config



@pytest.fixture(scope="module", autouse=True)
def built():
    if not (IMAGE / "oci" / "index.json").exists() or not WRAPPER.exists():
        pytest.fail(f"no image at {IMAGE}: run scripts/test-image (it builds, unpacks and then runs these tests)")


def blob(digest):
    algorithm, value = digest.split(":")
    data = (IMAGE / "oci" / "blobs" / algorithm / value).read_bytes()
    assert hashlib.sha256(data).hexdigest() == value, f"blob {digest} does not match its digest"
    return data


def version():
    return subprocess.run([str(IMAGE / "prescale"), "--version"], capture_output=True, text=True, check=True).stdout.strip()


def manifest():
    index = json.loads((IMAGE / "oci" / "index.json").read_text())
    tagged = [m for m in index["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == version()]
    assert len(tagged) == 1, index
    return json.loads(blob(tagged[0]["digest"]))


def test_the_image_carries_the_dockerfiles_labels_user_entrypoint_and_ports():
    stage = runtime_config(ROOT / "Dockerfile")
    labels = stage["labels"]
    image = manifest()
    config = json.loads(blob(image["config"]["digest"]))
    assert config["os"] == "linux"
    assert config["config"]["Labels"] == labels
    assert labels["org.opencontainers.image.version"] == version()
    assert {k: v for k, v in image.get("annotations", {}).items() if k in labels} == labels
    assert config["config"]["User"] == stage["user"] == "65532:65532"
    assert config["config"]["Entrypoint"] == stage["entrypoint"]
    assert config["config"]["Cmd"] == stage["cmd"]
    assert set(config["config"]["ExposedPorts"]) == set(stage["ports"])
    # What the stage is read as (build-image reads it the same way): the documented ports and command.
    assert stage["entrypoint"] == ["/usr/local/bin/prescale"] and stage["cmd"] == ["serve"]
    assert set(stage["ports"]) == {"6000/tcp", "8080/tcp"}
    assert labels["org.opencontainers.image.title"] == "prescale"
    # One layer, and small: the stripped binary plus Debian's runtime libraries.
    layers = image["layers"]
    assert len(layers) == 1
    size = layers[0]["size"]
    print(f"\nimage layer: {size / 1e6:.1f} MB compressed")
    assert size < 60e6, f"the image's layer is {size / 1e6:.1f} MB"


def sections(path):
    out = subprocess.run(["readelf", "-S", "-W", str(path)], capture_output=True, text=True, check=True).stdout
    return set(re.findall(r"\]\s+(\.\S+)", out))


def test_the_binary_is_stripped_and_its_symbols_are_kept_beside_it():
    shipped = ROOTFS / "usr" / "local" / "bin" / "prescale"
    assert shipped.read_bytes() == (IMAGE / "prescale").read_bytes()
    assert ".symtab" not in sections(shipped) and ".gnu_debuglink" in sections(shipped)
    assert ".symtab" in sections(IMAGE / "prescale.debug")
    print(f"\nbinary: {shipped.stat().st_size / 1e6:.1f} MB stripped, symbols {(IMAGE / 'prescale.debug').stat().st_size / 1e6:.1f} MB")


def test_the_ca_bundle_and_the_nonroot_user_are_in_the_root_filesystem():
    bundle = (ROOTFS / "etc" / "ssl" / "certs" / "ca-certificates.crt").read_text()
    assert bundle.count("BEGIN CERTIFICATE") > 100
    assert "nonroot:x:65532:65532:" in (ROOTFS / "etc" / "passwd").read_text()
    # Nothing of apt's is left, and no shell is needed: the process is started by exec, not through one.
    assert not (ROOTFS / "var" / "lib" / "apt").exists() and not (ROOTFS / "var" / "cache" / "apt").exists()


def test_started_from_the_image_it_runs_read_only_as_nonroot_and_answers_http_and_check(monkeypatch):
    monkeypatch.setenv("PRESCALE_BIN", str(WRAPPER))
    process = conformance().ScalerProcess()
    try:
        pid = process.proc.pid
        status = pathlib.Path(f"/proc/{pid}/status").read_text()
        assert re.search(r"^Uid:\s+65532\s+65532\s+65532\s+65532$", status, flags=re.M), status
        assert re.search(r"^Gid:\s+65532\s", status, flags=re.M), status
        assert os.readlink(f"/proc/{pid}/exe").endswith("/usr/local/bin/prescale")
        root_mount = [line.split() for line in pathlib.Path(f"/proc/{pid}/mountinfo").read_text().splitlines()
                      if line.split()[4] == "/"]
        assert root_mount and "ro" in root_mount[-1][5].split(","), root_mount
        code, body = process.http("/readyz")
        assert code == 200, body
        code, body = process.http("/metrics")
        assert code == 200 and "prescale_build_info" in body, body[:500]
        assert f'version="{version()}"' in body
        # `helm test` runs `prescale check` from the same image: it answers as KEDA expects.
        run = subprocess.run([str(WRAPPER), "check", f"--address={process.target}"], capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        assert process.terminate() == 0, process.output()[-2000:]
    finally:
        process.kill()
