//! Keyword classes for page furniture.
//!
//! Scraped pages reuse a small vocabulary for the things around an article (share bars, promos,
//! photo credits, cookie banners, comment widgets). Matching that vocabulary as whole words or
//! phrases is cheap and transfers across sites, whereas matching whole lines would only ever
//! recognise the pages it was written from. Every entry here is lower case; callers pass the
//! lower-cased, whitespace-collapsed segment.

/// Which kind of furniture a segment is; kept as a kind rather than a bool so rules (and tests)
/// can tell a photo credit from a share bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Clutter {
    Social,
    Promo,
    Credit,
    Cookie,
    Correction,
    Ad,
    /// Copyright footer: the page is over.
    Legal,
    /// Privacy/terms links: dropped, but they also occur in menus, so they end nothing.
    Policy,
    Byline,
    /// A closing credit line ("Reporting by …; Editing by …", "Author: …"): the article is over.
    Signoff,
    CommentMeta,
    Navigation,
    RelatedLink,
}

/// Phrases that mark a segment as furniture wherever they occur in it (for segments up to the
/// configured length): nobody writes "subscribe to our newsletter" inside a news paragraph.
const STRONG: &[(&str, Clutter)] = &[
    ("follow us on", Clutter::Social),
    ("follow me on", Clutter::Social),
    ("follow him on", Clutter::Social),
    ("follow her on", Clutter::Social),
    ("follow them on", Clutter::Social),
    ("share this article", Clutter::Social),
    ("share this story", Clutter::Social),
    ("share this post", Clutter::Social),
    ("share on facebook", Clutter::Social),
    ("share on twitter", Clutter::Social),
    ("share on x", Clutter::Social),
    ("share on linkedin", Clutter::Social),
    ("share on whatsapp", Clutter::Social),
    ("share article", Clutter::Social),
    ("share story", Clutter::Social),
    ("tweet this", Clutter::Social),
    ("copy link", Clutter::Social),
    ("listen to this article", Clutter::Navigation),
    ("listen to this story", Clutter::Navigation),
    ("print this article", Clutter::Navigation),
    ("save this article", Clutter::Navigation),
    ("gift this article", Clutter::Navigation),
    ("subscribe now", Clutter::Promo),
    ("subscribe to our", Clutter::Promo),
    ("subscribe for free", Clutter::Promo),
    ("sign up for our", Clutter::Promo),
    ("sign up for free", Clutter::Promo),
    ("sign up to our", Clutter::Promo),
    ("sign up to receive", Clutter::Promo),
    ("our newsletter", Clutter::Promo),
    ("in your inbox", Clutter::Promo),
    ("click here", Clutter::Promo),
    ("tap here", Clutter::Promo),
    ("download our app", Clutter::Promo),
    ("download the app", Clutter::Promo),
    ("become a member", Clutter::Promo),
    ("becoming a member", Clutter::Promo),
    ("support our work", Clutter::Promo),
    ("support our journalism", Clutter::Promo),
    ("support independent journalism", Clutter::Promo),
    ("want more of our", Clutter::Promo),
    ("sign up here", Clutter::Promo),
    ("subscribe here", Clutter::Promo),
    ("forwarded this email", Clutter::Promo),
    ("view this email", Clutter::Navigation),
    ("view in browser", Clutter::Navigation),
    ("unsubscribe", Clutter::Navigation),
    ("we use cookies", Clutter::Cookie),
    ("uses cookies", Clutter::Cookie),
    ("use of cookies", Clutter::Cookie),
    ("cookie policy", Clutter::Cookie),
    ("cookie settings", Clutter::Cookie),
    ("accept cookies", Clutter::Cookie),
    ("accept all cookies", Clutter::Cookie),
    ("manage preferences", Clutter::Cookie),
    ("manage cookies", Clutter::Cookie),
    ("suggest a correction", Clutter::Correction),
    ("report an error", Clutter::Correction),
    ("report a typo", Clutter::Correction),
    ("spotted an error", Clutter::Correction),
    ("spotted a mistake", Clutter::Correction),
    ("found a typo", Clutter::Correction),
    ("ctrl + enter", Clutter::Correction),
    ("ctrl+enter", Clutter::Correction),
    ("story continues below", Clutter::Ad),
    ("article continues below", Clutter::Ad),
    ("continue reading below", Clutter::Ad),
    ("sponsored content", Clutter::Ad),
    ("paid content", Clutter::Ad),
    ("all rights reserved", Clutter::Legal),
    ("contains spoilers", Clutter::CommentMeta),
    ("will not be published", Clutter::CommentMeta),
    ("required fields are marked", Clutter::CommentMeta),
    ("comments are closed", Clutter::CommentMeta),
    ("to post a comment", Clutter::CommentMeta),
    ("to leave a comment", Clutter::CommentMeta),
    ("must be logged in", Clutter::CommentMeta),
    ("log in to comment", Clutter::CommentMeta),
    ("sign in to comment", Clutter::CommentMeta),
    ("getty images", Clutter::Credit),
    ("(photo by", Clutter::Credit),
    ("(ap photo", Clutter::Credit),
    ("(reuters photo", Clutter::Credit),
    ("via reuters", Clutter::Credit),
    ("via getty", Clutter::Credit),
    ("(creative commons", Clutter::Credit),
    ("wikimedia commons", Clutter::Credit),
    ("shutterstock", Clutter::Credit),
];

