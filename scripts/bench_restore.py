"""The restore workload of scripts/bench.py: 100 results of 4 MiB restored from a local nginx
(lockfile kept, outputs deleted) by `swapsync sync --downloads 8`, against
`curl --parallel --parallel-max 8` downloading the same URLs.

How swapsync restores: for a `done` entry whose output is missing, `sync` fetches the job again
for a fresh result URL, downloads it, checks the recorded sha256 and installs it. The emulator's
`cdnBase` points those URLs at nginx (`<nginx>/cdn/<jobId>.png?ex=..&sig=..`; nginx ignores the
query), whose root holds a copy of every result at that path. Each round checks that nginx served
all 100 results and the emulator none, so the figure is really swapsync downloading from nginx.
"""
import json
import os
import shutil

import bench_support as support
from bench_support import Emulator, Nginx, measure

COUNT = 100
SIZE = 4 << 20
PARALLEL = 8
ROUNDS = 3  # best of 3 per side, alternating, on a noisy shared machine
# The peer's hashing: OpenSSL's SHA-256 uses the CPU's SHA extensions like swapsync's BoringSSL;
# coreutils' sha256sum (the fallback) is about 5 times slower here.
HASHER = ["openssl", "dgst", "-sha256"] if shutil.which("openssl") else ["sha256sum"]


def bench_restore(swapsync, emulator_binary, key, env_with, line):
    folder = support.scratch("restore")
    root = support.scratch("restore-root")
    emulator = Emulator(emulator_binary, key, "--job-duration", "0ms", "--result-size", str(SIZE))
    nginx = None
    try:
        swaps = [{"output": f"e{i}.png", "targetImage": f"{emulator.base}/samples/target-restore-{i}.png",
                  "swapImage": f"{emulator.base}/samples/face-restore.png"} for i in range(COUNT)]
        with open(os.path.join(folder, "swaps.json"), "w") as f:
            json.dump({"version": 1, "outputDir": "out", "swaps": swaps}, f)
        env = env_with(TT_API_KEY=key, TTAPI_BASE_URL=emulator.base)
        first = measure([swapsync, "sync", "--poll-interval", "10ms", "--downloads", str(PARALLEL)], folder, env)
        if first.code != 0:
            raise RuntimeError(f"the first sync exited {first.code}: {first.err.strip()[-300:]}")
        entries = lock_entries(folder)
        outputs = [os.path.join(folder, "out", name) for name in entries]
        sizes = {os.path.getsize(path) for path in outputs}
        if len(entries) != COUNT or sizes != {SIZE}:
            raise RuntimeError(f"the first sync left {len(entries)} entries of sizes {sorted(sizes)[:5]}")
        # nginx's copy of each result, at the path the emulator hands out for its job.
        os.makedirs(os.path.join(root, "cdn"))
        paths = []
        for name, entry in entries.items():
            path = f"/cdn/{entry['jobId']}.png"
            copy = root + path
            try:
                os.link(os.path.join(folder, "out", name), copy)
            except OSError:
                shutil.copyfile(os.path.join(folder, "out", name), copy)
            paths.append(path)
        nginx = Nginx(root)
        emulator.configure(cdnBase=nginx.base)
        urls = [nginx.base + path for path in paths]

        ours, theirs, hashed = [], [], []
        peer_folder = os.path.join(folder, "curl")
        curl = ["curl", "--parallel", "--parallel-max", str(PARALLEL), "-s", "--fail"]
        for index, url in enumerate(urls):
            curl += ["-o", os.path.join(peer_folder, f"{index}.png"), url]
        for _ in range(ROUNDS):
            for path in outputs:
                os.unlink(path)
            emulator.reset()
            mark = nginx.log_size()
            run = measure([swapsync, "sync", "--downloads", str(PARALLEL)], folder, env)
            if run.code != 0:
                raise RuntimeError(f"the restore exited {run.code}: {run.err.strip()[-300:]}")
            check(nginx.requests_since(mark), emulator.stats(), outputs)
            ours.append(run)

            shutil.rmtree(peer_folder, ignore_errors=True)
            os.makedirs(peer_folder)
            mark = nginx.log_size()
            peer = measure(curl, folder)
            served = [r for r in nginx.requests_since(mark) if r[0] == "200"]
            got = [os.path.getsize(os.path.join(peer_folder, f"{i}.png")) for i in range(COUNT)
                   if os.path.exists(os.path.join(peer_folder, f"{i}.png"))]
            if peer.code != 0 or len(served) != COUNT or got != [SIZE] * COUNT:
                raise RuntimeError(f"curl exited {peer.code}, nginx served {len(served)}, "
                                   f"{len(got)} files: {peer.err.strip()[-200:]}")
            theirs.append(peer)
            # What curl does not do and swapsync must: SHA-256 of every byte (the lockfile's check).
            files = [os.path.join(peer_folder, f"{i}.png") for i in range(COUNT)]
            digest = measure(HASHER + files, folder)
            if digest.code != 0:
                raise RuntimeError(f"{HASHER[0]} exited {digest.code}: {digest.err.strip()[-200:]}")
            hashed.append(digest)

        name = f"restore {COUNT} x {SIZE >> 20} MiB (nginx)"
        peer_name = f"curl -Z {PARALLEL}"
        rss = max(r.rss for r in ours)
        curl_rss = max(r.rss for r in theirs)
        line(f"{name} wall", min(r.wall for r in ours), "s", peer_name, min(r.wall for r in theirs), 1.2,
             rss, extra=f"  (curl {curl_rss:.1f} MiB)")
        line(f"{name} CPU", min(r.cpu for r in ours), "s", peer_name, min(r.cpu for r in theirs), 1.5)
        # Not a goal: the same peer plus the hashing curl leaves out, measured in the same rounds.
        both = min(t.cpu + h.cpu for t, h in zip(theirs, hashed))
        ratio = min(r.cpu for r in ours) / both if both > 0 else float("inf")
        print(f"{'  (CPU vs curl, then SHA-256)':<34} {min(r.cpu for r in ours):9.3f} s  curl + {HASHER[0]} "
              f"{both:6.3f} s  ratio {ratio:6.2f}x (`{' '.join(HASHER)}` alone {min(h.cpu for h in hashed):.3f} s; "
              f"swapsync also fsyncs every file)", flush=True)
        print(f"{'restore check':<34} each of {ROUNDS} rounds: nginx served {COUNT} x {SIZE} bytes, "
              f"the emulator 0 results and {COUNT} fetches; sha256 checked by swapsync", flush=True)
    finally:
        if nginx:
            nginx.stop()
        emulator.stop()
        support.remove(folder)
        support.remove(root)


def lock_entries(folder):
    with open(os.path.join(folder, "swaps.lock.json")) as f:
        return json.load(f)["entries"]


def check(requests, stats, outputs):
    """Raises unless the restore downloaded every result from nginx and none from the emulator."""
    served = [r for r in requests if r[0] == "200" and r[1].startswith("/cdn/") and r[2] == str(SIZE)]
    from_emulator = stats["requests"]["cdn"] + stats["requests"]["discord"]
    missing = [path for path in outputs if not os.path.exists(path) or os.path.getsize(path) != SIZE]
    fetches = stats["requests"]["fetch"]
    if len(served) != COUNT or len(requests) != COUNT or from_emulator or fetches != COUNT or missing:
        raise RuntimeError(
            f"the restore did not download every result from nginx: nginx answered {len(requests)} "
            f"requests ({len(served)} whole results), the emulator served {from_emulator} results "
            f"and {fetches} fetches; {len(missing)} outputs missing")
