#!/usr/bin/env python3
"""`stance score` beside its peers, in one run, on the same corpus and the same training data.

Corpus: `../shared/tools/make_corpus.py` (id,text). Training data: RUW train tweets
(`../shared/datasets/ruw`), as `../shared/peers/throughput_peer.py` uses: the peers train one
head (target Ukraine); ours trains the same features (word 1-2 + char 2-5) with three heads
(Stance 1, Stance 2 and Ukraine again under another name), so ours does at least the peers' work.
Prints per system the median of --repeat runs (rows/s, MB/s) and the ratios, then peak RSS of
`stance score` at --mem-rows (from /usr/bin/time -v).
Usage (from the crate root, after `cargo build --release`):
    python3 benches/compare_peers.py [--shared ../shared] [--rows 1000000] [--repeat 3]
Needs: pip install scikit-learn "pandas<2.3" "numpy<2" fasttext-wheel"""
import argparse, csv, json, os, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def corpus(shared, rows, work):
    path = os.path.join(work, f"corpus_{rows}.csv")
    if not os.path.exists(path):
        sh([sys.executable, os.path.join(shared, "tools", "make_corpus.py"), path, "--rows", str(rows)],
           stdout=subprocess.DEVNULL)
    return path


def train_ours(stance, shared, work):
    import pandas as pd
    tr = pd.read_csv(os.path.join(shared, "datasets", "ruw", "raw_train_Russia_Ukraine.csv"),
                     encoding="gb18030", encoding_errors="replace")
    data = os.path.join(work, "ruw_train.csv")
    pd.DataFrame({"text": tr.Tweet, "russia": tr["Stance 1"], "ukraine": tr["Stance 2"],
                  "ukraine2": tr["Stance 2"]}).to_csv(data, index=False)
    model = os.path.join(work, "ruw3.stance")
    sh([stance, "train", "--data", data, "--label-col", "russia", "--label-col", "ukraine",
        "--label-col", "ukraine2", "--no-stem", "-o", model], stdout=subprocess.DEVNULL)
    return model


def model_args(model):
    """`--model M`, or nothing for the built-in default model."""
    return ["--model", model] if model else []


def time_ours(stance, model, path, threads, repeat):
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        sh([stance, "score", "--quiet", *model_args(model), "--threads", str(threads), "--id-col", "id",
            "-o", os.devnull, path])
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def peak_rss_mb(stance, model, path):
    r = subprocess.run(["/usr/bin/time", "-v", stance, "score", "--quiet", *model_args(model), "--id-col", "id",
                        "-o", os.devnull, path], capture_output=True, text=True, check=True)
    for line in r.stderr.splitlines():
        if "Maximum resident set size" in line:
            return int(line.split()[-1]) / 1024
    return float("nan")


def peers(shared, path, systems, repeat):
    best = {}
    for _ in range(repeat):
        r = subprocess.run([sys.executable, os.path.join(shared, "peers", "throughput_peer.py"),
                            os.path.join(shared, "datasets", "ruw"), path, systems],
                           capture_output=True, text=True, check=True)
        for line in r.stdout.splitlines():
            d = json.loads(line)
            best.setdefault(d["system"], []).append(d["score_s"])
    return {k: statistics.median(v) for k, v in best.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--rows", type=int, default=1000000)
    ap.add_argument("--peer-rows", type=int, default=50000, help="rows for the slow scikit-learn word+char peer")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--mem-rows", default="100000,1000000")
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "bench-data"))
    a = ap.parse_args()
    if not os.path.isdir(os.path.join(a.shared, "datasets")):
        print(f"skipping: {a.shared} not found"); return
    os.makedirs(a.work, exist_ok=True)
    stance = os.path.join(ROOT, "target", "release", "stance")
    model = train_ours(stance, a.shared, a.work)
    big = corpus(a.shared, a.rows, a.work)
    small = corpus(a.shared, a.peer_rows, a.work)
    mb = {p: os.path.getsize(p) / 1e6 for p in (big, small)}
    rows = {big: a.rows, small: a.peer_rows}
    res = []
    for threads in (1, 2):
        s = time_ours(stance, model, big, threads, a.repeat)
        res.append((f"stance score, 3 heads, word1-2+char2-5, {threads} thread(s)", big, s))
    # what users run most: the built-in model (trained on other data: stemmed words, char
    # n-grams from whitespace chunks, three SVM heads), beside the peers for scale only
    s = time_ours(stance, None, big, 2, a.repeat)
    res.append(("stance score, built-in default model, 2 threads", big, s))
    p_small = peers(a.shared, small, "wordchar", a.repeat)
    p_big = peers(a.shared, big, "word,fasttext", a.repeat)
    for name, s in {**p_big}.items():
        res.append((name, big, s))
    for name, s in p_small.items():
        res.append((name + f" ({a.peer_rows} rows)", small, s))
    print(f"| system | rows | MB | median s | rows/s | MB/s |\n|---|---|---|---|---|---|")
    rate = {}
    for name, path, s in res:
        rate[name] = mb[path] / s
        print(f"| {name} | {rows[path]} | {mb[path]:.1f} | {s:.2f} | {rows[path] / s:,.0f} | {mb[path] / s:.2f} |")
    ours1 = rate[res[0][0]]; ours2 = rate[res[1][0]]
    print(f"\n2 threads / 1 thread: {ours2 / ours1:.2f}x")
    for name in rate:
        if not name.startswith("stance"):
            print(f"stance (2 threads) / {name}: {ours2 / rate[name]:.1f}x")
    print("\n| rows | peak RSS (MB) | peak RSS, default model (MB) |\n|---|---|---|")
    for n in [int(x) for x in a.mem_rows.split(",") if x]:
        c = corpus(a.shared, n, a.work)
        print(f"| {n} | {peak_rss_mb(stance, model, c):.0f} | {peak_rss_mb(stance, None, c):.0f} |")


if __name__ == "__main__":
    main()
