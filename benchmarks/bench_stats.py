"""Fit statistics: cherenkit-stats against gammapy.stats on the same arrays.

Times the per-bin statistic of cash and wstat (and the profiled wstat background)
on 12 bins (a 1-D spectrum, where per-call overhead dominates), 1000 and one million
bins (a map) with realistic low counts, in this environment and in the peers'
environment (``benchmarks/.venv-peers``), checks agreement, and prints ratios.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

PEERS = Path(__file__).parent / ".venv-peers" / "bin" / "python"

# The same code runs in both environments; only the imported functions differ.
TIMER = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np

    rng = np.random.default_rng(42)
    n = int(sys.argv[1])
    mu_sig = rng.exponential(2.0, n)
    alpha = np.full(n, 0.2)
    mu_bkg = rng.exponential(5.0, n)
    n_on = rng.poisson(mu_sig + alpha * mu_bkg).astype(float)
    n_off = rng.poisson(mu_bkg).astype(float)
    npred = mu_sig + alpha * mu_bkg

    def median_time(func, repeat=7):
        calls = max(1, 100_000 // n)  # small arrays: time many calls, report one
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            for _ in range(calls):
                result = func()
            times.append((time.perf_counter() - start) / calls)
        return float(np.median(times)), result

    {setup}
    out = {{}}
    for name, func in cases.items():
        seconds, result = median_time(func)
        out[name] = {{"seconds": seconds, "checksum": float(np.sum(result))}}
    print(json.dumps(out))
    """
)

OURS = """
from cherenkit_stats import formulas
cases = {
    "cash": lambda: formulas.cash(n_on, npred),
    "wstat": lambda: formulas.wstat(n_on, n_off, alpha, mu_sig),
    "wstat_profiled_background": lambda: formulas.wstat_profiled_background(
        n_on, n_off, alpha, mu_sig
    ),
}
"""

PEER = """
from gammapy import stats
cases = {
    "cash": lambda: stats.cash(n_on, npred),
    "wstat": lambda: stats.wstat(n_on, n_off, alpha, mu_sig),
    "wstat_profiled_background": lambda: stats.get_wstat_mu_bkg(n_on, n_off, alpha, mu_sig),
}
"""


def run(python, setup, n_bins):
    code = TIMER.format(setup=setup.strip())
    done = subprocess.run(
        [python, "-c", code, str(n_bins)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def main():
    if not PEERS.exists():
        sys.exit(f"peer environment missing: {PEERS} (see benchmarks/README.md)")
    print(f"{'case':26s} {'bins':>9s} {'cherenkit':>11s} {'gammapy 2.1':>12s} {'ratio':>6s}  agree")
    for n_bins in (12, 1_000, 1_000_000):
        ours = run(sys.executable, OURS, n_bins)
        peer = run(str(PEERS), PEER, n_bins)
        for name in ours:
            a, b = ours[name], peer[name]
            agree = abs(a["checksum"] - b["checksum"]) <= 1e-9 * abs(b["checksum"])
            print(
                f"{name:26s} {n_bins:9d} {_time(a['seconds']):>11s} {_time(b['seconds']):>12s} "
                f"{b['seconds'] / a['seconds']:6.2f}  {agree}"
            )


def _time(seconds):
    return f"{seconds * 1e3:.2f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.1f} us"


if __name__ == "__main__":
    main()
