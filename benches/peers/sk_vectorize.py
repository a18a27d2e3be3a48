#!/usr/bin/env python3
"""scikit-learn's side of benches/vectorize.rs: fit TfidfVectorizer (word 1-2) beside
TfidfVectorizer(analyzer="char_wb", 2-5), sublinear tf, on the first FIT rows of CORPUS, then time
transform of the whole corpus REPEAT times. Prints one JSON line: MB, seconds (median), MB/s.
Usage: sk_vectorize.py CORPUS.csv FIT REPEAT"""
import json, os, statistics, sys, time
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_union

path, fit_rows, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
texts = pd.read_csv(path).text.astype(str).tolist()
mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
v = make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
               TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True))
v.fit(texts[:fit_rows])
secs = []
for _ in range(repeat):
    t = time.perf_counter(); X = v.transform(texts); secs.append(time.perf_counter() - t)
s = statistics.median(secs)
print(json.dumps(dict(system="sklearn-tfidf-word12+charwb25", rows=len(texts), MB=round(mb, 2),
                      transform_s=round(s, 3), MB_per_s=round(mb / s, 3), nnz=int(X.nnz))))
