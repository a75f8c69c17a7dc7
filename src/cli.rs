//! The command line: parse arguments, run, print, and map the outcome to an exit code
//! (0 GO, 1 NO-GO, 2 usage, config or internal error).

use std::ffi::OsStr;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::check::{self, CheckOptions};
use crate::facts::Mode;
use crate::finding::{RuleMeta, Severity};
use crate::policy::{Limits, PolicySet};
use crate::report::markdown::Links;
use crate::report::{Format, ReportOptions, Style};

/// Policy-as-code readiness checks for database cutovers and production launches.
#[derive(Debug, Parser)]
#[command(name = "launchgate", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a repository and print findings and a GO / NO-GO verdict.
    Check(Box<CheckArgs>),
    /// List every rule with its id, default severity and summary.
    Rules {
        /// `table` (id, severity, summary), `json` (every field, help included) or
        /// `markdown` (the docs/rules.md reference).
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
        /// Same as `--format markdown`.
        #[arg(long, conflicts_with = "format")]
        markdown: bool,
    },
    /// Show a rule's full help: what it checks, why it matters, how to fix.
    Explain {
        /// A rule id, e.g. `launch/node-env`.
        rule: String,
    },
    /// Waive findings: append a reasoned, owned, expiring entry to the waiver file.
    ///
    /// The entry goes to `launchgate-waivers.toml` beside the repository's launchgate.toml (or
    /// the file its `[waivers] file` names), created when absent and never rewritten; it is
    /// then loaded back with the repository's rules, and removed again if it does not validate.
    /// E.g. `launchgate waive migrations/history-missing --subject 'CredVerseIssuer 3'
    /// --reason 'history lands with PR 123' --owner db-oncall@example.com --expires 2026-03-31`.
    Waive(WaiveArgs),
    /// Print the facts policies see, as JSON, with every secret redacted.
    Facts {
        /// The repository to scan.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Config file (default: PATH/launchgate.toml when present).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Take the process environment as the top layer of env set SET.
        #[arg(long, value_name = "SET")]
        process_env: Option<String>,
    },
    /// Run policy unit tests: the built-in cases, or DIR's `*.test.toml` with DIR's policies.
    Test {
        /// A policy folder with `*.test.toml` case files (in it or in its `tests/`).
        dir: Option<PathBuf>,
    },
    /// Record today's findings by fingerprint, so `check --baseline FILE` blocks only on new ones.
    Baseline {
        /// The repository to scan.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Where to write the baseline (JSON; commit it beside launchgate.toml).
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
        /// Config file (default: PATH/launchgate.toml when present).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The mode the baseline is for (the one CI runs `check` with).
        #[arg(long, value_enum, default_value_t = ModeArg::Operator)]
        mode: ModeArg,
    },
    /// Write a commented launchgate.toml holding what `check` inferred (never overwrites).
    Init {
        /// The repository.
        #[arg(default_value = ".")]
        path: PathBuf,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    ///
    /// E.g. `launchgate completions bash > ~/.local/share/bash-completion/completions/launchgate`.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), generated from this command line's own definition.
    ///
    /// E.g. `launchgate man | man -l -`; `--dir DIR` writes a page per command instead.
    Man {
        /// Instead, write one page per command (launchgate.1, launchgate-check.1, ...) into DIR.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).multiple(true).args(["subject", "file"])))]
pub struct WaiveArgs {
    /// The rule id (or a glob over ids, e.g. `docs/*`).
    pub rule: String,
    /// The findings' subject, as the report shows it after `subject:` (a glob).
    #[arg(long, value_name = "SUBJECT")]
    pub subject: Option<String>,
    /// A glob over the findings' file (repository-relative), instead of or beside --subject.
    #[arg(long, value_name = "GLOB")]
    pub file: Option<String>,
    /// Why the findings may ship (reviewers read this).
    #[arg(long)]
    pub reason: String,
    /// Who answers for the exception (a person or a team address).
    #[arg(long)]
    pub owner: String,
    /// The last day the waiver applies (YYYY-MM-DD); after it the findings block again.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub expires: String,
    /// The repository whose waiver file gets the entry.
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub repo: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The repository to scan.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Output format; repeat it for several reports from one run. `FORMAT=FILE` writes that
    /// report to FILE. At most one report goes to standard output.
    /// Example: `--format human --format sarif=launchgate.sarif`.
    #[arg(long, value_name = "FORMAT[=FILE]", value_parser = FormatTargetParser, default_value = "human")]
    pub format: Vec<FormatTarget>,
    /// Write a report to FILE: the last `--format` without its own `=FILE`, preferring a
    /// machine format (so `--format human --format sarif --output x.sarif` logs the human report
    /// and writes SARIF). When no report goes to standard output, the verdict does.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The SARIF run's `automationDetails.id` (GitHub code scanning category), e.g. `launchgate`.
    #[arg(long, value_name = "NAME")]
    pub category: Option<String>,
    /// Config file (default: PATH/launchgate.toml when present; otherwise inferred).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Lowest severity that makes the verdict NO-GO.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// What the run demands: `pr` (a pull request: local env files that are git-ignored and
    /// absent are not demanded), `operator` (also the local env files), `cutover` (also a
    /// passing verification, complete checklists and a clean state-store gate).
    #[arg(long, value_enum, default_value_t = ModeArg::Operator)]
    pub mode: ModeArg,
    /// Take the process environment as the top layer of env set SET (CI secrets).
    #[arg(long, value_name = "SET")]
    pub process_env: Option<String>,
    /// Run the built-in policies only, ignoring the repository's own policy folders: how CI
    /// runs a pull request with secrets in the environment (see docs/security.md).
    #[arg(long)]
    pub builtin_policies_only: bool,
    /// Run live database probes against the cutover env set's source and target.
    #[arg(long)]
    pub probe: bool,
    /// With --probe: write the verification artifacts (row counts, diff, state-store keys and
    /// a manifest with each file's sha256) into DIR, for the evidence rules to read later.
    #[arg(long, value_name = "DIR", requires = "probe")]
    pub evidence: Option<PathBuf>,
    /// Row-count method for probes.
    #[arg(long, value_parser = ["fast", "exact", "checksum"])]
    pub method: Option<String>,
    /// Row-count tolerance for probes and evidence: rows (`25`) or a percentage (`0.5%`).
    #[arg(long, value_name = "N|P%", allow_hyphen_values = true)]
    pub tolerance: Option<String>,
    /// Include waived findings in SARIF (as suppressions with their justification) and in the
    /// GitLab report (as `info`).
    #[arg(long)]
    pub include_waived: bool,
    /// Overall time budget (`90s`, `5m`): probes still running then stop, their queries
    /// cancelled on the server, and the report says what was not checked (NO-GO). Ctrl-C
    /// stops probes the same way.
    #[arg(long, value_name = "DURATION", value_parser = parse_timeout)]
    pub timeout: Option<std::time::Duration>,
    /// Keep `bash -n` verdicts here between runs, keyed by bash's version, the script's path
    /// and its exact contents [default: $XDG_CACHE_HOME/launchgate, else ~/.cache/launchgate].
    #[arg(long, value_name = "DIR", env = "LAUNCHGATE_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Run `bash -n` on every script, reading and writing no cache (wins over --cache-dir).
    #[arg(long)]
    pub no_cache: bool,
    /// Findings recorded in FILE (by `launchgate baseline`) are reported but do not count
    /// toward the verdict; the report says which baseline entries are gone (fixed).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Human report: every finding in full (by default, after the first few warnings of a
    /// rule, the rest are counted).
    #[arg(long, short = 'v', conflicts_with = "quiet")]
    pub verbose: bool,
    /// Human and concise reports: errors and the verdict only.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Colour: `auto` (on a terminal, unless NO_COLOR is set), `always` or `never`.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// One `--format NAME[=FILE]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatTarget {
    pub format: Format,
    pub file: Option<PathBuf>,
}

/// Parses `NAME[=FILE]` and still offers the format names to `--help` and shell completion.
#[derive(Debug, Clone, Copy)]
struct FormatTargetParser;

impl clap::builder::TypedValueParser for FormatTargetParser {
    type Value = FormatTarget;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<FormatTarget, clap::Error> {
        let invalid = |shown: &str| {
            let names: Vec<&str> = Format::value_variants().iter().map(|f| f.name()).collect();
            clap::Error::raw(
                clap::error::ErrorKind::InvalidValue,
                format!(
                    "invalid value '{shown}' for '--format <FORMAT[=FILE]>': expected one of {}, optionally followed by =FILE\n",
                    names.join(", ")
                ),
            )
            .with_cmd(cmd)
        };
        let Some(text) = value.to_str() else {
            return Err(invalid(&value.to_string_lossy()));
        };
        let (name, file) = match text.split_once('=') {
            Some((name, file)) if !file.is_empty() => (name, Some(PathBuf::from(file))),
            Some(_) => return Err(invalid(text)),
            None => (text, None),
        };
        let format = Format::from_str(name, true).map_err(|_| invalid(text))?;
        Ok(FormatTarget { format, file })
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            Format::value_variants()
                .iter()
                .filter_map(ValueEnum::to_possible_value),
        ))
    }
}

