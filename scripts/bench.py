#!/usr/bin/env python3
"""`make bench`: swapsync's speed and memory, each figure against a peer measured in the same run.

Not a test: nothing here fails on a number. Every line prints the figure, the peer (or the ideal
bound), the ratio and the goal of issue "Scale" (docs/performance.md), plus peak RSS.

Workloads (sizes from BENCH_NOOP_SIZES, default "10000 100000"; BENCH_FIRST_SYNC default 10000):
  noop     a synced tree of N done entries: `swapsync sync` (0 requests) vs `git status --porcelain`
  status   `swapsync status` and `swapsync plan` on the same tree
  first    a first sync of N entries against the emulator (no latency): CPU per entry, peak RSS
  queue    50 jobs of 1 s with a queue cap of 10 at TTAPI: wall time vs ceil(50/10) x 1 s
  latency  300 entries, 50 ms latency, --jobs 16 --downloads 8: wall time vs the ideal bound
Network: 127.0.0.1 only.
"""
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SWAPSYNC = os.path.join(ROOT, ".build", "release", "swapsync")
EMULATOR = os.path.join(ROOT, ".build", "debug", "ttapi-emulator")
KEY = "bench-key"
# A port nothing listens on: a no-op run that sent a request would fail loudly.
DEAD_API = "http://127.0.0.1:9"
PNG = bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])


