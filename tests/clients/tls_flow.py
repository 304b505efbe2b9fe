"""HTTPS served by Tessera itself, with a certificate per custom domain.

The script makes a test CA and three certificates with `cryptography` (the server's, for
127.0.0.1 and localhost; one for each of two custom domains), starts its own Tessera
(`TESSERA_BIN`, `DATABASE_URL`) with TESSERA_TLS_CERT / TESSERA_TLS_KEY, the domains'
certificates in TESSERA_TLS_DIR as `{domain}.crt` / `.key`, and TESSERA_HTTP_LISTEN, and
checks with Python's `ssl` (trusting only the test CA):
  1. boto3 over HTTPS creates two pools, each with its custom domain;
  2. a handshake naming each domain (SNI) gets that domain's certificate, which verifies for
     it; another name gets the server's certificate; responses carry HSTS;
  3. the first domain's certificate replaced on disk is served within seconds, no restart;
  4. the plain-HTTP listener answers every request with a redirect to the same URL over HTTPS.

Prints "tls: N passed, M failed" and exits 1 if anything failed.
"""

import datetime
import os
import shutil
import socket
import ssl
import sys
import tempfile
import time
import urllib.request

import boto3
import botocore.config
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from flow_kit import Steps, Tessera, expect, free_port

ADMIN_KEY = ("AKIATLSFLOWTEST00001", "tls-flow-test-secret-key-00000000000000")
ALPHA, BETA = "login.alpha.test", "login.beta.test"

suite = Steps()
state = suite.state
need = suite.need


class CA:
    """A test certificate authority issuing leaf certificates."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tessera test CA")])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.name = name
        self.cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(hours=1))
                     .not_valid_after(now + datetime.timedelta(days=1))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .sign(self.key, hashes.SHA256()))

    def pem(self):
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def issue(self, names, ips=()):
        """A certificate for `names` (the first is the common name): (cert PEM, key PEM, serial)."""
        import ipaddress
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        serial = x509.random_serial_number()
        alt = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
                .issuer_name(self.name).public_key(key.public_key()).serial_number(serial)
                .not_valid_before(now - datetime.timedelta(hours=1))
                .not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.SubjectAlternativeName(alt), critical=False)
                .sign(self.key, hashes.SHA256()))
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        return cert.public_bytes(serialization.Encoding.PEM), key_pem, serial


def write_pair(directory, stem, pair):
    """Writes a certificate and key as a renewal would: each file replaced whole."""
    cert, key, _ = pair
    for suffix, data in ((".key", key), (".crt", cert)):
        path = os.path.join(directory, stem + suffix)
        with open(path + ".tmp", "wb") as f:
            f.write(data)
        os.replace(path + ".tmp", path)


def handshake(port, context, server_name):
    """The serial of the certificate the server presents for `server_name`, verified."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=server_name) as tls:
            der = tls.getpeercert(binary_form=True)
            request = f"GET /health HTTP/1.1\r\nHost: {server_name}\r\nConnection: close\r\n\r\n"
            tls.sendall(request.encode())
            answer = b""
            while chunk := tls.recv(4096):
                answer += chunk
    return x509.load_der_x509_certificate(der).serial_number, answer.decode(errors="replace")


