//! The Markdown summary (`--format markdown`, and the GitHub job summary): the verdict, counts
//! by area, and a table of the blocking findings, each linked to its file and line.
//!
//! It is what a reviewer reads first in a pull request, so it stays short: tables are capped
//! (GitHub rejects a job summary over 1 MiB) and say how many rows they left out. Like every
//! reporter it only formats findings that arrive already scrubbed of secrets; it never reads
//! an env file.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

use crate::check::CheckOutcome;
use crate::facts::Location;
use crate::finding::{Finding, Severity, Verdict};

/// Rows per findings table. A summary is for reading; the SARIF upload and the human log hold
/// everything.
pub const MAX_TABLE_ROWS: usize = 100;

/// Characters escaped in a link's path: everything that would end or change a URL path.
const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'(')
    .add(b')')
    .add(b'[')
    .add(b']')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^');

/// Where links to findings point.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// A URL that a repository path is appended to, ending in `/` (on GitHub Actions:
    /// `https://github.com/OWNER/REPO/blob/SHA/`). `None`: links are relative paths.
    pub base: Option<String>,
    /// The scanned folder's path inside the repository, ending in `/` (empty at the root), so
    /// that a finding's path (relative to the scanned folder) becomes a repository path.
    pub prefix: String,
}

impl Links {
    /// Links into the commit a GitHub Actions run checked out, from the runner's own variables
    /// (`GITHUB_SERVER_URL`, `GITHUB_REPOSITORY`, `GITHUB_SHA`, `GITHUB_WORKSPACE`); relative
    /// links when they are absent, as on an operator's machine.
    pub fn from_github_env(scanned_root: &Path) -> Links {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let base = match (
            var("GITHUB_SERVER_URL"),
            var("GITHUB_REPOSITORY"),
            var("GITHUB_SHA"),
        ) {
            (Some(server), Some(repo), Some(sha)) => Some(format!(
                "{}/{repo}/blob/{sha}/",
                server.trim_end_matches('/')
            )),
            _ => None,
        };
        let prefix = var("GITHUB_WORKSPACE")
            .and_then(|workspace| repository_prefix(Path::new(&workspace), scanned_root))
            .unwrap_or_default();
        Links { base, prefix }
    }

    /// The link to a location: `BASE` + `PREFIX` + file + `#L<line>` (or `#L<a>-L<b>`).
    pub fn href(&self, l: &Location) -> String {
        let path = format!("{}{}", self.prefix, l.file);
        let encoded = utf8_percent_encode(&path, PATH_SEGMENT).to_string();
        let anchor = if l.end_line > l.line {
            format!("#L{}-L{}", l.line, l.end_line)
        } else {
            format!("#L{}", l.line)
        };
        format!("{}{encoded}{anchor}", self.base.as_deref().unwrap_or(""))
    }
}

/// The scanned folder relative to the workspace, as `a/b/` (empty when they are the same);
/// `None` when the folder is outside the workspace, where no repository link can be right.
fn repository_prefix(workspace: &Path, scanned_root: &Path) -> Option<String> {
    let workspace = workspace.canonicalize().ok()?;
    let root = scanned_root.canonicalize().ok()?;
    let inside = root.strip_prefix(&workspace).ok()?;
    let mut prefix = String::new();
    for part in inside.components() {
        prefix.push_str(&part.as_os_str().to_string_lossy());
        prefix.push('/');
    }
    Some(prefix)
}

/// Whether a finding counts toward NO-GO; the same rule [`Verdict::decide`] applies
/// (`policy/error` always blocks: policies fail closed).
/// A waived finding never blocks, so it is neither counted nor listed as blocking.
fn is_blocking(verdict: &Verdict, f: &Finding) -> bool {
    f.is_active() && (f.severity >= verdict.fail_on || f.rule == crate::rules::POLICY_ERROR)
}

#[derive(Default)]
struct AreaCounts {
    errors: usize,
    warnings: usize,
    blocking: usize,
}

pub fn render(outcome: &CheckOutcome, links: &Links) -> String {
    let verdict = &outcome.verdict;
    let mut out = String::new();
    let mark = if verdict.go { "✅" } else { "❌" };
    let word = if verdict.go { "GO" } else { "NO-GO" };
    let _ = writeln!(out, "## {mark} launchgate: {word}\n");
    let _ = writeln!(
        out,
        "**{}** — findings at or above `{}` block. Scanned `{}` with launchgate {}.\n",
        verdict.headline(),
        verdict.fail_on,
        super::neutralise(&outcome.root.display().to_string(), false).replace('`', "'"),
        env!("CARGO_PKG_VERSION")
    );

    let mut areas: BTreeMap<&str, AreaCounts> = BTreeMap::new();
    // Counted as the verdict counts: waived and baselined findings are left out here.
    for f in outcome.findings.iter().filter(|f| f.is_active()) {
        let counts = areas.entry(f.area()).or_default();
        match f.severity {
            Severity::Error => counts.errors += 1,
            Severity::Warning => counts.warnings += 1,
        }
        if is_blocking(verdict, f) {
            counts.blocking += 1;
        }
    }
    if areas.is_empty() {
        out.push_str("No findings.\n");
    } else {
        out.push_str("| area | errors | warnings | blocking |\n|---|---:|---:|---:|\n");
        for (area, c) in &areas {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(area),
                c.errors,
                c.warnings,
                c.blocking
            );
        }
        let _ = writeln!(
            out,
            "| **total** | **{}** | **{}** | **{}** |",
            verdict.errors, verdict.warnings, verdict.blocking
        );
    }

    let waived: Vec<&Finding> = outcome
        .findings
        .iter()
        .filter(|f| f.waived.is_some())
        .collect();
    let (blocking, other): (Vec<&Finding>, Vec<&Finding>) = outcome
        .findings
        .iter()
        .filter(|f| f.is_active())
        .partition(|f| is_blocking(verdict, f));
    if !blocking.is_empty() {
        let _ = writeln!(out, "\n### Blocking findings ({})\n", blocking.len());
        findings_table(&mut out, &blocking, links);
    }
    if !other.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>Other findings ({}, below <code>--fail-on {}</code>)</summary>\n",
            other.len(),
            verdict.fail_on
        );
        findings_table(&mut out, &other, links);
        out.push_str("\n</details>\n");
    }
    if !waived.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>Waived findings ({}, not blocking)</summary>\n",
            waived.len()
        );
        findings_table(&mut out, &waived, links);
        out.push_str("\n</details>\n");
    }
    if !outcome.notes.is_empty() {
        out.push_str("\n<details><summary>What launchgate read</summary>\n\n");
        for note in &outcome.notes {
            let _ = writeln!(out, "- {}", cell(note));
        }
        out.push_str("\n</details>\n");
    }
    out.push_str(
        "\n<sub>`launchgate explain RULE` prints a rule's help: what it checks, why it matters, \
         how to fix.</sub>\n",
    );
    out
}

