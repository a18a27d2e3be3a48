//! Splitters: from lowercased text to token byte ranges.

use super::UrlMode;

/// A token as a byte range of the (lowercased) text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawToken {
    pub start: usize,
    pub end: usize,
    /// False for URLs, hashtags, mentions, numbers and emoji: a stemmer would mangle them.
    pub stemmable: bool,
}

#[inline]
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// scikit-learn's default `token_pattern` `(?u)\b\w\w+\b`: maximal runs of word characters
/// (alphanumeric or `_`) of length two or more.
pub fn split_sklearn(text: &str, out: &mut Vec<RawToken>) {
    let mut start = None;
    let mut len = 0usize;
    for (i, c) in text.char_indices() {
        if is_word_char(c) {
            if start.is_none() {
                start = Some(i);
                len = 0;
            }
            len += 1;
        } else if let Some(s) = start.take() {
            if len >= 2 {
                out.push(RawToken {
                    start: s,
                    end: i,
                    stemmable: true,
                });
            }
        }
    }
    if let Some(s) = start {
        if len >= 2 {
            out.push(RawToken {
                start: s,
                end: text.len(),
                stemmable: true,
            });
        }
    }
}

/// Emoji and pictographs that readers use to express stance and tone (flags, hearts, prayer
/// hands): kept as tokens of their own.
#[inline]
fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x231A..=0x231B | 0x23E9..=0x23FF)
}

#[inline]
fn is_emoji_modifier(c: char) -> bool {
    matches!(c as u32, 0xFE0F | 0x200D | 0x1F3FB..=0x1F3FF | 0x20E3)
}

#[inline]
fn is_regional_indicator(c: char) -> bool {
    matches!(c as u32, 0x1F1E6..=0x1F1FF)
}

#[inline]
fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02BC}')
}

#[inline]
fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

fn url_len(rest: &str) -> Option<usize> {
    let starts = ["http://", "https://", "www."];
    if !starts.iter().any(|p| rest.starts_with(p)) {
        return None;
    }
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let trimmed = rest[..end].trim_end_matches(|c: char| {
        matches!(
            c,
            '.' | ','
                | ';'
                | ':'
                | '!'
                | '?'
                | ')'
                | ']'
                | '}'
                | '"'
                | '\''
                | '\u{201D}'
                | '\u{2019}'
        )
    });
    Some(trimmed.len())
}

/// Our splitter for news and social text: words with internal apostrophes and hyphens
/// ("don't", "anti-tank"), numbers with internal separators ("1,000", "3.5"), #hashtags,
/// @mentions, URLs (kept whole or dropped), and emoji (a flag is one token); all other
/// punctuation separates tokens and is dropped.
pub fn split_unicode(text: &str, urls: UrlMode, out: &mut Vec<RawToken>) {
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < text.len() {
        let c = match bytes[i] {
            // an ASCII letter or digit starts a word, unless a URL (the one check for it)
            b if b.is_ascii()
                && ASCII_CLASS[usize::from(b)] & ALNUM != 0
                && b != b'h'
                && b != b'w' =>
            {
                i = push_word(text, i, out);
                continue;
            }
            // whitespace and punctuation but `#` and `@` start nothing
            b if b.is_ascii()
                && ASCII_CLASS[usize::from(b)] & ALNUM == 0
                && b != b'#'
                && b != b'@' =>
            {
                i += 1;
                continue;
            }
            b if b.is_ascii() => char::from(b),
            _ => text[i..].chars().next().expect("i is on a char boundary"),
        };
        let clen = c.len_utf8();
        if c.is_whitespace() {
            i += clen;
            continue;
        }
        if c == 'h' || c == 'w' {
            if let Some(len) = url_len(&text[i..]) {
                if urls == UrlMode::Keep {
                    out.push(RawToken {
                        start: i,
                        end: i + len,
                        stemmable: false,
                    });
                }
                i += len.max(1);
                continue;
            }
        }
        if (c == '#' || c == '@') && i + 1 < text.len() {
            let rest = &text[i + 1..];
            let n: usize = rest
                .chars()
                .take_while(|&d| is_word_char(d))
                .map(char::len_utf8)
                .sum();
            if n > 0 {
                out.push(RawToken {
                    start: i,
                    end: i + 1 + n,
                    stemmable: false,
                });
                i += 1 + n;
                continue;
            }
        }
        if c.is_alphanumeric() {
            i = push_word(text, i, out);
            continue;
        }
        if is_emoji(c) {
            let mut end = i + clen;
            let mut prev_ri = is_regional_indicator(c);
            while end < text.len() {
                let d = text[end..].chars().next().expect("boundary");
                if is_emoji_modifier(d) {
                    end += d.len_utf8();
                    // a zero-width joiner glues the next pictograph into this one
                    if d == '\u{200D}' {
                        if let Some(e) = text[end..].chars().next() {
                            if is_emoji(e) {
                                end += e.len_utf8();
                            }
                        }
                    }
                } else if prev_ri && is_regional_indicator(d) {
                    end += d.len_utf8();
                    prev_ri = false;
                } else {
                    break;
                }
            }
            out.push(RawToken {
                start: i,
                end,
                stemmable: false,
            });
            i = end;
            continue;
        }
        i += clen;
    }
}

