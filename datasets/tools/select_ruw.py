#!/usr/bin/env python3
"""Deterministic selection of RUW rows (train + val only; the test split is never read).

Selects every row whose tweet mentions negotiation or aid topics (keyword list below,
case-insensitive, word-boundary regexes) plus a fixed-seed random sample of the other rows.
Writes the ordered list (split,row,topic) -- no tweet text -- to datasets/ruw_selection.csv.

Usage: python3 datasets/tools/select_ruw.py [--shared ../shared] [--n-random N] [--seed 20240601]
"""
import argparse
import os
import re
import sys

import pandas as pd

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FILES = {"train": "raw_train_Russia_Ukraine.csv", "val": "raw_val_Russia_Ukraine.csv"}

# Negotiation topic: talks, peace, ceasefire, deals, concessions, surrender...
NEGOTIATION = [
    r"talks?", r"negotiat\w*", r"peace\w*", r"cease[- ]?fire\w*", r"truce", r"deals?",
    r"diplomac\w*", r"diplomat\w*", r"concession\w*", r"surrender\w*", r"appease\w*",
    r"appeasement", r"armistice", r"compromise\w*", r"peace ?plan", r"stop the war",
    r"end (?:the|this) war", r"freeze", r"frozen conflict", r"minsk", r"istanbul",
    r"mediat\w*", r"escalat\w*", r"de-?escalat\w*", r"peace talks?",
]
# Aid topic: Western military/financial aid, weapons systems, funding.
AID = [
    r"aid", r"weapons?", r"weaponry", r"arms", r"arm ukraine", r"armukraine\w*", r"himars",
    r"atacms", r"patriots?", r"tanks?", r"leopards?", r"abrams", r"f-?16s?", r"jets?",
    r"missiles?", r"ammunition", r"ammo", r"shells?", r"cluster", r"funding", r"funds?", r"funded",
    r"billions?", r"congress\w*", r"packages?", r"support (?:for )?ukraine",
    r"standwithukraine", r"lend-?lease", r"taxpayers?", r"tax dollars?", r"money",
    r"military (?:assistance|support|help)", r"assistance", r"pentagon", r"storm shadow",
    r"air defen[cs]e", r"donat\w*", r"send(?:s|ing)? (?:\w+ )?(?:weapons|arms|money|tanks|jets)",
]
# Deliberately NOT included (too broad, >40% of all tweets would match with little aid/talks
# content): nato, biden, zelensky, send/sent, supply, drones, artillery, millions.
# Sanctions are NOT in the list: they are economic pressure on Russia, not aid to Ukraine
# (see datasets/LABELING.md). Tweets about sanctions that also mention aid/talks are caught
# by the other keywords.
PATTERN = re.compile(r"\b(?:" + "|".join(NEGOTIATION + AID) + r")\b", re.IGNORECASE)


def load(shared):
    frames = []
    for split, fname in FILES.items():
        d = pd.read_csv(os.path.join(shared, "datasets", "ruw", fname),
                        encoding="gb18030", encoding_errors="replace")
        d = d.reset_index().rename(columns={"index": "row"})
        d["split"] = split
        frames.append(d[["split", "row", "Tweet"]])
    return pd.concat(frames, ignore_index=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.environ.get("STANCE_SHARED", os.path.join(REPO, "..", "shared")))
    ap.add_argument("--n-random", type=int, default=300)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--out", default=os.path.join(REPO, "datasets", "ruw_selection.csv"))
    a = ap.parse_args()
    d = load(a.shared)
    d["topic"] = d["Tweet"].fillna("").astype(str).map(lambda t: int(bool(PATTERN.search(t))))
    topic = d[d.topic == 1]
    rest = d[d.topic == 0]
    rnd = rest.sample(n=min(a.n_random, len(rest)), random_state=a.seed)
    sel = pd.concat([topic, rnd]).sort_values(["split", "row"])
    sel[["split", "row", "topic"]].to_csv(a.out, index=False)
    print(f"rows total={len(d)} topic={len(topic)} other={len(rest)} random_sampled={len(rnd)} selected={len(sel)}")
    print(sel.groupby(["split", "topic"]).size().to_string())


if __name__ == "__main__":
    sys.exit(main())
