//! Unit tests of the docs collector, each on a real temporary repository.

use globset::GlobSet;

use super::resolve::Repository;
use super::{scan_document, LegacyNames};
use crate::facts::docs::{Document, PathContext, PathRef, UncheckedReason};

/// A temporary repository holding `files` (path, content).
fn repository(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    for file in files {
        let path = dir.path().join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir {parent:?}: {e}"));
        }
        std::fs::write(&path, "x\n").unwrap_or_else(|e| panic!("write {path:?}: {e}"));
    }
    dir
}

fn scan(dir: &tempfile::TempDir, rel: &str, text: &str, legacy: &[&str]) -> Document {
    let repository = Repository::new(dir.path(), GlobSet::empty());
    let names: Vec<String> = legacy.iter().map(|s| s.to_string()).collect();
    scan_document(rel, text, &repository, &LegacyNames::new(&names))
}

fn path<'a>(doc: &'a Document, text: &str) -> &'a PathRef {
    doc.paths
        .iter()
        .find(|p| p.path == text)
        .unwrap_or_else(|| {
            panic!(
                "no path {text:?} in {:#?}",
                doc.paths.iter().map(|p| &p.path).collect::<Vec<_>>()
            )
        })
}

/// `(line, column, end_column)` of a location on one line.
fn span(p: &PathRef) -> (u32, u32, u32) {
    assert_eq!(p.location.line, p.location.end_line);
    (p.location.line, p.location.column, p.location.end_column)
}

#[test]
fn link_that_only_works_from_the_root_is_broken_relative_to_the_document() {
    let dir = repository(&["scripts/run.sh", "docs/runbooks/cutover.md"]);
    let doc = scan(
        &dir,
        "docs/runbooks/cutover.md",
        "See [the runner](scripts/run.sh).\n",
        &[],
    );
    let link = path(&doc, "scripts/run.sh");
    assert_eq!(link.context, PathContext::Link);
    assert!(link.checked && !link.exists);
    assert_eq!(link.candidates, ["docs/runbooks/scripts/run.sh"]);
    assert_eq!(link.exists_from_root.as_deref(), Some("scripts/run.sh"));
    assert_eq!(span(link), (1, 18, 32));
}

#[test]
fn relative_root_and_percent_encoded_links_resolve() {
    let dir = repository(&[
        "docs/My Notes.md",
        "scripts/run.sh",
        "docs/img/arch diagram.png",
    ]);
    let text = "[a](My%20Notes.md#steps) [b](../scripts/run.sh) [c](/scripts/run.sh?plain=1)\n\
                ![d](<img/arch diagram.png>) [e](#local) [f](https://example.com/x.md)\n";
    let doc = scan(&dir, "docs/index.md", text, &[]);
    let a = path(&doc, "My Notes.md");
    assert_eq!(
        (a.exists, a.resolved.as_deref(), a.fragment.as_deref()),
        (true, Some("docs/My Notes.md"), Some("steps"))
    );
    assert_eq!(a.text, "My%20Notes.md#steps");
    assert_eq!(
        path(&doc, "../scripts/run.sh").resolved.as_deref(),
        Some("scripts/run.sh")
    );
    assert_eq!(
        path(&doc, "/scripts/run.sh").resolved.as_deref(),
        Some("scripts/run.sh")
    );
    let image = path(&doc, "img/arch diagram.png");
    assert_eq!((image.context, image.exists), (PathContext::Image, true));
    assert_eq!(span(image), (2, 7, 27));
    // A same-document anchor is the document itself (its fragment is checked against the
    // headings); a remote URL is not a path.
    assert_eq!(doc.paths.len(), 5);
    let anchor = path(&doc, "");
    assert_eq!(
        (
            anchor.exists,
            anchor.resolved.as_deref(),
            anchor.fragment.as_deref()
        ),
        (true, Some("docs/index.md"), Some("local"))
    );
    assert_eq!(doc.urls.len(), 1);
}

