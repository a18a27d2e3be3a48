//! `stance train`: labeled CSV/JSON Lines in, a model bundle out.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use stance::dataset::{LabelLayout, LabeledData};
use stance::model::{ClassWeight, Learner};
use stance::search::Grid;
use stance::tokenize::{NgramRange, Split, TokenizerConfig};
use stance::train::{self, FoldSpec, TrainSpec, TrainSummary};
use stance::vectorize::DfBound;
use stance::{ingest, Error};

use super::args::{FeatureArgs, InputArgs};
use super::Outcome;

/// Which columns hold the labels.
#[derive(Args, Debug, Clone)]
pub struct LabelArgs {
    /// Label column: one head per column (wide); with --target-col, the single label column.
    /// Required, except in `eval`, which takes the columns named as the model's heads.
    #[arg(long = "label-col")]
    pub label_cols: Vec<String>,
    /// Target column (long format): one head per distinct target value.
    #[arg(long)]
    pub target_col: Option<String>,
    /// Group column: rows with the same value stay in one fold (e.g. one article).
    #[arg(long)]
    pub group_col: Option<String>,
}

impl LabelArgs {
    pub fn layout(&self) -> Result<LabelLayout, Error> {
        match &self.target_col {
            _ if self.label_cols.is_empty() => Err(Error::Usage(
                "give the label column(s) with --label-col (repeatable)".into(),
            )),
            None => Ok(LabelLayout::Wide {
                label_cols: self.label_cols.clone(),
            }),
            Some(t) if self.label_cols.len() == 1 => Ok(LabelLayout::Long {
                target_col: t.clone(),
                label_col: self.label_cols[0].clone(),
            }),
            Some(_) => Err(Error::Usage(
                "with --target-col give exactly one --label-col (the stance column)".into(),
            )),
        }
    }
}

/// Data files plus how to read them and where the labels are.
#[derive(Args, Debug, Clone)]
pub struct DataArgs {
    /// Labeled data file(s): CSV, TSV or JSON Lines (repeatable).
    #[arg(long = "data", required = true)]
    pub data: Vec<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub labels: LabelArgs,
}

impl DataArgs {
    /// Loads the data and reports skipped rows and normalized labels on stderr.
    pub fn load(&self) -> Result<LabeledData, Error> {
        let specs = ingest::expand_inputs(&self.data)?
            .into_iter()
            .map(|p| self.input.spec(p))
            .collect::<Result<Vec<_>, _>>()?;
        let d = LabeledData::load(
            &specs,
            &self.labels.layout()?,
            self.labels.group_col.as_deref(),
        )?;
        for e in d.report.skipped.iter().take(20) {
            eprintln!("stance: skipped: {e}");
        }
        if d.report.skipped.len() > 20 {
            eprintln!(
                "stance: ... and {} more skipped rows",
                d.report.skipped.len() - 20
            );
        }
        for (raw, n, c) in &d.report.normalized {
            eprintln!("stance: label {raw:?} normalized to {n:?} ({c} rows)");
        }
        Ok(d)
    }

    /// The model's heads that the first data file has a column for: a head trained in the
    /// wide layout is named after its label column, so these are the labels to evaluate.
    pub fn head_columns(&self, bundle: &stance::bundle::Bundle) -> Result<Vec<String>, Error> {
        let first = ingest::expand_inputs(&self.data)?.into_iter().next();
        // (stdin cannot be read twice: once for its header, once for the rows)
        let Some(path) = first.filter(|p| p.as_os_str() != "-") else {
            return Err(Error::Usage(
                "name the label columns with --label-col (data from stdin)".into(),
            ));
        };
        let columns = ingest::open(&self.input.spec(path.clone())?)?
            .columns()
            .to_vec();
        let heads: Vec<String> = bundle.heads.iter().map(|h| h.name.clone()).collect();
        let found: Vec<String> = heads
            .iter()
            .filter(|h| columns.iter().any(|c| &**c == h.as_str()))
            .cloned()
            .collect();
        if found.is_empty() {
            let cols: Vec<&str> = columns.iter().map(|c| &**c).collect();
            return Err(Error::Usage(format!(
                "{}: no column is named as a head of the model ({}); columns: {}; \
                 name the label columns with --label-col",
                path.display(),
                heads.join(", "),
                cols.join(", ")
            )));
        }
        Ok(found)
    }

