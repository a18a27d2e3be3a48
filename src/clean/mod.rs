//! Page clutter out; article body vs reader comments.
//!
//! A scraped page is the article plus everything the site printed around it. The rules here are
//! general — line shape, repetition, position, and a small furniture vocabulary (`lexicon.rs`) —
//! rather than a list of strings from particular sites, so pages from sites never seen before
//! come out the same way. In reading order:
//!
//! * **Segments.** Each non-blank line is a candidate; lines of one block are joined only when
//!   the first cannot end a sentence (hard-wrapped text). Pages that separate paragraphs by a
//!   single newline therefore keep one paragraph per line.
//! * **Furniture** is dropped wherever it is: share/follow bars, promos, cookie banners,
//!   correction notes, ad slots, photo credits, bylines and datelines, kicker/menu lines with
//!   `|`-style separators, blocks that are menus, and lines with no letters or digits.
//! * **Headline.** The first title-shaped line (no terminal punctuation, at least three words)
//!   before the body starts; a page that opens with running text has none. Later repeats of it
//!   are dropped.
//! * **Dek.** A sentence-case fragment right under the headline is the standfirst. It is the
//!   article's own summary (often its most stance-laden line), so it is kept as the first
//!   `paragraph` unless [`CleanConfig::drop_dek`] is set.
//! * **Body.** Sentence-shaped lines. Title-shaped lines inside the body (subheads such as
//!   "Other Ukraine News This Week", category labels, link titles, unpunctuated bullet items)
//!   are dropped: they introduce text but are not text. The paragraphs under them are kept.
//! * **Teasers** of other stories are dropped by structure (see `drop_teasers`): a title line
//!   that appears twice (link + card heading) takes the paragraph after its last copy; a
//!   "keep reading" line takes the paragraphs above it when a card header (credit, kicker,
//!   title + category) sits above them; title + excerpt blocks under a "More from …" heading
//!   are cards; an excerpt cut off with "[…]" is one.
//! * **End of article.** A closing credit ("Reporting by …", "Author: …") ends the body: what
//!   follows until a comment thread (bio, standards note) is not article text. A copyright line
//!   ends the page.
//! * **Comments.** A "Comments (3)"-style heading or counted link after the body opens the
//!   thread: from there every sentence-like line is a `comment`, one unit per paragraph
//!   (comments are often split across paragraphs with no marker, so merging would guess);
//!   names, handles and widget rows are dropped. A related-stories heading ends the thread.
//! * **Bio.** A paragraph starting with the byline's name ("Dave DeCamp is the news editor …"),
//!   or a last paragraph shaped like a contributor note, is the author's bio.
//! * **Repeats.** Later copies of a headline or paragraph, and pull quotes (all sentences seen
//!   before), are dropped.
//!
//! Every step is a constant number of passes over the segments with bounded look-around and
//! hash sets of repetition keys, so the whole is linear in the input size (no timing test; the
//! joining of wrapped lines is decided per line pair so it stays linear too).

mod lexicon;
mod shape;

use serde::{Deserialize, Serialize};
use shape::Seg;
use std::collections::{HashMap, HashSet};

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

/// Tunable thresholds for [`segment_with`].
///
/// Stored inside model files, so it is plain data and every field's zero value (`None`/`false`,
/// what `Default` gives and what a missing field deserializes to) means "the built-in default":
/// an old model file keeps segmenting the same way when fields are added.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(default)]
pub struct CleanConfig {
    /// An unpunctuated line with at least this many words is running text, not a title
    /// (scrapers sometimes lose a paragraph's final full stop). Default 20.
    pub long_line_words: Option<usize>,
    /// A line ending in `?`/`!` with at most this many words and one sentence is a title
    /// (question headlines and teasers). Default 12.
    pub max_title_question_words: Option<usize>,
    /// A line ending in `:` with at most this many words is a label/subhead. Default 6.
    pub max_label_words: Option<usize>,
    /// Fewest words (with letters) for the headline; shorter lines are categories. Default 3.
    pub min_headline_words: Option<usize>,
    /// Longest headline in characters. Default 200.
    pub max_headline_chars: Option<usize>,
    /// Fewest words for a dek under the headline. Default 5.
    pub min_dek_words: Option<usize>,
    /// Drop the dek instead of keeping it as a paragraph.
    pub drop_dek: bool,
    /// Most paragraphs a teaser card's excerpt may have. Default 3.
    pub max_teaser_paragraphs: Option<usize>,
    /// Furniture phrases are ignored in segments longer than this (in words). Default 80.
    pub max_clutter_words: Option<usize>,
    /// Segments up to this many words are "short": single furniture words and menu-word
    /// density only count there. Default 12.
    pub short_words: Option<usize>,
    /// Fewest words for an unpunctuated comment. Default 4.
    pub min_comment_words: Option<usize>,
}

