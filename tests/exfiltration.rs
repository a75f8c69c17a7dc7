//! Generated repository policies that try to move a secret into a finding: a source (the
//! value, reached through views, plain copies or env files), a chain of transformations
//! (conversions, case, slicing, characters, bytes, parsing, containers) and a sink (every
//! field of a finding, a location, a column, an error). Whatever the combination, no finding
//! the engine returns — before any scrubbing — carries the secret or a transformation of it.

mod common;

use std::sync::Arc;

use launchgate::collect::{collect_static, CollectOptions};
use launchgate::config::LoadedConfig;
use launchgate::facts::Facts;
use launchgate::policy::{Limits, PolicySet};
use proptest::prelude::*;

const CANARY: &str = "sk_live_PropCanary7Hq2Wm9XzR4";

/// Where a policy can find the secret.
const SOURCES: &[&str] = &[
    r#"facts.env.sets[0].vars["API_TOKEN"].value"#,
    r#"facts.env.sets[0].vars.values()[0].value"#,
    r#"facts.env.files[0].entries[0].value"#,
    r#"facts.env.files.to_array()[0].entries.to_array()[0].value"#,
    r#"facts.env.sets[0].to_map().vars.API_TOKEN.value"#,
    r#"facts.to_map().env.files[0].entries[0].value"#,
    r#"facts.env.sets[0].vars.to_map()["API_TOKEN"].value"#,
];

/// One step applied to the value so far (`{}`).
const TRANSFORMS: &[&str] = &[
    "{}",
    "{}.to_string()",
    "to_string({})",
    "{}.to_debug()",
    r#""" + {}"#,
    r#"{} + """#,
    "`${{}}`",
    "{}.to_upper()",
    "{}.to_lower()",
    "{}.sub_string(1)",
    "{}.sub_string(0, 10)",
    r#"{}.split("_")"#,
    "{}.to_chars()",
    "{}.to_chars().map(|c| c.to_int())",
    "{}.to_blob()",
    "{}[0]",
    "{}.len()",
    "[{}]",
    "[{}].to_string()",
    "#{{ a: {} }}",
    "#{{ a: {} }}.to_string()",
    "parse_url({})",
    "parse_url({}).username",
    r#"{}.strip_prefix("sk_")"#,
    r#"{}.trim()"#,
    r#"{}.replace("_", "-")"#,
    r#"{}.index_of("a")"#,
    r#"{}.pad(40, "x")"#,
    "{}.bytes",
    "{}.chars",
    "type_of({})",
    r#"{} in ["a"]"#,
];

/// Where the result goes.
const SINKS: &[&str] = &[
    r#"report(file_location("README.md"), `${{{}}}`);"#,
    r#"report(file_location("README.md"), {});"#,
    r#"report(file_location("README.md"), "m", #{{ subject: {} }});"#,
    r#"report(file_location("README.md"), "m", #{{ help: `${{{}}}` }});"#,
    r#"report(#{{ file: {}, line: 1 }}, "m");"#,
    r#"report(#{{ file: `${{{}}}.md`, line: 1 }}, "m");"#,
    r#"report(file_location("README.md"), "m", #{{ related: [#{{ location: file_location("README.md"), message: `${{{}}}` }}] }});"#,
    r#"report(file_location("README.md"), "m", #{{ related: [#{{ location: #{{ file: {}, line: 1 }}, message: "r" }}] }});"#,
    r#"report(#{{ file: "README.md", line: 1, column: {} }}, "m");"#,
    "throw {};",
    "parse_int({});",
    "Fn({});",
    r#"let m = #{{}}; m[{}] = 1; report(file_location("README.md"), m.keys()[0]);"#,
    r#"switch {} {{ _ => report(file_location("README.md"), "s") }}"#,
];

fn facts() -> Facts {
    let dir = common::tree(&[
        (".env.example", "API_TOKEN=\n"),
        (".env", &format!("API_TOKEN={CANARY}\n")),
        ("README.md", "# app\n\nRuns with `.env`.\n"),
    ]);
    collect_static(
        dir.path(),
        &LoadedConfig::default(),
        CollectOptions::default(),
    )
    .facts
}

fn forms() -> Vec<String> {
    let chars: Vec<char> = CANARY.chars().collect();
    let codes: Vec<String> = chars.iter().map(|c| (*c as u32).to_string()).collect();
    let mut forms = vec![
        CANARY.to_string(),
        chars.iter().rev().collect(),
        CANARY.to_uppercase(),
        CANARY.to_lowercase(),
        codes.join(", "),
        codes.join(","),
    ];
    // Any eight consecutive characters: a slice, a half, a part after a split.
    forms.extend(chars.windows(8).map(|w| w.iter().collect::<String>()));
    forms
}