/// Where each requested report goes: `None` is standard output.
pub type OutputPlan = Vec<(Format, Option<PathBuf>)>;

/// Pair `--format`s with `--output` (see `CheckArgs::output`) and reject plans that would mix
/// two reports on standard output or write two reports to one file.
pub fn plan_outputs(formats: &[FormatTarget], output: Option<&Path>) -> Result<OutputPlan, String> {
    let mut plan: OutputPlan = formats.iter().map(|t| (t.format, t.file.clone())).collect();
    if plan.is_empty() {
        plan.push((Format::Human, None));
    }
    if let Some(file) = output {
        let unpaired = |machine_only: bool| {
            plan.iter()
                .rposition(|(f, dest)| dest.is_none() && !(machine_only && *f == Format::Human))
        };
        let Some(i) = unpaired(true).or_else(|| unpaired(false)) else {
            return Err(
                "--output has no report to take: every --format already has its own =FILE".into(),
            );
        };
        plan[i].1 = Some(file.to_path_buf());
    }
    let to_stdout: Vec<&str> = plan
        .iter()
        .filter(|(_, d)| d.is_none())
        .map(|(f, _)| f.name())
        .collect();
    if to_stdout.len() > 1 {
        return Err(format!(
            "only one report can go to standard output, but {} have no file: write one to a file with --format {}=FILE (or --output FILE)",
            to_stdout.join(" and "),
            to_stdout[to_stdout.len() - 1]
        ));
    }
    for (i, (_, a)) in plan.iter().enumerate() {
        if let Some(a) = a {
            if plan[..i].iter().any(|(_, b)| b.as_ref() == Some(a)) {
                return Err(format!("two reports would be written to {}", a.display()));
            }
        }
    }
    Ok(plan)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    Pr,
    Operator,
    Cutover,
}

