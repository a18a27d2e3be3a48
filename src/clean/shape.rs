//! Line shape: turning raw text into candidate segments and describing each one.
//!
//! Scraped pages lose their HTML, but the shape of a line still says what it was: a paragraph is
//! a sentence (ends in terminal punctuation, or is too long to be anything else), a heading,
//! title, label or link is a short fragment without it, a kicker or menu uses `|` separators.
//! Everything downstream decides from these features plus the line's position, so this module
//! is the only place that looks at characters.

use super::lexicon::{self, Clutter};
use super::CleanConfig;

/// Words that are conventionally lower case inside a Title Case line; they are ignored when
/// measuring capitalisation so "Strike on Russian Unit in Field" still counts as title case.
const SMALL_WORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "nor", "for", "of", "on", "in", "to", "at", "by", "with",
    "from", "as", "vs", "vs.", "via", "into", "over", "per", "up", "than", "off", "out", "is",
    "are", "be", "its", "it",
];

/// Line-final words after which a sentence cannot stop; a line ending in one was wrapped.
const CONNECTORS: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "for", "with", "on", "by", "that",
    "from", "at", "as", "which", "who", "whose", "than", "their", "his", "her", "its", "is", "are",
    "was", "were", "has", "have", "had", "will", "would", "be", "not", "into", "over", "about",
];

/// How a segment ends. Terminal punctuation is the strongest single sign of running text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// `.` or `…` (possibly followed by closing quotes/brackets).
    Stop,
    /// `?` or `!`: a sentence, or a question-style headline.
    Exclaim,
    /// `,` or `;`: a lead-in to what follows.
    Continues,
    /// `:`: a label ("U.S. State Department news:") or a lead-in to a quote.
    Colon,
    /// No punctuation: titles, headings, labels, names, links.
    Open,
}

/// One candidate unit: a line, or several lines of one block joined because they were wrapped.
#[derive(Debug, Clone)]
pub(crate) struct Seg {
    /// Index of the block (run of lines between blank lines) the segment comes from.
    pub block: usize,
    /// Whitespace-collapsed text (runs of any Unicode whitespace become one space).
    pub text: String,
    pub lower: String,
    /// Repetition key: lower-case alphanumeric words only, so punctuation or spacing differences
    /// between a title and its repeat do not hide the repeat.
    pub key: String,
    pub words: usize,
    /// Words containing at least one letter: "March 3, 2024" has one, so it cannot be a title.
    pub alpha_words: usize,
    pub ending: Ending,
    /// Sentence-end marks inside the segment (not counting the last character).
    pub inner_stops: usize,
    pub title_case: bool,
    /// Contains a separator (`|`, `·`, `•`, `›`, `»`) used by kickers, menus and bylines.
    pub separated: bool,
    /// No letters or digits at all ("||", "***").
    pub junk: bool,
    pub clutter: Option<Clutter>,
    pub comment_heading: bool,
    pub related_heading: bool,
    pub terminator: bool,
    pub comment_meta: bool,
    /// Ends in an elision mark ("[…]", "[...]"): an excerpt cut off by the site, i.e. a teaser.
    pub truncated: bool,
}

impl Seg {
    /// Running text in the article: sentence-shaped and not a question-style title.
    pub(crate) fn article_prose(&self, cfg: &CleanConfig) -> bool {
        if self.junk {
            return false;
        }
        match self.ending {
            Ending::Stop | Ending::Continues => true,
            // Headlines and teaser titles are often questions; a short single question is
            // treated as one, longer or multi-sentence ones as text.
            // A quoted exclamation is speech, not a title.
            Ending::Exclaim => {
                self.words > cfg.max_title_question_words()
                    || self.inner_stops > 0
                    || self.text.starts_with(['"', '“', '«', '„', '\''])
            }
            Ending::Colon => self.words > cfg.max_label_words(),
            Ending::Open => self.words >= cfg.long_line_words(),
        }
    }

    /// Running text in a comment thread. Readers often skip final punctuation, so an
    /// unpunctuated sentence-case line of a few words counts too; names, handles and widget
    /// rows are short, title-cased or separated.
    pub(crate) fn comment_prose(&self, cfg: &CleanConfig) -> bool {
        if self.junk || self.comment_meta {
            return false;
        }
        match self.ending {
            Ending::Stop | Ending::Continues | Ending::Exclaim => true,
            Ending::Colon => self.words > cfg.max_label_words(),
            Ending::Open => {
                self.words >= cfg.long_line_words()
                    || (self.alpha_words >= cfg.min_comment_words()
                        && !self.title_case
                        && !self.separated)
            }
        }
    }