fn policy(source: &str, transforms: &[&str], sink: &str) -> String {
    let mut expr = source.to_string();
    for t in transforms {
        expr = t.replace("{}", &format!("({expr})"));
    }
    format!(
        "rule(#{{ id: \"gen/exfil\", summary: \"s\", help: \"h\" }}, |facts, meta| {{\n    {}\n}});\n",
        sink.replace("{}", &format!("({expr})"))
    )
}

fn texts(f: &launchgate::finding::Finding) -> Vec<String> {
    let mut all = vec![
        f.message.clone(),
        f.subject.clone(),
        f.help.clone().unwrap_or_default(),
        f.location.file.to_string(),
        format!("{f:?}"),
    ];
    for r in &f.related {
        all.push(r.message.clone());
        all.push(r.location.file.to_string());
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn no_generated_policy_moves_a_secret_into_a_finding(
        source in prop::sample::select(SOURCES),
        transforms in prop::collection::vec(prop::sample::select(TRANSFORMS), 1..4),
        sink in prop::sample::select(SINKS),
    ) {
        thread_local! { static FACTS: Arc<Facts> = Arc::new(facts()); }
        let text = policy(source, &transforms, sink);
        let mut set = PolicySet::empty(Limits {
            wall_time: std::time::Duration::from_secs(2),
            ..Limits::default()
        });
        set.load("policies/env.rhai", &text);
        let findings = set.evaluate(FACTS.with(Arc::clone));
        let forms = forms();
        for f in &findings {
            for t in texts(f) {
                for form in &forms {
                    prop_assert!(!t.contains(form.as_str()), "policy:\n{text}\nleaked `{form}` in:\n{t}");
                }
            }
            // A column is a number the policy chose: never a character code of the secret
            // beyond its first (a length or an index is allowed).
        }
    }
}

#[test]
fn the_generator_reaches_the_secret() {
    // The sources do reach the secret: tests on it answer, and they are the only way in.
    let facts = Arc::new(facts());
    for source in SOURCES {
        let text = format!(
            "rule(#{{ id: \"gen/probe\", summary: \"s\", help: \"h\" }}, |facts, meta| {{\n    \
             let v = {source};\n    \
             if v == \"{CANARY}\" && v.len() == {} && v.starts_with(\"sk_live_\") && is_secret(v) {{ \
             report(file_location(\"README.md\"), \"reached\"); }}\n}});\n",
            CANARY.len()
        );
        let mut set = PolicySet::empty(Limits::default());
        set.load("policies/env.rhai", &text);
        let findings = set.evaluate(Arc::clone(&facts));
        assert_eq!(
            findings
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>(),
            vec!["reached"],
            "{source}"
        );
    }
}

#[test]
fn a_policy_that_asks_a_secret_twenty_questions_fails_closed() {
    // The residual channel: no transformation, only decisions. Each `matches` answers one
    // question about the secret; spelling it out takes hundreds. Repository policies get a
    // small budget of tests per secret per run, shared by every rule and every copy.
    let policy = r#"
const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
for n in 0..4 {
    rule(#{ id: `oracle/part-${n}`, summary: "s", help: "h", scope: "env-set" }, |set, meta| {
        let v = set.vars["API_TOKEN"].value;
        let known = "";
        for i in 0..40 {
            for c in ALPHABET.to_chars() {
                if matches(v, "^" + known + c) {
                    known += c;
                    report(file_location("README.md"), `${i}: ${c}`);
                    break;
                }
            }
        }
    });
}
"#;
    let mut set = PolicySet::empty(Limits::default());
    set.load("policies/env.rhai", policy);
    let findings = set.evaluate(Arc::new(facts()));
    let errors: Vec<&str> = findings
        .iter()
        .filter(|f| f.rule == "policy/error")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(errors.len(), 4, "every rule ran out: {errors:#?}");
    assert!(
        errors
            .iter()
            .all(|e| e.contains("may test one secret at most 24 times per run")),
        "{errors:#?}"
    );
    // What got out before the budget ran out: a few characters at most, never the value.
    let learned = findings
        .iter()
        .filter(|f| f.rule.starts_with("oracle/"))
        .count();
    assert!(learned <= 2, "{learned} characters learned");
    // Built-in policies are not counted: the launch and env rules test every value freely.
    let builtin = PolicySet::builtin(Limits::default());
    let findings = builtin.evaluate(Arc::new(facts()));
    assert!(
        !findings.iter().any(|f| f.rule == "policy/error"),
        "{findings:#?}"
    );
}