impl From<ModeArg> for Mode {
    fn from(mode: ModeArg) -> Mode {
        match mode {
            ModeArg::Pr => Mode::Pr,
            ModeArg::Operator => Mode::Operator,
            ModeArg::Cutover => Mode::Cutover,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
}

/// Exit status of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Go = 0,
    NoGo = 1,
    Error = 2,
}

/// Parse the process arguments and run; returns the exit code.
pub fn main() -> i32 {
    install_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_error(&e) as i32,
    };
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(status) => status as i32,
        Err(_) => ExitStatus::Error as i32,
    }
}

/// Help and version go to stdout (exit 0); usage errors take the one error shape
/// (`launchgate: error: …`) on stderr, exit 2.
fn clap_error(e: &clap::Error) -> ExitStatus {
    if !e.use_stderr() {
        return match emit(e.render().to_string().as_bytes()) {
            Emit::Failed => ExitStatus::Error,
            Emit::Written | Emit::Closed => ExitStatus::Go,
        };
    }
    let text = e.render().to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    eprint!("launchgate: error: {text}");
    ExitStatus::Error
}

fn color_enabled(stream_is_tty: bool) -> bool {
    stream_is_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Panic messages can carry data from inputs; print where, never what.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("launchgate: error: internal error at {at} (a bug; the message is withheld because it may contain input data). Please report it.");
    }));
}

/// The one error shape: `launchgate: error: MESSAGE`, then (for a diagnostic with a source
/// snippet or help) miette's rendering of where and what to do.
fn print_error(err: &dyn miette::Diagnostic) {
    eprintln!("launchgate: error: {err}");
    if err.source_code().is_none() && err.help().is_none() {
        return;
    }
    let theme = if color_enabled(std::io::stderr().is_terminal()) {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let mut s = String::new();
    let handler = miette::GraphicalReportHandler::new_themed(theme);
    if handler.render_report(&mut s, err).is_ok() {
        eprint!("{s}");
    }
}

/// `launchgate: error: MESSAGE` on stderr; the status of a usage, config or internal error.
fn fail(message: impl std::fmt::Display) -> ExitStatus {
    eprintln!("launchgate: error: {message}");
    ExitStatus::Error
}

/// What became of a write to standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Emit {
    Written,
    /// The reader went away (`| head -1`): not an error. Like ripgrep and ruff, stop writing
    /// quietly; the exit status stays what the run decided.
    Closed,
    /// Any other failure, already reported.
    Failed,
}

fn emit(bytes: &[u8]) -> Emit {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|_| stdout.flush()) {
        Ok(()) => Emit::Written,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Emit::Closed,
        Err(e) => {
            eprintln!("launchgate: error: could not write to standard output: {e}");
            Emit::Failed
        }
    }
}