/// Line openings that mark captions, credits, bylines and link lists: these are labels the CMS
/// prints before a value, so they only mean furniture at the start of a segment.
const PREFIXES: &[(&str, Clutter)] = &[
    ("top image credit", Clutter::Credit),
    ("top photo credit", Clutter::Credit),
    ("image credit", Clutter::Credit),
    ("photo credit", Clutter::Credit),
    ("photo:", Clutter::Credit),
    ("photos:", Clutter::Credit),
    ("photograph:", Clutter::Credit),
    ("image:", Clutter::Credit),
    ("credit:", Clutter::Credit),
    ("pictured:", Clutter::Credit),
    ("caption:", Clutter::Credit),
    ("file photo", Clutter::Credit),
    ("photo by ", Clutter::Credit),
    ("author:", Clutter::Signoff),
    ("authors:", Clutter::Signoff),
    ("about the author", Clutter::Signoff),
    ("note from the author", Clutter::Signoff),
    ("a note from the author", Clutter::Signoff),
    ("written by ", Clutter::Byline),
    ("posted by ", Clutter::Byline),
    ("posted on ", Clutter::Byline),
    ("published ", Clutter::Byline),
    ("published:", Clutter::Byline),
    ("updated ", Clutter::Byline),
    ("updated:", Clutter::Byline),
    ("last updated", Clutter::Byline),
    ("reporting by ", Clutter::Signoff),
    ("editing by ", Clutter::Signoff),
    ("writing by ", Clutter::Signoff),
    ("compiled by ", Clutter::Signoff),
    ("additional reporting by ", Clutter::Signoff),
    ("tags:", Clutter::Navigation),
    ("tagged:", Clutter::Navigation),
    ("filed under", Clutter::Navigation),
    ("categories:", Clutter::Navigation),
    ("category:", Clutter::Navigation),
    ("topics:", Clutter::Navigation),
    ("read more:", Clutter::RelatedLink),
    ("read also:", Clutter::RelatedLink),
    ("also read:", Clutter::RelatedLink),
    ("see also:", Clutter::RelatedLink),
    ("related:", Clutter::RelatedLink),
    ("watch:", Clutter::RelatedLink),
    ("listen:", Clutter::RelatedLink),
    ("©", Clutter::Legal),
    ("copyright ", Clutter::Legal),
    ("(c) ", Clutter::Legal),
    ("skip to ", Clutter::Navigation),
    ("share this", Clutter::Social),
    ("share via", Clutter::Social),
    ("share:", Clutter::Social),
];

