//! The documentation stays true: every TOML block in README.md and docs/ loads as what it
//! claims to be (a `launchgate.toml` that a real check accepts, or a policy case file), no
//! example date has expired or will soon, every sample output marked
//! `<!-- sample: DIR: launchgate ARGS -->` is an excerpt of a real run's output, and no
//! user-facing text (help, rule help, README, docs, the action) uses project-internal words.

use std::path::{Path, PathBuf};
use std::process::Command;

use launchgate::check::{self, CheckOptions};

/// README.md and docs/*.md, as (path, text).
fn documents() -> Vec<(String, String)> {
    let mut paths = vec![PathBuf::from("README.md"), PathBuf::from("CHANGELOG.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir("docs")
        .expect("docs/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    paths.extend(docs);
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable document");
            (p.display().to_string(), text)
        })
        .collect()
}

/// Fenced blocks as (info string, body, 1-based line of the fence, the line before the fence).
fn fenced_blocks(text: &str) -> Vec<(String, String, usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_start();
        if let Some(info) = line.strip_prefix("```") {
            let indent = lines[i].len() - line.len();
            let start = i;
            let mut body = String::new();
            i += 1;
            while i < lines.len() && !lines[i].trim_start().starts_with("```") {
                let l = lines[i];
                body.push_str(
                    l.get(indent.min(l.len() - l.trim_start().len())..)
                        .unwrap_or(l),
                );
                body.push('\n');
                i += 1;
            }
            let before = if start > 0 { lines[start - 1] } else { "" };
            blocks.push((info.trim().to_string(), body, start + 1, before.to_string()));
        }
        i += 1;
    }
    blocks
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian).
fn days(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn today() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    (secs / 86_400) as i64
}

#[test]
fn every_toml_block_loads_as_a_config_or_a_policy_case_file() {
    let mut configs = 0;
    for (doc, text) in documents() {
        for (info, body, line, _) in fenced_blocks(&text) {
            if info != "toml" {
                continue;
            }
            let at = format!("{doc}:{line}");
            if body.contains("[[case]]") {
                let value: toml::Value =
                    toml::from_str(&body).unwrap_or_else(|e| panic!("{at}: {e}"));
                let cases = value["case"].as_array().expect("[[case]]");
                assert!(
                    cases
                        .iter()
                        .all(|c| c.get("name").is_some() && c.get("expect").is_some()),
                    "{at}: every case needs a name and expectations"
                );
                continue;
            }
            // A real check on a small repository with this launchgate.toml: the config must
            // load (unknown keys, wrong types, unknown rule ids and bad waivers are errors),
            // and no example waiver may have expired.
            let dir = tempfile::tempdir().expect("temp dir");
            std::fs::write(dir.path().join("launchgate.toml"), &body).expect("write config");
            std::fs::create_dir_all(dir.path().join("policies")).expect("policies/");
            std::fs::write(dir.path().join(".env"), "NODE_ENV=production\n").expect("env");
            let outcome = check::run(&CheckOptions {
                root: dir.path().to_path_buf(),
                ..Default::default()
            })
            .unwrap_or_else(|e| panic!("{at}: the config does not load: {e:?}\n{body}"));
            for f in &outcome.findings {
                assert!(
                    f.rule != "waiver/expired" && f.rule != "policy/error",
                    "{at}: {} {}",
                    f.rule,
                    f.message
                );
            }
            configs += 1;
        }
    }
    assert!(configs >= 2, "README and docs/probes.md show configs");
}

#[test]
fn example_dates_are_far_in_the_future() {
    let date = regex::Regex::new(r"expires\s*=\s*(\d{4})-(\d{2})-(\d{2})").expect("regex");
    let horizon = today() + 365 * 10;
    let mut seen = 0;
    for (doc, text) in documents() {
        for c in date.captures_iter(&text) {
            let n = |i: usize| c[i].parse::<i64>().expect("digits");
            assert!(
                days(n(1), n(2), n(3)) > horizon,
                "{doc}: `{}` expires within ten years: examples must not rot",
                &c[0]
            );
            seen += 1;
        }
    }
    assert!(seen >= 1, "the README shows a waiver");
}

/// Run `launchgate ARGS` in `dir` as a sample would have been produced: no colour, fixed
/// GitHub context for links, no job summary.
fn run_sample(dir: &Path, args: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_launchgate"))
        .args(args.split_whitespace())
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "OWNER/REPO")
        .env("GITHUB_SHA", "SHA")
        .env("GITHUB_WORKSPACE", dir)
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("LAUNCHGATE_TODAY")
        .output()
        .expect("launchgate runs");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    text
}

/// Every line of `sample`, except elisions (`...`, `…`, `| … |` rows), appears in `real` in
/// the same order, trailing spaces aside.
fn is_excerpt(sample: &str, real: &str) -> Result<(), String> {
    let real: Vec<&str> = real.lines().map(str::trim_end).collect();
    let mut at = 0;
    for line in sample.lines().map(str::trim_end) {
        let t = line.trim();
        if t == "..." || t == "…" || t.starts_with("| … |") {
            continue;
        }
        match real[at..].iter().position(|r| *r == line) {
            Some(i) => at += i + 1,
            None => return Err(line.to_string()),
        }
    }
    Ok(())
}

