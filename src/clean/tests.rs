//! Unit tests for the individual rules (whole pages and goldens are in `tests/clean.rs`).

use super::*;

fn kt(text: &str) -> Vec<(UnitKind, String)> {
    segment(text)
        .into_iter()
        .map(|u| (u.kind, u.text))
        .collect()
}

fn texts(text: &str) -> Vec<String> {
    segment(text).into_iter().map(|u| u.text).collect()
}

const H: UnitKind = UnitKind::Headline;
const P: UnitKind = UnitKind::Paragraph;
const C: UnitKind = UnitKind::Comment;

fn u(kind: UnitKind, s: &str) -> (UnitKind, String) {
    (kind, s.to_string())
}

#[test]
fn headline_is_the_first_title_line_and_its_repeats_are_dropped() {
    let page = "Talks Stall Over Security Guarantees\n\nTalks Stall Over Security Guarantees\n\n\
                The delegations left Istanbul without a date for the next round.";
    assert_eq!(
        kt(page),
        vec![
            u(H, "Talks Stall Over Security Guarantees"),
            u(
                P,
                "The delegations left Istanbul without a date for the next round."
            ),
        ]
    );
}

#[test]
fn a_page_opening_with_running_text_has_no_headline() {
    let page = "The delegations left Istanbul without a date for the next round.\n\n\
                Talks Stall Over Security Guarantees\n\nOfficials blamed each other.";
    assert!(segment(page).iter().all(|u| u.kind == P));
    assert_eq!(segment(page).len(), 2);
}

#[test]
fn short_category_lines_are_not_headlines() {
    let page =
        "Middle East\n\nTalks Stall Over Security Guarantees\n\nOfficials blamed each other.";
    assert_eq!(kt(page)[0], u(H, "Talks Stall Over Security Guarantees"));
}

#[test]
fn a_short_kicker_above_the_title_is_not_the_headline() {
    let page = "War in Ukraine\nKyiv Rejects Moscow Terms for Ceasefire Talks\n\n\
                The foreign ministry called the terms an ultimatum.";
    assert_eq!(
        kt(page)[0],
        u(H, "Kyiv Rejects Moscow Terms for Ceasefire Talks")
    );
    assert_eq!(segment(page).len(), 2);
}

#[test]
fn dek_is_kept_as_a_paragraph_unless_configured_off() {
    let page = "Talks Stall Over Security Guarantees\n\n\
                Neither side is ready to give ground on the question of foreign troops\n\n\
                The delegations left Istanbul without a date for the next round.";
    let units = kt(page);
    assert_eq!(
        units[1],
        u(
            P,
            "Neither side is ready to give ground on the question of foreign troops"
        )
    );
    let cfg = CleanConfig {
        drop_dek: true,
        ..CleanConfig::default()
    };
    assert_eq!(segment_with(page, &cfg).len(), 2);
    // A bulleted summary under the headline is not a dek.
    let page = "Talks Stall Over Security Guarantees\n- Neither side is ready to give ground\n\n\
                The delegations left Istanbul without a date for the next round.";
    assert_eq!(segment(page).len(), 2);
}

#[test]
fn subheads_are_dropped_but_their_paragraphs_kept() {
    let page = "The first round ended on Monday.\n\nOther Ukraine News This Week\n\n\
                Drone attacks continued overnight.\n\nU.S. State Department news:\n\n\
                The spokesperson said talks were up to Kyiv.";
    assert_eq!(
        texts(page),
        vec![
            "The first round ended on Monday.",
            "Drone attacks continued overnight.",
            "The spokesperson said talks were up to Kyiv.",
        ]
    );
}

#[test]
fn a_repeated_title_in_the_body_takes_its_teaser_paragraph_with_it() {
    let page = "The first round ended on Monday.\n\n\
                Strike Hits Convoy Near Front Line\nOther Topics of Interest\n\n\
                Strike Hits Convoy Near Front Line\n\n\
                A convoy was hit near the front line, according to both sides.\n\n\
                The second round is due in March.";
    assert_eq!(
        texts(page),
        vec![
            "The first round ended on Monday.",
            "The second round is due in March."
        ]
    );
}

#[test]
fn keep_reading_cards_after_the_article_are_dropped() {
    let page = "Talks Stall Over Security Guarantees\n\n\
                The delegations left Istanbul without a date.\n\n\
                Officials blamed each other.\n\n\
                Analysis | Site\nTop image credit: A port at dawn (Wikimedia Commons)\n\n\
                Why the grain deal matters\n\nEurope\n\n\
                The grain corridor carried millions of tonnes.\n\n\
                It may not survive the winter.\n\nkeep readingShow less\n";
    assert_eq!(
        texts(page),
        vec![
            "Talks Stall Over Security Guarantees",
            "The delegations left Istanbul without a date.",
            "Officials blamed each other.",
        ]
    );
}