/// Phrases that are furniture only in short segments: a footer link row says "Privacy Policy",
/// but so may a sentence about a company.
const SHORT_PHRASES: &[(&str, Clutter)] = &[
    ("privacy policy", Clutter::Policy),
    ("terms of use", Clutter::Policy),
    ("terms of service", Clutter::Policy),
    ("terms and conditions", Clutter::Policy),
    ("powered by", Clutter::Policy),
];

/// Single words that are furniture only in short segments: "Advertisement" alone is an ad slot,
/// but "newsletter" or "cookie" inside a sentence is ordinary prose.
const WEAK: &[(&str, Clutter)] = &[
    ("advertisement", Clutter::Ad),
    ("advertising", Clutter::Ad),
    ("sponsored", Clutter::Ad),
    ("promoted", Clutter::Ad),
    ("newsletter", Clutter::Promo),
    ("newsletters", Clutter::Promo),
    ("subscribe", Clutter::Promo),
    ("cookies", Clutter::Cookie),
    ("cookie", Clutter::Cookie),
    ("copyright", Clutter::Legal),
    ("cta", Clutter::Navigation),
];

/// Menu, section and social-network words. A short segment made mostly of these is a navigation
/// bar or share bar, however it is capitalised.
const NAV_WORDS: &[&str] = &[
    "home",
    "menu",
    "search",
    "news",
    "world",
    "politics",
    "business",
    "opinion",
    "opinions",
    "sport",
    "sports",
    "culture",
    "science",
    "tech",
    "technology",
    "health",
    "contact",
    "about",
    "us",
    "subscribe",
    "login",
    "log",
    "sign",
    "in",
    "out",
    "register",
    "account",
    "facebook",
    "twitter",
    "x",
    "linkedin",
    "instagram",
    "youtube",
    "tiktok",
    "email",
    "e-mail",
    "whatsapp",
    "telegram",
    "reddit",
    "print",
    "share",
    "copy",
    "link",
    "cta",
    "google",
    "rss",
    "podcast",
    "podcasts",
    "video",
    "videos",
    "latest",
    "more",
    "newsletter",
    "newsletters",
    "donate",
    "live",
    "weather",
    "lifestyle",
    "travel",
    "topics",
    "sections",
    "close",
    "open",
    "next",
    "previous",
    "prev",
    "back",
    "top",
    "accept",
    "reject",
    "all",
    "settings",
    "privacy",
    "terms",
    "faq",
    "help",
    "shop",
    "store",
    "jobs",
    "archive",
    "events",
    "and",
    "&",
    "blog",
    "tags",
    "tag",
    "posts",
    "wiki",
    "rules",
    "join",
    "forum",
    "forums",
    "threads",
    "members",
    "community",
];

/// Comment-widget words: a short non-sentence in a comment thread made mostly of these is the
/// widget's action row or score ("Reply · Like · 3h", "142 points"), not something a reader said.
const COMMENT_META_WORDS: &[&str] = &[
    "reply",
    "replies",
    "like",
    "likes",
    "liked",
    "report",
    "share",
    "quote",
    "upvote",
    "upvotes",
    "downvote",
    "downvotes",
    "points",
    "point",
    "ago",
    "edited",
    "permalink",
    "flag",
    "vote",
    "votes",
    "helpful",
    "score",
    "posts",
    "joined",
    "member",
    "moderator",
    "admin",
    "op",
    "hide",
    "collapse",
    "expand",
    "load",
    "more",
    "view",
    "show",
    "h",
    "m",
    "d",
    "w",
    "hours",
    "hour",
    "minutes",
    "minute",
    "days",
    "day",
    "weeks",
    "week",
    "yesterday",
    "just",
    "now",
];

