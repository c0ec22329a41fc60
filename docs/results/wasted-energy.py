#!/usr/bin/env python3
"""Energy spent on frames that were not met (dropped after starting, or late), per policy.

usage: wasted-energy.py TOPOLOGY SEED POLICY... [--scenarios=a,b] [--loads=0.8,1.0,1.2]
Runs `dream sim --out` (10 s) for every scenario x load x policy and reads frames.csv: the
share of the run's frame energy (the energy_j column, every frame's own layers) that went to
frames whose outcome is not `met`. Needs `dream` on PATH (or DREAM=path) and DREAM_HOME.
"""
import csv, os, subprocess, sys, tempfile

SCENARIOS = "vr-gaming,ar-gaming,social-a,social-b,outdoor-a,outdoor-b,ar-assistant,ar-dynamic,drone"


def wasted(directory):
    total = lost = 0.0
    frames = 0
    with open(os.path.join(directory, "frames.csv")) as f:
        for row in csv.DictReader(f):
            e = float(row["energy_j"] or 0)
            total += e
            if row["outcome"] != "met" and e > 0:
                lost += e
                frames += 1
    return total, lost, frames


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    opts = dict(a[2:].split("=", 1) for a in argv if a.startswith("--"))
    topology, seed, policies = args[0], args[1], args[2:]
    dream = os.environ.get("DREAM", "dream")
    print(f"# topology {topology}, seed {seed}, 10 s: energy on frames not met / all frame energy")
    for scenario in opts.get("scenarios", SCENARIOS).split(","):
        for load in opts.get("loads", "0.8,1.0,1.2").split(","):
            cells = []
            for policy in policies:
                with tempfile.TemporaryDirectory() as out:
                    r = subprocess.run([dream, "sim", "--scenario", scenario, "--topology", topology, "--target-load", load,
                                        "--seed", seed, "--scheduler", policy, "--out", out],
                                       capture_output=True, text=True)
                    if r.returncode != 0:
                        cells.append(f"{policy} failed")
                        continue
                    total, lost, frames = wasted(out)
                    cells.append(f"{policy} {100 * lost / max(total, 1e-12):4.1f}% ({lost:5.2f} of {total:6.2f} J, {frames} frames)")
            print(f"{scenario:13s} {load:4s} " + " | ".join(cells), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
