#!/usr/bin/env python3
"""Append a hand-written batch of labels to datasets/ruw_labels.csv and validate.
Batch file lines (written by the annotator after reading each tweet):
    split row N A S
N/A (negotiation/aid): f=favor a=against n=none; S (sentiment): +=positive -=negative 0=neutral.
'#' starts a comment (used for hard-case notes). Usage: add_batch.py BATCHFILE"""
import os
import sys

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_labels  # noqa: E402

ST = {"f": "favor", "a": "against", "n": "none"}
SE = {"+": "positive", "-": "negative", "0": "neutral"}


def main():
    rows = []
    for line in open(sys.argv[1]):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        sp, row, n, a, s = line.split()
        rows.append({"split": sp, "row": int(row), "negotiation": ST[n], "aid": ST[a],
                     "sentiment": SE[s]})
    new = pd.DataFrame(rows)
    sel = pd.read_csv(check_labels.SELECTION)
    new = new.merge(sel, on=["split", "row"], how="left")
    if new.topic.isna().any():
        sys.exit(f"rows not in selection: {new[new.topic.isna()][['split','row']].values.tolist()}")
    new["topic"] = new.topic.astype(int)
    if os.path.exists(check_labels.LABELS):
        new = pd.concat([pd.read_csv(check_labels.LABELS), new], ignore_index=True)
    new = new[check_labels.COLS].sort_values(["split", "row"])
    new.to_csv(check_labels.LABELS, index=False)
    sys.exit(check_labels.check())


if __name__ == "__main__":
    main()