/// Words of date/time lines ("March 12, 2025 9:41 PM · 3 min read", "2 hours ago").
const DATE_WORDS: &[&str] = &[
    "jan",
    "january",
    "feb",
    "february",
    "mar",
    "march",
    "apr",
    "april",
    "may",
    "jun",
    "june",
    "jul",
    "july",
    "aug",
    "august",
    "sep",
    "sept",
    "september",
    "oct",
    "october",
    "nov",
    "november",
    "dec",
    "december",
    "mon",
    "monday",
    "tue",
    "tuesday",
    "wed",
    "wednesday",
    "thu",
    "thursday",
    "fri",
    "friday",
    "sat",
    "saturday",
    "sun",
    "sunday",
    "am",
    "pm",
    "a.m",
    "p.m",
    "gmt",
    "utc",
    "est",
    "edt",
    "cet",
    "cest",
    "bst",
    "pst",
    "msk",
    "eet",
    "ago",
    "min",
    "mins",
    "minute",
    "minutes",
    "hour",
    "hours",
    "day",
    "days",
    "read",
    "updated",
    "published",
    "posted",
    "at",
    "on",
    "last",
    "today",
    "yesterday",
    "reading",
    "time",
];

/// A date/time stamp: short, with a number, and nothing but date words and numbers. Datelines
/// carry no content and sit between a headline and its dek or between comments.
pub(crate) fn is_dateline(lower: &str) -> bool {
    let (mut n, mut datey, mut digits) = (0usize, 0usize, false);
    for w in bare_words(lower) {
        n += 1;
        let has_digit = w.chars().any(|c| c.is_ascii_digit());
        digits |= has_digit;
        if has_digit || DATE_WORDS.contains(&w) {
            datey += 1;
        }
    }
    (1..=10).contains(&n) && digits && datey * 10 >= n * 8
}

/// Phrases that close a teaser card ("keep reading", "read more"): a site only prints them under
/// an excerpt of another page.
const TERMINATORS: &[&str] = &[
    "keep reading",
    "continue reading",
    "read more",
    "show less",
    "show more",
    "read full story",
    "read the full story",
    "read the full article",
    "full story",
];

/// Headings of link lists to other stories. They never introduce article text, and after a
/// comment thread they mean the thread is over.
const RELATED_HEADINGS: &[&str] = &[
    "topics of interest",
    "related",
    "related stories",
    "related posts",
    "related articles",
    "related coverage",
    "read more",
    "read next",
    "see also",
    "more from",
    "more stories",
    "more posts",
    "more articles",
    "more on this",
    "you may also like",
    "you might also like",
    "recommended",
    "recommended for you",
    "most read",
    "most popular",
    "popular",
    "trending",
    "latest news",
    "editor's picks",
    "editors' picks",
    "don't miss",
];

/// Headings that open a reader-comment thread without a count; the ambiguous ones ("Replies",
/// "Discussion", which can be article subheads) only count with a number next to them.
const COMMENT_HEADINGS: &[&str] = &[
    "comments",
    "reader comments",
    "readers' comments",
    "user comments",
    "join the discussion",
    "join the conversation",
    "leave a comment",
    "leave a reply",
    "show comments",
    "view comments",
    "add a comment",
    "post a comment",
    "comment",
];
const COUNTED_COMMENT_HEADINGS: &[&str] = &[
    "replies",
    "responses",
    "reactions",
    "discussion",
    "posts",
    "comment",
    "comments",
];

