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
        /// Print the rules reference as Markdown (docs/rules.md).
        #[arg(long)]
        markdown: bool,
    },
    /// Show a rule's full help: what it checks, why it matters, how to fix.
    Explain {
        /// A rule id, e.g. `launch/node-env`.
        rule: String,
    },
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
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitStatus::Error as i32
            } else {
                ExitStatus::Go as i32
            };
        }
    };
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(status) => status as i32,
        Err(_) => ExitStatus::Error as i32,
    }
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
        eprintln!("launchgate: internal error at {at} (a bug; the message is withheld because it may contain input data). Please report it.");
    }));
}

fn print_error(err: &dyn miette::Diagnostic) {
    let theme = if color_enabled(std::io::stderr().is_terminal()) {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let mut s = String::new();
    let handler = miette::GraphicalReportHandler::new_themed(theme);
    if handler.render_report(&mut s, err).is_err() {
        s = err.to_string();
    }
    eprint!("{s}");
}

pub fn run(cli: Cli) -> ExitStatus {
    match cli.command {
        Command::Check(args) => run_check(*args),
        Command::Rules { markdown } => {
            let rules = PolicySet::builtin(Limits::default()).rules();
            if markdown {
                print!("{}", rules_markdown(&rules));
            } else {
                print!("{}", rules_table(&rules));
            }
            ExitStatus::Go
        }
        Command::Facts {
            path,
            config,
            process_env,
        } => {
            let opts = CheckOptions {
                root: path,
                config_file: config,
                process_env_set: process_env,
                ..Default::default()
            };
            match check::run(&opts) {
                Ok(outcome) => {
                    let json =
                        serde_json::to_string_pretty(&outcome.facts.redacted()).unwrap_or_default();
                    println!("{}", outcome.redactor.scrub(&json));
                    ExitStatus::Go
                }
                Err(e) => {
                    print_error(&e);
                    ExitStatus::Error
                }
            }
        }
        Command::Test { dir } => {
            if let Some(d) = &dir {
                if !d.is_dir() {
                    eprintln!("launchgate: {} is not a directory", d.display());
                    return ExitStatus::Error;
                }
            }
            let results = crate::policy_tests::run(dir.as_deref());
            if crate::policy_tests::print(&results) {
                ExitStatus::Go
            } else {
                ExitStatus::NoGo
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
                Some(r) => {
                    print!("{}", explain(r));
                    ExitStatus::Go
                }
                None => {
                    let close: Vec<&str> = rules
                        .iter()
                        .map(|r| r.id.as_str())
                        .filter(|id| {
                            id.contains(rule.as_str())
                                || rule.split('/').next().is_some_and(|a| id.starts_with(a))
                        })
                        .collect();
                    eprintln!("launchgate: no rule `{rule}`. Run `launchgate rules` for the list.");
                    if !close.is_empty() {
                        eprintln!("  similar: {}", close.join(", "));
                    }
                    ExitStatus::Error
                }
            }
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "launchgate", &mut out);
            write_stdout(&out)
        }
        Command::Man { dir } => write_man(dir.as_deref()),
    }
}

fn write_stdout(bytes: &[u8]) -> ExitStatus {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|_| stdout.flush()) {
        Ok(()) => ExitStatus::Go,
        Err(_) => ExitStatus::Error,
    }
}

/// `launchgate man`: launchgate(1) on stdout, or with `--dir` a page per command.
fn write_man(dir: Option<&Path>) -> ExitStatus {
    let result = match dir {
        Some(dir) => clap_mangen::generate_to(Cli::command(), dir),
        None => {
            let mut out = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut out) {
                Ok(()) => return write_stdout(&out),
                Err(e) => Err(e),
            }
        }
    };
    match result {
        Ok(()) => ExitStatus::Go,
        Err(e) => {
            let at = dir
                .map(|d| format!(" in {}", d.display()))
                .unwrap_or_default();
            eprintln!("launchgate: could not write the man page{at}: {e}");
            ExitStatus::Error
        }
    }
}

fn run_check(args: CheckArgs) -> ExitStatus {
    let plan = match plan_outputs(&args.format, args.output.as_deref()) {
        Ok(plan) => plan,
        Err(why) => {
            eprintln!("launchgate: {why}");
            return ExitStatus::Error;
        }
    };
    let opts = CheckOptions {
        root: args.path.clone(),
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
        baseline: args.baseline.clone(),
        evidence: args.evidence.clone(),
    };
    let outcome = match check::run(&opts) {
        Ok(o) => o,
        Err(e) => {
            print_error(&e);
            return ExitStatus::Error;
        }
    };
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
    let links = Links::from_github_env(&args.path);
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
        let written = match dest {
            Some(path) => match std::fs::write(path, &rendered.text) {
                Ok(()) => true,
                Err(e) => {
                    eprintln!("launchgate: could not write {}: {e}", path.display());
                    false
                }
            },
            None => write_stdout(rendered.text.as_bytes()) == ExitStatus::Go,
        };
        if !written {
            return ExitStatus::Error;
        }
    }
    if plan.iter().all(|(_, dest)| dest.is_some()) {
        println!("{}", outcome.verdict.headline());
    }
    append_step_summary(&outcome, &links);
    if outcome.verdict.go {
        ExitStatus::Go
    } else {
        ExitStatus::NoGo
    }
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
            "launchgate: could not append the job summary to {}: {e}",
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
    let target = path.join(crate::config::CONFIG_FILE);
    if target.exists() {
        eprintln!(
            "launchgate: {} already exists; init never overwrites it (move it away to start over)",
            target.display()
        );
        return ExitStatus::Error;
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
        Ok(()) => {
            println!(
                "wrote {} ({} env sets)",
                target.display(),
                outcome.facts.env.sets.len()
            );
            ExitStatus::Go
        }
        Err(e) => {
            eprintln!("launchgate: could not write {}: {e}", target.display());
            ExitStatus::Error
        }
    }
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
