//! Facts about shell scripts (owned by the scripts collector).
//!
//! A script is every `*.sh` / `*.bash` file and every extension-less file whose shebang names a
//! shell. Each [`Script`] says how it would run (shebang, executable bit, strict mode), whether
//! `bash -n` accepts it, and which other scripts it runs, so policies can join "invoked
//! directly" with "lacks the executable bit" without reading a file.

use serde::{Deserialize, Serialize};

use super::Location;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScriptFacts {
    /// Whether `bash -n` could be run at all. Recorded once, not per script.
    pub bash: BashAvailability,
    /// Every script, sorted by path.
    pub scripts: Vec<Script>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BashAvailability {
    pub available: bool,
    /// `bash --version`'s first line, when bash answered.
    pub version: Option<String>,
    /// Why syntax checks were skipped, when they were.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Script {
    /// Repository-relative path.
    pub path: String,
    /// Line 1 of the file: where file-level findings land.
    pub location: Location,
    /// Any execute bit is set on disk.
    pub executable: bool,
    /// Whether git records the file as executable (mode 100755), when the file is tracked
    /// and git state applies. A fresh clone gets this bit, not the one on disk.
    pub committed_executable: Option<bool>,
    pub shebang: Option<Shebang>,
    /// Lines end in CRLF (bash keeps the carriage return as part of every word).
    pub crlf: bool,
    /// Why the text could not be read (binary, too large, invalid UTF-8); other facts are then
    /// empty.
    pub unreadable: Option<String>,
    pub strict_mode: StrictMode,
    pub syntax: SyntaxCheck,
    /// Other scripts this one runs or sources, in file order.
    pub invocations: Vec<Invocation>,
    /// Where other scripts run this one directly (`./x.sh`, `"$DIR/x.sh"`): it then needs the
    /// executable bit.
    pub executed_by: Vec<Location>,
    /// Where other scripts `source` / `.` this one: a library that inherits its caller's shell
    /// options.
    pub sourced_by: Vec<Location>,
    /// Where the repository's configuration runs it directly: a `package.json` script, a
    /// Dockerfile `RUN` / `ENTRYPOINT` / `CMD` (unless the Dockerfile sets the bit itself), a
    /// GitHub Actions `run:` step, a Makefile recipe.
    pub run_directly_by: Vec<Location>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Shebang {
    /// The line without `#!` and surrounding whitespace (`/usr/bin/env bash`).
    pub text: String,
    /// The interpreter's name, through `env` (`bash`, `sh`, `zsh`, `python3`).
    pub interpreter: String,
    /// The interpreter is a POSIX-family shell (`sh`, `bash`, `dash`, `ksh`, `zsh`, `ash`).
    pub is_shell: bool,
    pub location: Location,
}

/// Shell options in force before the script's first command.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StrictMode {
    /// `set -e` / `set -o errexit` (or `bash -e` in the shebang) before the first command.
    pub errexit: bool,
    pub nounset: bool,
    pub pipefail: bool,
    /// The `set` line (or shebang) that turned errexit on, wherever it is in the file.
    pub errexit_location: Option<Location>,
    /// The first command that runs before errexit is on (`None` when errexit comes first or
    /// the script runs no command).
    pub first_command: Option<Location>,
    /// The sourced script that set errexit for this one, when strict mode is inherited from a
    /// library sourced before any other command (`source "$DIR/lib/common.sh"`).
    pub inherited_from: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SyntaxCheck {
    /// `bash -n` ran on this script (false without bash, for non-bash shebangs such as zsh, or
    /// for an unreadable file).
    pub checked: bool,
    /// Why it was deliberately not checked (no bash, another shell's shebang, unreadable).
    pub skipped: Option<String>,
    /// Why bash could not judge it although it should have (it timed out, or could not be
    /// started for this file): the script is unverified, which a policy must not pass.
    pub failed: Option<String>,
    /// What bash rejected; empty when it accepted the script.
    pub errors: Vec<SyntaxError>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyntaxError {
    /// The line bash names (clamped to the file's last line: bash reports "unexpected end of
    /// file" one line past the end).
    pub location: Location,
    /// bash's message without the `file: line N:` prefix.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InvocationKind {
    /// Run as a program (`./x.sh`, `"$SCRIPT_DIR/x.sh"`, `exec x.sh`): needs the executable bit.
    Execute,
    /// Run through an interpreter (`bash x.sh`, `sh x.sh`): no executable bit needed.
    Interpreter,
    /// Read into the current shell (`source x.sh`, `. x.sh`).
    Source,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invocation {
    /// The path as written (`"$SCRIPT_DIR/00-preflight.sh"`).
    pub text: String,
    pub kind: InvocationKind,
    /// The repository-relative path it names, when it could be resolved (variables set from
    /// `dirname "$0"` / `BASH_SOURCE` are followed).
    pub resolved: Option<String>,
    /// The resolved path is a file in the repository.
    pub exists: bool,
    pub location: Location,
}
