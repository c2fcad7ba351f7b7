"""Helpers of scripts/bench.py: measuring one command alone, and the processes and folders the
bench starts and makes (the emulator, nginx, temporary trees), all stopped and removed at the end.

Peak RSS comes from GNU time (`/usr/bin/time -f %M`): time forks the command while time itself is
small (about 1-2 MiB), so its child's `ru_maxrss` is the command's own peak. A child forked by
this Python process directly would report the Python process's RSS at fork (100+ MiB after
building a 100,000-entry tree) whatever the command did; `wait4` on it cannot tell them apart.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from typing import NamedTuple

TIME = "/usr/bin/time"
NGINX_CANDIDATES = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx", "/usr/local/bin/nginx"]

_children = []  # every Popen started here, stopped by stop_all()
_folders = []  # every temporary folder made here, removed by remove_all()


class Measured(NamedTuple):
    wall: float  # seconds, monotonic clock around the command (time's exec adds about 1 ms)
    cpu: float  # user + system seconds of the command (plus time's own, well under 1 ms)
    rss: float  # peak RSS of the command alone, MiB
    code: int  # the command's exit code (128 + N when killed by signal N)
    err: str  # the command's stderr


def check_time():
    """Raises SystemExit with what to install when GNU time is missing or is not GNU time."""
    why = None
    if not os.access(TIME, os.X_OK):
        why = f"{TIME} is missing"
    else:
        with tempfile.NamedTemporaryFile(prefix="swapsync-bench-time-") as report:
            done = subprocess.run([TIME, "-f", "%M", "-o", report.name, "true"], capture_output=True)
            text = open(report.name).read().strip()
            if done.returncode != 0 or not text.splitlines() or not text.splitlines()[-1].isdigit():
                why = f"{TIME} is not GNU time (it did not write %M to -o)"
    if why:
        raise SystemExit(f"bench: {why}; it measures peak RSS. Install the Debian package `time` "
                         "(scripts/install-deps.sh does; `make bench` runs it).")


def measure(cmd, cwd, env=None):
    """Runs cmd under GNU time and returns its Measured figures. The command runs in its own
    session; if the bench is interrupted meanwhile, that whole session is killed."""
    report = scratch_file("time")
    errors = scratch_file("stderr")
    try:
        with open(errors, "wb") as err_file:
            started = time.monotonic()
            proc = subprocess.Popen([TIME, "-f", "%M", "-o", report, *cmd], cwd=cwd, env=env,
                                    stdout=subprocess.DEVNULL, stderr=err_file, start_new_session=True)
            try:
                # time's rusage from wait4 includes its reaped child's CPU; its ru_maxrss would
                # not help (the max of time's own and the child's), so RSS comes from time's -o.
                _, status, usage = os.wait4(proc.pid, 0)
            except BaseException:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
                raise
            wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        # When the command fails, time writes "Command exited with non-zero status N" first.
        lines = [text for text in open(report).read().splitlines() if text.strip()]
        rss = int(lines[-1]) / 1024 if lines and lines[-1].strip().isdigit() else float("nan")
        err = open(errors, "rb").read().decode(errors="replace")
    finally:
        os.unlink(report)
        os.unlink(errors)
    return Measured(wall, usage.ru_utime + usage.ru_stime, rss, proc.returncode, err)


def own_rss_mib():
    """This Python process's current RSS in MiB (to show it does not leak into the figures)."""
    with open("/proc/self/status") as status:
        for text in status:
            if text.startswith("VmRSS:"):
                return int(text.split()[1]) / 1024
    return float("nan")


def scratch(prefix):
    """A new temporary folder, removed by remove_all()."""
    folder = tempfile.mkdtemp(prefix=f"swapsync-bench-{prefix}-")
    _folders.append(folder)
    return folder


def scratch_file(prefix):
    descriptor, path = tempfile.mkstemp(prefix=f"swapsync-bench-{prefix}-")
    os.close(descriptor)
    return path


def remove(folder):
    shutil.rmtree(folder, ignore_errors=True)
    if folder in _folders:
        _folders.remove(folder)


def remove_all():
    for folder in list(_folders):
        remove(folder)


def start(cmd, **options):
    """Starts a long-running child in its own session; stop_all() ends it."""
    proc = subprocess.Popen(cmd, start_new_session=True, **options)
    _children.append(proc)
    return proc


