//! The facts a policy sees are read-only views into one shared set of facts (nothing is copied
//! per rule): they read like maps and arrays, show exactly what `launchgate facts` prints, refuse
//! assignment (a `policy/error` naming the way out, so no rule changes what another sees), and
//! `to_map()` / `to_array()` make writable copies.

mod common;
use common::copy_tree;

use std::path::Path;

use launchgate::check::{run, CheckOptions, CheckOutcome};

fn env_repo_with_policy(policy: &str) -> CheckOutcome {
    let dir = common::tree(&[
        ("launchgate.toml", ""),
        ("policies/probe.rhai", policy),
        ("apps/api/.env.example", "PORT=3000\nLOG_LEVEL=info\n"),
        ("apps/api/.env.local", "PORT=4000\nLOG_LEVEL=debug\n"),
        ("apps/web/.env.example", "PORT=3000\n"),
        ("apps/web/.env.local", "PORT=5000\n"),
    ]);
    run(&CheckOptions {
        root: dir.path().to_path_buf(),
        ..Default::default()
    })
    .expect("check runs")
}

/// A copy of a bundled fixture with one extra policy folder.
fn fixture_with_policy(fixture: &str, policy: &str) -> CheckOutcome {
    let dir = tempfile::tempdir().expect("temp dir");
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(fixture);
    copy_tree(&from, dir.path());
    let config = dir.path().join("launchgate.toml");
    let existing = std::fs::read_to_string(&config).unwrap_or_default();
    std::fs::write(&config, format!("policies = [\"probe\"]\n{existing}")).expect("config");
    std::fs::create_dir_all(dir.path().join("probe")).expect("policy folder");
    std::fs::write(dir.path().join("probe/probe.rhai"), policy).expect("policy");
    run(&CheckOptions {
        root: dir.path().to_path_buf(),
        ..Default::default()
    })
    .expect("check runs")
}

fn messages(outcome: &CheckOutcome, rule: &str) -> Vec<String> {
    outcome
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.message.clone())
        .collect()
}

#[test]
fn assigning_to_a_fact_fails_closed_and_later_rules_see_the_original() {
    let outcome = env_repo_with_policy(
        r#"
rule(#{ id: "probe/field-writer", summary: "s", help: "h" }, |facts, rule| {
    facts.env.files[0].path = "rewritten";
});
rule(#{ id: "probe/loop-writer", summary: "s", help: "h" }, |facts, rule| {
    for set in facts.env.sets { set.vars["PORT"].value = "1"; }
});
rule(#{ id: "probe/list-writer", summary: "s", help: "h" }, |facts, rule| {
    facts.env.files[0] = 1;
});
rule(#{ id: "probe/pusher", summary: "s", help: "h" }, |facts, rule| {
    facts.env.files.push(1);
});
rule(#{ id: "probe/reader", summary: "s", help: "h" }, |facts, rule| {
    for file in facts.env.files {
        report(file_location(file.path), `saw ${file.path}`);
    }
    for set in facts.env.sets {
        report(set.location, `port ${set.vars["PORT"].value}`);
    }
});
"#,
    );
    let errors = messages(&outcome, "policy/error");
    for writer in [
        "probe/field-writer",
        "probe/loop-writer",
        "probe/list-writer",
        "probe/pusher",
    ] {
        let error = errors
            .iter()
            .find(|m| m.contains(writer))
            .unwrap_or_else(|| panic!("{writer} must be a policy error: {errors:?}"));
        assert!(
            error.contains("read-only") && error.contains("to_map()"),
            "the error names the way out: {error}"
        );
    }
    assert_eq!(errors.len(), 4, "{errors:?}");
    let mut seen = messages(&outcome, "probe/reader");
    seen.sort();
    assert_eq!(
        seen,
        vec![
            "port 4000",
            "port 5000",
            "saw apps/api/.env.example",
            "saw apps/api/.env.local",
            "saw apps/web/.env.example",
            "saw apps/web/.env.local",
        ]
    );
}

