"""The project's own Neo4j 5.26 Community server, provisioned from Maven Central.

No Docker and no download from neo4j.com: `pom.xml` beside this file pins the
community server (`org.neo4j:neo4j`, which brings Bolt, Cypher and the HTTP
server), APOC core and Neo4j Browser; Maven copies their jars into the
git-ignored server folder (`$RINGSCOPE_HOME/neo4j`). We then write the config
ourselves and fork the JVM the way Neo4j's own launcher would.

Layout of the server folder::

    lib/ plugins/        jars (from the manifest; refreshed when pom.xml changes)
    conf/neo4j.conf      written on every start from Settings
    data/ logs/ run/     store, logs (console.log, neo4j.log), pid file
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..config import LocalServer, Settings
from ..errors import RingScopeError

#: The Maven manifest pinning the server's jars: package data of ringscope.server. Maven
#: needs a real file; pip installs wheels unzipped, so files() is a Path here.
MANIFEST = Path(str(resources.files("ringscope.server") / "pom.xml"))
MAIN_CLASS = "org.neo4j.server.CommunityEntryPoint"
ADMIN_CLASS = "org.neo4j.cli.AdminTool"
MIN_JAVA = 17

# What Neo4j 5.x's launcher adds on Java 17 (without them Netty and the page
# cache fail with InaccessibleObjectException).
JVM_FLAGS = [
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-Dlog4j2.disable.jmx=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
]


#: Every IPv4 and IPv6 address: Cypher (LOAD CSV, APOC's loaders) may fetch no URL at all.
CYPHER_IP_BLOCKLIST = "0.0.0.0/0,::/0"
#: The APOC procedures and functions RingScope's stored queries call (tests/test_auth_network.py
#: checks this list against cypher/); nothing else of APOC is loaded.
APOC_USED = (
    "apoc.convert.toJson", "apoc.map.fromPairs", "apoc.meta.stats", "apoc.text.regreplace",
    "apoc.util.md5", "apoc.warmup.run",
)
#: Of those, the ones that reach below Neo4j's procedure API and refuse to run otherwise.
APOC_UNRESTRICTED = ("apoc.meta.stats", "apoc.warmup.run")
#: APOC's own file and URL settings, written to conf/apoc.conf (the defaults, stated).
APOC_SETTINGS = {
    "apoc.import.file.enabled": "false",
    "apoc.import.file.use_neo4j_config": "true",
    "apoc.export.file.enabled": "false",
}


class ServerError(RingScopeError):
    """The local server could not be provisioned, started or stopped."""


@dataclass
class ServerPaths:
    home: Path

    @property
    def lib(self) -> Path:
        return self.home / "lib"

    @property
    def plugins(self) -> Path:
        return self.home / "plugins"

    @property
    def conf(self) -> Path:
        return self.home / "conf"

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def pid_file(self) -> Path:
        return self.home / "run" / "neo4j.pid"

    @property
    def console_log(self) -> Path:
        return self.logs / "console.log"

    @property
    def stamp(self) -> Path:
        return self.home / ".manifest-sha256"


# ---------------------------------------------------------------- prerequisites

def java_version(java: str = "java") -> int:
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        raise ServerError("Java not found: install a JDK 17+ (e.g. `apt-get install openjdk-17-jre-headless`) or put `java` on PATH") from None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not m:
        raise ServerError(f"could not read the Java version from `{java} -version`: check your JDK install")
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


def check_prerequisites() -> None:
    major = java_version(_java())
    if major < MIN_JAVA:
        raise ServerError(f"Java {major} found, Neo4j 5.26 needs Java {MIN_JAVA}+: install a newer JDK or set JAVA_HOME")


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    return shutil.which("java") or "java"


# ---------------------------------------------------------------- provisioning

def manifest_digest() -> str:
    return hashlib.sha256(MANIFEST.read_bytes()).hexdigest()


def is_provisioned(paths: ServerPaths) -> bool:
    return (
        paths.stamp.is_file()
        and paths.stamp.read_text().strip() == manifest_digest()
        and any(paths.lib.glob("neo4j-server-*.jar"))
    )


def provision(paths: ServerPaths, *, echo=print) -> bool:
    """Resolve the pinned jars into the server folder. Returns True when it did work."""
    if is_provisioned(paths):
        return False
    mvn = shutil.which("mvn")
    if not mvn:
        raise ServerError("Maven not found: install it (e.g. `apt-get install maven`); it fetches Neo4j's jars from Maven Central")
    echo(f"provisioning Neo4j from Maven Central into {paths.home} (first run only) ...")
    for folder in (paths.lib, paths.plugins):
        if folder.exists():
            shutil.rmtree(folder)
    paths.home.mkdir(parents=True, exist_ok=True)
    log = paths.home / "provision.log"
    cmd = [mvn, "-B", "-q", "-f", str(MANIFEST), "package", f"-Dringscope.home={paths.home}"]
    with log.open("w") as fh:
        proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise ServerError(f"Maven could not fetch Neo4j's jars (exit {proc.returncode}): see {log}; check access to Maven Central")
    paths.stamp.write_text(manifest_digest())
    return True


# ---------------------------------------------------------------- config

def render_config(local: LocalServer, paths: ServerPaths) -> str:
    return "\n".join(
        [
            "# Written by RingScope on every `ringscope db start`: edit .env, not this file.",
            "server.default_listen_address=127.0.0.1",
            f"server.bolt.listen_address=127.0.0.1:{local.bolt_port}",
            "server.bolt.enabled=true",
            f"server.http.listen_address=127.0.0.1:{local.http_port}",
            "server.http.enabled=true",
            "server.https.enabled=false",
            f"server.directories.data={paths.data}",
            f"server.directories.logs={paths.logs}",
            f"server.directories.plugins={paths.plugins}",
            f"server.directories.import={paths.home / 'import'}",
            f"server.memory.heap.initial_size={local.heap}",
            f"server.memory.heap.max_size={local.heap}",
            f"server.memory.pagecache.size={local.pagecache}",
            "dbms.security.auth_enabled=true",
            # Any Cypher the console runs, even in a read transaction, could make the server
            # fetch a URL (LOAD CSV, APOC loaders) and read the answer: a cloud metadata
            # endpoint, an admin port. Block every address for Cypher's outgoing requests,
            # no file URLs either (nothing of RingScope loads CSV), and load only the APOC
            # procedures RingScope calls (apoc.load.* is then not even registered).
            f"internal.dbms.cypher_ip_blocklist={CYPHER_IP_BLOCKLIST}",
            "dbms.security.allow_csv_import_from_file_urls=false",
            f"dbms.security.procedures.unrestricted={','.join(APOC_UNRESTRICTED)}",
            f"dbms.security.procedures.allowlist={','.join(APOC_USED)}",
            "dbms.usage_report.enabled=false",
            # Analysts' console queries carry their own timeout; this is the server-wide backstop.
            "db.transaction.timeout=0",
            "",
        ]
    )


def render_apoc_config() -> str:
    """conf/apoc.conf: APOC 5 reads its own settings only from there (or the environment)."""
    return "\n".join(["# Written by RingScope on every `ringscope db start`.",
                      *(f"{key}={value}" for key, value in APOC_SETTINGS.items()), ""])


def write_config(local: LocalServer, paths: ServerPaths) -> None:
    for folder in (paths.conf, paths.data, paths.logs, paths.pid_file.parent, paths.home / "import"):
        folder.mkdir(parents=True, exist_ok=True)
    (paths.conf / "neo4j.conf").write_text(render_config(local, paths))
    (paths.conf / "apoc.conf").write_text(render_apoc_config())


def _admin(paths: ServerPaths, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, NEO4J_HOME=str(paths.home), NEO4J_CONF=str(paths.conf))
    paths.logs.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [_java(), "-cp", f"{paths.lib}/*", ADMIN_CLASS, *args],
        env=env,
        capture_output=True,
        text=True,
        # neo4j-admin writes side files (import.report) into its working directory:
        # keep them in the server's logs, not wherever the user ran the command.
        cwd=paths.logs,
    )


def set_initial_password(paths: ServerPaths, password: str) -> None:
    """Only before the first start: afterwards the password lives in the system database."""
    if (paths.data / "databases" / "system").exists():
        return
    if len(password) < 8:
        raise ServerError("NEO4J_PASSWORD must be at least 8 characters for the local server: change it in .env")
    proc = _admin(paths, "dbms", "set-initial-password", password)
    if proc.returncode != 0:
        raise ServerError(f"could not set the initial password: {(proc.stderr or proc.stdout).strip().splitlines()[-1:]}")


# ---------------------------------------------------------------- process

def read_pid(paths: ServerPaths) -> int | None:
    try:
        pid = int(paths.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _alive(pid) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our own exited child not yet reaped) is not alive.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        return state != "Z"
    except OSError:
        return True


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _last_error(paths: ServerPaths) -> str:
    for log in (paths.console_log, paths.logs / "neo4j.log"):
        try:
            lines = log.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            continue
        for line in reversed(lines):
            if " ERROR " in line or "Exception" in line or "Error:" in line:
                return line.strip()[:300]
    return "no error line in the log"


def start(settings: Settings, *, timeout: float = 180, echo=print) -> dict:
    """Provision (first run), configure and start the local server; wait for Bolt.

    Idempotent: a server already running from this folder is left as it is.
    Returns {"pid", "provisioned", "seconds", "already_running"}.
    """
    local = settings.local
    paths = ServerPaths(local.home)
    began = time.monotonic()
    pid = read_pid(paths)
    if pid is not None:
        if _bolt_ready(settings, timeout=timeout, pid=pid, paths=paths):
            return {"pid": pid, "provisioned": False, "seconds": time.monotonic() - began, "already_running": True}
    check_prerequisites()
    provisioned = provision(paths, echo=echo)
    for name, port in (("Bolt", local.bolt_port), ("HTTP", local.http_port)):
        if not port_is_free(port):
            env_key = "RINGSCOPE_BOLT_PORT" if name == "Bolt" else "RINGSCOPE_HTTP_PORT"
            raise ServerError(
                f"port {port} ({name}) is already taken by another process: stop it, or set {env_key} to a free port in .env"
            )
    write_config(local, paths)
    set_initial_password(paths, settings.password)
    cmd = [
        _java(),
        f"-Xms{local.heap}",
        f"-Xmx{local.heap}",
        *JVM_FLAGS,
        "-cp",
        f"{paths.plugins}/*:{paths.conf}/*:{paths.lib}/*",
        MAIN_CLASS,
        f"--home-dir={paths.home}",
        f"--config-dir={paths.conf}",
        "--console-mode",
    ]
    env = dict(os.environ, NEO4J_HOME=str(paths.home), NEO4J_CONF=str(paths.conf))
    with paths.console_log.open("ab") as log:
        proc = subprocess.Popen(
            cmd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=paths.home,
            env=env,
            start_new_session=True,  # survives the CLI; `db stop` ends it
        )
    paths.pid_file.write_text(str(proc.pid))
    try:
        ready = _bolt_ready(settings, timeout=timeout, pid=proc.pid, paths=paths)
    except ServerError as exc:
        # the server answered but refuses our settings (password, database): a failed start
        # leaves nothing running, so the fix the message asks for (edit .env, or delete the
        # store) is made on a stopped server
        if proc.poll() is None:
            stop(settings)
        raise ServerError(f"{exc} (the server this start launched was stopped)") from None
    if not ready:
        if proc.poll() is None:
            stop(settings)
            raise ServerError(f"Neo4j did not answer on Bolt within {timeout:.0f}s: see {paths.console_log}")
        raise ServerError(f"Neo4j exited on start (code {proc.returncode}): {_last_error(paths)} — full log: {paths.console_log}")
    return {"pid": proc.pid, "provisioned": provisioned, "seconds": time.monotonic() - began, "already_running": False}


def _bolt_ready(settings: Settings, *, timeout: float, pid: int, paths: ServerPaths) -> bool:
    """Wait until a Bolt session with our credentials works, or the process dies.

    Only "not up yet" errors (connection refused or dropped, the database still starting)
    are waited out; anything the server answers definitely (wrong password, no such
    database, a refused setting) is raised at once as ServerError, not after the time-out.
    """
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError, ClientError, ServiceUnavailable, SessionExpired, TransientError

    deadline = time.monotonic() + timeout
    uri = settings.local.bolt_uri
    while time.monotonic() < deadline:
        if not _alive(pid):
            return False
        if port_answers(settings.local.bolt_port):
            try:
                with GraphDatabase.driver(uri, auth=(settings.user, settings.password), connection_timeout=3) as driver:
                    driver.verify_connectivity()
                    with driver.session(database=settings.database) as s:
                        s.run("RETURN 1").consume()
                return True
            except AuthError:
                raise ServerError(
                    f"the local server at {uri} refuses NEO4J_PASSWORD: it was set on first start; "
                    f"put that password in .env, or delete {paths.data} to start afresh"
                ) from None
            except (ServiceUnavailable, SessionExpired, TransientError, OSError):
                pass  # still starting
            except ClientError as exc:
                if exc.code and exc.code.endswith("DatabaseNotFound"):
                    raise ServerError(
                        f"the local server has no database {settings.database!r} (Community edition serves one, "
                        "'neo4j'): fix NEO4J_DATABASE in .env"
                    ) from None
                raise ServerError(f"the local server at {uri} refused a first query: {exc.code}: {str(exc.message).splitlines()[0]}") from None
        time.sleep(0.5)
    return False


def stop(settings: Settings, *, timeout: float = 60) -> bool:
    """Stop the local server. Returns False when it was not running."""
    paths = ServerPaths(settings.local.home)
    pid = read_pid(paths)
    if pid is None:
        paths.pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.3)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
        while _alive(pid):
            time.sleep(0.1)
    paths.pid_file.unlink(missing_ok=True)
    return True


def store_size_bytes(paths: ServerPaths) -> int:
    total = 0
    for root, _dirs, files in os.walk(paths.data):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total


def process_rss_bytes(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


if __name__ == "__main__":  # pragma: no cover - debugging aid
    sys.exit("use `ringscope db start|stop|status`")