/// Print `bytes` for a command whose success is exit 0.
fn write_stdout(bytes: &[u8]) -> ExitStatus {
    match emit(bytes) {
        Emit::Written | Emit::Closed => ExitStatus::Go,
        Emit::Failed => ExitStatus::Error,
    }
}

/// The folder a command scans, with a precise message for a path that is missing or a file.
fn existing_folder(path: &Path) -> Result<(), String> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => {
            let hint = if path.file_name() == Some(OsStr::new(crate::config::CONFIG_FILE)) {
                format!(
                    "; to use it as the configuration: --config {}",
                    path.display()
                )
            } else {
                let parent = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                format!("; give its folder instead ({})", parent.display())
            };
            Err(format!(
                "{} is a file, but PATH names the repository folder to scan{hint}",
                path.display()
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(format!("{} does not exist", path.display()))
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// The folder to scan for PATH, and a note for the report header when it is not PATH itself.
///
/// Like cargo and ruff, the configuration is found upward: without `--config` and without a
/// `launchgate.toml` in PATH, the nearest one above it (up to the repository's top, else the
/// filesystem root) governs, and its folder is what gets scanned, since its paths are written
/// relative to it and launchgate checks a repository as a whole.
fn scan_root(path: &Path, config: Option<&Path>) -> Result<(PathBuf, Option<String>), String> {
    existing_folder(path)?;
    if config.is_some() {
        return Ok((path.to_path_buf(), None));
    }
    match crate::config::discover(path) {
        Some(found) if !path.join(crate::config::CONFIG_FILE).is_file() => {
            let note = format!(
                "configuration found above {}: {}; scanning its folder",
                path.display(),
                found.join(crate::config::CONFIG_FILE).display()
            );
            Ok((found, Some(note)))
        }
        _ => Ok((path.to_path_buf(), None)),
    }
}

pub fn run(cli: Cli) -> ExitStatus {
    match cli.command {
        Command::Check(args) => run_check(*args),
        Command::Rules { format, markdown } => {
            let rules = PolicySet::builtin(Limits::default()).rules();
            let text = match (format, markdown) {
                (_, true) | (RulesFormat::Markdown, _) => rules_markdown(&rules),
                (RulesFormat::Json, _) => rules_json(&rules),
                (RulesFormat::Table, _) => rules_table(&rules),
            };
            write_stdout(text.as_bytes())
        }
        Command::Facts {
            path,
            config,
            process_env,
        } => {
            let (root, found) = match scan_root(&path, config.as_deref()) {
                Ok(r) => r,
                Err(why) => return fail(why),
            };
            if let Some(note) = found {
                eprintln!("launchgate: {note}");
            }
            let opts = CheckOptions {
                root,
                config_file: config,
                process_env_set: process_env,
                ..Default::default()
            };
            match check::run(&opts) {
                Ok(outcome) => {
                    let json =
                        serde_json::to_string_pretty(&outcome.facts.redacted()).unwrap_or_default();
                    let text = format!("{}\n", outcome.redactor.scrub(&json));
                    write_stdout(text.as_bytes())
                }
                Err(e) => {
                    print_error(&e);
                    ExitStatus::Error
                }
            }
        }
        Command::Test { dir } => {
            if let Some(d) = &dir {
                if let Err(why) = existing_folder(d) {
                    return fail(why);
                }
            }
            let results = crate::policy_tests::run(dir.as_deref());
            let (text, passed) = crate::policy_tests::render(&results);
            let status = if passed {
                ExitStatus::Go
            } else {
                ExitStatus::NoGo
            };
            match emit(text.as_bytes()) {
                Emit::Failed => ExitStatus::Error,
                Emit::Written | Emit::Closed => status,
            }
        }
        Command::Init { path } => run_init(&path),
        Command::Baseline {
            path,
            output,
            config,
            mode,
        } => run_baseline(path, &output, config, mode),
        Command::Explain { rule } => {
            let rules = PolicySet::builtin(Limits::default()).rules();
            match rules.iter().find(|r| r.id == rule) {
                Some(r) => write_stdout(explain(r).as_bytes()),
                None => {
                    let near = nearest_ids(&rule, rules.iter().map(|r| r.id.as_str()));
                    let hint = if near.is_empty() {
                        String::new()
                    } else {
                        format!("; did you mean {}?", near.join(", "))
                    };
                    fail(format!(
                        "no rule `{rule}`{hint} (`launchgate rules` lists them all)"
                    ))
                }
            }
        }
        Command::Waive(args) => run_waive(args),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut completion_command(), "launchgate", &mut out);
            if shell == clap_complete::Shell::Fish {
                // clap_complete's fish script offers no values for positionals: add them.
                out.extend_from_slice(fish_rule_completions().as_bytes());
            }
            write_stdout(&out)
        }
        Command::Man { dir } => write_man(dir.as_deref()),
    }
}

/// The rule ids closest to a mistyped `rule`, best first: by the whole id, or by its name
/// alone (`node-evn` finds `launch/node-env`).
pub fn nearest_ids<'a>(rule: &str, ids: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    fn name_of(s: &str) -> &str {
        s.rsplit('/').next().unwrap_or(s)
    }
    let mut scored: Vec<(f64, &str)> = ids
        .map(|id| {
            let whole = strsim::normalized_damerau_levenshtein(rule, id);
            let name = strsim::normalized_damerau_levenshtein(name_of(rule), name_of(id));
            (whole.max(name), id)
        })
        .filter(|(score, _)| *score >= 0.6)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(3).map(|(_, id)| id).collect()
}