#[test]
fn writable_copies_are_local_to_the_rule() {
    let outcome = env_repo_with_policy(
        r#"
rule(#{ id: "probe/copier", summary: "s", help: "h" }, |facts, rule| {
  for set in facts.env.sets {
    let vars = set.vars.to_map();
    vars["PORT"] = #{ value: "changed" };
    let keys = set.vars.keys();
    keys.sort();
    keys.push("EXTRA");
    let files = facts.env.files.to_array();
    files.push("extra");
    let file = facts.env.files[0].to_map();
    file.path = "mine";
    report(set.location, `${vars["PORT"].value} ${set.vars["PORT"].value} ${keys} ${files.len()} ${file.path} ${facts.env.files[0].path}`);
  }
});
"#,
    );
    assert_eq!(messages(&outcome, "policy/error"), Vec::<String>::new());
    let mut seen = messages(&outcome, "probe/copier");
    seen.sort();
    assert_eq!(
        seen,
        vec![
            r#"changed 4000 ["LOG_LEVEL", "PORT", "EXTRA"] 5 mine apps/api/.env.example"#,
            r#"changed 5000 ["PORT", "EXTRA"] 5 mine apps/api/.env.example"#,
        ]
    );
}

#[test]
fn views_read_like_arrays_and_maps() {
    let outcome = env_repo_with_policy(
        r#"
rule(#{ id: "probe/api", summary: "s", help: "h" }, |facts, rule| {
    let files = facts.env.files;
    let paths = files.map(|f| f.path);
    let contracts = files.filter(|f| f.kind == "contract").len();
    let keys = files.reduce(|n, f| n + f.entries.len(), 0);
    let set = facts.env.sets[0];
    let out = [
        type_of(files), type_of(set), type_of(set.vars), type_of(set.vars["PORT"]),
        files.len(), files.is_empty(), files[-1].path, files.get(99), paths[0], contracts, keys,
        "PORT" in set.vars, "NOPE" in set.vars, set.vars["NOPE"], set.nope, set["name"],
        set.policies.len(), "env" in set.policies, files.some(|f| f.crlf),
        files.index_of(|f| f.kind == "env"), (files + [1]).len(), ([1] + files).len(),
        set.keys().contains("vars"), set.vars.values().len(), `${set.location.line}`,
    ];
    report(set.location, `${out}`);
});
rule(#{ id: "probe/bounds", summary: "s", help: "h" }, |facts, rule| {
    let x = facts.env.files[99];
});
"#,
    );
    let api = messages(&outcome, "probe/api");
    assert_eq!(
        api,
        vec![concat!(
            r#"["read-only array", "EnvSet", "read-only map", "EnvVar", "#,
            r#"4, false, "apps/web/.env.local", (), "apps/api/.env.example", 2, 6, "#,
            r#"true, false, (), (), "apps/api/env", 1, true, false, 1, 5, 5, true, 2, "1"]"#
        )]
    );
    let errors = messages(&outcome, "policy/error");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("probe/bounds") && errors[0].contains("out of bounds"),
        "{errors:?}"
    );
}

