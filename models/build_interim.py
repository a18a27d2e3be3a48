#!/usr/bin/env python3
"""Interim default model: trained on our RUW labels only (datasets/ruw_labels.csv joined with the
tweets from ../shared at build time), so that `stance score` works out of the box until the
domain default model (models/MODEL_CARD.md) replaces it. Run from the crate root:
    python3 models/build_interim.py [--shared ../shared]
Needs pandas; builds the release binary with cargo."""
import argparse, os, subprocess, tempfile
import pandas as pd

ap = argparse.ArgumentParser()
ap.add_argument("--shared", default=os.path.join("..", "shared"))
ap.add_argument("--out", default=os.path.join("models", "default.stance"))
a = ap.parse_args()
lab = pd.read_csv(os.path.join("datasets", "ruw_labels.csv"))
parts = []
for split, fn in [("train", "raw_train_Russia_Ukraine.csv"), ("val", "raw_val_Russia_Ukraine.csv")]:
    d = pd.read_csv(os.path.join(a.shared, "datasets", "ruw", fn), encoding="gb18030", encoding_errors="replace")
    l = lab[lab.split == split]
    parts.append(pd.DataFrame({"text": d.Tweet.values[l.row.values], "negotiation": l.negotiation.values,
                               "aid": l.aid.values, "sentiment": l.sentiment.values}))
with tempfile.TemporaryDirectory() as tmp:
    csv = os.path.join(tmp, "train.csv")
    pd.concat(parts).to_csv(csv, index=False)
    subprocess.run(["cargo", "run", "--release", "--quiet", "--", "train", "--data", csv,
                    "--label-col", "negotiation", "--label-col", "aid", "--label-col", "sentiment",
                    "--min-df", "2", "--seed", "42", "-o", a.out], check=True)
