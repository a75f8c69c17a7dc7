//! `launchgate init`: write the configuration `check` inferred, commented, for the operator
//! to refine. Never overwrites an existing file.

use crate::check::CheckOutcome;
use crate::collect::env::PROCESS_LAYER;
use crate::facts::env::SetOrigin;

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// The `launchgate.toml` text for what `check` inferred on this repository.
pub fn render(outcome: &CheckOutcome) -> String {
    let mut s = String::from(
        "# launchgate.toml, written by `launchgate init` from what `check` inferred.\n\
         # Refine it: every key is described in the README's configuration reference.\n\n\
         # Globs never scanned (node_modules and .git never are).\n\
         # exclude = [\"vendor/**\"]\n",
    );
    for set in outcome
        .facts
        .env
        .sets
        .iter()
        .filter(|s| s.origin == SetOrigin::Inferred)
    {
        let files: Vec<String> = set
            .layers
            .iter()
            .filter(|l| l.source != PROCESS_LAYER)
            .map(|l| l.source.clone())
            .collect();
        let policies: Vec<String> = set
            .policies
            .iter()
            .filter(|p| *p != "env")
            .cloned()
            .collect();
        s.push_str(&format!(
            "\n# Env set `{}`: files load in order, later ones win; `env` rules always apply.\n[[env]]\nname = {}\nfiles = {}\n",
            set.name,
            quote(&set.name),
            list(&files)
        ));
        if let Some(c) = &set.contract {
            s.push_str(&format!("contract = {}\n", quote(c)));
        }
        s.push_str(&format!("policies = {}\n", list(&policies)));
    }
    for service in &outcome.facts.migrations.services {
        for candidate in &service.history_candidates {
            s.push_str(&format!(
                "\n# {} holds {} timestamped migrations that no known migration tool keeps.\n\
                 # If {} runs them with its own runner, this declares the history:\n\
                 [[migrations]]\nservice = {}\npath = {}\npattern = {}\n",
                candidate.path,
                candidate.count,
                service.name,
                quote(&service.name),
                quote(&candidate.path),
                quote(&candidate.pattern)
            ));
        }
    }
    let p = &outcome.facts.config.probes;
    s.push_str(&format!(
        "\n[docs]\n\
         # Old repository or path names that must not appear in documents.\n\
         # legacy-names = [\"old-repo-name\"]\n\
         # Checklists and the items each must contain (matched case-insensitively).\n\
         # checklists = [{{ file = \"RUNBOOK.md\", require = [\"rollback\"] }}]\n\
         # Paths a runbook creates when it runs (not stale when absent), and document globs.\n\
         # generated-paths = [\"scripts/db-migration/artifacts/**\"]\n\
         # include = [\"**/*.md\"]\n\
         # exclude = [\"vendor/**\"]\n\
         \n[probes]\n\
         # Row-count method and tolerance for `check --probe` and recorded evidence. Precedence:\n\
         # the cutover env set's VERIFY_METHOD / ROWCOUNT_TOLERANCE, then these, then the flags.\n\
         # method = {}          # fast | exact | checksum\n\
         # tolerance = {}         # rows, or a percentage such as \"0.5%\"\n\
         \n# Severity overrides: error, warning or off.\n\
         # [rules]\n\
         # \"env/duplicate-key\" = \"error\"\n\
         \n# Waivers: targeted, with a reason, an owner and an expiry date.\n\
         # [waivers]\n\
         # not-waivable = [\"env/committed-secret-file\"]\n\
         # [[waiver]]\n\
         # rule = \"migrations/history-missing\"\n\
         # subject = \"CredVerseRecruiter\"\n\
         # reason = \"history lands with PR 123\"\n\
         # owner = \"db-oncall@example.com\"\n\
         # expires = 2026-03-31\n",
        quote(&p.method),
        quote(&p.tolerance)
    ));
    s
}
