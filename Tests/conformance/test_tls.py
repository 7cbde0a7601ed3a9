"""TLS and mutual TLS between KEDA and Prescale: the binary with --tls-cert/--tls-key(/--tls-client-ca), called
from Python's grpcio with certificates made at test time by openssl."""
import pathlib
import shutil
import subprocess
import re

import grpc
import pytest

from conftest import ScalerProcess, wait_for
from test_externalscaler import ref

STATIC = {"scalerAddress": "prescale:6000", "source": "static", "value": "25", "target": "10"}


class PKI:
    """A CA per name, and certificates it signs, in one directory."""

    def __init__(self, directory: pathlib.Path):
        self.dir = directory

    def run(self, *args):
        subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)

    def ca(self, name):
        key, cert = self.dir / f"{name}.key", self.dir / f"{name}.pem"
        self.run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", f"/CN={name}")
        return cert

    def issue(self, ca, name, server=True):
        key, csr, cert = self.dir / f"{name}.key", self.dir / f"{name}.csr", self.dir / f"{name}.pem"
        ext = self.dir / f"{name}.ext"
        ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n" if server else "extendedKeyUsage=clientAuth\n")
        self.run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={name}")
        self.run("x509", "-req", "-in", csr, "-CA", self.dir / f"{ca}.pem", "-CAkey", self.dir / f"{ca}.key", "-CAcreateserial",
                 "-out", cert, "-days", "2", "-extfile", ext)
        return cert, key


@pytest.fixture
def pki(tmp_path):
    return PKI(tmp_path)


def secure_stub(pb, target, ca, client=None):
    credentials = grpc.ssl_channel_credentials(
        root_certificates=pathlib.Path(ca).read_bytes(),
        private_key=pathlib.Path(client[1]).read_bytes() if client else None,
        certificate_chain=pathlib.Path(client[0]).read_bytes() if client else None,
    )
    channel = grpc.secure_channel(target, credentials)
    return channel, pb[1].ExternalScalerStub(channel)


def answers(pb, stub):
    try:
        return stub.GetMetricSpec(ref(pb, STATIC), timeout=5).metricSpecs[0].targetSizeFloat == 10.0
    except grpc.RpcError as error:
        return error.code()


def test_tls_refuses_plaintext_and_a_wrong_ca_and_accepts_the_right_ca(pb, pki):
    pki.ca("ca")
    pki.ca("other")
    cert, key = pki.issue("ca", "server")
    scaler = ScalerProcess(f"--tls-cert={cert}", f"--tls-key={key}")
    try:
        _, right = secure_stub(pb, scaler.target, pki.dir / "ca.pem")
        assert answers(pb, right) is True
        _, wrong = secure_stub(pb, scaler.target, pki.dir / "other.pem")
        assert answers(pb, wrong) == grpc.StatusCode.UNAVAILABLE
        plain = pb[1].ExternalScalerStub(grpc.insecure_channel(scaler.target))
        assert answers(pb, plain) == grpc.StatusCode.UNAVAILABLE
        assert "gRPC listener uses TLS" in scaler.output()
    finally:
        scaler.kill()


def test_mtls_requires_a_client_certificate_signed_by_the_client_ca(pb, pki):
    pki.ca("ca")
    pki.ca("clients")
    pki.ca("rogue")
    cert, key = pki.issue("ca", "server")
    keda = pki.issue("clients", "keda", server=False)
    rogue = pki.issue("rogue", "intruder", server=False)
    scaler = ScalerProcess(f"--tls-cert={cert}", f"--tls-key={key}", f"--tls-client-ca={pki.dir / 'clients.pem'}")
    try:
        _, without = secure_stub(pb, scaler.target, pki.dir / "ca.pem")
        assert answers(pb, without) == grpc.StatusCode.UNAVAILABLE
        _, wrong = secure_stub(pb, scaler.target, pki.dir / "ca.pem", client=rogue)
        assert answers(pb, wrong) == grpc.StatusCode.UNAVAILABLE
        _, right = secure_stub(pb, scaler.target, pki.dir / "ca.pem", client=keda)
        assert answers(pb, right) is True
        assert "mutual TLS" in scaler.output()
    finally:
        scaler.kill()