/// `having`, `duplicates` and `except` select in one call what a loop would read element by
/// element, and agree with that loop; a field name a record lacks is an error, not an empty
/// selection.
#[test]
fn selection_helpers_agree_with_loops_and_reject_unknown_fields() {
    let dir = common::tree(&[
        ("launchgate.toml", ""),
        (
            "policies/probe.rhai",
            r#"
rule(#{ id: "probe/select", summary: "s", help: "h" }, |facts, rule| {
    for file in facts.env.files {
        let looped = [];
        for e in file.entries { if e.unresolved.len() > 0 { looped.push(e.key); } }
        let selected = file.entries.having("unresolved").map(|e| e.key);
        let twice = file.entries.duplicates("key").map(|p| `${p[0].key}@${p[0].location.line}/${p[1].location.line}`);
        report(file_location(file.path), `${file.path} ${looped} ${selected} ${twice}`);
    }
    for set in facts.env.sets {
        let absent = set.contract_keys.except(set.vars);
        let typed = set.vars.having("type_error");
        report(set.location, `${set.name} absent=${absent.keys()} typed=${typed.keys()} ${type_of(absent)}`);
    }
});
rule(#{ id: "probe/typo", summary: "s", help: "h" }, |facts, rule| {
    facts.env.files[0].entries.having("unresolvd");
});
rule(#{ id: "probe/secret", summary: "s", help: "h" }, |facts, rule| {
    for file in facts.env.files { file.entries.duplicates("value"); }
});
"#,
        ),
        (
            "apps/api/.env.example",
            "PORT=3000 # @type=port\nRETRIES=3 # @type=number(min=1,max=5)\n\
             API_URL=https://api.example.com\nLOG_LEVEL=info\n",
        ),
        (
            "apps/api/.env.local",
            "PORT=eighty\nHOST=db.internal\nAPI_URL=https://${HOST}/v1\nPORT=8080\n\
             CALLBACK=${MISSING}/cb\nHOST=db2.internal\nRETRIES=9\n\
             API_TOKEN=ghp_0123456789abcdefghijklmnopqrstuvwxyz\n",
        ),
    ]);
    let outcome = run(&CheckOptions {
        root: dir.path().to_path_buf(),
        ..Default::default()
    })
    .expect("check runs");
    let mut got = messages(&outcome, "probe/select");
    got.sort();
    assert_eq!(
        got,
        vec![
            "apps/api/.env.example [] [] []".to_string(),
            r#"apps/api/.env.local ["CALLBACK"] ["CALLBACK"] ["PORT@1/4", "HOST@2/6"]"#.to_string(),
            r#"env absent=["LOG_LEVEL"] typed=["RETRIES"] map"#.to_string(),
        ],
        "{:?}",
        outcome.findings
    );
    let errors = messages(&outcome, "policy/error");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("probe/typo") && e.contains("EnvEntry has no field `unresolvd`")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("probe/secret") && e.contains("`value` of EnvEntry is a secret")),
        "{errors:?}"
    );
}

/// Walks every value through the view API (keys, indexing, iteration) beside the plain copy
/// that `to_map()` makes with serde, the same conversion `launchgate facts` prints: any field
/// the views miss, add or show differently is reported with its path.
const SAME_AS_FACTS: &str = r#"
fn same(a, b, path) {
    let tb = type_of(b);
    if tb == "map" {
        let ka = a.keys();
        ka.sort();
        let kb = b.keys();
        kb.sort();
        if ka != kb { return [`${path}: fields ${ka} vs ${kb}`, 0]; }
        let n = 1;
        for k in kb {
            let r = same(a[k], b[k], `${path}.${k}`);
            if r[0] != "" { return r; }
            n += r[1];
        }
        return ["", n];
    }
    if tb == "array" {
        if a.len() != b.len() { return [`${path}: ${a.len()} vs ${b.len()} elements`, 0]; }
        let n = 1;
        let i = 0;
        for x in a {
            let r = same(x, b[i], `${path}[${i}]`);
            if r[0] != "" { return r; }
            n += r[1];
            i += 1;
        }
        return ["", n];
    }
    if type_of(a) != tb || a != b { return [`${path}: ${type_of(a)} vs ${tb}`, 0]; }
    ["", 1]
}
rule(#{ id: "probe/same", summary: "s", help: "h" }, |facts, rule| {
    let r = same(facts, facts.to_map(), "facts");
    report(file_location("launchgate.toml"), if r[0] == "" { `same ${r[1]}` } else { r[0] });
});
"#;

#[test]
fn views_show_exactly_the_facts_of_every_bundled_fixture() {
    for fixture in ["credity", "migrations", "docs", "scripts", "evidence"] {
        let outcome = fixture_with_policy(fixture, SAME_AS_FACTS);
        assert_eq!(messages(&outcome, "policy/error"), Vec::<String>::new());
        let seen = messages(&outcome, "probe/same");
        assert_eq!(seen.len(), 1, "{fixture}: {seen:?}");
        let values: usize = seen[0]
            .strip_prefix("same ")
            .unwrap_or_else(|| panic!("{fixture}: {}", seen[0]))
            .parse()
            .expect("a count");
        // Every value of the facts was compared, not just the top.
        let json = serde_json::to_value(&outcome.facts).expect("facts as JSON");
        assert_eq!(values, count_values(&json), "{fixture}");
        assert!(values > 100, "{fixture}: {values}");
    }
}

fn count_values(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Object(m) => 1 + m.values().map(count_values).sum::<usize>(),
        serde_json::Value::Array(a) => 1 + a.iter().map(count_values).sum::<usize>(),
        _ => 1,
    }
}
