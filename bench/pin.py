"""Benchmark: the cost of the kiosk's offline PIN verifier (PBKDF2-SHA256) on one core.

Times ``hashlib.pbkdf2_hmac`` (OpenSSL, what an attacker's CPU cracker runs at best) and, as
the baseline measured in the same run, SHA-256 over 64 MB, i.e. one compression of a 64-byte
block: one PBKDF2-HMAC iteration is two compressions, so a ratio near 2 shows that the timing
measures the hash and not Python's overhead (no cracker can do much better per core). It then
prints the iteration count at which trying every PIN of ``--digits`` digits takes ``--days`` of
this core, the time one unlock takes here at ``--iterations`` (the setting
``KIOSK_PIN_ITERATIONS``) and on a tablet estimated ``--tablet-slowdown`` times slower (a
low-end ARM tablet's Web Crypto; with ``node`` on PATH, Node's Web Crypto is timed too, the
same primitive the kiosk calls), and how long an exhaustive search takes at that count.

    .venv/bin/python bench/pin.py [--digits 6] [--days 2] [--iterations 1000000]

Target (issue 15): every 6-digit PIN takes days of one core, one unlock on a tablet < ~2 s.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from survey_app.config import DEFAULTS

NODE_TIMER = """
const iterations = Number(process.argv[1]);
const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("123456"), "PBKDF2", false, ["deriveBits"]);
const start = performance.now();
await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: new Uint8Array(16), iterations }, key, 256);
console.log((performance.now() - start) / 1000);
"""


def best_of(repeat: int, run) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digits", type=int, default=6)
    parser.add_argument("--days", type=float, default=3.0, help="exhaustive search time wanted")
    parser.add_argument("--iterations", type=int, default=DEFAULTS["KIOSK_PIN_ITERATIONS"])
    parser.add_argument("--sample", type=int, default=200_000, help="iterations timed per run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tablet-slowdown", type=float, default=4.0)
    args = parser.parse_args()

    salt = os.urandom(16)
    per_iteration = best_of(args.repeat, lambda: hashlib.pbkdf2_hmac("sha256", b"123456", salt, args.sample)) / args.sample
    data = os.urandom(64 * 1024 * 1024)
    per_block = best_of(args.repeat, lambda: hashlib.sha256(data).digest()) / (len(data) // 64)
    pins = 10 ** args.digits
    needed = args.days * 86400 / (pins * per_iteration)
    unlock_here = args.iterations * per_iteration
    search_days = pins * unlock_here / 86400

    print(f"one PBKDF2-SHA256 iteration: {per_iteration * 1e9:.0f} ns "
          f"(baseline, one SHA-256 compression: {per_block * 1e9:.0f} ns; ratio {per_iteration / per_block:.2f}, 2 expected)")
    print(f"iterations for {args.days:g} days of one core over all {pins:,} PINs of {args.digits} digits: {needed:,.0f}")
    print(f"at KIOSK_PIN_ITERATIONS = {args.iterations:,}: one unlock {unlock_here:.2f} s here, "
          f"about {unlock_here * args.tablet_slowdown:.1f} s on a tablet {args.tablet_slowdown:g}x slower; "
          f"every {args.digits}-digit PIN in {search_days:.1f} days of one core "
          f"(half that on average), every 4-digit PIN in {search_days / 10 ** (args.digits - 4) * 24:.1f} hours")
    tablet = unlock_here * args.tablet_slowdown
    node = shutil.which("node")
    if node:
        out = subprocess.run([node, "--input-type=module", "-e", NODE_TIMER, str(args.iterations)],
                             capture_output=True, text=True, timeout=120)
        if out.returncode == 0:
            web = float(out.stdout)
            tablet = web * args.tablet_slowdown
            print(f"Web Crypto (node) at {args.iterations:,} iterations: {web:.2f} s here, "
                  f"about {web * args.tablet_slowdown:.1f} s on the tablet")
    # A cracker that only compresses (two per iteration) beats OpenSSL by ratio / 2 per core.
    ideal_days = search_days * 2 * per_block / per_iteration
    print(f"against a cracker doing nothing but the two compressions per iteration: {ideal_days:.1f} days")
    verdict = "meets" if search_days >= args.days and tablet <= 2.0 else "misses"
    print(f"{verdict} the target: >= {args.days:g} days for every {args.digits}-digit PIN, <= 2 s per tablet unlock")


if __name__ == "__main__":
    main()