def main():
    started = time.time()
    workdir = tempfile.mkdtemp(prefix="tessera-tls-")
    ca = CA()
    ca_file = os.path.join(workdir, "ca.pem")
    with open(ca_file, "wb") as f:
        f.write(ca.pem())
    server = ca.issue(["localhost"], ips=["127.0.0.1"])
    tls_dir = os.path.join(workdir, "tls")
    os.makedirs(tls_dir)
    write_pair(workdir, "server", server)
    alpha, beta = ca.issue([ALPHA]), ca.issue([BETA])
    write_pair(tls_dir, ALPHA, alpha)
    write_pair(tls_dir, BETA, beta)
    context = ssl.create_default_context(cafile=ca_file)
    http_port = free_port()
    tessera = Tessera(ADMIN_KEY, prefix="tessera-tls-", tls_context=context, env={
        "TESSERA_TLS_CERT": os.path.join(workdir, "server.crt"),
        "TESSERA_TLS_KEY": os.path.join(workdir, "server.key"),
        "TESSERA_TLS_DIR": tls_dir,
        "TESSERA_HTTP_LISTEN": f"127.0.0.1:{http_port}",
    })
    port = tessera.port
    database = "postgres" if (os.environ.get("DATABASE_URL") or "").startswith("postgres") else "sqlite"
    print(f"tls: Tessera at {tessera.url} on {database}, plain HTTP on {http_port}")
    admin = boto3.client("cognito-idp", endpoint_url=tessera.url, region_name="local", verify=ca_file,
                         aws_access_key_id=ADMIN_KEY[0], aws_secret_access_key=ADMIN_KEY[1],
                         config=botocore.config.Config(retries={"max_attempts": 1}))

    def domains():
        for domain in (ALPHA, BETA):
            pool = admin.create_user_pool(PoolName=domain)["UserPool"]["Id"]
            admin.create_user_pool_domain(
                UserPoolId=pool, Domain=domain,
                CustomDomainConfig={"CertificateArn": f"arn:aws:acm:us-east-1:000000000000:certificate/{domain}"})
            described = admin.describe_user_pool_domain(Domain=domain)["DomainDescription"]
            expect(described.get("UserPoolId") == pool, f"DescribeUserPoolDomain {described}")
            state["pool"] = pool

    def each_domain_its_certificate():
        need("pool")
        for name, (_, _, serial) in ((ALPHA, alpha), (BETA, beta)):
            got, answer = handshake(port, context, name)
            expect(got == serial, f"{name} got certificate {got}, not its own {serial}")
            expect(" 200 " in answer.splitlines()[0], f"{name}: {answer.splitlines()[:1]}")
            expect("strict-transport-security: max-age=31536000" in answer.lower(), f"no HSTS: {answer[:400]}")
        got, _ = handshake(port, context, "localhost")
        expect(got == server[2], "another name did not get the server's certificate")

    def renewed_without_restart():
        renewed = ca.issue([ALPHA])
        write_pair(tls_dir, ALPHA, renewed)
        deadline = time.time() + 15
        got = None
        while time.time() < deadline:
            got, _ = handshake(port, context, ALPHA)
            if got == renewed[2]:
                break
            time.sleep(0.5)
        expect(got == renewed[2], f"still serving {got} 15 s after the renewal")
        got, _ = handshake(port, context, BETA)
        expect(got == beta[2], "the other domain's certificate changed")
        expect(tessera.process.poll() is None, "the server stopped")

    def plain_http_redirects():
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None
        opener = urllib.request.build_opener(NoRedirect)
        request = urllib.request.Request(f"http://127.0.0.1:{http_port}/health?x=1", headers={"Host": ALPHA})
        try:
            opener.open(request)
        except urllib.error.HTTPError as e:
            expect(e.code == 308, f"plain HTTP answered {e.code}")
            location = e.headers.get("Location")
            expect(location == f"https://{ALPHA}:{port}/health?x=1", f"Location {location}")
        else:
            raise AssertionError("plain HTTP answered without a redirect")

    try:
        for name, fn in [
            ("boto3 over HTTPS: two pools, each with its custom domain", domains),
            ("SNI: each domain its own certificate, another name the server's; HSTS", each_domain_its_certificate),
            ("a renewed certificate on disk is served without a restart", renewed_without_restart),
            ("plain HTTP redirects to the same URL over HTTPS (308)", plain_http_redirects),
        ]:
            suite.run(name, fn)
    finally:
        tessera_log = tessera.log_tail() if suite.failed else ""
        tessera.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    if suite.failed:
        print(f"---- last lines of the Tessera log:\n{tessera_log}")
    print(f"tls: {suite.passed} passed, {suite.failed} failed ({database}, {time.time() - started:.0f} s)")
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