/// True when `phrase` occurs in `hay` on word boundaries (both are lower case).
pub(crate) fn has_phrase(hay: &str, phrase: &str) -> bool {
    let mut from = 0;
    while let Some(off) = hay[from..].find(phrase) {
        let start = from + off;
        let end = start + phrase.len();
        let before_ok = hay[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric())
            || !phrase.starts_with(|c: char| c.is_alphanumeric());
        let after_ok = hay[end..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric())
            || !phrase.ends_with(|c: char| c.is_alphanumeric());
        if before_ok && after_ok {
            return true;
        }
        // Advance by one character so multi-byte text never splits a char boundary.
        from = start + hay[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// Words of a lower-cased segment with surrounding punctuation removed (empty ones dropped).
pub(crate) fn bare_words(lower: &str) -> impl Iterator<Item = &str> {
    lower
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '&'))
        .filter(|w| !w.is_empty())
}

/// Furniture class by vocabulary, or None. `words` is the segment's word count; `short` is the
/// word limit under which weak words and nav-word density count, and only for segments that are
/// not full sentences (`sentence`): "The ministry's newsletter said so." is prose.
pub(crate) fn classify(
    lower: &str,
    words: usize,
    max_words: usize,
    short: usize,
    sentence: bool,
) -> Option<Clutter> {
    for (p, kind) in PREFIXES {
        if lower.starts_with(p) && words <= max_words {
            return Some(*kind);
        }
    }
    if words <= max_words {
        for (p, kind) in STRONG {
            if has_phrase(lower, p) {
                return Some(*kind);
            }
        }
    }
    if words <= short && !sentence {
        for (p, kind) in SHORT_PHRASES {
            if has_phrase(lower, p) {
                return Some(*kind);
            }
        }
        for w in bare_words(lower) {
            if let Some((_, kind)) = WEAK.iter().find(|(k, _)| *k == w) {
                return Some(*kind);
            }
        }
        let (mut n, mut nav) = (0usize, 0usize);
        for w in bare_words(lower) {
            n += 1;
            if NAV_WORDS.contains(&w) {
                nav += 1;
            }
        }
        if n > 0 && nav * 5 >= n * 3 {
            return Some(Clutter::Navigation);
        }
    }
    None
}

/// A comment widget's action/score row: mostly widget words and numbers.
pub(crate) fn is_comment_meta(lower: &str) -> bool {
    let (mut n, mut meta) = (0usize, 0usize);
    for w in bare_words(lower) {
        n += 1;
        let numeric = w.chars().any(|c| c.is_ascii_digit())
            && w.chars()
                .all(|c| c.is_ascii_digit() || "hmdwk,.:#".contains(c));
        if numeric || COMMENT_META_WORDS.contains(&w) {
            meta += 1;
        }
    }
    n > 0 && meta * 5 >= n * 3
}

/// Segment with the leading numbers and bracketed counts removed, for heading comparisons:
/// "Comments (3)", "3 Comments" and "COMMENTS" all become "comments".
fn heading_core(lower: &str) -> (String, bool) {
    let has_count = lower.chars().any(|c| c.is_ascii_digit());
    let core: Vec<&str> = bare_words(lower)
        .filter(|w| !w.chars().all(|c| c.is_ascii_digit()))
        .collect();
    (core.join(" "), has_count)
}

/// Words a counted comment link uses: "342 comments", "Comments (3)", "12 replies".
const COUNTED_WORDS: &[&str] = &["comments", "replies", "responses", "thoughts", "reactions"];

/// Openings of WordPress-style thread titles: `2 thoughts on "<title>"`.
const COUNTED_PREFIXES: &[&str] = &[
    "thoughts on",
    "responses to",
    "comments on",
    "replies to",
    "comments to",
    "thought on",
    "response to",
    "comment on",
];

/// Opens the reader-comment thread: a bare heading ("Comments", "Leave a reply"), a counted one
/// ("Comments (3)", "12 replies"), a short action bar with a comment count in it ("▲ 1.2k · 342
/// comments · Share"), or a counted thread title ("2 thoughts on …").
pub(crate) fn is_comment_heading(lower: &str) -> bool {
    let words: Vec<&str> = bare_words(lower).collect();
    let numeric = |w: &str| {
        w.chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
    };
    if words.first().is_some_and(|w| numeric(w)) {
        let rest = words[1..].join(" ");
        if COUNTED_PREFIXES.iter().any(|p| rest.starts_with(p)) {
            return true;
        }
    }
    if words.len() > 10 {
        return false;
    }
    if words.len() <= 5 {
        let (core, counted) = heading_core(lower);
        if COMMENT_HEADINGS.contains(&core.as_str())
            || (counted && COUNTED_COMMENT_HEADINGS.contains(&core.as_str()))
        {
            return true;
        }
    }
    words.windows(2).any(|p| {
        (numeric(p[0]) && COUNTED_WORDS.contains(&p[1]))
            || (COUNTED_WORDS.contains(&p[0]) && numeric(p[1]))
    }) && !lower.trim_end().ends_with('.')
}

pub(crate) fn is_related_heading(lower: &str) -> bool {
    if lower.split_whitespace().count() > 6 {
        return false;
    }
    let (core, _) = heading_core(lower);
    RELATED_HEADINGS
        .iter()
        .any(|h| core == *h || (core.starts_with(h) && has_phrase(&core, h) && h.contains(' ')))
        || has_phrase(&core, "topics of interest")
}

/// A "keep reading" style link: short, and not a list heading ("Read more:" introduces links).
pub(crate) fn is_terminator(lower: &str) -> bool {
    lower.split_whitespace().count() <= 6
        && !lower.trim_end().ends_with(':')
        && TERMINATORS.iter().any(|t| lower.contains(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_respect_word_boundaries() {
        assert!(has_phrase("please follow us on x", "follow us"));
        assert!(!has_phrase("swallow usually", "follow us"));
        assert!(has_phrase("google cta", "cta"));
        assert!(!has_phrase("octal", "cta"));
        assert!(has_phrase("credit: (photo by x)", "(photo by"));
    }

    #[test]
    fn vocabulary_classes() {
        assert_eq!(
            classify("follow us on social", 4, 80, 12, false),
            Some(Clutter::Social)
        );
        assert_eq!(
            classify("google cta", 2, 80, 12, false),
            Some(Clutter::Navigation)
        );
        assert_eq!(
            classify("top photo credit: a man (dod photo)", 7, 80, 12, false),
            Some(Clutter::Credit)
        );
        assert_eq!(
            classify("home world politics opinion", 4, 80, 12, false),
            Some(Clutter::Navigation)
        );
        assert_eq!(
            classify("advertisement", 1, 80, 12, false),
            Some(Clutter::Ad)
        );
        assert_eq!(
            classify("author: dave decamp", 3, 80, 12, false),
            Some(Clutter::Signoff)
        );
        // Weak words are prose inside a long sentence.
        let long = "the ministry said in its weekly newsletter that the talks would resume after the holidays in geneva";
        assert_eq!(classify(long, 18, 80, 12, false), None);
        assert_eq!(
            classify("the talks resumed in geneva.", 5, 80, 12, false),
            None
        );
    }

    #[test]
    fn headings() {
        assert!(is_comment_heading("comments (3)"));
        assert!(is_comment_heading("3 comments"));
        assert!(is_comment_heading("leave a reply"));
        assert!(is_comment_heading("12 replies"));
        assert!(!is_comment_heading("replies"));
        assert!(!is_comment_heading("discussion"));
        assert!(is_comment_heading(
            "▲ 1.2k ▼ 342 comments share save report"
        ));
        assert!(is_comment_heading("2 thoughts on “why a ceasefire now”"));
        assert!(!is_comment_heading(
            "the minister received 342 comments from the public."
        ));
        assert!(is_related_heading("other topics of interest"));
        assert!(is_related_heading("related posts"));
        assert!(!is_related_heading("other ukraine news this week"));
        assert!(is_terminator("keep readingshow less"));
        assert!(!is_terminator("read more:"));
        assert!(is_comment_meta("reply · like · 3h"));
        assert!(is_dateline("march 12, 2025 9:41 pm 3 min read"));
        assert!(is_dateline("updated 2 hours ago"));
        assert!(!is_dateline("kyiv, march 12"));
        assert!(!is_dateline("russian strike on odesa kills 4"));
        assert!(is_comment_meta("▲ 142 points"));
        assert!(!is_comment_meta("i like this plan a lot"));
    }
}