/// The command line for completion scripts: the same, plus every rule id as the values of
/// `explain RULE` and `waive RULE` (a running `explain` keeps accepting any text, so that a
/// typo gets suggestions rather than clap's bare rejection).
fn completion_command() -> clap::Command {
    let ids: Vec<&'static str> = PolicySet::builtin(Limits::default())
        .rules()
        .into_iter()
        // clap wants 'static names; this process only prints the script and exits.
        .map(|r| &*Box::leak(r.id.into_boxed_str()))
        .collect();
    let with_ids =
        |arg: clap::Arg| arg.value_parser(clap::builder::PossibleValuesParser::new(ids.clone()));
    Cli::command()
        .mut_subcommand("explain", |c| c.mut_arg("rule", with_ids))
        .mut_subcommand("waive", |c| c.mut_arg("rule", with_ids))
}

/// Fish lines completing `explain RULE` and `waive RULE` with every rule id.
fn fish_rule_completions() -> String {
    let ids: Vec<String> = PolicySet::builtin(Limits::default())
        .rules()
        .into_iter()
        .map(|r| r.id)
        .filter(|id| {
            id.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_'))
        })
        .collect();
    ["explain", "waive"]
        .iter()
        .map(|cmd| {
            format!(
                "complete -c launchgate -n \"__fish_launchgate_using_subcommand {cmd}\" -f -a \"{}\"\n",
                ids.join(" ")
            )
        })
        .collect()
}