    pub fn describe(&self) -> Vec<String> {
        self.data.iter().map(|p| p.display().to_string()).collect()
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    /// Multinomial logistic regression (L-BFGS).
    Logreg,
    /// Linear SVM, squared hinge, one-vs-rest (dual coordinate descent), Platt probabilities.
    Svm,
    /// Multinomial naive Bayes.
    Nb,
    /// Complement naive Bayes.
    Cnb,
    /// NB-weighted SVM (Wang & Manning 2012).
    Nbsvm,
}

/// Learner settings.
#[derive(Args, Debug, Clone)]
pub struct LearnerArgs {
    #[arg(long, value_enum, default_value = "logreg")]
    pub model: ModelKind,
    /// Inverse regularization strength (logreg, svm, nbsvm), as scikit-learn's C.
    #[arg(long, default_value_t = 10.0)]
    pub c: f64,
    /// Smoothing (nb, cnb, nbsvm).
    #[arg(long, default_value_t = 1.0)]
    pub alpha: f64,
    /// Stopping tolerance.
    #[arg(long, default_value_t = 1e-4)]
    pub tol: f64,
    /// Iteration limit.
    #[arg(long, default_value_t = 1000)]
    pub max_iter: usize,
    /// Class weights: none, balanced, or comma-separated weights in sorted label order.
    #[arg(long, default_value = "none")]
    pub class_weight: String,
    /// Seed for every random choice (folds, SVM coordinate order).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

impl LearnerArgs {
    pub fn learner(&self) -> Learner {
        self.learner_with(self.c, self.alpha)
    }

    /// The learner with another C/alpha (for grid search).
    pub fn learner_with(&self, c: f64, alpha: f64) -> Learner {
        let (tol, max_iter) = (self.tol, self.max_iter);
        match self.model {
            ModelKind::Logreg => Learner::Logistic { c, tol, max_iter },
            ModelKind::Svm => Learner::Svm { c, tol, max_iter },
            ModelKind::Nb => Learner::MultinomialNb { alpha },
            ModelKind::Cnb => Learner::ComplementNb { alpha },
            ModelKind::Nbsvm => Learner::NbSvm {
                c,
                alpha,
                beta: 0.25,
                tol,
                max_iter,
            },
        }
    }

