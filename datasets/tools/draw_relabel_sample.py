#!/usr/bin/env python3
"""Draw the blind re-labeling sample for the agreement study.

Draws N rows uniformly at random, without replacement, from datasets/ruw_selection.csv
(the 1,497 rows of the first labeling pass: split,row,topic -- no labels, no text) with
pandas `DataFrame.sample(n=N, random_state=SEED)`; default N=200, SEED=7. The sample is
written as split,row sorted by (split,row).

Optionally (--with-text) a second file with the tweet text is written for the annotator to
read; it must stay outside the repo (tweets are never committed). The first-pass labels
(datasets/ruw_labels.csv) are never read here, so the annotator stays blind.

Usage: python3 datasets/tools/draw_relabel_sample.py --out "$WORKDIR/sample.csv" \
           [--with-text "$WORKDIR/sample_text.csv"] [--shared ../shared] [--n 200] [--seed 7]
"""
import argparse
import os
import sys

import pandas as pd

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FILES = {"train": "raw_train_Russia_Ukraine.csv", "val": "raw_val_Russia_Ukraine.csv"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--selection", default=os.path.join(REPO, "datasets", "ruw_selection.csv"))
    ap.add_argument("--shared", default=os.environ.get("STANCE_SHARED", os.path.join(REPO, "..", "shared")))
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", required=True, help="sample list (split,row); keep outside the repo")
    ap.add_argument("--with-text", help="also write split,row,Tweet here (outside the repo)")
    a = ap.parse_args()

    sel = pd.read_csv(a.selection)
    if len(sel) < a.n:
        sys.exit(f"selection has {len(sel)} rows, fewer than --n {a.n}")
    smp = sel.sample(n=a.n, random_state=a.seed).sort_values(["split", "row"])
    smp[["split", "row"]].to_csv(a.out, index=False)
    print(f"selection={len(sel)} sampled={len(smp)} seed={a.seed}")
    print(smp.groupby(["split", "topic"]).size().to_string())

    if a.with_text:
        parts = []
        for split, fname in FILES.items():
            d = pd.read_csv(os.path.join(a.shared, "datasets", "ruw", fname),
                            encoding="gb18030", encoding_errors="replace")
            d = d.reset_index().rename(columns={"index": "row"})
            d["split"] = split
            parts.append(d[["split", "row", "Tweet"]])
        text = pd.concat(parts, ignore_index=True)
        out = smp[["split", "row"]].merge(text, on=["split", "row"], how="left", validate="1:1")
        if out["Tweet"].isna().any():
            sys.exit("some sampled rows have no tweet text")
        out.to_csv(a.with_text, index=False)
        print(f"wrote text for {len(out)} rows")


if __name__ == "__main__":
    sys.exit(main())
