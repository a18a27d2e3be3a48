//! Read-only views of a fitted vectorizer, for debugging and model inspection.

use super::Vectorizer;

/// One column of the row, described.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TermInfo {
    pub column: usize,
    /// `w:term`, `c:term`, or `w#bucket` in hashing mode.
    pub name: String,
    pub df: u32,
    pub idf: f64,
}

impl Vectorizer {
    /// Every column with its name, df and idf, in column order.
    pub fn terms(&self) -> impl Iterator<Item = TermInfo> + '_ {
        self.blocks().iter().flat_map(move |b| {
            (0..b.len).map(move |k| TermInfo {
                column: b.offset + k,
                name: self
                    .feature_name(b.offset + k)
                    .expect("column inside its block"),
                df: b.df[k],
                idf: b.idf[k],
            })
        })
    }

    /// The `k` columns with the highest document frequency (ties by column order).
    pub fn top_by_df(&self, k: usize) -> Vec<TermInfo> {
        let mut all: Vec<TermInfo> = self.terms().collect();
        all.sort_by(|a, b| b.df.cmp(&a.df).then(a.column.cmp(&b.column)));
        all.truncate(k);
        all
    }
}
