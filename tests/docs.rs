//! The docs rules end to end: collector + `policies/docs.rhai` through `check::run`, on the
//! per-rule fixtures under `fixtures/docs/`, the whole-repository fixtures, real git
//! repositories, and the built binary.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use launchgate::check::{self, CheckOptions, CheckOutcome};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

fn check_with(root: &Path, config: Option<&Path>) -> CheckOutcome {
    check::run(&CheckOptions {
        root: root.to_path_buf(),
        config_file: config.map(Path::to_path_buf),
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("check of {} failed: {e}", root.display()))
}

/// `rule file:line:col-end_col` for every `docs/*` (and `policy/*`) finding, in order.
/// The facts a check of `root` collects (its own config, no process env).
fn facts_of(root: &Path) -> launchgate::facts::Facts {
    let config = launchgate::config::load(root, None).expect("config loads");
    launchgate::collect::collect_static(root, &config, Default::default()).facts
}

fn docs_findings(outcome: &CheckOutcome) -> Vec<String> {
    outcome
        .findings
        .iter()
        .filter(|f| f.rule.starts_with("docs/") || f.rule.starts_with("policy/"))
        .map(|f| {
            let l = &f.location;
            assert_eq!(l.line, l.end_line, "docs findings sit on one line: {f:?}");
            format!(
                "{} {}:{}:{}-{}",
                f.rule, l.file, l.line, l.column, l.end_column
            )
        })
        .collect()
}

fn messages(outcome: &CheckOutcome, rule: &str) -> Vec<String> {
    outcome
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.message.clone())
        .collect()
}

/// The whole-repository fixtures are assembled from several branches: the runbooks run the
/// shell scripts that the scripts work adds, and link the services the migrations work adds.
fn require_merged_fixture(root: &Path) {
    for needed in [
        "scripts/db-migration/run-staged.sh",
        "scripts/infra-live-smoke.sh",
    ] {
        assert!(
            root.join(needed).is_file(),
            "{} lacks {needed}: these tests need the scripts branch merged",
            root.display()
        );
    }
}

#[test]
fn credity_runbook_drift_is_found_at_exact_spans() {
    let root = fixture("credity");
    require_merged_fixture(&root);
    let outcome = check_with(&root, None);
    let runbook = "docs/runbooks/db-cloud-cutover.md";
    let checklist = "scripts/db-migration/ROLLBACK_REHEARSAL_CHECKLIST.md";
    let expected = [
        // `Repo: /Users/raghav/Desktop/credity` and the staging block's `cd` into it.
        format!("docs/machine-local-path {runbook}:3:8-37"),
        // The old repository name: link text, link URL, and the production block's `cd`.
        format!("docs/legacy-name {runbook}:9:12-21"),
        format!("docs/legacy-name {runbook}:9:52-61"),
        // A link written from the repository root, broken relative to the document.
        format!("docs/broken-link {runbook}:15:53-105"),
        format!("docs/machine-local-path {runbook}:22:4-33"),
        // `verify-method.sh` was renamed to `04-method-verify.sh`.
        format!("docs/stale-path {runbook}:40:42-79"),
        format!("docs/legacy-name {runbook}:55:14-23"),
        // The checklist has no reconciliation drill (reported at its title) ...
        format!("docs/checklist-missing-item {checklist}:1:1-50"),
        // ... and four unchecked steps.
        format!("docs/checklist-unchecked {checklist}:10:3-78"),
        format!("docs/checklist-unchecked {checklist}:15:3-100"),
        format!("docs/checklist-unchecked {checklist}:25:3-63"),
        format!("docs/checklist-unchecked {checklist}:33:3-55"),
    ];
    assert_eq!(docs_findings(&outcome), expected);
    assert_eq!(
        messages(&outcome, "docs/checklist-missing-item"),
        [format!(
            "{checklist} has no item for the required `reconciliation drill`"
        )]
    );
    let broken = messages(&outcome, "docs/broken-link");
    assert!(
        broken[0].contains(&format!("{checklist} exists from the repository root")),
        "{broken:?}"
    );

    // Every finding of one rule in one file has its own fingerprint.
    let mut prints: Vec<&str> = outcome
        .findings
        .iter()
        .filter(|f| f.rule.starts_with("docs/"))
        .map(|f| f.fingerprint.as_str())
        .collect();
    let total = prints.len();
    prints.sort();
    prints.dedup();
    assert_eq!(
        prints.len(),
        total,
        "duplicate fingerprints among docs findings"
    );
}

