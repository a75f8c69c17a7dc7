//! The command line: parse arguments, run, print, and map the outcome to an exit code
//! (0 GO, 1 NO-GO, 2 usage, config or internal error).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::check::{self, CheckOptions};
use crate::finding::{RuleMeta, Severity};
use crate::policy::{Limits, PolicySet};
use crate::report::{Format, Style};

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
    Check(CheckArgs),
    /// List every rule with its id, default severity and summary.
    Rules,
    /// Show a rule's full help: what it checks, why it matters, how to fix.
    Explain {
        /// A rule id, e.g. `launch/node-env`.
        rule: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The repository to scan.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to FILE instead of standard output (the verdict still goes to stdout).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Config file (default: PATH/launchgate.toml when present; otherwise inferred).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Lowest severity that makes the verdict NO-GO.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Take the process environment as the top layer of env set SET (CI secrets).
    #[arg(long, value_name = "SET")]
    pub process_env: Option<String>,
    /// Run live database probes against the cutover env set's source and target.
    #[arg(long)]
    pub probe: bool,
    /// Row-count method for probes.
    #[arg(long, value_parser = ["fast", "exact", "checksum"])]
    pub method: Option<String>,
    /// Row-count tolerance for probes and evidence: rows (`25`) or a percentage (`0.5%`).
    #[arg(long, value_name = "N|P%", allow_hyphen_values = true)]
    pub tolerance: Option<String>,
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
        Command::Check(args) => run_check(args),
        Command::Rules => {
            print!(
                "{}",
                rules_table(&PolicySet::builtin(Limits::default()).rules())
            );
            ExitStatus::Go
        }
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
    }
}

fn run_check(args: CheckArgs) -> ExitStatus {
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
    };
    let outcome = match check::run(&opts) {
        Ok(o) => o,
        Err(e) => {
            print_error(&e);
            return ExitStatus::Error;
        }
    };
    let to_file = args.output.is_some();
    let style = Style {
        color: !to_file && color_enabled(std::io::stdout().is_terminal()),
    };
    let text = args.format.render(&outcome, style);
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("launchgate: could not write {}: {e}", path.display());
                return ExitStatus::Error;
            }
            println!("{}", outcome.verdict.headline());
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            if stdout
                .write_all(text.as_bytes())
                .and_then(|_| stdout.flush())
                .is_err()
            {
                return ExitStatus::Error;
            }
        }
    }
    if outcome.verdict.go {
        ExitStatus::Go
    } else {
        ExitStatus::NoGo
    }
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
