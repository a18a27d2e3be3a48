//! Page clutter out; article body vs reader comments.
//!
//! PLACEHOLDER INTERFACE (being implemented by the clean helper): the types are fixed, the
//! body of `segment` is replaced.

use serde::{Deserialize, Serialize};

/// What a unit of a raw article is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitKind {
    Headline,
    Paragraph,
    Comment,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Headline => "headline",
            UnitKind::Paragraph => "paragraph",
            UnitKind::Comment => "comment",
        }
    }
}

impl std::fmt::Display for UnitKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One unit of an article: its headline, a body paragraph or a reader comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub kind: UnitKind,
    /// 0-based position among the units kept from this source, in reading order.
    pub position: usize,
    pub text: String,
}

/// Splits a decoded raw article into units, dropping page clutter.
pub fn segment(text: &str) -> Vec<Unit> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .enumerate()
        .map(|(position, p)| Unit {
            kind: UnitKind::Paragraph,
            position,
            text: p.to_string(),
        })
        .collect()
}