#[test]
fn credity_runbook_exposes_the_scripts_it_runs() {
    let root = fixture("credity");
    require_merged_fixture(&root);
    let outcome = check_with(&root, None);
    let runbook = outcome
        .facts
        .docs
        .documents
        .iter()
        .find(|d| d.file == "docs/runbooks/db-cloud-cutover.md")
        .unwrap_or_else(|| panic!("runbook not scanned"));
    let executed: Vec<(&str, u32)> = runbook
        .paths
        .iter()
        .filter(|p| p.command_position && p.exists)
        .map(|p| (p.resolved.as_deref().unwrap_or_default(), p.location.line))
        .collect();
    assert!(
        executed.contains(&("scripts/db-migration/run-staged.sh", 32)),
        "{executed:?}"
    );
    assert!(
        executed.contains(&("scripts/db-migration/04-method-verify.sh", 72)),
        "{executed:?}"
    );
    let smoke = runbook
        .paths
        .iter()
        .find(|p| p.path == "scripts/infra-live-smoke.sh")
        .unwrap_or_else(|| panic!("smoke script not recorded"));
    assert!(
        !smoke.command_position,
        "`bash x.sh` runs bash, not the file"
    );
    assert_eq!(smoke.command.as_deref(), Some("bash"));
}

#[test]
fn clean_documents_have_no_findings_and_were_really_checked() {
    let root = fixture("clean");
    require_merged_fixture(&root);
    assert!(
        root.join("services/gateway").is_dir(),
        "these tests need the migrations branch merged"
    );
    let outcome = check_with(&root, None);
    assert_eq!(docs_findings(&outcome), Vec::<String>::new());

    let docs = &outcome.facts.docs.documents;
    let doc = |file: &str| {
        docs.iter()
            .find(|d| d.file == file)
            .unwrap_or_else(|| panic!("{file} not scanned"))
    };
    // A percent-encoded link to a file whose name has a space.
    let guide = doc("README.md")
        .paths
        .iter()
        .find(|p| p.path == "docs/Operator Guide.md");
    assert_eq!(
        guide.map(|p| (p.exists, p.text.as_str())),
        Some((true, "docs/Operator%20Guide.md"))
    );
    // A path that exists only relative to its document.
    let relative = doc("docs/Operator Guide.md")
        .paths
        .iter()
        .find(|p| p.path == "runbooks/db-cloud-cutover.md");
    assert_eq!(
        relative.and_then(|p| p.resolved.as_deref()),
        Some("docs/runbooks/db-cloud-cutover.md")
    );
    // After `cd scripts/db-migration`, `./run-staged.sh` resolves there and is executed.
    let runner = doc("scripts/db-migration/README.md")
        .paths
        .iter()
        .find(|p| p.path == "./run-staged.sh");
    assert_eq!(
        runner.map(|p| (p.resolved.as_deref(), p.command_position)),
        Some((Some("scripts/db-migration/run-staged.sh"), true))
    );
    let checked = docs
        .iter()
        .flat_map(|d| &d.paths)
        .filter(|p| p.checked)
        .count();
    assert!(
        checked >= 40,
        "only {checked} paths were checked in the clean fixture"
    );
}

#[test]
fn clean_checklist_is_complete_when_configured() {
    let dir = common::tree(&[(
        "launchgate.toml",
        "[docs]\nchecklists = [{ file = \"scripts/db-migration/ROLLBACK_REHEARSAL_CHECKLIST.md\", require = \
         [\"rollback target\", \"read-path reversal\", \"dual-write\", \"smoke\", \"reconciliation drill\", \"exit criteria\"] }]\n",
    )]);
    let outcome = check_with(&fixture("clean"), Some(&dir.path().join("launchgate.toml")));
    let checklist = &outcome.facts.docs.checklists[0];
    assert!(
        checklist.exists && checklist.required.iter().all(|r| r.found),
        "{checklist:#?}"
    );
    assert!(outcome
        .findings
        .iter()
        .all(|f| !f.rule.starts_with("docs/checklist")));
}