def measure(cmd, cwd, env=None, stdout=subprocess.DEVNULL):
    """Runs cmd; returns (wall s, cpu s, peak RSS MiB, exit code) of that child alone (wait4)."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode, err


def best(runs, cmd, cwd, env=None):
    results = [measure(cmd, cwd, env) for _ in range(runs)]
    return min(results, key=lambda r: r[0])


def env_with(**extra):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root")}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def line(name, value, unit, peer_name, peer, goal, rss=None, rss_goal=None):
    ratio = value / peer if peer > 0 else float("inf")
    text = f"{name:<34} {value:9.3f} {unit}  {peer_name} {peer:9.3f} {unit}  ratio {ratio:6.2f}x (goal <= {goal}x)"
    if rss is not None:
        text += f"  peak RSS {rss:7.1f} MiB" + (f" (goal <= {rss_goal})" if rss_goal else "")
    print(text, flush=True)


def synced_tree(folder, count):
    """A manifest, a lockfile and `count` verified outputs, as a finished sync leaves them."""
    out = os.path.join(folder, "out")
    swaps, entries = [], {}
    for i in range(count):
        name = f"d{i // 1000:03d}/e{i}.png"
        data = PNG + i.to_bytes(8, "big") * 8
        path = os.path.join(out, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        target = f"https://img.example.com/targets/{i}.jpg"
        face = "https://img.example.com/faces/alice.jpg"
        swaps.append({"output": name, "targetImage": target, "swapImage": face})
        entries[name] = {
            "finishedAt": "2026-11-01T10:00:00Z", "imageType": "png", "jobId": f"SWAP-FACE-{i}",
            "quota": 2, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "state": "done",
            "submittedAt": "2026-11-01T09:59:00Z", "swapImage": face, "targetImage": target,
        }
    with open(os.path.join(folder, "swaps.json"), "w") as f:
        json.dump({"version": 1, "outputDir": "out", "swaps": swaps}, f)
    with open(os.path.join(folder, "swaps.lock.json"), "w") as f:
        json.dump({"version": 1, "entries": entries}, f, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(folder, ".gitignore"), "w") as f:
        f.write(".swapsync/\n")
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    subprocess.run(git + ["init", "-q"], cwd=folder, check=True)
    subprocess.run(git + ["add", "-A"], cwd=folder, check=True)
    subprocess.run(git + ["commit", "-q", "-m", "tree"], cwd=folder, check=True)


def bench_noop(count):
    folder = tempfile.mkdtemp(prefix=f"swapsync-bench-noop-{count}-")
    try:
        synced_tree(folder, count)
        env = env_with(TT_API_KEY=KEY, TTAPI_BASE_URL=DEAD_API)
        # The first runs build the machine-local state (stat cache, no-op index); they must
        # already be no-ops. Files younger than 2 s are not trusted from their stat data (git's
        # racy-clean rule), so the index is written by a run 2 s after the tree settled.
        for _ in range(2):
            wall, cpu, rss, code, err = measure([SWAPSYNC, "sync"], folder, env)
            if code != 0:
                print(f"noop N={count}: the tree is not in sync (exit {code}): {err.strip()[:300]}")
                return
            time.sleep(2.5)
        git = best(3, ["git", "status", "--porcelain"], folder)
        for command, goal in (("sync", 1.0), ("status", 2.0), ("plan", 2.0)):
            wall, cpu, rss, code, err = best(3, [SWAPSYNC, command], folder, env)
            expected = {"sync": 0, "status": 0, "plan": 0}[command]
            if code != expected:
                print(f"  {command} exited {code}: {err.strip()[:200]}")
            line(f"no-op {command} N={count}", wall, "s", "git status", git[0], goal, rss, "64 MiB")
        size = os.path.getsize(os.path.join(folder, "swaps.lock.json"))
        print(f"{'lockfile N=' + str(count):<34} {size / count:9.1f} bytes per entry", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Emulator:
    def __init__(self, *args):
        self.proc = subprocess.Popen(
            [EMULATOR, "--host", "127.0.0.1", "--port", "0", "--api-key", KEY, *args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
        first = self.proc.stdout.readline().decode()
        if "http://" not in first:
            raise SystemExit(f"the emulator did not start: {first!r}")
        self.base = first[first.index("http://"):].strip()

    def stats(self):
        import urllib.request
        with urllib.request.urlopen(self.base + "/_emulator/stats") as answer:
            return json.load(answer)

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def manifest(folder, count, emulator, tag):
    swaps = [{"output": f"e{i}.png", "targetImage": f"{emulator.base}/samples/target-{tag}-{i}.png",
              "swapImage": f"{emulator.base}/samples/face-{tag}.png"} for i in range(count)]
    with open(os.path.join(folder, "swaps.json"), "w") as f:
        json.dump({"version": 1, "outputDir": "out", "swaps": swaps}, f)


def bench_sync(name, count, emulator_args, sync_args, ideal, goal):
    folder = tempfile.mkdtemp(prefix=f"swapsync-bench-{name}-")
    emulator = Emulator(*emulator_args)
    try:
        manifest(folder, count, emulator, "".join(c for c in name if c.isalnum()))
        env = env_with(TT_API_KEY=KEY, TTAPI_BASE_URL=emulator.base)
        wall, cpu, rss, code, err = measure([SWAPSYNC, "sync", *sync_args], folder, env)
        if code != 0:
            print(f"{name}: sync exited {code}: {err.strip()[-300:]}")
        if ideal is None:
            per_entry = cpu / count * 1000
            print(f"{'first sync N=' + str(count):<34} {wall:9.3f} s wall  {cpu:8.3f} s CPU  "
                  f"{per_entry:6.3f} ms CPU per entry (goal <= 0.5)  peak RSS {rss:7.1f} MiB (goal <= 256 MiB)",
                  flush=True)
        else:
            line(name, wall, "s", "ideal", ideal, goal, rss)
    finally:
        emulator.stop()
        shutil.rmtree(folder, ignore_errors=True)


def main():
    for path in (SWAPSYNC, EMULATOR):
        if not os.path.exists(path):
            raise SystemExit(f"missing {path}: run `make bench` (it builds both)")
    print(f"swapsync bench on {os.cpu_count()} cores; release {SWAPSYNC}; peers measured in the same run", flush=True)
    for size in os.environ.get("BENCH_NOOP_SIZES", "10000 100000").split():
        bench_noop(int(size))
    first = int(os.environ.get("BENCH_FIRST_SYNC", "10000"))
    bench_sync("first", first, ["--job-duration", "0ms"], ["--poll-interval", "10ms", "--jobs", "64"], None, None)
    # 50 jobs of 1 s, at most 10 running at TTAPI (499 above): ceil(50/10) x 1 s.
    bench_sync("queue: 50 x 1 s, cap 10", 50, ["--job-duration", "1s", "--max-running", "10"],
               ["--poll-interval", "100ms", "--jobs", "10"], math.ceil(50 / 10) * 1.0, 1.10)
    # 300 entries at 50 ms per request, jobs of 100 ms, --jobs 16: each wave of 16 needs a submit,
    # the job, a fetch and a download: ceil(300/16) x (3 x 50 ms + 100 ms).
    bench_sync("latency: 300, 50 ms", 300, ["--latency", "50ms", "--job-duration", "100ms"],
               ["--poll-interval", "100ms", "--jobs", "16", "--downloads", "8"],
               math.ceil(300 / 16) * (3 * 0.05 + 0.1), 1.10)


if __name__ == "__main__":
    main()