#[test]
fn sample_outputs_are_excerpts_of_real_runs() {
    let marker = regex::Regex::new(r"<!-- sample: ([^:]+): launchgate (.+?) -->").expect("regex");
    let mut samples = 0;
    for (doc, text) in documents() {
        for (_, body, line, before) in fenced_blocks(&text) {
            let Some(c) = marker.captures(&before) else {
                continue;
            };
            let dir = std::fs::canonicalize(&c[1]).expect("sample folder");
            let real = run_sample(&dir, &c[2]);
            if let Err(missing) = is_excerpt(&body, &real) {
                panic!(
                    "{doc}:{line}: this sample line is not in the output of `launchgate {}` in {}:\n{missing}\n--- real output:\n{real}",
                    &c[2], &c[1]
                );
            }
            samples += 1;
        }
    }
    assert!(samples >= 2, "README and docs/ci.md show sample outputs");
}

/// Project-internal vocabulary users never saw. "seed" is ours for the original workflow
/// document; in a user's repository it means seed data or a seed script, which stay allowed.
fn internal_words(text: &str) -> Vec<String> {
    let word = regex::Regex::new(r"(?i)\bseed(s|'s|ed)?\b").expect("regex");
    let allowed = regex::Regex::new(r"(?i)^seed(s)?( data| scripts?|\.sh|\.sql)").expect("regex");
    word.find_iter(text)
        .filter(|m| !allowed.is_match(&text[m.start()..]))
        .map(|m| {
            let start = text[..m.start()]
                .char_indices()
                .rev()
                .nth(40)
                .map_or(0, |(i, _)| i);
            let end = (m.end() + 40).min(text.len());
            let end = (end..=text.len())
                .find(|i| text.is_char_boundary(*i))
                .unwrap_or(text.len());
            text[start..end].replace('\n', " ")
        })
        .collect()
}

#[test]
fn no_user_facing_text_uses_project_internal_words() {
    let mut texts: Vec<(String, String)> = documents();
    for file in ["action.yml", ".pre-commit-hooks.yaml", "Dockerfile"] {
        if let Ok(t) = std::fs::read_to_string(file) {
            texts.push((file.into(), t));
        }
    }
    // The built-in policies and their cases ship in the binary: rule help reaches GitHub code
    // scanning, case names reach `launchgate test`.
    for dir in ["policies", "policies/tests"] {
        for e in std::fs::read_dir(dir)
            .expect("policies")
            .filter_map(|e| e.ok())
        {
            if e.path().is_file() {
                let t = std::fs::read_to_string(e.path()).expect("policy text");
                texts.push((e.path().display().to_string(), t));
            }
        }
    }
    let here = Path::new(".");
    for args in [
        "--help",
        "check --help",
        "rules",
        "rules --markdown",
        "facts --help",
        "test --help",
        "init --help",
        "explain --help",
        "man",
        "test",
    ] {
        texts.push((format!("launchgate {args}"), run_sample(here, args)));
    }
    let mut found = Vec::new();
    for (name, text) in &texts {
        for hit in internal_words(text) {
            found.push(format!("{name}: …{hit}…"));
        }
    }
    assert!(
        found.is_empty(),
        "internal words in user-facing text:\n{}",
        found.join("\n")
    );
    // The filter itself: it catches the internal sense and lets the user's senses through.
    assert_eq!(internal_words("the seed's gate and the Seed loop").len(), 2);
    assert!(internal_words("mint seed data; run seed.sh; seed scripts").is_empty());
}

/// The backticked names in the first column of the table that follows `heading`.
fn table_fields(text: &str, heading: &str) -> Vec<String> {
    let start = text.find(heading).expect("heading");
    let row = regex::Regex::new(r"^\| `([a-z_]+)` \|").expect("regex");
    text[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| row.captures(l).map(|c| c[1].to_string()))
        .collect()
}

#[test]
fn the_json_report_doc_lists_exactly_the_fields_a_report_has() {
    let doc = std::fs::read_to_string("docs/json-report.md").expect("doc");
    let waiver = r#"
[[waiver]]
rule = "env/duplicate-key"
subject = "PORT"
reason = "the v1 loader reads the first value"
owner = "platform@example.com"
expires = 2099-12-31
"#;
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join(".env"), "PORT=1\nPORT=2\n").expect("env");
    std::fs::write(dir.path().join("launchgate.toml"), waiver).expect("config");
    let outcome = check::run(&CheckOptions {
        root: dir.path().to_path_buf(),
        ..Default::default()
    })
    .expect("check runs");
    let report: serde_json::Value = serde_json::from_str(
        &launchgate::report::Format::Json.render(&outcome, Default::default()),
    )
    .expect("JSON");
    let keys = |v: &serde_json::Value| -> Vec<String> {
        v.as_object().expect("object").keys().cloned().collect()
    };
    assert_eq!(
        table_fields(&doc, "prints one object"),
        keys(&report),
        "top-level fields, in order"
    );
    let counts = regex::Regex::new(r"`counts` \| `\{([a-z, ]+)\}`").expect("regex");
    let documented: Vec<String> = counts.captures(&doc).expect("counts row")[1]
        .split(", ")
        .map(String::from)
        .collect();
    assert_eq!(documented, keys(&report["counts"]));
    let waived = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f.get("waived").is_some())
        .expect("a waived finding");
    assert_eq!(
        table_fields(&doc, "A finding:"),
        keys(waived),
        "finding fields, in order"
    );
    let note = regex::Regex::new(r"`waived` \| `\{([a-z, ]+)\}`").expect("regex");
    let documented: Vec<String> = note.captures(&doc).expect("waived row")[1]
        .split(", ")
        .map(String::from)
        .collect();
    assert_eq!(documented, keys(&waived["waived"]));
}
