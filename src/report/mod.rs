//! Reporters: one module per output format, all behind [`Format::render`].
//!
//! Reporters only format: findings arrive already scrubbed of secrets, and any source text a
//! reporter shows goes through the run's redactor (env files are shown from their masked copy).

pub mod concise;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;

use std::collections::HashMap;

use crate::check::CheckOutcome;

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// miette diagnostics, a summary table and the verdict.
    Human,
    /// The versioned JSON report (docs/json-report.md).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...::`).
    Github,
    /// A Markdown summary: verdict, counts by area, blocking findings linked to file and line.
    Markdown,
    /// One line per finding, `path:line:col: severity rule message` (editors and terminals
    /// make it clickable), then the verdict.
    Concise,
    /// GitLab code-quality report (JSON) for the merge request widget.
    Gitlab,
    /// JUnit XML: one test case per rule and location, failures for blocking findings.
    Junit,
}

/// How the human report is drawn.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    pub color: bool,
    /// SARIF: include waived findings as suppressions (GitHub shows them as open alerts).
    pub include_waived: bool,
    /// Human: every finding in full.
    pub verbose: bool,
    /// Human and concise: errors and the verdict only.
    pub quiet: bool,
}

/// Per-run settings some reporters need beyond the outcome.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    pub style: Style,
    /// `--category`: the SARIF run's `automationDetails.id`.
    pub category: Option<String>,
    /// Where the Markdown summary's links point.
    pub links: markdown::Links,
}

/// A rendered report, and what the user must be told about it on stderr (e.g. truncation).
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub text: String,
    pub notices: Vec<String>,
}

impl Format {
    pub fn render(self, outcome: &CheckOutcome, style: Style) -> String {
        let opts = ReportOptions {
            style,
            ..ReportOptions::default()
        };
        self.render_with(outcome, &opts).text
    }

    pub fn render_with(self, outcome: &CheckOutcome, opts: &ReportOptions) -> Rendered {
        let text = match self {
            Format::Human => human::render(outcome, opts.style),
            Format::Json => json::render(outcome),
            Format::Sarif => {
                return sarif::render_with(
                    outcome,
                    opts.style.include_waived,
                    opts.category.as_deref(),
                )
            }
            Format::Github => github::render(outcome),
            Format::Markdown => markdown::render(outcome, &opts.links),
            Format::Concise => concise::render(outcome, opts.style),
            Format::Gitlab => gitlab::render(outcome, opts.style.include_waived),
            Format::Junit => junit::render(outcome),
        };
        Rendered {
            text,
            notices: Vec::new(),
        }
    }

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Markdown => "markdown",
            Format::Concise => "concise",
            Format::Gitlab => "gitlab",
            Format::Junit => "junit",
        }
    }
}

/// Text from the scanned repository made inert for a terminal and a CI log: control and
/// escape characters (ANSI/OSC sequences, bidi overrides) become `?`-like placeholders, a
/// line starting with `::` (a GitHub workflow command) gets `: ` instead, and `##[` (the older
/// command form, honoured anywhere in a line) becomes `# [`. With `keep_newlines` false, line
/// breaks are replaced too (a file name or a subject is one line).
///
/// Every replacement has the byte length and character count of what it replaces, so spans
/// into a neutralised source text stay valid.
pub(crate) fn neutralise(text: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(b) => (b, true),
            None => (line, false),
        };
        // A CRLF line's carriage return is harmless before its newline; anywhere else it
        // moves the cursor back over the line.
        let (body, cr) = match body.strip_suffix('\r') {
            Some(b) if newline && keep_newlines => (b, true),
            _ => (body, false),
        };
        let mut clean: String = body
            .chars()
            .map(|c| match c {
                '\t' => '\t',
                c if c.is_ascii_control() => '?',
                // C1 controls (two bytes): one two-byte printable.
                '\u{80}'..='\u{9f}' => '\u{bf}',
                // Zero-width characters, bidi overrides and isolates (three bytes).
                '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                    '\u{fffd}'
                }
                c => c,
            })
            .collect();
        let indent = clean.len() - clean.trim_start().len();
        if clean[indent..].starts_with("::") {
            clean.replace_range(indent + 1..indent + 2, " ");
        }
        out.push_str(&clean.replace("##[", "# ["));
        if cr {
            out.push('\r');
        }
        if newline {
            out.push(if keep_newlines { '\n' } else { ' ' });
        }
    }
    out
}

