#!/usr/bin/env python3
"""Print the next N selected-but-unlabeled rows (split,row,topic,tweet) for manual reading.
Text goes to the terminal only. Usage: python3 datasets/tools/next_batch.py N [--shared DIR]"""
import os
import sys

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import select_ruw  # noqa: E402

REPO = select_ruw.REPO


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    shared = os.environ.get("STANCE_SHARED", os.path.join(REPO, "..", "shared"))
    if "--shared" in sys.argv:
        shared = sys.argv[sys.argv.index("--shared") + 1]
    d = select_ruw.load(shared)
    sel = pd.read_csv(os.path.join(REPO, "datasets", "ruw_selection.csv"))
    lp = os.path.join(REPO, "datasets", "ruw_labels.csv")
    done = set()
    if os.path.exists(lp):
        lab = pd.read_csv(lp)
        done = set(zip(lab.split, lab.row))
    todo = sel[[(s, r) not in done for s, r in zip(sel.split, sel.row)]].head(n)
    todo = todo.merge(d, on=["split", "row"], how="left")
    for _, r in todo.iterrows():
        t = " ".join(str(r.Tweet).split())
        print(f"{r.split} {r.row} [{r.topic}] {t}")


if __name__ == "__main__":
    main()