    /// Furniture by vocabulary or separators, whatever the mode.
    pub(crate) fn is_furniture(&self) -> bool {
        self.junk || self.clutter.is_some() || self.separated
    }
}

/// Decoded page text to lines: BOM removed, every line-break convention mapped to `\n`.
pub(crate) fn lines(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push(collapse(&cur));
                cur.clear();
            }
            '\n' | '\u{2028}' | '\u{2029}' | '\u{85}' | '\u{b}' | '\u{c}' => {
                out.push(collapse(&cur));
                cur.clear();
            }
            _ => cur.push(c),
        }
    }
    out.push(collapse(&cur));
    out
}

/// Whitespace collapsed to single ASCII spaces: non-breaking spaces and tabs are layout, not
/// content, and the rules compare lines by words.
pub(crate) fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Strips closing quotes and brackets so `…said.”` ends in `.`.
fn last_meaningful(s: &str) -> Option<char> {
    s.chars().rev().find(|c| {
        !c.is_whitespace() && !matches!(c, '"' | '\'' | '”' | '’' | '»' | ')' | ']' | '*' | '_')
    })
}

fn ending_of(s: &str) -> Ending {
    // "Marta W." / "J. R. Smith Jr." end in a full stop but are names: a final initial in a
    // short line is not the end of a sentence.
    let mut ws = s.split_whitespace();
    let last = ws.next_back().unwrap_or("");
    let initial = last.len() <= 3
        && last.ends_with('.')
        && last.chars().next().is_some_and(char::is_uppercase)
        && last.chars().filter(|c| c.is_alphabetic()).count() <= 2
        && ws.count() <= 3;
    if initial {
        return Ending::Open;
    }
    match last_meaningful(s) {
        Some('.' | '…') => Ending::Stop,
        Some('?' | '!' | '？' | '！') => Ending::Exclaim,
        Some(',' | ';') => Ending::Continues,
        Some(':') => Ending::Colon,
        _ => Ending::Open,
    }
}

/// Sentence ends inside the text: `. ` / `? ` / `! ` followed by a capital, which a one-line
/// title rarely has ("Dec. 2" does not count: the next word is a digit).
fn inner_stops(s: &str) -> usize {
    let cs: Vec<char> = s.chars().collect();
    let mut n = 0;
    for i in 0..cs.len().saturating_sub(2) {
        if matches!(cs[i], '.' | '?' | '!') && cs[i + 1] == ' ' && cs[i + 2].is_uppercase() {
            n += 1;
        }
    }
    n
}

/// Title Case: at least three quarters of the non-small words start with a capital (or are
/// numbers/acronyms). Headings, names and labels are title-cased; sentences and deks are not.
pub(crate) fn is_title_case(s: &str) -> bool {
    let mut considered = 0usize;
    let mut capital = 0usize;
    for (i, raw) in s.split_whitespace().enumerate() {
        let w = raw.trim_matches(|c: char| !c.is_alphanumeric());
        let Some(first) = w.chars().next() else {
            continue;
        };
        let lw = w.to_lowercase();
        if i > 0 && SMALL_WORDS.contains(&lw.as_str()) {
            continue;
        }
        if !w.chars().any(char::is_alphabetic) {
            continue;
        }
        considered += 1;
        if first.is_uppercase() || !first.is_alphabetic() {
            capital += 1;
        }
    }
    considered > 0 && capital * 4 >= considered * 3
}

pub(crate) fn key_of(lower: &str) -> String {
    let mut key = String::with_capacity(lower.len());
    for w in lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(w);
    }
    key
}

fn is_separated(s: &str) -> bool {
    s.contains(['|', '·', '•', '›', '»', '¦'])
        || s.contains(" > ")
        || (s.contains(" / ") && s.split_whitespace().count() <= 8)
}

/// Builds a segment's features from its collapsed text.
pub(crate) fn describe(text: String, block: usize, cfg: &CleanConfig) -> Seg {
    let lower = text.to_lowercase();
    let words = text.split_whitespace().count();
    let alpha_words = text
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .count();
    let junk = !text.chars().any(char::is_alphanumeric);
    let ending = ending_of(&text);
    let separated = is_separated(&text) && words <= cfg.short_words() && ending != Ending::Stop;
    let sentence = ending == Ending::Stop && words > 1;
    let clutter = lexicon::classify(
        &lower,
        words,
        cfg.max_clutter_words(),
        cfg.short_words(),
        sentence,
    )
    .or_else(|| byline(&text, &lower, words, ending).then_some(Clutter::Byline))
    .or_else(|| (ending != Ending::Stop && lexicon::is_dateline(&lower)).then_some(Clutter::Byline))
    .or_else(|| {
        (words <= cfg.max_clutter_words() && agency_credit(&text)).then_some(Clutter::Credit)
    });
    let truncated = ["[…]", "[...]", "(…)", "(...)", "[…]"]
        .iter()
        .any(|m| text.ends_with(m));
    Seg {
        block,
        truncated,
        key: key_of(&lower),
        words,
        alpha_words,
        ending,
        inner_stops: inner_stops(&text),
        title_case: is_title_case(&text),
        separated,
        junk,
        clutter,
        comment_heading: lexicon::is_comment_heading(&lower),
        related_heading: lexicon::is_related_heading(&lower),
        terminator: lexicon::is_terminator(&lower),
        comment_meta: words <= cfg.short_words() && lexicon::is_comment_meta(&lower),
        lower,
        text,
    }
}