#[test]
fn reference_links_point_at_their_definition_once() {
    let dir = repository(&["README.md"]);
    let text = "Read [the guide][g] and [again][g].\n\n[g]: ./missing/guide.md \"Guide\"\n";
    let doc = scan(&dir, "README.md", text, &[]);
    assert_eq!(doc.paths.len(), 1);
    let guide = path(&doc, "./missing/guide.md");
    assert!(!guide.exists);
    assert_eq!(span(guide), (3, 6, 24));
}

#[test]
fn link_climbing_above_the_root_is_broken() {
    let dir = repository(&["docs/a.md"]);
    let doc = scan(&dir, "docs/a.md", "[up](../../outside.md)\n", &[]);
    let up = path(&doc, "../../outside.md");
    assert!(up.checked && !up.exists && up.candidates.is_empty());
}

#[test]
fn code_block_paths_resolve_from_root_document_and_after_cd() {
    let dir = repository(&[
        "scripts/db-migration/run-staged.sh",
        "services/api/migrate.sh",
        "services/api/drizzle.config.ts",
        "docs/ops/local.sh",
    ]);
    let text = "```bash\n\
                scripts/db-migration/run-staged.sh preflight\n\
                bash local.sh\n\
                cd services/api && ./migrate.sh --config=drizzle.config.ts\n\
                ./run-staged.sh\n\
                ```\n";
    let doc = scan(&dir, "docs/ops/runbook.md", text, &[]);
    let runner = path(&doc, "scripts/db-migration/run-staged.sh");
    assert!(runner.exists && runner.command_position);
    assert_eq!(span(runner), (2, 1, 35));
    let local = path(&doc, "local.sh");
    assert_eq!(
        (
            local.resolved.as_deref(),
            local.command_position,
            local.command.as_deref()
        ),
        (Some("docs/ops/local.sh"), false, Some("bash"))
    );
    let cd = path(&doc, "services/api");
    assert_eq!((cd.exists, cd.command.as_deref()), (true, Some("cd")));
    let migrate = path(&doc, "./migrate.sh");
    assert_eq!(
        (migrate.resolved.as_deref(), migrate.command_position),
        (Some("services/api/migrate.sh"), true)
    );
    let config = path(&doc, "drizzle.config.ts");
    assert_eq!(
        config.resolved.as_deref(),
        Some("services/api/drizzle.config.ts")
    );
    assert_eq!(span(config), (4, 42, 59));
    let stale = path(&doc, "./run-staged.sh");
    assert!(
        stale.checked && !stale.exists,
        "after cd, only the new folder counts"
    );
    assert_eq!(stale.candidates, ["services/api/run-staged.sh"]);
}

#[test]
fn placeholders_variables_globs_outputs_and_env_files_are_not_checked() {
    let dir = repository(&["scripts/a.sh"]);
    let text = "```sh\n\
                ls scripts/artifacts/verify/src-rowcounts-<ts>.txt\n\
                cat \"$ROOT/scripts/gone.sh\" migrations/*.sql\n\
                pg_dump \"$SRC\" > backups/full.dump\n\
                cp env/.env.example env/.env.local\n\
                mkdir -p out/new\n\
                source scripts/env/.env.db-migration.local\n\
                cd \"$WORKDIR\"\n\
                ./anything.sh\n\
                ```\n";
    let doc = scan(&dir, "README.md", text, &[]);
    let reason = |p: &str| path(&doc, p).unchecked;
    assert_eq!(
        reason("scripts/artifacts/verify/src-rowcounts-<ts>.txt"),
        Some(UncheckedReason::Placeholder)
    );
    assert_eq!(
        reason("$ROOT/scripts/gone.sh"),
        Some(UncheckedReason::Variable)
    );
    assert_eq!(reason("migrations/*.sql"), Some(UncheckedReason::Glob));
    assert_eq!(reason("backups/full.dump"), Some(UncheckedReason::Output));
    assert_eq!(reason("env/.env.local"), Some(UncheckedReason::EnvFile));
    assert_eq!(reason("out/new"), Some(UncheckedReason::Output));
    assert_eq!(
        reason("scripts/env/.env.db-migration.local"),
        Some(UncheckedReason::EnvFile)
    );
    assert_eq!(
        reason("./anything.sh"),
        Some(UncheckedReason::UnknownDirectory)
    );
    assert!(
        doc.paths
            .iter()
            .all(|p| !p.checked || p.exists || p.path == "env/.env.example"),
        "nothing here may look stale: {:#?}",
        doc.paths
    );
}

