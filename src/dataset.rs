//! Labeled data for training and evaluation: texts plus one label column per head (wide) or a
//! target column and a label column (long, SemEval-style: one head per distinct target).
//!
//! Labels are normalized (trimmed, lowercased) so that "FAVOR " and "favor" are one class;
//! every normalization is counted and reported rather than done silently. An empty label cell
//! means "not labeled for this head", which lets one file label some rows for some heads only.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::ingest::{self, InputSpec, RowError};
use crate::Error;

/// Where the labels are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelLayout {
    /// One head per column; the head is named after the column.
    Wide { label_cols: Vec<String> },
    /// One head per distinct value of `target_col`; labels in `label_col`.
    Long {
        target_col: String,
        label_col: String,
    },
}

/// The labels of one head over all rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadData {
    pub name: String,
    /// Sorted, unique, normalized.
    pub labels: Vec<String>,
    /// Per row: the label index, or `None` when the row is not labeled for this head.
    pub y: Vec<Option<usize>>,
}

impl HeadData {
    /// Rows labeled for this head and their class indices.
    pub fn labeled(&self) -> (Vec<usize>, Vec<usize>) {
        self.y
            .iter()
            .enumerate()
            .filter_map(|(i, y)| y.map(|c| (i, c)))
            .unzip()
    }

    /// Rows per label.
    pub fn support(&self) -> Vec<usize> {
        let mut s = vec![0; self.labels.len()];
        for c in self.y.iter().flatten() {
            s[*c] += 1;
        }
        s
    }
}

/// What loading saw besides the rows: skipped rows and normalized labels.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadReport {
    pub rows: usize,
    /// Rows that could not be used (bad encoding, empty text, ragged), with their errors.
    pub skipped: Vec<RowError>,
    /// `(raw label, normalized label, count)` for every label that changed when normalized.
    pub normalized: Vec<(String, String, usize)>,
}

/// Texts and labels, ready to train or evaluate on.
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledData {
    pub texts: Vec<String>,
    pub ids: Vec<String>,
    /// Group key per row (for grouped folds); the row's own id without a group column.
    pub groups: Vec<String>,
    pub heads: Vec<HeadData>,
    pub report: LoadReport,
}

/// Normalizes a raw label cell: trimmed and lowercased; `None` when empty.
pub fn normalize_label(raw: &str) -> Option<String> {
    let t = raw.trim();
    (!t.is_empty()).then(|| t.to_lowercase())
}

fn field<'a>(extra: &'a [(Arc<str>, String)], name: &str) -> Option<&'a str> {
    extra
        .iter()
        .find(|(k, _)| &**k == name)
        .map(|(_, v)| v.as_str())
}

impl LabeledData {
    /// Reads every input and collects texts and labels.
    ///
    /// # Errors
    /// An unreadable input, a label/target/group column missing from an input, or no usable
    /// rows at all; rows with bad text are skipped and reported in [`LoadReport::skipped`].
    pub fn load(
        inputs: &[InputSpec],
        layout: &LabelLayout,
        group_col: Option<&str>,
    ) -> Result<LabeledData, Error> {
        let mut texts = Vec::new();
        let mut ids = Vec::new();
        let mut groups = Vec::new();
        // head name -> per-row raw normalized label
        let mut cells: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
        let mut normalized: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut report = LoadReport::default();
        for spec in inputs {
            let reader = ingest::open(spec)?;
            let cols: Vec<&str> = reader.columns().iter().map(|c| &**c).collect();
            let mut need: Vec<&str> = match layout {
                LabelLayout::Wide { label_cols } => label_cols.iter().map(String::as_str).collect(),
                LabelLayout::Long {
                    target_col,
                    label_col,
                } => vec![target_col, label_col],
            };
            need.extend(group_col);
            for n in need {
                if !cols.contains(&n) {
                    return Err(Error::Ingest(ingest::IngestError::MissingColumn {
                        path: spec.path.clone(),
                        column: n.to_string(),
                        available: cols.iter().map(|c| c.to_string()).collect(),
                    }));
                }
            }
            for item in reader {
                let rec = match item {
                    Ok(r) => r,
                    Err(e) => {
                        report.skipped.push(e);
                        continue;
                    }
                };
                let row = texts.len();
                let mut put =
                    |head: &str, raw: &str, cells: &mut BTreeMap<String, Vec<(usize, String)>>| {
                        if let Some(n) = normalize_label(raw) {
                            if n != raw {
                                *normalized.entry((raw.to_string(), n.clone())).or_default() += 1;
                            }
                            cells.entry(head.to_string()).or_default().push((row, n));
                        }
                    };
                match layout {
                    LabelLayout::Wide { label_cols } => {
                        for c in label_cols {
                            put(c, field(&rec.extra, c).unwrap_or(""), &mut cells);
                        }
                    }
                    LabelLayout::Long {
                        target_col,
                        label_col,
                    } => {
                        let target = field(&rec.extra, target_col).unwrap_or("").trim();
                        if !target.is_empty() {
                            put(
                                target,
                                field(&rec.extra, label_col).unwrap_or(""),
                                &mut cells,
                            );
                        }
                    }
                }
                groups.push(
                    group_col
                        .and_then(|g| field(&rec.extra, g))
                        .map_or_else(|| format!("{}#{}", rec.source, rec.number), str::to_string),
                );
                ids.push(rec.id);
                texts.push(rec.text);
            }
        }
        report.rows = texts.len();
        report.normalized = normalized
            .into_iter()
            .map(|((raw, n), c)| (raw, n, c))
            .collect();
        if texts.is_empty() {
            return Err(Error::Usage("no usable rows with text in the data".into()));
        }
        let mut heads = Vec::new();
        let names: Vec<String> = match layout {
            LabelLayout::Wide { label_cols } => label_cols.clone(),
            LabelLayout::Long { .. } => cells.keys().cloned().collect(),
        };
        for name in names {
            let col = cells.remove(&name).unwrap_or_default();
            let labels: Vec<String> = col
                .iter()
                .map(|(_, l)| l.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let mut y = vec![None; texts.len()];
            for (row, l) in col {
                y[row] = Some(labels.binary_search(&l).expect("label in set"));
            }
            heads.push(HeadData { name, labels, y });
        }
        Ok(LabeledData {
            texts,
            ids,
            groups,
            heads,
            report,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_normalize() {
        assert_eq!(normalize_label(" FAVOR "), Some("favor".into()));
        assert_eq!(normalize_label("  "), None);
    }
}