#[test]
fn broken_links_resolve_relative_to_the_document_like_github() {
    let outcome = check_with(&fixture("docs/broken-link"), None);
    let doc = "docs/runbooks/restore.md";
    assert_eq!(
        docs_findings(&outcome),
        [
            // `db/restore.sql` exists from the root, not from docs/runbooks/.
            format!("docs/broken-link {doc}:4:38-52"),
            format!("docs/broken-link {doc}:9:16-42"),
            format!("docs/broken-link {doc}:11:28-51"),
            // A reference link: reported at its definition.
            format!("docs/broken-link {doc}:13:11-37"),
        ]
    );
    let facts = &outcome.facts.docs.documents;
    let restore = facts
        .iter()
        .find(|d| d.file == doc)
        .unwrap_or_else(|| panic!("not scanned"));
    let freeze = restore
        .paths
        .iter()
        .find(|p| p.text == "../Freeze%20Procedure.md#before-you-start");
    assert_eq!(
        freeze.map(|p| (p.exists, p.path.as_str(), p.fragment.as_deref())),
        Some((true, "../Freeze Procedure.md", Some("before-you-start"))),
        "a percent-encoded path that exists is fine"
    );
    assert_eq!(
        restore.urls.len(),
        1,
        "the remote link is recorded, not checked"
    );
}

#[test]
fn stale_paths_follow_cd_and_skip_placeholders_globs_and_variables() {
    let outcome = check_with(&fixture("docs/stale-path"), None);
    assert_eq!(
        docs_findings(&outcome),
        [
            "docs/stale-path docs/ops/deploy.md:9:25-46",
            "docs/stale-path docs/ops/deploy.md:16:26-51"
        ]
    );
    assert_eq!(
        messages(&outcome, "docs/stale-path")[0],
        "`drizzle/0001_seed.sql` in a code block under \"Deploy the API\" does not exist: looked for `services/api/drizzle/0001_seed.sql`"
    );
    let deploy = outcome
        .facts
        .docs
        .documents
        .iter()
        .find(|d| d.file == "docs/ops/deploy.md");
    let paths = &deploy.unwrap_or_else(|| panic!("not scanned")).paths;
    let resolved = |path: &str| {
        paths
            .iter()
            .find(|p| p.path == path)
            .and_then(|p| p.resolved.clone())
    };
    // After `cd services/api` a path resolves there ...
    assert_eq!(
        resolved("drizzle.config.ts").as_deref(),
        Some("services/api/drizzle.config.ts")
    );
    // ... and after `cd ../..` back at the root.
    assert_eq!(
        resolved("scripts/smoke.mjs").as_deref(),
        Some("scripts/smoke.mjs")
    );
    // A document-relative name in inline code.
    assert_eq!(
        resolved("deploy-checklist.md").as_deref(),
        Some("docs/ops/deploy-checklist.md")
    );
    let unchecked: Vec<&str> = paths
        .iter()
        .filter(|p| !p.checked)
        .map(|p| p.path.as_str())
        .collect();
    assert!(unchecked.contains(&"drizzle/*.sql"), "{unchecked:?}");
    assert!(
        unchecked.contains(&"reports/smoke-<ts>.json"),
        "{unchecked:?}"
    );
    assert!(
        unchecked.contains(&"$HOME/notes/deploy.txt"),
        "{unchecked:?}"
    );
}

#[test]
fn legacy_name_inside_a_longer_word_is_not_a_finding() {
    let outcome = check_with(&fixture("docs/legacy-name"), None);
    assert_eq!(
        docs_findings(&outcome),
        ["docs/legacy-name README.md:3:28-35"]
    );
}

#[test]
fn machine_local_paths_but_not_home_relative_or_generic_examples() {
    let outcome = check_with(&fixture("docs/machine-local-path"), None);
    assert_eq!(
        docs_findings(&outcome),
        [
            "docs/machine-local-path README.md:5:28-56",
            "docs/machine-local-path README.md:5:75-98"
        ]
    );
}