    pub fn class_weight(&self) -> Result<ClassWeight, Error> {
        match self.class_weight.trim().to_ascii_lowercase().as_str() {
            "none" | "" => Ok(ClassWeight::None),
            "balanced" => Ok(ClassWeight::Balanced),
            list => list
                .split(',')
                .map(|w| w.trim().parse::<f64>())
                .collect::<Result<Vec<_>, _>>()
                .map(ClassWeight::Explicit)
                .map_err(|_| {
                    Error::Usage(format!(
                        "--class-weight must be none, balanced or numbers like 1,2.5,1; got {list:?}"
                    ))
                }),
        }
    }
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub features: FeatureArgs,
    #[command(flatten)]
    pub learner: LearnerArgs,
    /// Where to write the model bundle.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Grid-search C/alpha and n-gram settings with k-fold cross-validation first.
    #[arg(long)]
    pub search: bool,
    /// Folds for --search.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
}

pub fn spec(features: &FeatureArgs, learner: &LearnerArgs) -> Result<TrainSpec, Error> {
    Ok(TrainSpec {
        features: features.config(),
        clean: Default::default(),
        learner: learner.learner(),
        class_weight: learner.class_weight()?,
        seed: learner.seed,
    })
}

pub fn run(a: TrainArgs) -> Result<Outcome, Error> {
    let data = a.data.load()?;
    let mut spec = spec(&a.features, &a.learner)?;
    let mut notes = serde_json::Value::Null;
    let mut per_head = Vec::new();
    if a.search {
        let grid = grid(&spec, &a.learner);
        let folds = FoldSpec {
            k: a.folds,
            seed: a.learner.seed,
            grouped: a.data.labels.group_col.is_some(),
        };
        let found = stance::search::search(&data, &spec, &grid, &folds)?;
        eprint!("{}", found.table());
        spec.features = found.features.clone();
        spec.class_weight = found.class_weight.clone();
        per_head = found.per_head_learners();
        notes = serde_json::to_value(&found).unwrap_or_default();
    }
    let (mut bundle, summary) = if per_head.is_empty() {
        train::train(&data, &spec, a.data.describe())?
    } else {
        train::train_per_head(&data, &spec, &per_head, a.data.describe())?
    };
    if !notes.is_null() {
        bundle.meta.notes["search"] = notes;
    }
    bundle.save(&a.output)?;
    print_summary(&summary);
    let skipped = data.report.skipped.len();
    let normalized: usize = data.report.normalized.iter().map(|n| n.2).sum();
    println!(
        "{skipped} row(s) skipped (bad encoding, empty text, ragged: listed above), {normalized} label cell(s) normalized"
    );
    let size = std::fs::metadata(&a.output).map(|m| m.len()).unwrap_or(0);
    println!("wrote {} ({:.1} MB)", a.output.display(), size as f64 / 1e6);
    Ok(Outcome {
        row_errors: data.report.skipped.len() as u64,
    })
}

/// The `--search` grid: the given features and four variants (word 1-3, no char n-grams,
/// min_df 2, scikit-learn's analyzer with the same n-gram ranges), times the given class
/// weighting and `balanced` (when the given one is `none`), times a range of C (or alpha for
/// naive Bayes) around the usual optimum.
pub fn grid(spec: &TrainSpec, l: &LearnerArgs) -> Grid {
    let base = spec.features.clone();
    let mut w13 = base.clone();
    if let Some(r) = &mut w13.tokenizer.word_ngrams {
        *r = NgramRange { min: r.min, max: 3 };
    }
    let mut no_char = base.clone();
    no_char.tokenizer.char_ngrams = None;
    if no_char.tokenizer.word_ngrams.is_none() {
        no_char.tokenizer.word_ngrams = Some(NgramRange { min: 1, max: 2 });
    }
    let mut df2 = base.clone();
    df2.min_df = DfBound::Count(2);
    let mut class_weights = vec![spec.class_weight.clone()];
    if spec.class_weight == ClassWeight::None {
        class_weights.push(ClassWeight::Balanced);
    }
    let learners = match l.model {
        ModelKind::Nb | ModelKind::Cnb => [0.01, 0.03, 0.1, 0.3, 1.0]
            .iter()
            .map(|&a| l.learner_with(l.c, a))
            .collect(),
        _ => [0.1, 0.3, 1.0, 3.0, 10.0, 30.0]
            .iter()
            .map(|&c| l.learner_with(c, l.alpha))
            .collect(),
    };
    let sklearn = if matches!(base.tokenizer.split, Split::SklearnPattern) {
        None
    } else {
        let mut sk = base.clone();
        sk.tokenizer = TokenizerConfig::sklearn(
            base.tokenizer.word_ngrams,
            base.tokenizer.char_ngrams.as_ref().map(|c| (c.min, c.max)),
        );
        Some(("scikit-learn analyzer".into(), sk))
    };
    let mut features = vec![
        ("as given".into(), base),
        ("word n-grams up to 3".into(), w13),
        ("no char n-grams".into(), no_char),
        ("min_df 2".into(), df2),
    ];
    features.extend(sklearn);
    Grid {
        features,
        class_weights,
        learners,
    }
}

pub fn print_summary(s: &TrainSummary) {
    println!(
        "{} rows, {} features (vectorized in {:.2} s)",
        s.rows, s.features, s.vectorize_seconds
    );
    for h in &s.heads {
        let counts: Vec<String> = h
            .labels
            .iter()
            .zip(&h.support)
            .map(|(l, n)| format!("{l}={n}"))
            .collect();
        println!(
            "head {:<16} rows {:>6}  [{}]  trained in {:.2} s  training-set accuracy {:.3}",
            h.head,
            h.support.iter().sum::<usize>(),
            counts.join(" "),
            h.seconds,
            h.train_accuracy
        );
    }
}