impl CleanConfig {
    pub fn long_line_words(&self) -> usize {
        self.long_line_words.unwrap_or(20)
    }
    pub fn max_title_question_words(&self) -> usize {
        self.max_title_question_words.unwrap_or(12)
    }
    pub fn max_label_words(&self) -> usize {
        self.max_label_words.unwrap_or(6)
    }
    pub fn min_headline_words(&self) -> usize {
        self.min_headline_words.unwrap_or(3)
    }
    pub fn max_headline_chars(&self) -> usize {
        self.max_headline_chars.unwrap_or(200)
    }
    pub fn min_dek_words(&self) -> usize {
        self.min_dek_words.unwrap_or(5)
    }
    pub fn max_teaser_paragraphs(&self) -> usize {
        self.max_teaser_paragraphs.unwrap_or(3)
    }
    pub fn max_clutter_words(&self) -> usize {
        self.max_clutter_words.unwrap_or(80)
    }
    pub fn short_words(&self) -> usize {
        self.short_words.unwrap_or(12)
    }
    pub fn min_comment_words(&self) -> usize {
        self.min_comment_words.unwrap_or(4)
    }
}

/// Splits a decoded raw article into units, dropping page clutter.
pub fn segment(text: &str) -> Vec<Unit> {
    segment_with(text, &CleanConfig::default())
}

