#!/usr/bin/env bash
# Regenerates the example reports in docs/examples/ (HTML, JSON, Markdown):
#   semeval_eval.*  a model trained on the SemEval-2016 Task 6 training data (five target heads),
#                   evaluated on the subtask A gold test data;
#   semeval_cv.*    5-fold cross-validation of the same setup on the training data;
#   default_cv.*    grouped 5-fold cross-validation of the default model's recipe (models/).
# SemEval tweets must not be redistributed, so the reports are written with --redact: example
# rows keep their labels, confidences and features, but not their text.
#
# Usage: scripts/make_example_reports.sh   (from anywhere; needs shared/ beside the repository,
#        or STANCE_SHARED=/path/to/shared)
set -euo pipefail
cd "$(dirname "$0")/.."

shared="${STANCE_SHARED:-}"
if [ -z "$shared" ]; then
  for d in ../shared ../../shared; do
    if [ -d "$d/datasets/semeval2016" ]; then shared="$d"; break; fi
  done
fi
sem="$shared/datasets/semeval2016/original"
if [ ! -f "$sem/semeval2016-task6-trainingdata.txt" ]; then
  echo "SemEval-2016 data not found (looked in ../shared and ../../shared; set STANCE_SHARED)" >&2
  exit 1
fi

cargo build --release --quiet
stance=target/release/stance
out=docs/examples
mkdir -p "$out" target/examples
read_args=(--encoding windows-1252 --no-quoting --delimiter '\t' --text-col Tweet
           --target-col Target --label-col Stance)
train="$sem/semeval2016-task6-trainingdata.txt"
test="$sem/SemEval2016-Task6-subtaskA-testdata-gold.txt"
model=target/examples/semeval.stance

"$stance" train --data "$train" "${read_args[@]}" --output "$model" > /dev/null
"$stance" eval --model "$model" --data "$test" "${read_args[@]}" --redact \
  --report "$out/semeval_eval.html" --report "$out/semeval_eval.json" --report "$out/semeval_eval.md" \
  > /dev/null
"$stance" cv --data "$train" "${read_args[@]}" --folds 5 --redact \
  --report "$out/semeval_cv.html" --report "$out/semeval_cv.json" --report "$out/semeval_cv.md" \
  > /dev/null
"$stance" compare "$out/semeval_cv.json" "$out/semeval_eval.json" --markdown > "$out/semeval_cv_vs_test.md"

# The default model's cross-validation: its training table (built by the recipe, with the same
# grouped folds as models/MODEL_CARD.md) and its chosen settings. RUW tweets must not be
# redistributed either: --redact.
python3 models/build_default.py --shared "$shared" --workdir target/examples/default --table-only
# the shipped model's settings, as the recipe recorded them
read -r -a chosen < <(python3 -c 'import json; r = json.load(open("models/build_report.json"))
print(" ".join(r["base_flags"] + r["grid"][r["chosen"]]["flags"]))')
"$stance" cv --data target/examples/default/train.csv --id-col id \
  --label-col negotiation --label-col aid --label-col sentiment --group-col fold --folds 5 \
  "${chosen[@]}" --redact \
  --report "$out/default_cv.html" --report "$out/default_cv.json" --report "$out/default_cv.md" \
  > /dev/null
ls -l "$out"