def serve_reloading(pki):
    """A scaler serving a copy of a pair issued by CA "ca", re-reading the copy every second."""
    pki.ca("ca")
    first_cert, first_key = pki.issue("ca", "first")
    cert, key = pki.dir / "tls.crt", pki.dir / "tls.key"
    shutil.copy(first_cert, cert)
    shutil.copy(first_key, key)
    return ScalerProcess(f"--tls-cert={cert}", f"--tls-key={key}", "--tls-reload-interval=1"), cert, key


def test_a_rotated_certificate_is_served_to_new_connections_without_a_restart(pb, pki):
    pki.ca("next")
    scaler, cert, key = serve_reloading(pki)
    try:
        old_channel, old = secure_stub(pb, scaler.target, pki.dir / "ca.pem")
        assert answers(pb, old) is True
        # cert-manager renews: a certificate from another CA replaces the files (key first, as a rename would).
        next_cert, next_key = pki.issue("next", "second")
        shutil.copy(next_key, key)
        shutil.copy(next_cert, cert)
        def served_new():
            channel, new = secure_stub(pb, scaler.target, pki.dir / "next.pem")
            result = answers(pb, new)
            channel.close()
            return result is True or None

        wait_for("the new certificate is served", served_new, timeout=20, interval=0.3)
        # The connection made before the rotation still works.
        assert answers(pb, old) is True
        _, stale = secure_stub(pb, scaler.target, pki.dir / "ca.pem")
        assert answers(pb, stale) == grpc.StatusCode.UNAVAILABLE
        assert scaler.proc.poll() is None
        assert "TLS certificate reloaded" in scaler.output()
    finally:
        scaler.kill()


def test_a_certificate_file_that_fails_to_load_keeps_the_previous_pair(pb, pki):
    scaler, cert, _ = serve_reloading(pki)
    try:
        # A rotation caught half-written: the certificate file is not PEM.
        cert.write_text("-----BEGIN CERTIFICATE-----\nnot a certificate\n")
        wait_for("the failed reload is logged",
                 lambda: "TLS certificate reload failed; still serving the previous one" in scaler.output(), timeout=20, interval=0.1)
        # New connections still get the previous certificate, and the process keeps serving.
        channel, fresh = secure_stub(pb, scaler.target, pki.dir / "ca.pem")
        assert answers(pb, fresh) is True
        channel.close()
        assert scaler.proc.poll() is None
        # On /metrics for the PrescaleTLSReloadFailing alert.
        failures = re.search(r"^prescale_tls_reload_failures_total (\S+)$", scaler.http("/metrics")[1], re.M)
        assert failures and float(failures.group(1)) >= 1
    finally:
        scaler.kill()


def test_bad_tls_flags_name_the_flag(binary, pki):
    def serve(*args):
        return subprocess.run([str(binary), "serve", "--grpc-address=127.0.0.1:0", "--http-address=127.0.0.1:0", *args],
                              capture_output=True, text=True, timeout=30)

    only_cert = serve("--tls-cert=/nonexistent.pem")
    assert only_cert.returncode == 1 and "--tls-cert" in only_cert.stderr and "only together with --tls-key" in only_cert.stderr
    missing = serve("--tls-cert=/nonexistent.pem", "--tls-key=/nonexistent.key")
    assert missing.returncode == 1 and "--tls-cert/--tls-key" in missing.stderr
    pki.ca("ca")
    cert, key = pki.issue("ca", "server")
    bad_ca = serve(f"--tls-cert={cert}", f"--tls-key={key}", "--tls-client-ca=/nonexistent-ca.pem")
    assert bad_ca.returncode == 1 and "--tls-client-ca" in bad_ca.stderr
