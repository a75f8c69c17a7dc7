//! The facts a policy sees are one read-only view shared by every rule: a rule that assigns
//! to a fact fails closed and changes nothing another rule sees, and local copies stay
//! writable. (The view shares its maps and lists so that rules do not copy the facts.)

mod common;

use launchgate::check::{run, CheckOptions};

fn outcome_with_policy(policy: &str) -> launchgate::check::CheckOutcome {
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

fn messages(outcome: &launchgate::check::CheckOutcome, rule: &str) -> Vec<String> {
    outcome
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.message.clone())
        .collect()
}

#[test]
fn a_rule_assigning_to_facts_fails_closed_and_later_rules_see_the_original() {
    let outcome = outcome_with_policy(
        r#"
rule(#{ id: "probe/writer", summary: "s", help: "h" }, |facts, rule| {
    facts.env.files[0].path = "rewritten";
});
rule(#{ id: "probe/set-writer", summary: "s", help: "h" }, |facts, rule| {
    for set in facts.env.sets { set.vars["PORT"].value = "1"; }
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
    assert!(
        errors.iter().any(|m| m.contains("probe/writer")),
        "assigning to facts is a policy error: {errors:?}"
    );
    // A loop variable is the rule's own copy: writing to it is allowed and stays local.
    assert!(
        !errors.iter().any(|m| m.contains("probe/set-writer")),
        "{errors:?}"
    );
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
fn local_copies_of_facts_are_writable_and_stay_local() {
    let outcome = outcome_with_policy(
        r#"
rule(#{ id: "probe/copier", summary: "s", help: "h" }, |facts, rule| {
  for set in facts.env.sets {
    let vars = set.vars;
    vars["PORT"] = #{ value: "changed" };
    let keys = set.vars.keys();
    keys.sort();
    keys.push("EXTRA");
    report(set.location, `${vars["PORT"].value} ${set.vars["PORT"].value} ${keys}`);
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
            r#"changed 4000 ["LOG_LEVEL", "PORT", "EXTRA"]"#,
            r#"changed 5000 ["PORT", "EXTRA"]"#,
        ]
    );
}