#[test]
fn cd_into_a_home_folder_means_the_checkout_and_tree_drawings_are_ignored() {
    let dir = repository(&["scripts/launch-gate-check.mjs"]);
    let text = "```bash\ncd /Users/raghav/Desktop/credity\nLAUNCH_GATE_STRICT=1 node scripts/launch-gate-check.mjs\n```\n\n\
                ```\n├── scripts/nothing-here.sh\n```\n\n\
                ```console\n$ node scripts/launch-gate-check.mjs\nwrote reports/out.json\n```\n\n\
                ```ts\nimport x from './not/checked.ts';\n```\n";
    let doc = scan(&dir, "docs/runbook.md", text, &[]);
    let checks: Vec<_> = doc
        .paths
        .iter()
        .filter(|p| p.path == "scripts/launch-gate-check.mjs")
        .collect();
    assert_eq!(checks.len(), 2);
    assert!(checks
        .iter()
        .all(|p| p.exists && p.command.as_deref() == Some("node")));
    assert_eq!(
        doc.paths.len(),
        2,
        "tree, transcript output and TypeScript are not commands: {:#?}",
        doc.paths
    );
}

#[test]
fn inline_code_paths_and_commands() {
    let dir = repository(&["scripts/db-migration-safety-check.mjs"]);
    let text = "Run `node scripts/db-migration-safety-check.mjs` then `scripts/old-runner.sh`; \
                the `application/json` type and `drizzle/` are prose.\n";
    let doc = scan(&dir, "README.md", text, &[]);
    let check = path(&doc, "scripts/db-migration-safety-check.mjs");
    assert_eq!(
        (check.context, check.exists, check.command_position),
        (PathContext::InlineCode, true, false)
    );
    assert_eq!(span(check), (1, 11, 48));
    let old = path(&doc, "scripts/old-runner.sh");
    assert!(old.checked && !old.exists);
    assert_eq!(span(old), (1, 56, 77));
    assert_eq!(doc.paths.len(), 2);
}

