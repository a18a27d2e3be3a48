#!/usr/bin/env python3
"""Inter-annotator agreement between the first labeling pass and the blind second pass.

Joins datasets/ruw_labels.csv (first pass) and datasets/ruw_relabel.csv (second pass, blind)
on (split,row) and prints, per target: n, observed agreement, Cohen's kappa (computed here from
the confusion matrix and cross-checked against sklearn.metrics.cohen_kappa_score when sklearn is
installed), and the confusion matrix with first-pass labels as rows and second-pass labels as
columns. With --disagreements, also lists every (split,row,target,first,second) that differs
(no tweet text).

Usage: python3 datasets/tools/kappa.py [--first datasets/ruw_labels.csv]
           [--second datasets/ruw_relabel.csv] [--disagreements]
"""
import argparse
import os
import sys

import pandas as pd

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGETS = {
    "negotiation": ["favor", "against", "none"],
    "aid": ["favor", "against", "none"],
    "sentiment": ["positive", "negative", "neutral"],
}


def cohen_kappa(cm):
    """Cohen's kappa from a square confusion matrix (DataFrame of counts)."""
    n = cm.values.sum()
    po = cm.values.trace() / n
    pe = (cm.sum(axis=1).values * cm.sum(axis=0).values).sum() / (n * n)
    return po, (po - pe) / (1 - pe) if pe < 1 else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--first", default=os.path.join(REPO, "datasets", "ruw_labels.csv"))
    ap.add_argument("--second", default=os.path.join(REPO, "datasets", "ruw_relabel.csv"))
    ap.add_argument("--disagreements", action="store_true")
    a = ap.parse_args()

    first = pd.read_csv(a.first)
    second = pd.read_csv(a.second)
    if second.duplicated(["split", "row"]).any():
        sys.exit("second pass has duplicate (split,row)")
    m = second.merge(first, on=["split", "row"], how="left", suffixes=("_2", "_1"),
                     validate="1:1", indicator=True)
    missing = m[m._merge != "both"]
    if len(missing):
        sys.exit(f"{len(missing)} second-pass rows have no first-pass label")

    try:
        from sklearn.metrics import cohen_kappa_score
    except ImportError:
        cohen_kappa_score = None

    for t, labels in TARGETS.items():
        for side in ("1", "2"):
            bad = set(m[f"{t}_{side}"]) - set(labels)
            if bad:
                sys.exit(f"{t}: unknown labels {bad} in pass {side}")
        cm = pd.crosstab(pd.Categorical(m[f"{t}_1"], labels), pd.Categorical(m[f"{t}_2"], labels),
                         rownames=["first"], colnames=["second"], dropna=False)
        po, k = cohen_kappa(cm)
        line = f"{t}: n={len(m)} observed_agreement={po:.3f} kappa={k:.3f}"
        if cohen_kappa_score is not None:
            ks = cohen_kappa_score(m[f"{t}_1"], m[f"{t}_2"])
            if abs(ks - k) > 1e-9:
                sys.exit(f"{t}: kappa mismatch own={k} sklearn={ks}")
            line += " (sklearn agrees)"
        print(line)
        print(cm.to_string())
        print()

    if a.disagreements:
        print("split,row,target,first,second")
        for _, r in m.iterrows():
            for t in TARGETS:
                if r[f"{t}_1"] != r[f"{t}_2"]:
                    print(f"{r.split},{r.row},{t},{r[f'{t}_1']},{r[f'{t}_2']}")


if __name__ == "__main__":
    sys.exit(main())