def stop(proc, grace=5.0):
    """SIGTERM, then SIGKILL after `grace` seconds; reaps the child. Only this pid is signalled."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream:
            stream.close()
    if proc in _children:
        _children.remove(proc)


def stop_all():
    for proc in list(_children):
        stop(proc)


def cpu_seconds(pid):
    """User + system CPU of a running process so far (Linux /proc), or NaN."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def http(method, url, body=None, headers=None, timeout=60):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return answer.read()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def can_connect(port):
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Emulator:
    """The release ttapi-emulator on a free loopback port."""

    def __init__(self, binary, key, *args):
        self.key = key
        self.proc = start([binary, "--host", "127.0.0.1", "--port", "0", "--api-key", key, *args],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        first = self.proc.stdout.readline().decode()  # printed once bound, or EOF if it exits
        if "http://" not in first:
            stop(self.proc)
            raise RuntimeError(f"the emulator did not start (printed {first!r})")
        self.base = first[first.index("http://"):].strip()

    def stats(self):
        return json.loads(http("GET", self.base + "/_emulator/stats"))

    def configure(self, **fields):
        http("POST", self.base + "/_emulator/config", json.dumps(fields).encode(),
             {"Content-Type": "application/json"})

    def reset(self):
        http("POST", self.base + "/_emulator/reset")

    def result_url(self, job_id):
        """A fresh result URL of a finished job (a fetch, as swapsync does)."""
        answer = json.loads(http("POST", self.base + "/insightFace/v1/fetch",
                                 json.dumps({"jobId": job_id}).encode(),
                                 {"Content-Type": "application/json", "TT-API-KEY": self.key}))
        return answer["data"]["cdnImage"]

    def cpu(self):
        return cpu_seconds(self.proc.pid)

    def stop(self):
        stop(self.proc)


class Nginx:
    """nginx serving `root` on a free loopback port, everything it writes in its own temp folder;
    one process (master_process off), as the current user. The access log records
    "status uri bytes" per request, so the bench can check who downloaded what."""

    def __init__(self, root):
        binary = next((path for path in NGINX_CANDIDATES if os.access(path, os.X_OK)), None)
        if binary is None:
            raise RuntimeError("nginx is not installed; install the Debian package `nginx` "
                               "(scripts/install-deps.sh does)")
        self.folder = scratch("nginx")
        self.log = os.path.join(self.folder, "access.log")
        why = ""
        for _ in range(5):  # another process may take the probed port before nginx binds it
            self.port = free_port()
            with open(os.path.join(self.folder, "nginx.conf"), "w") as conf:
                conf.write(self.config(root))
            errors = open(os.path.join(self.folder, "nginx.stderr"), "wb")
            self.proc = start([binary, "-p", self.folder + "/", "-c", self.folder + "/nginx.conf",
                               "-e", self.folder + "/error.log"], cwd=self.folder,
                              stdout=errors, stderr=subprocess.STDOUT)
            errors.close()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and self.proc.poll() is None and not can_connect(self.port):
                time.sleep(0.01)
            if self.proc.poll() is None and can_connect(self.port):
                self.base = f"http://127.0.0.1:{self.port}"
                return
            stop(self.proc)
            why = "".join(open(os.path.join(self.folder, name), errors="replace").read()
                          for name in ("nginx.stderr", "error.log")
                          if os.path.exists(os.path.join(self.folder, name)))
            if "Address already in use" not in why:
                break
        raise RuntimeError(f"nginx did not start: {why.strip()[-400:]}")

    def config(self, root):
        folder = self.folder
        return f"""daemon off;
master_process off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
  log_format bench '$status $uri $body_bytes_sent';
  access_log {folder}/access.log bench;
  client_body_temp_path {folder}/body;
  proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi;
  uwsgi_temp_path {folder}/uwsgi;
  scgi_temp_path {folder}/scgi;
  types {{ image/png png; }}
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 10000;
  server {{
    listen 127.0.0.1:{self.port};
    server_name localhost;
    root {root};
  }}
}}
"""

    def log_size(self):
        return os.path.getsize(self.log) if os.path.exists(self.log) else 0

    def requests_since(self, mark):
        """The access log's (status, uri, bytes) entries written after `mark` (a log_size())."""
        if not os.path.exists(self.log):
            return []
        with open(self.log, "rb") as log:
            log.seek(mark)
            return [tuple(text.split()) for text in log.read().decode(errors="replace").splitlines()]

    def stop(self):
        stop(self.proc)
        remove(self.folder)