#[test]
fn continue_reading_under_the_article_itself_keeps_the_text() {
    let page = "Talks Stall Over Security Guarantees\n\n\
                The delegations left Istanbul without a date.\n\nContinue reading";
    assert_eq!(segment(page).len(), 2);
}

#[test]
fn truncated_excerpts_are_teasers() {
    let page = "The first round ended on Monday.\n\nRelated posts\n\n\
                The long road from Minsk\nDiplomats have been here before and the agreement […]";
    assert_eq!(texts(page), vec!["The first round ended on Monday."]);
}

#[test]
fn furniture_lines_are_dropped_anywhere() {
    let page = "Follow us on social\ngoogle cta\n||\n\nThe first round ended on Monday.\n\n\
                Photo: Delegates arrive in Geneva. REUTERS/Denis Balibouse\n\nAdvertisement\n\n\
                Story continues below advertisement\n\nOfficials blamed each other.\n\n\
                To suggest a correction or clarification, write to us here\n\
                Subscribe now to our weekly round-up and never miss a beat.\n\
                Share: Facebook | X | Email";
    assert_eq!(
        texts(page),
        vec![
            "The first round ended on Monday.",
            "Officials blamed each other."
        ]
    );
}

#[test]
fn menu_blocks_do_not_provide_the_headline() {
    let page = "The Daily Site\nHome\nAbout\nContact\n\n\
                Why a ceasefire now would reward aggression\n\nThe argument returns every few months.";
    assert_eq!(
        kt(page)[0],
        u(H, "Why a ceasefire now would reward aggression")
    );
    // A kicker, a section and a short headline are not a menu.
    let page = "Analysis\nUkraine war\nPeace Talks Collapse\n\nThe talks ended on Monday.";
    assert_eq!(kt(page)[0], u(H, "Peace Talks Collapse"));
}

#[test]
fn comments_follow_a_counted_heading_and_names_and_widgets_are_dropped() {
    let page = "The first round ended on Monday.\n\nComments (2)\nGavan Duffy\n\
                This comment contains spoilers. Click here if you want to read.\n\n\
                I think Europe has to decide for itself.\nReply · Like · 3h\n\n\
                Marta W.\nno one trusts these talks anymore\n";
    assert_eq!(
        kt(page),
        vec![
            u(P, "The first round ended on Monday."),
            u(C, "I think Europe has to decide for itself."),
            u(C, "no one trusts these talks anymore"),
        ]
    );
}

#[test]
fn a_comment_count_next_to_the_headline_does_not_open_the_thread() {
    let page = "Talks Stall Over Security Guarantees\n12 comments\n\n\
                The delegations left Istanbul without a date.";
    assert_eq!(kt(page)[1].0, P);
}

#[test]
fn a_related_heading_ends_the_comment_thread() {
    let page = "The first round ended on Monday.\n\n3 Comments\n\nGood news at last.\n\n\
                More stories\n\nTalks resume in Geneva as both sides harden positions today.";
    assert_eq!(
        kt(page),
        vec![
            u(P, "The first round ended on Monday."),
            u(C, "Good news at last.")
        ]
    );
}

#[test]
fn bylines_signoffs_and_bios_are_dropped() {
    let page = "Talks Stall Over Security Guarantees\nBy Jane Doe, Example News\n\n\
                The delegations left Istanbul without a date.\n\n\
                Jane Doe is a correspondent covering Eastern Europe.";
    assert_eq!(segment(page).len(), 2);
    let page = "The delegations left Istanbul without a date.\n\nAuthor: Dave DeCamp\n\n\
                Dave DeCamp is the news editor of Example.com.";
    assert_eq!(
        texts(page),
        vec!["The delegations left Istanbul without a date."]
    );
    let page = "The delegations left Istanbul without a date.\n\n\
                Reporting by Jane Doe; Editing by John Roe\n\n\
                Our Standards: The Trust Principles.";
    assert_eq!(
        texts(page),
        vec!["The delegations left Istanbul without a date."]
    );
    // Without a byline, a closing contributor note is still recognised...
    let page = "The delegations left Istanbul without a date.\n\n\
                Henrik Sørensen is a former diplomat and a contributing writer at Example.";
    assert_eq!(segment(page).len(), 1);
    // ...but not a closing paragraph of reported speech about someone...
    let page = "The delegations left Istanbul without a date.\n\n\
                Vladimir Putin is a former intelligence officer, the analyst said.";
    assert_eq!(segment(page).len(), 2);
    // ...nor a body paragraph that merely starts with a name.
    let page = "Henrik Sørensen is a former diplomat who now advises the government.\n\n\
                The delegations left Istanbul without a date.";
    assert_eq!(segment(page).len(), 2);
}

#[test]
fn a_copyright_line_ends_the_page() {
    let page = "The first round ended on Monday.\n\n© 2025 Example Media\n\n\
                The second round is due in March.";
    assert_eq!(texts(page), vec!["The first round ended on Monday."]);
}