/// Takes the word or number at `i` (see [`scan_word`]) into `out`; returns where it ends.
#[inline]
fn push_word(text: &str, i: usize, out: &mut Vec<RawToken>) -> usize {
    let (end, has_alpha) = scan_word(text, i);
    out.push(RawToken {
        start: i,
        end,
        stemmable: has_alpha,
    });
    end
}

/// [`ASCII_CLASS`] flags: an ASCII letter or digit, a letter, a possible joiner.
const ALNUM: u8 = 1;
const ALPHA: u8 = 2;
const JOINER: u8 = 4;

/// The class of each ASCII byte, so that the scanners decide on a byte with one load: most
/// text is ASCII, and a word ends at a space far more often than at a joiner.
const ASCII_CLASS: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_alphabetic() {
            ALNUM | ALPHA
        } else if c.is_ascii_digit() {
            ALNUM
        } else if matches!(c, b'\'' | b'-' | b'.' | b',') {
            JOINER
        } else {
            0
        };
        b += 1;
    }
    t
};

/// The high bit of each byte of a word: where [`ascii_alnum_alpha`] answers.
const HI: u64 = 0x8080_8080_8080_8080;

/// Per byte of `w`, the high bit set where the byte is an ASCII letter or digit, and where it
/// is an ASCII letter (the [`ASCII_CLASS`] flags `ALNUM` and `ALPHA`, eight bytes at once).
#[inline]
fn ascii_alnum_alpha(w: u64) -> (u64, u64) {
    const LOW7: u64 = !HI;
    let splat = |b: u8| u64::from(b) * 0x0101_0101_0101_0101;
    let ascii = !w & HI;
    // With the high bits cleared, `x + (0x80 - lo)` has a byte's high bit set where its byte
    // is at least `lo`, and `x + (0x7f - hi)` where it is above `hi`; no sum carries into the
    // next byte.
    let within = |x: u64, lo: u8, hi: u8| (x + splat(0x80 - lo)) & !(x + splat(0x7f - hi)) & HI;
    let digit = within(w & LOW7, b'0', b'9');
    // setting bit 5 lowercases letters and moves no other byte into a-z
    let alpha = within((w | splat(0x20)) & LOW7, b'a', b'z') & ascii;
    ((digit & ascii) | alpha, alpha)
}

/// Scans a word or number from `start`: alphanumerics, combining marks, and single joiners
/// (apostrophe or hyphen before an alphanumeric; `.` or `,` between digits). Runs of ASCII
/// letters and digits are taken eight bytes at a time (a word's end is then found without a
/// branch per byte, which perf put at nearly half of the splitter's time), then a byte at a
/// time (the same decision the general step makes for them).
fn scan_word(text: &str, start: usize) -> (usize, bool) {
    let bytes = text.as_bytes();
    let mut end = start;
    let mut has_alpha = false;
    let mut prev: Option<char> = None;
    let mut pos = start;
    while pos < bytes.len() {
        if let Some(chunk) = bytes.get(pos..pos + 8) {
            let w = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            let (alnum, alpha) = ascii_alnum_alpha(w);
            // the leading run of letters and digits (bytes are little-endian: the first is lowest)
            let run = (!alnum & HI).trailing_zeros() / 8;
            if run > 0 {
                let taken = u64::MAX >> (64 - 8 * run);
                has_alpha |= alpha & taken != 0;
                pos += run as usize;
                end = pos;
                prev = Some(char::from(bytes[pos - 1]));
                if run == 8 {
                    continue;
                }
            }
            // (a shorter run ended inside the chunk: `pos` is still in the text)
        }
        let b = bytes[pos];
        if b.is_ascii() {
            let class = ASCII_CLASS[usize::from(b)];
            if class & ALNUM != 0 {
                has_alpha |= class & ALPHA != 0;
                pos += 1;
                end = pos;
                prev = Some(char::from(b));
                continue;
            }
            // whitespace, and punctuation that cannot join (all but `'`, `-`, `.`, `,`)
            if class & JOINER == 0 {
                break;
            }
        }
        let c = text[pos..]
            .chars()
            .next()
            .expect("pos is on a char boundary");
        let clen = c.len_utf8();
        if c.is_alphanumeric() || (prev.is_some() && is_mark(c)) {
            has_alpha |= c.is_alphabetic();
            pos += clen;
            end = pos;
            prev = Some(c);
            continue;
        }
        let next = text[pos + clen..].chars().next();
        let joins = match (prev, next) {
            (Some(p), Some(n)) if p.is_alphanumeric() && n.is_alphanumeric() => {
                is_apostrophe(c)
                    || is_hyphen(c)
                    || ((c == '.' || c == ',') && p.is_ascii_digit() && n.is_ascii_digit())
            }
            _ => false,
        };
        if joins {
            prev = Some(c);
            pos += clen;
            continue;
        }
        break;
    }
    (end, has_alpha)
}