/// A copy of `f` whose every text from the scanned repository (message, subject, help, file
/// names, related messages, waiver reason and owner) is [`neutralise`]d: what every format a
/// person or a CI log reads goes through before it is written.
pub(crate) fn inert(f: &crate::finding::Finding) -> crate::finding::Finding {
    let mut f = f.clone();
    f.message = neutralise(&f.message, true);
    f.subject = neutralise(&f.subject, false);
    f.help = f.help.as_deref().map(|h| neutralise(h, true));
    f.location.file = neutralise(&f.location.file, false).into();
    for r in &mut f.related {
        r.message = neutralise(&r.message, false);
        r.location.file = neutralise(&r.location.file, false).into();
    }
    if let Some(w) = &mut f.waived {
        w.reason = neutralise(&w.reason, false);
        w.owner = neutralise(&w.owner, false);
        w.location.file = neutralise(&w.location.file, false).into();
    }
    f
}

/// A masked source text with its line starts, shared by every finding in the file.
pub(crate) struct SourceText {
    pub(crate) text: std::sync::Arc<String>,
    starts: Vec<usize>,
}

impl SourceText {
    fn new(text: String) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceText {
            text: std::sync::Arc::new(text),
            starts,
        }
    }

    /// Byte offset of a 1-based (line, column-in-chars) position, clamped to the text: a
    /// lookup, not a scan, so a file with thousands of findings renders in linear time.
    pub(crate) fn offset(&self, line: u32, column: u32) -> usize {
        let text = self.text.as_str();
        let Some(&start) = self.starts.get(line.saturating_sub(1) as usize) else {
            return text.len();
        };
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        match text[start..line_end]
            .char_indices()
            .nth(column.saturating_sub(1) as usize)
        {
            Some((i, _)) => start + i,
            None => line_end,
        }
    }
}

/// Source texts for snippets, read at most once per file and always masked.
pub(crate) struct Sources<'a> {
    outcome: &'a CheckOutcome,
    cache: HashMap<String, Option<std::rc::Rc<SourceText>>>,
}

impl<'a> Sources<'a> {
    pub(crate) fn new(outcome: &'a CheckOutcome) -> Self {
        Sources {
            outcome,
            cache: HashMap::new(),
        }
    }

    /// The masked text of a repository file (or of a built-in policy), if it can be shown.
    pub(crate) fn get(&mut self, file: &str) -> Option<std::rc::Rc<SourceText>> {
        let outcome = self.outcome;
        self.cache
            .entry(file.to_string())
            .or_insert_with(|| {
                if let Some(masked) = outcome.masked_sources.get(file) {
                    return Some(std::rc::Rc::new(SourceText::new(neutralise(masked, true))));
                }
                let path = outcome.root.join(file);
                let text = if path.is_file() {
                    // Confined to the repository even here: a snippet is a way to print a file.
                    let repo = crate::source::file::RepoRoot::new(&outcome.root).ok()?;
                    repo.read_text(file).ok()
                } else {
                    crate::policy::BUILTIN_POLICIES
                        .iter()
                        .find(|(n, _)| *n == file)
                        .map(|(_, t)| t.to_string())
                }?;
                let masked = outcome.redactor.mask(&text);
                Some(std::rc::Rc::new(SourceText::new(neutralise(&masked, true))))
            })
            .clone()
    }
}