#[test]
fn legacy_names_match_whole_words_only() {
    let dir = repository(&[]);
    let text = "Repo credity12 moved.\nThe credity repo; `cd ~/Desktop/Credity12/scripts`; credity123 and my_credity12 are others.\n";
    let doc = scan(&dir, "README.md", text, &["credity12"]);
    let found: Vec<(u32, u32, u32, &str, bool)> = doc
        .legacy_names
        .iter()
        .map(|m| {
            (
                m.location.line,
                m.location.column,
                m.location.end_column,
                m.text.as_str(),
                m.in_code,
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (1, 6, 15, "credity12", false),
            (2, 33, 42, "Credity12", true)
        ]
    );

    let doc = scan(&dir, "README.md", text, &["credity"]);
    assert_eq!(
        doc.legacy_names.len(),
        1,
        "`credity` matches only the bare word"
    );
    assert_eq!(doc.legacy_names[0].location.column, 5);
}

#[test]
fn machine_local_paths_but_not_examples() {
    let dir = repository(&[]);
    let text = "Repo: `/Users/raghav/Desktop/credity`\n\
                Also /home/dev-ops/src and C:\\Users\\Priya\\repo, file:///Users/sam/x.\n\
                Examples: /home/user/x, /Users/<you>/x, ~/Desktop/credity, /home/runner/work, https://h/Users/bob/x\n";
    let doc = scan(&dir, "README.md", text, &[]);
    let found: Vec<(&str, &str, u32, u32, u32)> = doc
        .machine_local_paths
        .iter()
        .map(|m| {
            (
                m.text.as_str(),
                m.user.as_str(),
                m.location.line,
                m.location.column,
                m.location.end_column,
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("/Users/raghav/Desktop/credity", "raghav", 1, 8, 37),
            ("/home/dev-ops/src", "dev-ops", 2, 6, 23),
            ("C:\\Users\\Priya\\repo", "Priya", 2, 28, 47),
            ("/Users/sam/x", "sam", 2, 56, 68),
        ]
    );
    assert!(doc.machine_local_paths[0].in_code);
    assert_eq!(doc.machine_local_paths[0].home, "/Users/raghav");
}

#[test]
fn checklist_items_carry_state_sections_and_spans() {
    let dir = repository(&[]);
    let text = "# Rollback\n\n## Smoke\n\n- [x] Login works\n- [ ]  Issue a **credential**\n  - [ ] nested step\n\n\
                ## Exit criteria\n\n* [X] Error rate\n  below 1%\n- not a task\n";
    let doc = scan(&dir, "CHECKLIST.md", text, &[]);
    let items: Vec<(&str, bool, String, u32, u32)> = doc
        .checklist_items
        .iter()
        .map(|i| {
            (
                i.text.as_str(),
                i.checked,
                i.section.join(" > "),
                i.location.line,
                i.location.column,
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            ("Login works", true, "Rollback > Smoke".to_string(), 5, 3),
            (
                "Issue a credential",
                false,
                "Rollback > Smoke".to_string(),
                6,
                3
            ),
            ("nested step", false, "Rollback > Smoke".to_string(), 7, 5),
            (
                "Error rate below 1%",
                true,
                "Rollback > Exit criteria".to_string(),
                11,
                3
            ),
        ]
    );
    assert_eq!(doc.checklist_items[1].location.end_column, 30);
    assert_eq!(doc.title.as_deref(), Some("Rollback"));
}

#[test]
fn heredoc_bodies_and_comments_are_not_commands() {
    let dir = repository(&[]);
    let text =
        "```bash\n# see scripts/missing.sh\npsql <<'SQL'\nselect 'scripts/gone.sh';\nSQL\n```\n";
    let doc = scan(&dir, "README.md", text, &[]);
    assert!(doc.paths.is_empty(), "{:#?}", doc.paths);
}

/// Documents stitched from fragments that stress the parsers (unterminated quotes, fences,
/// substitutions, placeholders, multi-byte text, CRLF): scanning never panics, and every
/// span lies inside the document.
#[test]
fn hostile_documents_never_panic_and_spans_stay_inside() {
    const FRAGMENTS: &[&str] = &[
        "```bash\n",
        "```\n",
        "~~~console\n$ ",
        "    ",
        "cd ",
        "cd ../..\n",
        "pushd x\n",
        "popd\n",
        "\"",
        "'",
        "`",
        "$(",
        "${",
        ")",
        "}",
        "<ts>",
        "<",
        ">",
        ">>",
        "2>&1",
        "<<EOF\n",
        "EOF\n",
        "\\\n",
        "\\",
        "#",
        "[a](",
        "](",
        "[b]: ",
        "<https://x.io/a>",
        "![i](img/ä b.png)",
        "%20",
        "%ZZ",
        "%C3%28",
        "#frag",
        "scripts/x.sh",
        "./run.sh ",
        "../../up.md",
        "/Users/zoë/Desktop/",
        "C:\\Users\\Ünï\\",
        "/home/",
        "credity12",
        "é",
        "日本語",
        "🚀",
        "- [ ] ",
        "- [x] ",
        "* [X] ",
        "# H\n",
        "## Ü\n",
        "\r\n",
        "\n",
        " ",
        "|",
        ";",
        "&&",
        "*",
        "?",
        "[",
        "{a,b}",
        "=",
        "--config=",
        "sudo -u ",
        "env A=1 ",
        "<a href=\"x.md\">",
        "<img src='y.png'>",
        "\t",
    ];
    let dir = repository(&["scripts/x.sh", "img/ä b.png"]);
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..3000 {
        let mut text = String::new();
        for _ in 0..(state % 40) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            text.push_str(FRAGMENTS[(state % FRAGMENTS.len() as u64) as usize]);
        }
        let doc = scan(&dir, "docs/fuzz.md", &text, &["credity12"]);
        let lines = u32::try_from(text.split('\n').count()).unwrap_or(u32::MAX);
        let spans = doc
            .paths
            .iter()
            .map(|p| &p.location)
            .chain(doc.legacy_names.iter().map(|m| &m.location))
            .chain(doc.machine_local_paths.iter().map(|m| &m.location))
            .chain(doc.checklist_items.iter().map(|i| &i.location));
        for location in spans {
            assert!(
                location.line >= 1
                    && location.end_line <= lines
                    && (location.line, location.column) <= (location.end_line, location.end_column),
                "span {location:?} outside a {lines}-line document: {text:?}"
            );
        }
    }
}

#[test]
fn html_links_and_images_are_links_with_exact_spans() {
    let dir = repository(&["docs/img/logo.png"]);
    let text = "<p align=\"center\"><img src='img/logo.png' alt=\"logo\"></p>\n\n\
                Inline <a href=\"missing.md#x\">old page</a> here.\n";
    let doc = scan(&dir, "docs/index.md", text, &[]);
    let logo = path(&doc, "img/logo.png");
    assert_eq!(
        (logo.context, logo.exists, span(logo)),
        (PathContext::Image, true, (1, 29, 41))
    );
    let missing = path(&doc, "missing.md");
    assert_eq!(
        (missing.context, missing.exists, span(missing)),
        (PathContext::Link, false, (3, 17, 29))
    );
}

#[test]
fn required_items_match_item_text_or_the_heading_above_items() {
    use super::checklists::checklist_facts;
    use crate::config::{ChecklistConfig, LoadedConfig};
    let dir = repository(&[]);
    let text = "# Rollback\n\n## Read-path reversal\n\n- [x] Flag flipped back\n\n## Exit criteria\n\nNo items here.\n\n\
                - [ ] DUAL_WRITE stays on\n";
    let doc = scan(&dir, "ROLLBACK.md", text, &[]);
    let config = ChecklistConfig {
        file: "./ROLLBACK.md".into(),
        require: vec![
            "read path reversal".into(),
            "dual-write".into(),
            "exit criteria".into(),
            "smoke".into(),
        ],
    };
    let facts = checklist_facts(&config, &[doc], &LoadedConfig::default());
    let found: Vec<(&str, bool, Option<u32>)> = facts
        .required
        .iter()
        .map(|r| {
            (
                r.name.as_str(),
                r.found,
                r.location.as_ref().map(|l| l.line),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("read path reversal", true, Some(5)),
            // `DUAL_WRITE` sits under "Exit criteria", so that heading counts too.
            ("dual-write", true, Some(11)),
            ("exit criteria", true, Some(11)),
            ("smoke", false, None),
        ]
    );
    assert!(facts.exists);
    assert_eq!(facts.file, "ROLLBACK.md");
    assert_eq!(
        facts.location.line, 1,
        "whole-checklist findings land on the title"
    );
}

#[test]
fn line_cursor_numbers_lines_as_str_lines_does() {
    let text = "first\r\nsecond\n\nfourth\r";
    let all: Vec<&str> = text.lines().collect();
    let mut cursor = super::LineCursor::new(text);
    for number in [2u32, 3, 1, 4, 0, 5, 9, 4] {
        let want = all
            .get((number as usize).saturating_sub(1))
            .copied()
            .unwrap_or_default();
        assert_eq!(cursor.line(number), want, "line {number}");
    }
}

#[test]
fn collapse_whitespace_agrees_with_splitting_on_whitespace() {
    for text in [
        "",
        " ",
        "Smoke test",
        "Smoke  test",
        " Smoke test",
        "Smoke test ",
        "a\tb",
        "a\u{b}b",
        "a\u{1c}b c",
        "a\u{a0}b",
        "Ünïcode ok",
        "x\r\ny",
    ] {
        let want = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(super::collapse_whitespace(text), want, "{text:?}");
    }
}