#[test]
fn checklist_missing_an_item_and_with_unchecked_items() {
    let outcome = check_with(&fixture("docs/checklist"), None);
    assert_eq!(
        docs_findings(&outcome),
        [
            "docs/checklist-missing-item GO_LIVE_CHECKLIST.md:1:1-20",
            "docs/checklist-unchecked GO_LIVE_CHECKLIST.md:10:3-55",
        ]
    );
    let finding = outcome
        .findings
        .iter()
        .find(|f| f.rule == "docs/checklist-missing-item");
    let related = finding.map(|f| {
        f.related
            .iter()
            .map(|r| (r.location.file.as_str(), r.location.line))
            .collect::<Vec<_>>()
    });
    assert_eq!(
        related,
        Some(vec![("launchgate.toml", 3)]),
        "the finding points back at the config entry"
    );
}

#[test]
fn a_configured_checklist_that_does_not_exist_points_at_its_config_entry() {
    let root = fixture("docs/checklist");
    let outcome = check_with(&root, Some(&root.join("missing-file.toml")));
    assert_eq!(
        docs_findings(&outcome),
        ["docs/checklist-missing-item missing-file.toml:2:24-37"]
    );
}

/// Run git in `dir`, failing the test when it fails.
fn git(dir: &Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .status()
        .unwrap_or_else(|e| panic!("git {args:?}: {e}"));
    assert!(status.success(), "git {args:?} failed");
}

#[test]
fn documents_in_git_ignored_or_excluded_folders_are_not_scanned() {
    let dir = common::tree(&[
        (".gitignore", "build/\n"),
        ("build/notes.md", "[gone](missing.md)\n"),
        ("vendor/lib/README.md", "[gone](missing.md)\n"),
        ("docs/guide.md", "[gone](missing.md)\n"),
        ("launchgate.toml", "[docs]\nexclude = [\"vendor/**\"]\n"),
    ]);
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "docs"]);
    let outcome = check_with(dir.path(), None);
    assert_eq!(
        docs_findings(&outcome),
        ["docs/broken-link docs/guide.md:1:8-18"]
    );
    let scanned: Vec<&str> = outcome
        .facts
        .docs
        .documents
        .iter()
        .map(|d| d.file.as_str())
        .collect();
    assert_eq!(scanned, ["docs/guide.md"]);
}

#[test]
fn unreadable_documents_become_facts_not_panics() {
    let dir = common::tree(&[("docs/ok.md", "# ok\n")]);
    std::fs::write(dir.path().join("docs/latin1.md"), b"caf\xe9 [x](nope.md)\n")
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("docs/binary.md"), b"\x00\x01\x02")
        .unwrap_or_else(|e| panic!("{e}"));
    let outcome = check_with(dir.path(), None);
    let problems: Vec<(&str, bool)> = outcome
        .facts
        .docs
        .documents
        .iter()
        .map(|d| (d.file.as_str(), d.read_error.is_some()))
        .collect();
    assert_eq!(
        problems,
        [
            ("docs/binary.md", true),
            ("docs/latin1.md", true),
            ("docs/ok.md", false)
        ]
    );
    // Each unreadable document is one docs/unreadable finding, never a silent pass.
    assert_eq!(
        docs_findings(&outcome),
        [
            "docs/unreadable docs/binary.md:1:1-1",
            "docs/unreadable docs/latin1.md:1:1-1"
        ]
    );
}