/// Agency photo credits are written in capitals with a slash ("REUTERS/Gleb Garanich",
/// "AP Photo/Efrem Lukatsky"); case matters, because "a Reuters/Ipsos poll" is prose.
fn agency_credit(text: &str) -> bool {
    [
        "REUTERS/",
        "AFP/",
        "/AFP",
        "AP Photo/",
        "EPA/",
        "/EPA",
        "ANADOLU/",
        "/TASS",
        "TASS/",
    ]
    .iter()
    .any(|m| text.contains(m))
}

/// "By Jane Doe", "By Jane Doe, Reuters." — but not "By the end of 2024, ...": a byline is
/// short and the word after "By" is a capitalised name.
fn byline(text: &str, lower: &str, words: usize, ending: Ending) -> bool {
    if !lower.starts_with("by ") || !(2..=8).contains(&words) {
        return false;
    }
    let second = text.split_whitespace().nth(1).unwrap_or("");
    let name_like = second.chars().next().is_some_and(char::is_uppercase)
        && !matches!(second, "The" | "A" | "An" | "This" | "That" | "Then");
    name_like && (ending != Ending::Stop || text.contains(',') || words <= 4)
}

/// The name from a byline ("Author: Dave DeCamp" → "Dave DeCamp"), used to recognise the
/// author's bio paragraph further down.
pub(crate) fn byline_name(seg: &Seg) -> Option<String> {
    let rest = ["author:", "authors:", "written by ", "posted by ", "by "]
        .iter()
        .find_map(|p| {
            // Compare on the original text: lower-casing can change byte lengths.
            let head = seg.text.get(..p.len())?;
            head.eq_ignore_ascii_case(p)
                .then(|| seg.text[p.len()..].trim_start())
        })?;
    let mut name = Vec::new();
    for w in rest.split_whitespace() {
        let bare = w.trim_end_matches([',', ';', '.', '|', '·']);
        if !bare.chars().next().is_some_and(char::is_uppercase) || name.len() == 4 {
            break;
        }
        name.push(bare);
        if bare.len() != w.len() {
            break;
        }
    }
    (!name.is_empty()).then(|| name.join(" "))
}

/// Whether line `next` continues the segment whose last line is `prev` (hard-wrapped text).
/// Only when `prev` cannot end a sentence: it ends with a comma/hyphen/connector word, or `next`
/// starts in lower case. Titles, furniture and very short one-line segments (names, handles)
/// never absorb a line. Decided on the two lines alone, so joining stays linear.
fn continues(prev: &Seg, next: &Seg, segment_words: usize) -> bool {
    if prev.is_furniture() || next.is_furniture() || segment_words < 3 {
        return false;
    }
    if matches!(prev.ending, Ending::Stop | Ending::Exclaim | Ending::Colon) {
        return false;
    }
    if prev.text.ends_with(['-', '–', '(']) || prev.ending == Ending::Continues {
        return true;
    }
    if prev.title_case {
        return false;
    }
    if next.text.chars().next().is_some_and(char::is_lowercase) {
        return true;
    }
    let last = prev.lower.split_whitespace().next_back().unwrap_or("");
    CONNECTORS.contains(&last)
}