#[test]
fn pull_quotes_repeating_a_sentence_are_dropped() {
    let page = "A ceasefire without guarantees only pauses the war. Russia would rearm.\n\n\
                “A ceasefire without guarantees only pauses the war.”\n\n\
                It is not.\n\nThe talks go on. It is not.";
    assert_eq!(
        texts(page),
        vec![
            "A ceasefire without guarantees only pauses the war. Russia would rearm.",
            "It is not.",
            "The talks go on. It is not.",
        ]
    );
}

#[test]
fn comments_may_repeat_each_other() {
    let page = "The first round ended on Monday.\n\nComments\n\nAgreed.\n\nAgreed.";
    assert_eq!(segment(page).len(), 3);
}

#[test]
fn hard_wrapped_paragraphs_are_joined() {
    let page = "Officials in Washington have discussed slowing some deliveries of\n\
                long-range weapons in order to increase pressure on Kyiv to\n\
                accept negotiations.\n\nThe White House denied it.";
    assert_eq!(
        texts(page),
        vec![
            "Officials in Washington have discussed slowing some deliveries of long-range \
             weapons in order to increase pressure on Kyiv to accept negotiations.",
            "The White House denied it.",
        ]
    );
}

#[test]
fn config_is_plain_data_and_missing_fields_mean_defaults() {
    let cfg: CleanConfig = serde_json::from_str("{}").unwrap();
    assert_eq!(cfg, CleanConfig::default());
    let cfg = CleanConfig {
        long_line_words: Some(30),
        drop_dek: true,
        ..CleanConfig::default()
    };
    let json = serde_json::to_string(&cfg).unwrap();
    assert_eq!(serde_json::from_str::<CleanConfig>(&json).unwrap(), cfg);
    assert_eq!(cfg.long_line_words(), 30);
    assert_eq!(CleanConfig::default().long_line_words(), 20);
}

#[test]
fn unit_kind_serializes_lowercase() {
    assert_eq!(
        serde_json::to_string(&UnitKind::Comment).unwrap(),
        "\"comment\""
    );
    assert_eq!(UnitKind::Headline.to_string(), "headline");
}

#[test]
fn furniture_words_inside_ordinary_sentences_do_not_drop_them() {
    let page = "Officials said they share this view of the talks.\n\n\
                Kyiv will sign up for the program next year, the ministry said.\n\n\
                The company changed its privacy policy after the leak.\n\n\
                A Reuters/Ipsos poll showed support for aid falling.\n\n\
                The second round is due in March.";
    assert_eq!(segment(page).len(), 5);
}

#[test]
fn datelines_are_dropped_and_do_not_hide_the_dek() {
    let page = "Talks Stall Over Security Guarantees\nMarch 12, 2025 9:41 PM · 3 min read\n\
                Neither side is ready to give ground on the question of foreign troops\n\n\
                The delegations left Istanbul without a date for the next round.";
    assert_eq!(
        kt(page)[1],
        u(
            P,
            "Neither side is ready to give ground on the question of foreign troops"
        )
    );
    assert_eq!(segment(page).len(), 3);
}

#[test]
fn card_lists_under_a_related_heading_are_dropped_until_the_article_resumes() {
    let page = "Germany will deliver three more systems this year.\n\nMore from World\n\n\
                Poland to build new fortifications on Belarus border\n\
                Warsaw said the programme would cost $2.5 billion.\n\n\
                Baltic states leave landmine treaty\n\
                The three countries cited the threat posed by Russia.";
    assert_eq!(
        texts(page),
        vec!["Germany will deliver three more systems this year."]
    );
    // An inline link list: the paragraph after it is the article again.
    let page = "Germany will deliver three more systems this year.\n\nRead more:\n\
                Poland to build new fortifications\nBaltic states leave landmine treaty\n\n\
                Pistorius said the systems would protect cities.";
    assert_eq!(segment(page).len(), 2);
    // Without blank lines: cards are title + excerpt pairs, a link list is several titles.
    let page = "Germany will deliver three more systems this year.\nMore from Europe\n\
                Germany approves record defence budget\nThe parliament passed it on Thursday.\n\
                Moldova expels Russian diplomat\nChisinau cited interference.";
    assert_eq!(segment(page).len(), 1);
    let page = "Germany will deliver three more systems this year.\nRelated stories\n\
                Poland to build new fortifications\nBaltic states leave landmine treaty\n\
                Pistorius said the systems would protect cities.\nThe first arrives in May.";
    assert_eq!(segment(page).len(), 3);
    // A subhead after the card list, in its own block, starts the article again.
    let page = "Germany will deliver three more systems this year.\n\nMore from Europe\n\n\
                Moldova expels Russian diplomat\nChisinau cited interference.\n\n\
                What happens next\n\nNATO ministers meet next week.";
    assert_eq!(
        texts(page),
        vec![
            "Germany will deliver three more systems this year.",
            "NATO ministers meet next week."
        ]
    );
}