#[test]
fn binary_reports_docs_findings_as_github_annotations() {
    let output = Command::cargo_bin("launchgate")
        .unwrap_or_else(|e| panic!("{e}"))
        .args(["check", "--format", "github"])
        .arg(fixture("docs/legacy-name"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        output.status.code(),
        Some(1),
        "a legacy name is an error: NO-GO"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(
            "::error file=README.md,line=3,col=28,endLine=3,endColumn=35,title=docs/legacy-name::"
        ),
        "{stdout}"
    );
}

#[test]
fn every_docs_rule_is_registered_with_help() {
    let output = Command::cargo_bin("launchgate")
        .unwrap_or_else(|e| panic!("{e}"))
        .arg("rules")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for id in [
        "docs/broken-link",
        "docs/stale-path",
        "docs/legacy-name",
        "docs/machine-local-path",
        "docs/checklist-missing-item",
        "docs/checklist-unchecked",
    ] {
        assert!(
            stdout.contains(id),
            "{id} missing from `launchgate rules`:\n{stdout}"
        );
        let explain = Command::cargo_bin("launchgate")
            .unwrap_or_else(|e| panic!("{e}"))
            .args(["explain", id])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8_lossy(&explain.stdout);
        assert!(
            text.contains("Why it matters"),
            "`explain {id}` lacks its help:\n{text}"
        );
    }
}

/// Write the benchmark tree: `areas × topics × pages` pages, each with eight links (relative,
/// parent, root-relative, percent-encoded with a fragment, anchor, reference-style), two
/// remote URLs, an image and a shell block. Every 25th page has one broken link, every 40th
/// one stale path in its code block. Returns (pages, broken links, stale paths).
fn write_large_tree(
    root: &Path,
    areas: usize,
    topics: usize,
    pages: usize,
) -> (usize, usize, usize) {
    let write = |rel: &str, text: &str| {
        let path = root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir: {e}"));
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {rel}: {e}"));
    };
    write(
        "README.md",
        "# Handbook\n\nStart at [area 0](area-00/topic-00/page-000.md).\n",
    );
    write(
        "shared/Shared Notes.md",
        "# Shared notes\n\n## Section 2\n\nText.\n",
    );
    write(
        "shared/img/diagram.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n",
    );
    for t in 0..10 {
        write(&format!("scripts/tool-{t}.mjs"), "console.log('ok');\n");
    }
    let (mut total, mut broken, mut stale) = (0, 0, 0);
    for a in 0..areas {
        for t in 0..topics {
            for p in 0..pages {
                total += 1;
                let (next, other) = ((p + 1) % pages, (a + 1) % areas);
                let mut text = format!(
                    "# Page {p} of area {a}, topic {t}\n\n\
                     Continue with [the next page](page-{next:03}.md) or the [same page in area {other}]\
                     (../../area-{other:02}/topic-{t:02}/page-{p:03}.md). Back to the [handbook](/README.md);\n\
                     see the [shared notes](../../shared/Shared%20Notes.md#section-2), this page's [usage](#usage),\n\
                     and [upstream docs](https://example.com/docs/{a}/{t}/{p}) ([mirror](https://mirror.example.org/{p})).\n\n\
                     ![diagram](../../shared/img/diagram.svg)\n\n## Usage\n\n\
                     Reference-style: [topic index][index] and [tool][tool].\n\n\
                     ```bash\nnode scripts/tool-{tool}.mjs --page {p}\ncd area-{a:02}/topic-{t:02}\ncat page-{p:03}.md | wc -l\n",
                    tool = p % 10
                );
                if total % 40 == 0 {
                    text.push_str(&format!("node ../../scripts/tool-renamed-{p}.mjs\n"));
                    stale += 1;
                }
                text.push_str("```\n\n");
                if total % 25 == 0 {
                    text.push_str(&format!(
                        "Old link: [removed page](page-removed-{p:03}.md).\n\n"
                    ));
                    broken += 1;
                }
                text.push_str(&format!(
                    "[index]: page-000.md\n[tool]: ../../scripts/tool-{}.mjs\n",
                    p % 10
                ));
                write(&format!("area-{a:02}/topic-{t:02}/page-{p:03}.md"), &text);
            }
        }
    }
    (total + 2, broken, stale)
}

/// The issue's benchmark: a 5,002-document tree. Run by hand (it prints timings):
/// `cargo test --release --test docs -- --ignored --nocapture large_documentation_tree`.
/// The same tree, written by any generator, is what `lychee --offline` was timed on.
#[test]
#[ignore = "benchmark: run by hand with --release"]
fn large_documentation_tree() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (documents, broken, stale) = write_large_tree(dir.path(), 10, 10, 50);
    let started = std::time::Instant::now();
    let config = launchgate::config::LoadedConfig::default();
    let facts = launchgate::collect::collect_static(dir.path(), &config, Default::default());
    let collected = started.elapsed();
    let started = std::time::Instant::now();
    let outcome = check_with(dir.path(), None);
    let checked = started.elapsed();
    let paths: usize = facts
        .facts
        .docs
        .documents
        .iter()
        .map(|d| d.paths.len())
        .sum();
    let urls: usize = facts
        .facts
        .docs
        .documents
        .iter()
        .map(|d| d.urls.len())
        .sum();
    println!(
        "{documents} documents, {paths} local paths, {urls} remote URLs: collect {collected:.2?}, whole check {checked:.2?}"
    );
    assert_eq!(facts.facts.docs.documents.len(), documents);
    assert_eq!(messages(&outcome, "docs/broken-link").len(), broken);
    assert_eq!(messages(&outcome, "docs/stale-path").len(), stale);
}