/// The sections clap cannot derive: exit status, environment and files (roff).
const MAN_EXTRA: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
GO: no finding at or above \fB\-\-fail\-on\fR; for other commands, success.
.TP
\fB1\fR
NO\-GO: a finding at or above \fB\-\-fail\-on\fR (\fBtest\fR: a policy case failed).
.TP
\fB2\fR
A usage, configuration or internal error. Errors are printed as \fBlaunchgate: error: MESSAGE\fR.
.PP
A closed standard output (\fBlaunchgate facts | head \-1\fR) ends the run quietly; the status is what the run decided.
.SH ENVIRONMENT
.TP
\fBNO_COLOR\fR
When set and not empty, no colour, even on a terminal.
.TP
\fBLAUNCHGATE_CACHE_DIR\fR
Where \fBcheck\fR caches \fBbash \-n\fR verdicts (as \fB\-\-cache\-dir\fR).
.TP
\fBXDG_CACHE_HOME\fR, \fBHOME\fR
The default cache folder: \fI$XDG_CACHE_HOME/launchgate\fR, else \fI~/.cache/launchgate\fR.
.TP
\fBLAUNCHGATE_TODAY\fR
The date (YYYY\-MM\-DD) waivers are judged against, for reproducible runs; default today (UTC).
.TP
\fBGITHUB_STEP_SUMMARY\fR
On GitHub Actions, \fBcheck\fR appends the Markdown summary to this file.
.TP
\fBGITHUB_SERVER_URL\fR, \fBGITHUB_REPOSITORY\fR, \fBGITHUB_SHA\fR, \fBGITHUB_WORKSPACE\fR
On GitHub Actions, the Markdown summary links findings to the checked\-out commit.
.SH FILES
.TP
\fIlaunchgate.toml\fR
The configuration, in PATH or the nearest folder above it (up to the repository's top); without one, \fBcheck\fR infers a configuration and says so.
.TP
\fIlaunchgate\-waivers.toml\fR
Reviewed waivers beside the configuration (\fB[waivers] file\fR names another); \fBlaunchgate waive\fR appends to it.
.TP
\fIpolicies/*.rhai\fR
Repository policies beside the configuration; a file's stem is its profile (\fIlaunch.rhai\fR runs on env sets carrying \fBlaunch\fR).
.TP
\fIpolicies/tests/*.test.toml\fR
Policy test cases for \fBlaunchgate test\fR.
.SH "SEE ALSO"
\fBlaunchgate rules\fR lists every rule; \fBlaunchgate explain RULE\fR prints one rule's help.
"#;

/// launchgate(1): name, synopsis, description, the commands, every command's options, exit
/// status, environment and files.
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let mut cmd = Cli::command();
    cmd.build();
    let man = clap_mangen::Man::new(cmd.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    man.render_subcommands_section(&mut out)?;
    out.extend_from_slice(b".SH \"COMMAND OPTIONS\"\n");
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("launchgate {}", sub.get_name());
        let mut section = Vec::new();
        clap_mangen::Man::new(sub.clone().bin_name(&name)).render_options_section(&mut section)?;
        let section = String::from_utf8_lossy(&section).replacen(
            ".SH OPTIONS",
            &format!(
                ".SS \"{name}\"\n{}\n.PP",
                roff_text(&sub.get_about().map(|a| a.to_string()).unwrap_or_default())
            ),
            1,
        );
        out.extend_from_slice(section.as_bytes());
    }
    out.extend_from_slice(MAN_EXTRA.as_bytes());
    man.render_version_section(&mut out)?;
    Ok(out)
}

/// Plain text made safe for a roff line (no control lines, literal backslashes and dashes).
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    match escaped.chars().next() {
        Some('.' | '\'') => format!("\\&{escaped}"),
        _ => escaped,
    }
}

/// `launchgate man`: launchgate(1) on stdout, or with `--dir` a page per command.
fn write_man(dir: Option<&Path>) -> ExitStatus {
    let result = match dir {
        Some(dir) => clap_mangen::generate_to(Cli::command(), dir),
        None => match man_page() {
            Ok(page) => return write_stdout(&page),
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => ExitStatus::Go,
        Err(e) => {
            let at = dir
                .map(|d| format!(" in {}", d.display()))
                .unwrap_or_default();
            fail(format!("could not write the man page{at}: {e}"))
        }
    }
}

fn run_check(args: CheckArgs) -> ExitStatus {
    let plan = match plan_outputs(&args.format, args.output.as_deref()) {
        Ok(plan) => plan,
        Err(why) => return fail(why),
    };
    let (root, found) = match scan_root(&args.path, args.config.as_deref()) {
        Ok(r) => r,
        Err(why) => return fail(why),
    };
    let opts = CheckOptions {
        root: root.clone(),
        config_file: args.config.clone(),
        fail_on: match args.fail_on {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
        },
        process_env_set: args.process_env.clone(),
        probe: args.probe,
        method: args.method.clone(),
        tolerance: args.tolerance.clone(),
        limits: Limits::default(),
        today: None,
        extra_policy_dirs: Vec::new(),
        timeout: args.timeout,
        cache_dir: if args.no_cache {
            None
        } else {
            args.cache_dir.clone().or_else(default_cache_dir)
        },
        mode: args.mode.into(),
        builtin_policies_only: args.builtin_policies_only,
        baseline: args.baseline.clone(),
        evidence: args.evidence.clone(),
    };
    let mut outcome = match check::run(&opts) {
        Ok(o) => o,
        Err(e) => {
            print_error(&e);
            return ExitStatus::Error;
        }
    };
    if let Some(note) = found {
        outcome.notes.insert(0, note);
    }
    // Test builds only: prove that a panic carrying input data prints no secret.
    if cfg!(debug_assertions) && std::env::var_os("LAUNCHGATE_TEST_FORCE_PANIC").is_some() {
        let value = outcome
            .facts
            .env
            .files
            .iter()
            .flat_map(|f| f.entries.iter())
            .map(|e| e.value.clone())
            .max_by_key(String::len);
        panic!("forced panic carrying an env value: {value:?}");
    }
    let status = if outcome.verdict.go {
        ExitStatus::Go
    } else {
        ExitStatus::NoGo
    };
    let links = Links::from_github_env(&root);
    let mut stdout_open = true;
    for (format, dest) in &plan {
        let report_opts = ReportOptions {
            style: Style {
                color: dest.is_none()
                    && match args.color {
                        ColorArg::Always => true,
                        ColorArg::Never => false,
                        ColorArg::Auto => color_enabled(std::io::stdout().is_terminal()),
                    },
                include_waived: args.include_waived,
                verbose: args.verbose,
                quiet: args.quiet,
            },
            category: args.category.clone(),
            links: links.clone(),
        };
        let rendered = format.render_with(&outcome, &report_opts);
        for notice in &rendered.notices {
            eprintln!("launchgate: {notice}");
        }
        match dest {
            Some(path) => {
                if let Err(e) = write_report_file(path, &rendered.text) {
                    return fail(format!("could not write {}: {e}", path.display()));
                }
            }
            None if stdout_open => match emit(rendered.text.as_bytes()) {
                Emit::Written => {}
                Emit::Closed => stdout_open = false,
                Emit::Failed => return ExitStatus::Error,
            },
            None => {}
        }
    }
    if stdout_open && plan.iter().all(|(_, dest)| dest.is_some()) {
        let headline = format!("{}\n", outcome.verdict.headline());
        if emit(headline.as_bytes()) == Emit::Failed {
            return ExitStatus::Error;
        }
    }
    append_step_summary(&outcome, &links);
    status
}

/// Write a report file without following a symlink at `path`: the text goes to a new file
/// beside it, which is then renamed into place. A committed `report.sarif -> ~/.bashrc` is
/// replaced by the report, never written through.
fn write_report_file(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".launchgate-report")
        .tempfile_in(dir)?;
    file.write_all(text.as_bytes())?;
    // A report is not private (it never holds a secret); 0600 would surprise an upload step.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// On GitHub Actions (`GITHUB_STEP_SUMMARY` set), append the Markdown summary to the job
/// summary, whatever the formats. A failure here is reported but does not change the verdict:
/// the reports and the exit code are what CI gates on.
fn append_step_summary(outcome: &check::CheckOutcome, links: &Links) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let text = crate::report::markdown::render(outcome, links);
    let appended = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .and_then(|mut file| file.write_all(text.as_bytes()));
    if let Err(e) = appended {
        eprintln!(
            "launchgate: warning: could not append the job summary to {}: {e}",
            Path::new(&path).display()
        );
    }
}

fn run_baseline(
    path: PathBuf,
    output: &Path,
    config: Option<PathBuf>,
    mode: ModeArg,
) -> ExitStatus {
    let opts = CheckOptions {
        root: path,
        config_file: config,
        mode: mode.into(),
        ..Default::default()
    };
    let outcome = match check::run(&opts) {
        Ok(o) => o,
        Err(e) => {
            print_error(&e);
            return ExitStatus::Error;
        }
    };
    let baseline = crate::baseline::Baseline::of(&outcome.findings);
    if let Err(e) = std::fs::write(output, baseline.to_json()) {
        eprintln!("launchgate: could not write {}: {e}", output.display());
        return ExitStatus::Error;
    }
    println!(
        "launchgate: recorded {} finding{} in {}; `launchgate check --baseline {}` now blocks only on new ones",
        baseline.findings.len(),
        if baseline.findings.len() == 1 { "" } else { "s" },
        output.display(),
        output.display()
    );
    ExitStatus::Go
}

fn run_init(path: &std::path::Path) -> ExitStatus {
    if let Err(why) = existing_folder(path) {
        return fail(why);
    }
    let target = path.join(crate::config::CONFIG_FILE);
    if target.exists() {
        return fail(format!(
            "{} already exists; init never overwrites it (move it away to start over)",
            target.display()
        ));
    }
    let opts = CheckOptions {
        root: path.to_path_buf(),
        ..Default::default()
    };
    let outcome = match check::run(&opts) {
        Ok(o) => o,
        Err(e) => {
            print_error(&e);
            return ExitStatus::Error;
        }
    };
    let text = crate::init::render(&outcome);
    // create_new: never clobber a file that appeared since the check above.
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&target)
        .and_then(|mut f| f.write_all(text.as_bytes()));
    match written {
        Ok(()) => write_stdout(
            format!(
                "wrote {} ({} env sets)\n",
                target.display(),
                outcome.facts.env.sets.len()
            )
            .as_bytes(),
        ),
        Err(e) => fail(format!("could not write {}: {e}", target.display())),
    }
}

/// `launchgate waive`: append one entry to the waiver file, then load the repository's
/// configuration back with it (the real rules, the real validation); an entry that does not
/// validate is taken out again, leaving the file exactly as it was.
fn run_waive(args: WaiveArgs) -> ExitStatus {
    if let Err(why) = existing_folder(&args.repo) {
        return fail(why);
    }
    let (root, _) = match scan_root(&args.repo, None) {
        Ok(r) => r,
        Err(why) => return fail(why),
    };
    let entry = match crate::waiver::NewWaiver::new(
        &args.rule,
        args.subject.as_deref(),
        args.file.as_deref(),
        &args.reason,
        &args.owner,
        &args.expires,
        crate::waiver::Date::today(),
    ) {
        Ok(entry) => entry,
        Err(why) => return fail(why),
    };
    let file = match crate::config::load(&root, None) {
        Ok(loaded) => crate::config::waiver_file_path(&root, &loaded),
        Err(e) => {
            print_error(&e);
            return ExitStatus::Error;
        }
    };
    let appended = match crate::waiver::append(&file, &entry) {
        Ok(appended) => appended,
        Err(e) => return fail(format!("could not write {}: {e}", file.display())),
    };
    let opts = CheckOptions {
        root: root.clone(),
        ..Default::default()
    };
    match check::run(&opts) {
        Ok(outcome) => {
            // The entry is the file's last: anything located at or after its first line is it.
            let shown = crate::config::relative_display(&root, &file);
            let ours = |l: &crate::facts::Location| l.file == shown && l.line >= appended.line;
            let covered = outcome
                .findings
                .iter()
                .filter(|f| f.waived.as_ref().is_some_and(|w| ours(&w.location)))
                .count();
            let unused = outcome
                .findings
                .iter()
                .any(|f| f.rule == crate::rules::WAIVER_UNUSED && ours(&f.location));
            let what = if unused {
                "it matches no finding yet (waiver/unused until one appears)".to_string()
            } else {
                format!("it covers {covered} finding(s) today")
            };
            write_stdout(
                format!(
                    "wrote a waiver for {} to {}:{}; {what}\n",
                    entry.rule,
                    file.display(),
                    appended.line
                )
                .as_bytes(),
            )
        }
        Err(e) => {
            if let Err(undo) = appended.undo() {
                eprintln!(
                    "launchgate: error: could not take the entry out of {} again: {undo}",
                    file.display()
                );
            }
            print_error(&e);
            eprintln!("launchgate: the waiver was not written");
            ExitStatus::Error
        }
    }
}

/// `launchgate rules --format json`: every rule's metadata, as `explain` and SARIF use it.
pub fn rules_json(rules: &[RuleMeta]) -> String {
    let mut s = serde_json::to_string_pretty(rules).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}

/// The generated rules reference (`docs/rules.md`): the same metadata as `explain` and SARIF.
pub fn rules_markdown(rules: &[RuleMeta]) -> String {
    let mut s = String::from(
        "# launchgate rules\n\n<!-- Generated by `launchgate rules --markdown`; a test keeps it in sync. Do not edit. -->\n\n\
         | id | default severity | summary |\n|---|---|---|\n",
    );
    for r in rules {
        s.push_str(&format!(
            "| [{}](#{}) | {} | {} |\n",
            r.id,
            r.id.replace('/', "").to_lowercase(),
            r.severity.as_str(),
            r.summary.replace('|', "\\|")
        ));
    }
    for r in rules {
        s.push_str(&format!(
            "\n## {}\n\n*{} by default; defined in `{}`.* {}\n\n{}\n",
            r.id,
            r.severity.as_str(),
            r.source,
            r.summary,
            r.help
        ));
    }
    s
}

/// `launchgate rules`: id, default severity, summary.
pub fn rules_table(rules: &[RuleMeta]) -> String {
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(4);
    let mut s = String::new();
    for r in rules {
        s.push_str(&format!(
            "{:<width$}  {:<7}  {}\n",
            r.id,
            r.severity.as_str(),
            r.summary.replace('`', "")
        ));
    }
    s
}

/// `launchgate explain RULE`: the same metadata SARIF help is built from.
pub fn explain(r: &RuleMeta) -> String {
    format!(
        "{}  ({} by default; defined in {})\n\n{}\n\n{}\n",
        r.id,
        r.severity.as_str(),
        r.source,
        r.summary.replace('`', ""),
        r.help
    )
}

/// `$XDG_CACHE_HOME/launchgate`, else `$HOME/.cache/launchgate` (absolute paths only).
fn default_cache_dir() -> Option<PathBuf> {
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    std::env::var_os("XDG_CACHE_HOME")
        .and_then(absolute)
        .or_else(|| {
            std::env::var_os("HOME")
                .and_then(absolute)
                .map(|h| h.join(".cache"))
        })
        .map(|dir| dir.join("launchgate"))
}

fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    crate::config::ProbeDuration::parse(text)
        .map(|d| d.0)
        .ok_or_else(|| format!("`{text}` is not a duration such as 500ms, 90s or 5m"))
}