fn findings_table(out: &mut String, findings: &[&Finding], links: &Links) {
    out.push_str("| severity | rule | subject | where | message |\n|---|---|---|---|---|\n");
    for f in findings.iter().take(MAX_TABLE_ROWS) {
        let l = &f.location;
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | [{}:{}]({}) | {} |",
            f.severity,
            cell_code(&f.rule),
            subject_cell(&f.subject),
            cell(&l.file),
            l.line,
            links.href(l),
            cell(&f.message)
        );
    }
    if findings.len() > MAX_TABLE_ROWS {
        let _ = writeln!(
            out,
            "\n… and {} more, left out to keep this summary readable: the SARIF upload \
             (code scanning) and the human report list every finding.",
            findings.len() - MAX_TABLE_ROWS
        );
    }
}

/// Text for a table cell: code spans (between backticks) are kept as code, and everything else
/// is escaped so that a message can neither break the table nor become HTML or a link.
fn cell(text: &str) -> String {
    // One line, no control or escape characters, no workflow command (the job log may show
    // this report too).
    let one_line = super::neutralise(&text.replace("\r\n", " "), false);
    // Unbalanced backticks cannot be code spans: escape them all as plain text.
    if one_line.matches('`').count() % 2 == 1 {
        return escape_plain(&one_line);
    }
    let mut out = String::with_capacity(one_line.len());
    for (i, part) in one_line.split('`').enumerate() {
        if i % 2 == 1 {
            out.push('`');
            out.push_str(&cell_code(part));
            out.push('`');
        } else {
            out.push_str(&escape_plain(part));
        }
    }
    out
}

/// A subject as a code span (what `--subject` takes, verbatim), or plain escaped text when
/// it holds a backtick a code span could not carry.
fn subject_cell(subject: &str) -> String {
    if subject.is_empty() {
        String::new()
    } else if subject.contains('`') {
        cell(subject)
    } else {
        format!("`{}`", cell_code(&subject.replace(['\n', '\r'], " ")))
    }
}

/// Inside a code span nothing is Markdown, except that GitHub still splits table cells at `|`.
fn cell_code(text: &str) -> String {
    text.replace('|', "\\|")
}

fn escape_plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(
            ch,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&'
        ) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_keep_code_spans_and_escape_everything_else() {
        assert_eq!(
            cell("NODE_ENV is `development`; a <launch> needs it"),
            "NODE\\_ENV is `development`; a \\<launch\\> needs it"
        );
        assert_eq!(cell("a `x|y` b|c"), "a `x\\|y` b\\|c");
        assert_eq!(cell("odd ` tick"), "odd \\` tick");
        assert_eq!(cell("two\nlines"), "two lines");
        assert_eq!(cell("a &lt; b"), "a \\&lt; b");
    }

    #[test]
    fn links_carry_the_line_range_and_escape_the_path() {
        let links = Links {
            base: Some("https://github.com/o/r/blob/abc/".into()),
            prefix: "sub dir/".into(),
        };
        let mut l = Location::on_line("a#b.env", 3, 1, 5);
        assert_eq!(
            links.href(&l),
            "https://github.com/o/r/blob/abc/sub%20dir/a%23b.env#L3"
        );
        l.end_line = 5;
        assert_eq!(Links::default().href(&l), "a%23b.env#L3-L5");
    }

    #[test]
    fn repository_prefix_is_the_scanned_folder_inside_the_workspace() {
        let dir = tempfile::tempdir().expect("tmp");
        let sub = dir.path().join("services").join("api");
        std::fs::create_dir_all(&sub).expect("mkdir");
        assert_eq!(
            repository_prefix(dir.path(), &sub).as_deref(),
            Some("services/api/")
        );
        assert_eq!(
            repository_prefix(dir.path(), dir.path()).as_deref(),
            Some("")
        );
        let elsewhere = tempfile::tempdir().expect("tmp");
        assert_eq!(repository_prefix(dir.path(), elsewhere.path()), None);
    }
}