/// Issue 15 §2: generated documents, changelogs and test data are not checked; templates
/// are checked where they are read (the pull-request or issue page).
#[test]
fn generated_history_and_test_documents_are_not_checked_templates_are_read_in_place() {
    let root = fixture("docs/kinds");
    let outcome = check_with(&root, None);
    assert_eq!(
        docs_findings(&outcome),
        [
            "docs/broken-link .github/ISSUE_TEMPLATE/bug_report.md:6:71-95",
            "docs/broken-link docs/runbook.md:4:29-45",
        ]
    );
    let facts = facts_of(&root);
    let kind = |file: &str| {
        let doc = facts
            .docs
            .documents
            .iter()
            .find(|d| d.file == file)
            .unwrap_or_else(|| panic!("no document {file}"));
        serde_json::to_value(doc.kind).expect("kind serialises")
    };
    assert_eq!(kind("docs/api/orders.md"), "generated");
    assert_eq!(kind("docs/generated-header.md"), "generated");
    assert_eq!(kind("pkg/client/README.md"), "generated");
    assert_eq!(kind("CHANGELOG.md"), "changelog");
    assert_eq!(kind(".github/pull_request_template.md"), "template");
    assert_eq!(kind("cmd/clidoc/testdata/orders-serve.md"), "test-data");
    assert_eq!(kind("README.md"), "page");
}

/// `.mdx` pages of a Docusaurus site: routes resolve against its pages and static folder,
/// `.md` links against the docs root, `$$…$$` is math, HTML entities in `href` are decoded.
#[test]
fn docs_site_routes_and_mdx_resolve_against_the_sites_pages() {
    let outcome = check_with(&fixture("docs/site"), None);
    assert_eq!(
        docs_findings(&outcome),
        [
            "docs/broken-link website/docs/guides/deploy.mdx:22:38-53",
            "docs/broken-link website/docs/guides/deploy.mdx:22:70-79",
        ]
    );
    let broken = messages(&outcome, "docs/broken-link");
    assert!(broken[0].contains("./upgrading.mdx"), "{broken:?}");
    assert!(broken[1].contains("/docs/faq"), "{broken:?}");
}

/// Fragments are checked against the target's headings with GitHub's anchor rules
/// (repeats numbered, `{#id}` and `<a name>` count, line anchors of source files are not
/// checked).
#[test]
fn link_fragments_must_name_a_heading_of_the_target() {
    let outcome = check_with(&fixture("docs/anchors"), None);
    assert_eq!(
        docs_findings(&outcome),
        [
            "docs/broken-anchor docs/runbook.md:3:75-85",
            "docs/broken-anchor docs/runbook.md:15:45-58",
        ]
    );
    let anchors = messages(&outcome, "docs/broken-anchor");
    assert!(anchors[0].contains("`#roll-back`"), "{anchors:?}");
}