#[inline]
fn is_mark(c: char) -> bool {
    // Combining diacritics (decomposed accents) continue the word they follow.
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The straightforward scanner the fast one must equal. Scans a word or number from `start`: alphanumerics, combining marks, and single joiners
    /// (apostrophe or hyphen before an alphanumeric; `.` or `,` between digits).
    fn scan_word_reference(text: &str, start: usize) -> (usize, bool) {
        let mut end = start;
        let mut has_alpha = false;
        let mut prev: Option<char> = None;
        let mut it = text[start..].char_indices().peekable();
        while let Some((off, c)) = it.next() {
            if c.is_alphanumeric() || (prev.is_some() && is_mark(c)) {
                has_alpha |= c.is_alphabetic();
                end = start + off + c.len_utf8();
                prev = Some(c);
                continue;
            }
            let next = it.peek().map(|&(_, d)| d);
            let joins = match (prev, next) {
                (Some(p), Some(n)) if p.is_alphanumeric() && n.is_alphanumeric() => {
                    is_apostrophe(c)
                        || is_hyphen(c)
                        || ((c == '.' || c == ',') && p.is_ascii_digit() && n.is_ascii_digit())
                }
                _ => false,
            };
            if joins {
                prev = Some(c);
                continue;
            }
            break;
        }
        (end, has_alpha)
    }

    #[test]
    fn eight_bytes_are_classed_as_each_byte_alone() {
        for b in 0..=255u8 {
            let class = if b.is_ascii() {
                ASCII_CLASS[usize::from(b)]
            } else {
                0
            };
            for k in 0..8 {
                // neighbours that would carry into or borrow from the byte, if sums could
                for fill in [0x00, 0x7f, 0x80, 0xff, b'z', b'0'] {
                    let mut w = [fill; 8];
                    w[k] = b;
                    let (alnum, alpha) = ascii_alnum_alpha(u64::from_le_bytes(w));
                    let bit = |m: u64| (m >> (8 * k + 7)) & 1 == 1;
                    assert_eq!(
                        bit(alnum),
                        class & ALNUM != 0,
                        "{b:#x} at {k} among {fill:#x}"
                    );
                    assert_eq!(
                        bit(alpha),
                        class & ALPHA != 0,
                        "{b:#x} at {k} among {fill:#x}"
                    );
                }
            }
        }
    }

    #[test]
    fn fast_scan_equals_reference() {
        use proptest::prelude::*;
        let alphabet: Vec<char> = "aZ09_'’ʼ-‐‑.,#@ \tüéß\u{301}\u{20E3}日😀🇺🇦\u{200D}\u{FE0F}:/hw"
            .chars()
            .collect();
        // mostly ASCII letters and digits, so that runs fill the eight-byte steps
        let wordy: Vec<char> = "abcdefghijklmnopqrstuvwxyzABCZ0123456789abcdefxyz '-.,_é\u{301}日"
            .chars()
            .collect();
        let strat = proptest::collection::vec(proptest::sample::select(alphabet), 0..40);
        let long = proptest::collection::vec(proptest::sample::select(wordy), 0..80);
        proptest!(|(cs in strat, ws in long)| {
            for s in [cs.into_iter().collect::<String>(), ws.into_iter().collect()] {
                for i in s.char_indices().map(|(i, _)| i) {
                    let (got, want) = (scan_word(&s, i), scan_word_reference(&s, i));
                    prop_assert_eq!(got, want, "{:?} at {}", s, i);
                }
            }
        });
        for s in [
            "don't-stop 1,000.5 e\u{301}e anti‐tank ab'",
            "x'\u{301}",
            "9.",
            "a-",
        ] {
            for i in s.char_indices().map(|(i, _)| i) {
                assert_eq!(scan_word(s, i), scan_word_reference(s, i), "{s:?} at {i}");
            }
        }
    }

    fn toks(text: &str) -> Vec<&str> {
        let mut v = Vec::new();
        split_unicode(text, UrlMode::Keep, &mut v);
        v.iter().map(|t| &text[t.start..t.end]).collect()
    }

    #[test]
    fn joiners_and_numbers() {
        assert_eq!(
            toks("anti-tank 1,000 3.5 don't -x- end. 2025-2027 u.s."),
            vec![
                "anti-tank",
                "1,000",
                "3.5",
                "don't",
                "x",
                "end",
                "2025-2027",
                "u",
                "s"
            ]
        );
    }

    #[test]
    fn curly_apostrophes_join() {
        assert_eq!(toks("russia’s ‘war’"), vec!["russia’s", "war"]);
    }

    #[test]
    fn social_tokens() {
        assert_eq!(
            toks("@a_b #peace (https://t.co/x). # @ ❤️🇺🇦👍🏽"),
            vec!["@a_b", "#peace", "https://t.co/x", "❤️", "🇺🇦", "👍🏽"]
        );
    }

    #[test]
    fn no_panic_on_odd_input() {
        for s in [
            "", "#", "@", "h", "www.", "http://", "é", "e\u{301}", "\u{200D}", "-", "'a",
        ] {
            let _ = toks(s);
            let mut v = Vec::new();
            split_sklearn(s, &mut v);
        }
    }
}
