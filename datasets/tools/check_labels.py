#!/usr/bin/env python3
"""Validate datasets/ruw_labels.csv: valid labels, no duplicates, every row in the selection,
rows sorted by (split,row). Usage: python3 datasets/tools/check_labels.py [--fix-sort]"""
import os
import sys

import pandas as pd

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LABELS = os.path.join(REPO, "datasets", "ruw_labels.csv")
SELECTION = os.path.join(REPO, "datasets", "ruw_selection.csv")
STANCE = {"favor", "against", "none"}
SENT = {"positive", "negative", "neutral"}
COLS = ["split", "row", "negotiation", "aid", "sentiment", "topic"]


def check(fix_sort=False):
    lab = pd.read_csv(LABELS)
    sel = pd.read_csv(SELECTION)
    errs = []
    if list(lab.columns) != COLS:
        errs.append(f"columns {list(lab.columns)} != {COLS}")
    for c, ok in (("negotiation", STANCE), ("aid", STANCE), ("sentiment", SENT)):
        bad = lab[~lab[c].isin(ok)]
        for _, r in bad.iterrows():
            errs.append(f"bad {c} label {r[c]!r} at {r.split},{r.row}")
    dup = lab[lab.duplicated(["split", "row"], keep=False)]
    for _, r in dup.iterrows():
        errs.append(f"duplicate {r.split},{r.row}")
    m = lab.merge(sel, on=["split", "row"], how="left", suffixes=("", "_sel"), indicator=True)
    for _, r in m[m._merge != "both"].iterrows():
        errs.append(f"not in selection {r.split},{r.row}")
    both = m[m._merge == "both"]
    for _, r in both[both.topic != both.topic_sel].iterrows():
        errs.append(f"topic mismatch {r.split},{r.row}")
    srt = lab.sort_values(["split", "row"]).reset_index(drop=True)
    if not srt.equals(lab):
        if fix_sort:
            srt.to_csv(LABELS, index=False)
        else:
            errs.append("not sorted by split,row")
    for e in errs:
        print("ERROR", e)
    print(f"labeled={len(lab)} of selected={len(sel)}; errors={len(errs)}")
    for c in ("negotiation", "aid", "sentiment"):
        print(c, lab[c].value_counts().to_dict())
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(check("--fix-sort" in sys.argv))