/// A missing code path is a finding only beyond reasonable doubt: bare names, package-relative
/// paths, build outputs, placeholders, the clone folder, rule ids and `path:line` are not.
#[test]
fn stale_paths_are_reported_only_beyond_reasonable_doubt() {
    let outcome = check_with(&fixture("docs/stale-path-doubt"), None);
    let stale: Vec<String> = outcome
        .findings
        .iter()
        .filter(|f| f.rule == "docs/stale-path")
        .map(|f| format!("{}:{} {}", f.location.file, f.location.line, f.message))
        .collect();
    assert_eq!(stale.len(), 2, "{stale:#?}");
    assert!(
        stale[0].starts_with("docs/ops/deploy.md:28 `./scripts/load-demo-data.sh`"),
        "{stale:#?}"
    );
    assert!(
        stale[1].starts_with("docs/ops/deploy.md:31 `packages/api/scripts/reset-db.sh`"),
        "{stale:#?}"
    );

    // Why the others are not findings, as `launchgate facts` shows them.
    let root = fixture("docs/stale-path-doubt");
    let facts = facts_of(&root);
    let reason = |file: &str, path: &str| {
        let doc = facts
            .docs
            .documents
            .iter()
            .find(|d| d.file == file)
            .expect("document");
        let p = doc
            .paths
            .iter()
            .find(|p| p.path == path)
            .unwrap_or_else(|| panic!("no {path}"));
        serde_json::to_value(p.unchecked).expect("serialises")
    };
    let deploy = "docs/ops/deploy.md";
    assert_eq!(reason(deploy, "client/queue.ts"), "elsewhere-in-repository");
    assert_eq!(
        reason(deploy, "packages/api/src/jobs/client/queue.ts:42"),
        "elsewhere-in-repository"
    );
    assert_eq!(reason(deploy, "packages/api/dist/index.js"), "build-output");
    assert_eq!(reason(deploy, "docs/unreadable"), "not-a-repository-path");
    assert_eq!(reason(deploy, ".cursor/mcp.json"), "git-ignored");
    assert_eq!(reason(deploy, "packages/api/fixtures/demo.sql"), "example");
    assert_eq!(
        reason(deploy, "packages/api/scripts/local-overrides.sh"),
        "example"
    );
    let plan = facts
        .docs
        .documents
        .iter()
        .find(|d| d.file == "docs/plans/queue-retries.md")
        .expect("plan");
    assert_eq!(serde_json::to_value(plan.kind).expect("kind"), "design");
}

/// A root-absolute link whose first part names nothing at the repository's root is a route of
/// the app or site that shows the page (onboarding documents an app imports, an agent skill's
/// page template), not a repository path; one into an existing top folder is still checked.
#[test]
fn root_links_to_app_routes_are_not_repository_paths() {
    let outcome = check_with(&fixture("docs/app-routes"), None);
    assert_eq!(
        docs_findings(&outcome),
        ["docs/broken-link README.md:7:15-31"]
    );
    let broken = messages(&outcome, "docs/broken-link");
    assert!(
        broken[0].contains("docs/operate.md does not exist"),
        "{broken:?}"
    );
}

/// Paths in a section about the past (`Old Way`) or said to be absent ("There is no `x`")
/// are not stale; home-folder paths a command prints (a `which` in a terminal session) are a
/// sample of the reader's own output, while one in a command or in prose is still reported.
#[test]
fn history_absent_paths_and_command_output_are_not_findings() {
    let root = fixture("docs/history-and-output");
    let outcome = check_with(&root, None);
    assert_eq!(
        docs_findings(&outcome),
        [
            "docs/machine-local-path docs/contributing.md:22:23-62",
            "docs/machine-local-path docs/contributing.md:25:28-70",
            "docs/stale-path docs/contributing.md:28:27-46",
        ]
    );
    let facts = facts_of(&root);
    let reason = |file: &str, path: &str| {
        let doc = facts
            .docs
            .documents
            .iter()
            .find(|d| d.file == file)
            .expect(file);
        let p = doc.paths.iter().find(|p| p.path == path).expect(path);
        serde_json::to_value(p.unchecked).expect("reason serialises")
    };
    assert_eq!(
        reason("docs/contributing.md", "docs/triage-labels.md"),
        "history"
    );
    assert_eq!(
        reason("persistence/sql/README.md", "./persistence/sql/.soda.yml"),
        "history"
    );
}