/// [`segment`] with explicit thresholds.
pub fn segment_with(text: &str, cfg: &CleanConfig) -> Vec<Unit> {
    let segs = shape::segments(text, cfg);
    let mut roles = assign_roles(&segs, cfg);
    drop_teasers(
        &segs,
        &mut roles.kinds,
        roles.body_start,
        roles.comment_start,
        cfg,
    );
    drop_bios(
        &segs,
        &mut roles.kinds,
        &roles.byline_names,
        roles.comment_start,
    );
    drop_repeats(&segs, &mut roles.kinds);
    roles
        .kinds
        .iter()
        .zip(segs)
        .filter_map(|(kind, seg)| kind.map(|k| (k, seg.text)))
        .enumerate()
        .map(|(position, (kind, text))| Unit {
            kind,
            position,
            text,
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Before the first body paragraph: headline, dek, navigation.
    Top,
    Body,
    /// After a closing credit ("Reporting by …", "Author: …"): what follows until a comment
    /// thread is the author's bio, standards notes and the like, not article text.
    Signed,
    Comments,
    /// After the page footer or the end of the comment thread: nothing is article any more.
    Tail,
}

struct Roles {
    /// Kept kind per segment (None = dropped).
    kinds: Vec<Option<UnitKind>>,
    body_start: usize,
    comment_start: usize,
    byline_names: Vec<String>,
}

/// One pass in reading order with a phase; decides headline, dek, paragraphs and comments.
fn assign_roles(segs: &[Seg], cfg: &CleanConfig) -> Roles {
    let n = segs.len();
    let mut kinds = vec![None; n];
    let mut phase = Phase::Top;
    let mut headline_key: Option<&str> = None;
    let mut dek_checked = false;
    let mut body_start = n;
    let mut comment_start = n;
    let mut byline_names = Vec::new();
    let menus = menu_blocks(segs, cfg);
    for (i, s) in segs.iter().enumerate() {
        if phase == Phase::Tail {
            break;
        }
        if matches!(
            s.clutter,
            Some(lexicon::Clutter::Byline | lexicon::Clutter::Signoff)
        ) {
            if let Some(name) = shape::byline_name(s) {
                byline_names.push(name);
            }
        }
        // A copyright/legal line after the content is the page footer.
        if s.clutter == Some(lexicon::Clutter::Legal)
            && phase != Phase::Top
            && s.words <= 2 * cfg.short_words()
        {
            phase = Phase::Tail;
            continue;
        }
        if headline_key == Some(s.key.as_str()) {
            continue;
        }
        match phase {
            Phase::Top => {
                if s.is_furniture()
                    || s.comment_heading
                    || s.related_heading
                    || menus.contains(&s.block)
                {
                    continue;
                }
                if s.article_prose(cfg) {
                    kinds[i] = Some(UnitKind::Paragraph);
                    phase = Phase::Body;
                    body_start = i;
                } else if headline_key.is_none() {
                    // A short label directly above a longer title line in the same block is a
                    // kicker ("War in Ukraine" over the headline), not the headline.
                    let kicker = s.alpha_words <= 3
                        && segs.get(i + 1).is_some_and(|next| {
                            next.block == s.block
                                && !next.is_furniture()
                                && !next.article_prose(cfg)
                                && next.alpha_words >= 4
                        });
                    if !kicker
                        && s.alpha_words >= cfg.min_headline_words()
                        && s.text.chars().count() <= cfg.max_headline_chars()
                    {
                        kinds[i] = Some(UnitKind::Headline);
                        headline_key = Some(&s.key);
                    }
                } else if !dek_checked {
                    // The dek is the line right under the headline (furniture aside); a
                    // bulleted "key points" list or a label there means the page has none.
                    dek_checked = true;
                    let bullet = s.text.starts_with(['-', '*', '•', '–', '—', '▪', '►', '·']);
                    if !cfg.drop_dek
                        && !s.title_case
                        && !bullet
                        && s.alpha_words >= cfg.min_dek_words()
                    {
                        kinds[i] = Some(UnitKind::Paragraph);
                    }
                }
            }
            Phase::Body | Phase::Signed => {
                if s.comment_heading {
                    phase = Phase::Comments;
                    comment_start = i;
                } else if s.clutter == Some(lexicon::Clutter::Signoff) {
                    phase = Phase::Signed;
                } else if phase == Phase::Body
                    && !s.is_furniture()
                    && !s.truncated
                    && s.article_prose(cfg)
                {
                    // A paragraph cut off with "[…]" is a site's excerpt of another page.
                    kinds[i] = Some(UnitKind::Paragraph);
                }
            }
            Phase::Comments => {
                if s.related_heading {
                    phase = Phase::Tail;
                } else if !s.is_furniture() && s.comment_prose(cfg) {
                    kinds[i] = Some(UnitKind::Comment);
                }
            }
            Phase::Tail => {}
        }
    }
    Roles {
        kinds,
        body_start,
        comment_start,
        byline_names,
    }
}

/// Blocks that are menus: three or more lines, none of them a sentence, at least one of them
/// known furniture, averaging at most three words ("Home / About / Archive / Contact" one per
/// line, with the site name among them). The site name in such a block is title-shaped and would
/// otherwise be taken for the headline; a kicker + section + short headline block has no menu
/// word in it, so it is left alone.
fn menu_blocks(segs: &[Seg], cfg: &CleanConfig) -> HashSet<usize> {
    // Per block: lines, words, any sentence, any furniture.
    let mut stats: HashMap<usize, (usize, usize, bool, bool)> = HashMap::new();
    for s in segs {
        let e = stats.entry(s.block).or_insert((0, 0, false, false));
        e.0 += 1;
        e.1 += s.words;
        e.2 |= s.article_prose(cfg) && !s.is_furniture();
        e.3 |= s.is_furniture();
    }
    stats
        .into_iter()
        .filter(|&(_, (n, words, prose, furniture))| {
            n >= 3 && !prose && furniture && words <= 3 * n
        })
        .map(|(b, _)| b)
        .collect()
}

/// Drops excerpts of other stories.
///
/// Why structure and not vocabulary: a teaser's excerpt is ordinary news prose, often on the same
/// topic, so only its surroundings give it away. Two shapes are recognised:
///
/// 1. *Repeated title.* Cards print their title twice (as a link and as the card heading), and an
///    article's own subheads are not repeated. The paragraph after the last copy is the excerpt;
///    more than one only if a "keep reading" line closes them.
/// 2. *"Keep reading" close.* The paragraphs just above it are an excerpt when the lines above
///    them are a card header: a photo credit, a kicker, or at least two title-shaped lines
///    (title + category). The article's own headline never counts as a card header, so an
///    article cut off by "Continue reading" keeps its text.
/// 3. *Card list under a related heading* ("More from World", "Related posts"): a paragraph
///    directly under a single title line of the same block is that card's excerpt. The list
///    ends at any other paragraph (one after a blank line, after several link titles, or after
///    another paragraph), because that is the article resuming after an inline link list. A
///    heading ending in `:` ("Read more:") labels an inline link list, never cards.
fn drop_teasers(
    segs: &[Seg],
    kinds: &mut [Option<UnitKind>],
    body_start: usize,
    comment_start: usize,
    cfg: &CleanConfig,
) {
    let max_paras = cfg.max_teaser_paragraphs();
    let is_title = |s: &Seg| !s.is_furniture() && !s.article_prose(cfg) && !s.terminator;

    // 1. Repeated titles after the body started (first and last occurrence).
    let mut seen: HashMap<&str, (usize, usize)> = HashMap::new();
    for (i, s) in segs.iter().enumerate().take(comment_start) {
        if i > body_start && kinds[i].is_none() && is_title(s) && s.alpha_words >= 3 {
            seen.entry(&s.key).and_modify(|e| e.1 = i).or_insert((i, i));
        }
    }
    let mut lasts: Vec<usize> = seen
        .values()
        .filter(|(first, last)| first != last)
        .map(|&(_, last)| last)
        .collect();
    lasts.sort_unstable();
    for last in lasts {
        // Skip the card's own furniture (category, credit) to the excerpt.
        let mut j = last + 1;
        let mut skipped = 0;
        while j < comment_start && kinds[j].is_none() && skipped < 3 {
            if segs[j].comment_heading || segs[j].terminator {
                break;
            }
            j += 1;
            skipped += 1;
        }
        let run: Vec<usize> = (j..comment_start.min(j + max_paras))
            .take_while(|&k| kinds[k] == Some(UnitKind::Paragraph))
            .collect();
        let Some(&first) = run.first() else { continue };
        let closed = run.last().map(|&k| k + 1).filter(|&k| k < segs.len());
        match closed.filter(|&k| segs[k].terminator) {
            Some(_) => run.iter().for_each(|&k| kinds[k] = None),
            None => kinds[first] = None,
        }
    }

    // 3. Card lists under a related heading.
    let mut i = body_start;
    while i < comment_start {
        let h = &segs[i];
        if !h.related_heading || kinds[i].is_some() || h.ending == shape::Ending::Colon {
            i += 1;
            continue;
        }
        // Titles seen since the last paragraph within the current block.
        let (mut titles, mut block) = (0usize, h.block);
        let mut k = i + 1;
        while k < comment_start {
            let s = &segs[k];
            if s.comment_heading {
                break;
            }
            if s.block != block {
                (titles, block) = (0, s.block);
            }
            if s.is_furniture() || s.alpha_words == 0 {
                // Rank numbers ("1", "2") and datelines belong to the card, not its text.
            } else if s.article_prose(cfg) {
                if titles != 1 {
                    break; // The article resumes: a paragraph not directly under one title.
                }
                kinds[k] = None;
                titles = 0;
            } else {
                titles += 1;
            }
            k += 1;
        }
        i = k.max(i + 1);
    }

    // 2. "Keep reading" closes.
    for t in 0..segs.len() {
        if !segs[t].terminator {
            continue;
        }
        let mut excerpt = Vec::new();
        let mut j = t;
        while j > 0 && excerpt.len() <= max_paras {
            match kinds[j - 1] {
                Some(UnitKind::Paragraph) | Some(UnitKind::Comment) => excerpt.push(j - 1),
                _ => break,
            }
            j -= 1;
        }
        if excerpt.is_empty() || excerpt.len() > max_paras {
            continue;
        }
        // The header run above the excerpt.
        let (mut titles, mut marked, mut headline) = (0, false, false);
        for s_idx in (j.saturating_sub(8)..j).rev() {
            match kinds[s_idx] {
                Some(UnitKind::Headline) => headline = true,
                Some(_) => break,
                None => {}
            }
            let s = &segs[s_idx];
            if s.clutter == Some(lexicon::Clutter::Credit) || (s.separated && !s.junk) {
                marked = true;
            } else if is_title(s) {
                titles += 1;
            }
        }
        if !headline && (marked || titles >= 2) {
            excerpt.iter().for_each(|&k| kinds[k] = None);
        }
    }
}

/// Words that name a contributor's role in a bio note.
const BIO_ROLES: &[&str] = &[
    "editor",
    "reporter",
    "writer",
    "correspondent",
    "journalist",
    "columnist",
    "contributor",
    "author",
    "fellow",
    "analyst",
    "professor",
    "researcher",
    "director",
    "producer",
    "freelance",
];

/// Drops the author's bio: it describes the writer, not the story, and would lend the author's
/// affiliation to the article's stance.
fn drop_bios(segs: &[Seg], kinds: &mut [Option<UnitKind>], names: &[String], comment_start: usize) {
    for (i, s) in segs.iter().enumerate().take(comment_start) {
        if kinds[i] != Some(UnitKind::Paragraph) {
            continue;
        }
        let named = names.iter().any(|name| {
            s.text
                .strip_prefix(name.as_str())
                .is_some_and(|rest| rest.starts_with(" is ") || rest.starts_with(" was "))
        });
        if named {
            kinds[i] = None;
        }
    }
    // Without a byline: the last body paragraph, if it is "<Name> is a <role> …".
    if let Some(last) = (0..comment_start)
        .rev()
        .find(|&i| kinds[i] == Some(UnitKind::Paragraph))
    {
        if looks_like_bio(&segs[last]) {
            kinds[last] = None;
        }
    }
}

fn looks_like_bio(s: &Seg) -> bool {
    if s.words > 60 {
        return false;
    }
    let ws: Vec<&str> = s.text.split_whitespace().collect();
    let Some(is_at) = ws.iter().position(|w| *w == "is") else {
        return false;
    };
    let name_ok = (2..=4).contains(&is_at)
        && ws[..is_at]
            .iter()
            .all(|w| w.chars().next().is_some_and(char::is_uppercase));
    let lower = &s.lower;
    // Reported speech is news about the person, not a note about the author.
    let reported = ["said", "says", "told", "added", "according"]
        .iter()
        .any(|v| lexicon::has_phrase(lower, v))
        || s.text.contains(['"', '“', '”']);
    name_ok && !reported && BIO_ROLES.iter().any(|r| lexicon::has_phrase(lower, r))
}

/// Drops later copies of a kept headline or paragraph: a page repeats its own text in pull
/// quotes and sticky headers, and a duplicate unit would double its weight. A pull quote is
/// usually one sentence lifted from a longer paragraph, so a paragraph whose sentences all
/// appeared earlier is a copy too (if it is long enough that the overlap is not chance).
/// Comments are exempt: two readers may well write the same short reply.
fn drop_repeats(segs: &[Seg], kinds: &mut [Option<UnitKind>]) {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut sentences: HashSet<String> = HashSet::new();
    for (i, s) in segs.iter().enumerate() {
        if !matches!(kinds[i], Some(UnitKind::Headline | UnitKind::Paragraph)) {
            continue;
        }
        let keys = sentence_keys(&s.text);
        let lifted = s.words >= 6 && !keys.is_empty() && keys.iter().all(|k| sentences.contains(k));
        if !seen.insert(&s.key) || lifted {
            kinds[i] = None;
            continue;
        }
        sentences.extend(keys);
    }
}

/// Repetition keys of the sentences of a text (split after `.`, `?`, `!` followed by a space).
fn sentence_keys(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let end = matches!(b, b'.' | b'?' | b'!') && bytes.get(i + 1).is_none_or(|&n| n == b' ');
        if end {
            push_key(&text[start..=i], &mut out);
            start = i + 1;
        }
    }
    push_key(&text[start..], &mut out);
    out
}

fn push_key(sentence: &str, out: &mut Vec<String>) {
    let key = shape::key_of(&sentence.to_lowercase());
    if !key.is_empty() {
        out.push(key);
    }
}

#[cfg(test)]
mod tests;
