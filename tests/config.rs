//! `--config FILE.toml`: every flag can come from a file; the command line overrides it.

use std::process::Command;

#[test]
fn config_file_supplies_flags_and_command_line_wins() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("train.toml");
    std::fs::write(
        &cfg,
        concat!(
            "data = \"",
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/bundle/tiny.csv\"\n",
            "label_col = [\"stance\"]\nmodel = \"svm\"\nc = 0.5\nseed = 7\nno_stem = true\n"
        ),
    )
    .unwrap();
    let out = dir.path().join("m.stance");
    let o = Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(["train", "--config"])
        .arg(&cfg)
        .args(["--c", "2", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let b = stance::bundle::Bundle::load(&out).unwrap();
    assert_eq!(b.meta.seed, 7);
    assert_eq!(
        b.heads[0].learner,
        stance::model::Learner::Svm {
            c: 2.0,
            tol: 1e-4,
            max_iter: 1000
        }
    );
    assert!(
        b.vectorizer.config().tokenizer.filters.is_empty(),
        "no_stem from the file"
    );
    std::fs::write(&cfg, "c = [[1]]\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(["train", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("train.toml"));
}

/// clap never sees `--config` (it is expanded before parsing), so the help says it in words.
#[test]
fn help_of_commands_with_many_flags_mentions_config() {
    for cmd in ["train", "eval", "cv", "score"] {
        let o = Command::new(env!("CARGO_BIN_EXE_stance"))
            .args([cmd, "--help"])
            .output()
            .unwrap();
        assert!(o.status.success());
        let help = String::from_utf8_lossy(&o.stdout);
        assert!(help.contains("--config FILE.toml"), "{cmd} --help: {help}");
    }
}

#[test]
fn a_key_that_is_not_a_setting_of_the_verb_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("score.toml");
    // `min_df` is a training setting, not a scoring one; `text_col` is both
    std::fs::write(&cfg, "text_col = \"body\"\nmin_df = 2\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(["score", "--config"])
        .arg(&cfg)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/seeds"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("score.toml") && err.contains("\"min_df\"") && err.contains("text_col"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
}
