//! Runs `bash -n` (parse, never execute) on scripts, a bounded number at a time, with a
//! timeout per script. It must never run a script: `-n` only, no profile or rc files, and an
//! environment holding only `PATH` and `LC_ALL` (so `BASH_ENV` cannot make bash source anything).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::facts::scripts::BashAvailability;

/// How long one `bash -n` may take before it is killed.
const SYNTAX_TIMEOUT: Duration = Duration::from_secs(10);
/// Upper bound on concurrent `bash -n` processes (the machine may be shared).
const MAX_WORKERS: usize = 4;

/// One complaint from bash: the 1-based line it names and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BashComplaint {
    pub line: u32,
    pub message: String,
}

/// What `bash -n` said about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyntaxVerdict {
    Accepted,
    Rejected(Vec<BashComplaint>),
    /// bash could not be run on the file, or took too long.
    NotChecked(String),
}

/// `bash` with an empty environment except `PATH`. `PATH` is kept on purpose: without it
/// the C library falls back to a default search path, and a bash the caller cannot see
/// would be found anyway.
fn bash_command() -> Command {
    let mut command = Command::new("bash");
    command.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command
}

/// Ask `bash --version` whether bash can be run at all.
pub fn probe_bash() -> BashAvailability {
    match bash_command()
        .arg("--version")
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) if out.status.success() => BashAvailability {
            available: true,
            version: String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()
                .map(str::to_string),
            reason: None,
        },
        Ok(out) => BashAvailability {
            available: false,
            version: None,
            reason: Some(format!(
                "`bash --version` failed ({}); scripts/syntax-error was skipped",
                out.status
            )),
        },
        Err(e) => BashAvailability {
            available: false,
            version: None,
            reason: Some(if e.kind() == std::io::ErrorKind::NotFound {
                "bash is not installed (not on PATH); scripts/syntax-error was skipped".to_string()
            } else {
                format!(
                    "bash could not be started ({}); scripts/syntax-error was skipped",
                    e.kind()
                )
            }),
        },
    }
}

/// Check every file in `paths`, in parallel; verdicts come back in the same order.
pub fn check_all(paths: &[PathBuf]) -> Vec<SyntaxVerdict> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(MAX_WORKERS)
        .min(paths.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<SyntaxVerdict>>> = Mutex::new(vec![None; paths.len()]);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = paths.get(index) else { break };
                let verdict = check_one(path);
                if let Ok(mut slots) = results.lock() {
                    slots[index] = Some(verdict);
                }
            });
        }
    });
    let slots = results
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    slots
        .into_iter()
        .map(|v| {
            v.unwrap_or_else(|| SyntaxVerdict::NotChecked("the syntax check did not run".into()))
        })
        .collect()
}

/// Run `bash -n` on one file.
pub fn check_one(path: &Path) -> SyntaxVerdict {
    let child = bash_command()
        .args(["--noprofile", "--norc", "-n"])
        .arg(path)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return SyntaxVerdict::NotChecked(format!("bash could not be started ({})", e.kind()))
        }
    };
    // Drain stderr on its own thread so a chatty bash cannot block on a full pipe while we
    // wait for it.
    let stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = stderr {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    });
    let deadline = Instant::now() + SYNTAX_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) | Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let stderr = reader.join().unwrap_or_default();
    match status {
        None => SyntaxVerdict::NotChecked(format!(
            "bash -n did not finish within {} seconds",
            SYNTAX_TIMEOUT.as_secs()
        )),
        Some(s) if s.success() => SyntaxVerdict::Accepted,
        Some(_) => {
            let complaints = parse_complaints(&stderr, &path.to_string_lossy());
            if complaints.is_empty() {
                SyntaxVerdict::Rejected(vec![BashComplaint {
                    line: 1,
                    message: first_line_or(&stderr, "bash -n rejected the script"),
                }])
            } else {
                SyntaxVerdict::Rejected(complaints)
            }
        }
    }
}

fn first_line_or(text: &str, fallback: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or(fallback)
        .to_string()
}

/// Parse bash's `PATH: line N: message` lines. The echo of the offending source line
/// (``PATH: line N: `fi'``) repeats script text, not a diagnosis, so it is dropped.
pub fn parse_complaints(stderr: &str, path: &str) -> Vec<BashComplaint> {
    let mut complaints = Vec::new();
    for raw in stderr.lines() {
        let rest = raw
            .strip_prefix(path)
            .and_then(|r| r.strip_prefix(": "))
            .unwrap_or(raw);
        let Some(idx) = rest.find("line ") else {
            continue;
        };
        let after = &rest[idx + 5..];
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        let Ok(line) = digits.parse::<u32>() else {
            continue;
        };
        let Some(message) = after[digits.len()..].strip_prefix(": ") else {
            continue;
        };
        let message = message.trim_end();
        if message.starts_with('`') && message.ends_with('\'') {
            continue;
        }
        complaints.push(BashComplaint {
            line,
            message: message.to_string(),
        });
    }
    complaints
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_line_numbers_and_drops_source_echo() {
        let stderr =
            "/r/x.sh: line 3: syntax error near unexpected token `fi'\n/r/x.sh: line 3: `fi'\n";
        assert_eq!(
            parse_complaints(stderr, "/r/x.sh"),
            vec![BashComplaint {
                line: 3,
                message: "syntax error near unexpected token `fi'".into()
            }]
        );
    }

    #[test]
    fn a_path_containing_line_does_not_confuse_the_parser() {
        let stderr = "/tmp/line 9/x.sh: line 12: unexpected EOF while looking for matching `\"'\n";
        let got = parse_complaints(stderr, "/tmp/line 9/x.sh");
        assert_eq!(got[0].line, 12);
    }
}
