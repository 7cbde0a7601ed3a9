"""`prescale check`, the chart's `helm test`: it calls a running server as KEDA does and exits 0 only when the
answers are right; it fails, naming the gRPC status, against a server that refuses it (no client
certificate under mTLS, a wrong CA) or when nothing listens, and refuses bad flags naming them."""
import subprocess

from conftest import ScalerProcess, free_port
from test_tls import PKI


def check(binary, *args):
    return subprocess.run([str(binary), "check", *args], capture_output=True, text=True, timeout=60)


def test_check_passes_against_a_plaintext_server(binary, shared_scaler):
    run = check(binary, f"--address={shared_scaler.target}")
    assert run.returncode == 0, run.stderr
    assert "GetMetricSpec:" in run.stdout and "GetMetrics:" in run.stdout and "IsActive: true" in run.stdout
    assert "answers as KEDA expects" in run.stdout
    # The check's trigger is a real registration, visible like KEDA's own.
    assert 'scaledobject="prescale-check"' in shared_scaler.http("/metrics")[1]


def test_check_fails_when_nothing_listens(binary):
    run = check(binary, f"--address=127.0.0.1:{free_port()}", "--timeout=3")
    assert run.returncode == 1
    assert "unavailable" in run.stderr.lower(), run.stderr


def test_check_speaks_mutual_tls_and_fails_without_the_client_certificate(binary, tmp_path):
    pki = PKI(tmp_path)
    pki.ca("ca")
    pki.ca("clients")
    pki.ca("other")
    cert, key = pki.issue("ca", "server")
    client_cert, client_key = pki.issue("clients", "check", server=False)
    scaler = ScalerProcess(f"--tls-cert={cert}", f"--tls-key={key}", f"--tls-client-ca={tmp_path / 'clients.pem'}")
    try:
        ok = check(binary, f"--address={scaler.target}", f"--tls-ca={tmp_path / 'ca.pem'}", f"--tls-cert={client_cert}",
                   f"--tls-key={client_key}", "--tls-server-name=localhost", "--timeout=5")
        assert ok.returncode == 0, ok.stderr
        without = check(binary, f"--address={scaler.target}", f"--tls-ca={tmp_path / 'ca.pem'}", "--tls-server-name=localhost",
                        "--timeout=5")
        assert without.returncode == 1 and "unavailable" in without.stderr.lower(), without.stderr
        wrong_ca = check(binary, f"--address={scaler.target}", f"--tls-ca={tmp_path / 'other.pem'}", f"--tls-cert={client_cert}",
                         f"--tls-key={client_key}", "--tls-server-name=localhost", "--timeout=5")
        assert wrong_ca.returncode == 1 and "unavailable" in wrong_ca.stderr.lower(), wrong_ca.stderr
        plain = check(binary, f"--address={scaler.target}", "--timeout=5")
        assert plain.returncode == 1, plain.stdout
    finally:
        scaler.kill()


def test_check_verifies_the_server_name_it_is_given(binary, tmp_path):
    """A server certificate for one DNS name only (no IP address, which TLS libraries also accept): the
    address alone does not match it, --tls-server-name with that name does, and another name does not."""
    pki = PKI(tmp_path)
    pki.ca("ca")
    key, csr, cert = tmp_path / "named.key", tmp_path / "named.csr", tmp_path / "named.pem"
    (tmp_path / "named.ext").write_text("subjectAltName=DNS:scaler.example\n")
    pki.run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=scaler.example")
    pki.run("x509", "-req", "-in", csr, "-CA", tmp_path / "ca.pem", "-CAkey", tmp_path / "ca.key", "-CAcreateserial",
            "-out", cert, "-days", "2", "-extfile", tmp_path / "named.ext")
    scaler = ScalerProcess(f"--tls-cert={cert}", f"--tls-key={key}")
    try:
        base = [f"--address={scaler.target}", f"--tls-ca={tmp_path / 'ca.pem'}", "--timeout=5"]
        assert check(binary, *base, "--tls-server-name=scaler.example").returncode == 0
        assert check(binary, *base).returncode == 1
        assert check(binary, *base, "--tls-server-name=elsewhere.example").returncode == 1
    finally:
        scaler.kill()


def test_bad_check_flags_are_refused_naming_them(binary, tmp_path):
    for args, flag in [
        (["--address=nohost"], "--address"),
        (["--address=127.0.0.1:70000"], "--address"),
        (["--address=127.0.0.1:6000", "--timeout=0"], "--timeout"),
        (["--address=127.0.0.1:6000", f"--tls-ca={tmp_path / 'missing.pem'}"], "--tls-ca"),
        (["--address=127.0.0.1:6000", f"--tls-cert={tmp_path / 'c.pem'}"], "--tls-cert"),
    ]:
        run = check(binary, *args)
        assert run.returncode != 0 and flag in run.stderr, (args, run.stderr)