/// Page text to candidate segments in reading order: one per line, except wrapped lines, which
/// are joined. Blank lines end a block; a block never joins across them.
pub(crate) fn segments(text: &str, cfg: &CleanConfig) -> Vec<Seg> {
    let mut out: Vec<Seg> = Vec::new();
    // The segment being built: its lines, word count, and the description of its last line.
    let mut pending: Vec<String> = Vec::new();
    let mut pending_words = 0;
    let mut last_line: Option<Seg> = None;
    let mut block = 0;
    let flush = |pending: &mut Vec<String>, out: &mut Vec<Seg>, last: Option<Seg>, block| {
        match pending.len() {
            0 => {}
            1 => out.extend(last),
            _ => out.push(describe(pending.join(" "), block, cfg)),
        }
        pending.clear();
    };
    for line in lines(text) {
        if line.is_empty() {
            if !pending.is_empty() {
                flush(&mut pending, &mut out, last_line.take(), block);
                block += 1;
            }
            continue;
        }
        let seg = describe(line, block, cfg);
        let joins = last_line
            .as_ref()
            .is_some_and(|prev| continues(prev, &seg, pending_words));
        if !joins {
            flush(&mut pending, &mut out, last_line.take(), block);
            pending_words = 0;
        }
        pending.push(seg.text.clone());
        pending_words += seg.words;
        last_line = Some(seg);
    }
    flush(&mut pending, &mut out, last_line.take(), block);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(s: &str) -> Seg {
        describe(s.to_string(), 0, &CleanConfig::default())
    }

    #[test]
    fn endings_see_through_closing_quotes() {
        assert_eq!(ending_of("he said “no.”"), Ending::Stop);
        assert_eq!(ending_of("Is it over?"), Ending::Exclaim);
        assert_eq!(ending_of("In other news,"), Ending::Continues);
        assert_eq!(ending_of("From the briefing on Dec. 2"), Ending::Open);
        assert_eq!(ending_of("Department news:"), Ending::Colon);
        assert_eq!(ending_of("Marta W."), Ending::Open);
        assert_eq!(ending_of("It was plan B. Then C."), Ending::Stop);
        assert_eq!(ending_of("Required fields are marked *"), Ending::Open);
    }

    #[test]
    fn title_case_ignores_small_words() {
        assert!(is_title_case(
            "HIMARS Blamed for Bloody Strike on Russian Unit Standing in Field"
        ));
        assert!(is_title_case(
            "From State Department Press Briefing on Dec. 2"
        ));
        assert!(!is_title_case(
            "US officials don't believe either side can win the war 'outright'"
        ));
        assert!(!is_title_case(
            "Diplomacy Watch: Still tap dancing around NATO for Kyiv"
        ));
    }

    #[test]
    fn prose_and_titles() {
        let cfg = CleanConfig::default();
        assert!(seg("The talks resumed.").article_prose(&cfg));
        assert!(!seg("Other Ukraine News This Week").article_prose(&cfg));
        assert!(!seg("Death knell for the Summit of the Americas?").article_prose(&cfg));
        assert!(seg("“We will win!”").article_prose(&cfg));
        assert_eq!(
            seg("Soldiers fire a howitzer near Bakhmut. REUTERS/Sofiia Gatilova").clutter,
            Some(Clutter::Credit)
        );
        assert_eq!(
            seg("A Reuters/Ipsos poll showed support falling.").clutter,
            None
        );
        assert!(seg("In other diplomatic news related to the war in Ukraine,").article_prose(&cfg));
        assert!(!seg("U.S. State Department news:").article_prose(&cfg));
        assert!(seg("Why would anyone believe this?").comment_prose(&cfg));
        assert!(seg("lol this is so wrong").comment_prose(&cfg));
        assert!(!seg("Gavan Duffy").comment_prose(&cfg));
        assert!(!seg("Reply · Like · 3h").comment_prose(&cfg));
    }

    #[test]
    fn line_breaks_bom_and_spaces() {
        let l = lines("\u{feff}a\u{a0}\u{a0}b\r\n\r\nc\rd\u{2028}e");
        assert_eq!(l, vec!["a b", "", "c", "d", "e"]);
    }

    #[test]
    fn wrapped_lines_join_but_titles_and_sentences_do_not() {
        let cfg = CleanConfig::default();
        let s = segments(
            "Officials said the talks would\nresume in Geneva next week.\nA second sentence.",
            &cfg,
        );
        assert_eq!(s.len(), 2);
        assert_eq!(
            s[0].text,
            "Officials said the talks would resume in Geneva next week."
        );
        let s = segments("Big Title Here\nThe body starts.", &cfg);
        assert_eq!(s.len(), 2);
        let s = segments("Jane Doe\nlol this is wrong", &cfg);
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn bylines_and_names() {
        assert_eq!(seg("By Jane Doe, Reuters.").clutter, Some(Clutter::Byline));
        assert_eq!(
            seg("By the end of 2024, the war had changed.").clutter,
            None
        );
        assert_eq!(
            byline_name(&seg("Author: Dave DeCamp")).as_deref(),
            Some("Dave DeCamp")
        );
        assert_eq!(
            byline_name(&seg("By Jane Doe | March 3, 2024")).as_deref(),
            Some("Jane Doe")
        );
    }
}
