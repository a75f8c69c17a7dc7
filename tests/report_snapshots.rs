//! Every output format, snapshot-tested on the whole-repository fixtures.

use launchgate::check::{self, CheckOptions};
use launchgate::report::{Format, Style};

fn render(fixture: &str, format: Format) -> String {
    let outcome = check::run(&CheckOptions {
        root: fixture.into(),
        ..Default::default()
    })
    .expect("check runs");
    format.render(&outcome, Style::default())
}

#[test]
fn credity_human() {
    insta::assert_snapshot!(render("fixtures/credity", Format::Human));
}

#[test]
fn credity_json() {
    insta::assert_snapshot!(render("fixtures/credity", Format::Json));
}

#[test]
fn credity_sarif() {
    let sarif = render("fixtures/credity", Format::Sarif);
    // Every result has a repository-relative location with a full region.
    let v: serde_json::Value = serde_json::from_str(&sarif).expect("valid JSON");
    for r in v["runs"][0]["results"].as_array().expect("results") {
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(!uri.starts_with('/') && !uri.contains("://"), "{uri}");
        for k in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(
                loc["region"][k].as_i64().is_some_and(|n| n >= 1),
                "{k} in {r}"
            );
        }
        assert!(r["partialFingerprints"]["launchgate/v1"].is_string());
    }
    for rule in v["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
    {
        assert!(
            rule["help"]["markdown"].is_string() && rule["help"]["text"].is_string(),
            "{rule}"
        );
    }
    insta::assert_snapshot!(sarif);
}

#[test]
fn credity_github() {
    insta::assert_snapshot!(render("fixtures/credity", Format::Github));
}

#[test]
fn clean_human() {
    insta::assert_snapshot!(render("fixtures/clean", Format::Human));
}
