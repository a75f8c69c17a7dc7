//! The scripts collector: every shell script in the inventory becomes a [`Script`] fact.
//!
//! A script is a `*.sh` / `*.bash` file, or an extension-less file whose shebang names a shell.
//! For each one it records the executable bit, the shebang, the shell options in force before
//! the first command, what `bash -n` says (run in parallel, see [`bash_syntax`]) and which
//! other scripts it executes or sources. It never executes a script, and never judges: a
//! missing bit or a syntax error is a fact; `policies/scripts.rhai` decides what it means.

mod bash_syntax;
mod invokers;
mod syntax_cache;

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use super::{read_text, CollectContext, FileEntry};
use crate::facts::scripts::{
    BashAvailability, Invocation, InvocationKind, Script, ScriptFacts, Shebang, StrictMode,
    SyntaxCheck, SyntaxError,
};
use crate::facts::Location;
use crate::source::shell::{self, is_assignment, unquote, Flavor, SimpleCommand, Word};
use bash_syntax::SyntaxVerdict;

use syntax_cache::SyntaxCache;

fn simple_commands(text: &str) -> Vec<SimpleCommand> {
    shell::simple_commands(text, Flavor::Script)
}

/// Interpreters of the POSIX shell family.
const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "ksh", "mksh", "zsh"];
/// Shells whose scripts `bash -n` can judge (POSIX sh is, near enough, a subset of bash).
const BASH_CHECKABLE: &[&str] = &["sh", "bash", "dash", "ash"];
/// How deep path evaluation follows variables and substitutions.
const MAX_EVAL_DEPTH: usize = 8;

pub fn collect(ctx: &CollectContext) -> ScriptFacts {
    let mut analysed: Vec<Analysed> = ctx
        .inventory
        .files
        .iter()
        .filter(|f| is_script_candidate(f))
        .map(|entry| analyse(entry, ctx))
        .collect();

    let committed = committed_modes(ctx);
    for item in &mut analysed {
        item.script.committed_executable = committed.get(&item.script.path).copied();
    }

    let bash = bash_syntax::probe_bash();
    for item in &mut analysed {
        item.script.syntax.skipped = syntax_skip_reason(&item.script);
    }
    let to_check: Vec<usize> = (0..analysed.len())
        .filter(|i| analysed[*i].script.syntax.skipped.is_none())
        .collect();
    if bash.available {
        let verdicts = syntax_verdicts(&analysed, &to_check, &bash, ctx);
        for (i, verdict) in to_check.iter().zip(verdicts) {
            let item = &mut analysed[*i];
            apply_verdict(&mut item.script, verdict, &item.text);
        }
    } else {
        for i in &to_check {
            analysed[*i].script.syntax.skipped.clone_from(&bash.reason);
        }
    }

    let first_sources: Vec<Option<String>> =
        analysed.iter().map(|a| a.first_source.clone()).collect();
    let mut scripts: Vec<Script> = analysed.into_iter().map(|a| a.script).collect();
    link_invocations(&mut scripts);
    inherit_strict_mode(&mut scripts, &first_sources);
    let paths: std::collections::HashSet<String> = scripts.iter().map(|s| s.path.clone()).collect();
    let mut runs = invokers::direct_runs(ctx, &paths);
    for script in &mut scripts {
        script.run_directly_by = runs.remove(&script.path).unwrap_or_default();
    }
    ScriptFacts { bash, scripts }
}

/// A script with what later passes need: its text (to place bash's line numbers), its
/// absolute path, and the library its first command sources.
struct Analysed {
    script: Script,
    text: String,
    abs: std::path::PathBuf,
    first_source: Option<String>,
}

/// Executable bits as git records them (`git ls-files -s`), by scan-root-relative path.
/// Empty when git state does not apply or git fails: the disk bit is then all there is.
fn committed_modes(ctx: &CollectContext) -> HashMap<String, bool> {
    if ctx.git.is_none() {
        return HashMap::new();
    }
    let output = super::git::git_command(&ctx.root)
        .args(["ls-files", "-s", "-z"])
        .output();
    let Ok(output) = output else {
        return HashMap::new();
    };
    if !output.status.success() {
        return HashMap::new();
    }
    // `MODE SHA STAGE\tPATH\0`; run in a subfolder, git prints paths relative to it.
    output
        .stdout
        .split(|b| *b == 0)
        .filter_map(|record| {
            let record = String::from_utf8_lossy(record);
            let (meta, path) = record.split_once('\t')?;
            let mode = meta.split_whitespace().next()?;
            Some((path.to_string(), mode == "100755"))
        })
        .collect()
}

fn is_script_candidate(entry: &FileEntry) -> bool {
    let name = super::walk::file_name(&entry.rel);
    if name.ends_with(".sh") || name.ends_with(".bash") {
        return true;
    }
    if name.contains('.') || entry.size < 3 || entry.size > super::MAX_FILE_BYTES {
        return false;
    }
    read_head(entry)
        .is_some_and(|head| parse_shebang(&head, &entry.rel).is_some_and(|s| s.is_shell))
}

/// The first line of a file, from at most 256 bytes (an extension-less file may be large
/// or binary; only its shebang matters here).
fn read_head(entry: &FileEntry) -> Option<String> {
    let mut file = std::fs::File::open(&entry.abs).ok()?;
    let mut buf = [0u8; 256];
    let n = file.read(&mut buf).ok()?;
    let head = &buf[..n];
    if !head.starts_with(b"#!") {
        return None;
    }
    let line = head.split(|b| *b == b'\n').next().unwrap_or(head);
    std::str::from_utf8(line).ok().map(str::to_string)
}

/// `bash -n`'s verdict on each of `to_check`, in order: from the cache when an earlier run
/// judged the same contents at the same path with the same bash, else from bash (in parallel).
fn syntax_verdicts(
    analysed: &[Analysed],
    to_check: &[usize],
    bash: &BashAvailability,
    ctx: &CollectContext,
) -> Vec<SyntaxVerdict> {
    let cache = ctx
        .options
        .cache_dir
        .as_deref()
        .map(|dir| SyntaxCache::open(dir, bash.version.as_deref().unwrap_or_default()));
    let keys: Vec<Option<String>> = to_check
        .iter()
        .map(|i| {
            let item = &analysed[*i];
            cache.as_ref().map(|c| c.key(&item.abs, &item.text))
        })
        .collect();
    let mut verdicts: Vec<Option<SyntaxVerdict>> = keys
        .iter()
        .map(|key| cache.as_ref()?.get(key.as_deref()?))
        .collect();
    let misses: Vec<usize> = (0..to_check.len())
        .filter(|n| verdicts[*n].is_none())
        .collect();
    let paths: Vec<_> = misses
        .iter()
        .map(|n| analysed[to_check[*n]].abs.clone())
        .collect();
    for (n, verdict) in misses.iter().zip(bash_syntax::check_all(&paths)) {
        verdicts[*n] = Some(verdict);
    }
    let verdicts: Vec<SyntaxVerdict> = verdicts
        .into_iter()
        .map(|v| {
            v.unwrap_or_else(|| SyntaxVerdict::NotChecked("the syntax check did not run".into()))
        })
        .collect();
    if let Some(cache) = cache {
        let used = keys
            .into_iter()
            .zip(&verdicts)
            .filter_map(|(key, verdict)| Some((key?, verdict.clone())))
            .collect();
        cache.save(used);
    }
    verdicts
}

fn syntax_skip_reason(script: &Script) -> Option<String> {
    if script.unreadable.is_some() {
        return Some("the file could not be read".into());
    }
    match &script.shebang {
        Some(s) if !s.is_shell => Some(format!("the shebang names {}, not a shell", s.interpreter)),
        Some(s) if !BASH_CHECKABLE.contains(&s.interpreter.as_str()) => Some(format!(
            "the shebang names {}; bash -n would judge a different language",
            s.interpreter
        )),
        _ => None,
    }
}

fn apply_verdict(script: &mut Script, verdict: SyntaxVerdict, text: &str) {
    match verdict {
        SyntaxVerdict::Accepted => script.syntax.checked = true,
        SyntaxVerdict::NotChecked(reason) => script.syntax.failed = Some(reason),
        SyntaxVerdict::Rejected(complaints) => {
            script.syntax.checked = true;
            script.syntax.errors = complaints
                .into_iter()
                .take(10)
                .map(|c| SyntaxError {
                    location: line_location(&script.path, text, c.line),
                    message: c.message,
                })
                .collect();
        }
    }
}

/// The trimmed content of line `line` of `text`. bash names the line after the last one for
/// "unexpected end of file", so lines past the end land on the last non-blank line.
fn line_location(file: &str, text: &str, line: u32) -> Location {
    let lines: Vec<&str> = text.split('\n').collect();
    let last_content = lines
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .unwrap_or(0);
    let wanted = (line.max(1) as usize - 1).min(last_content);
    let content = lines
        .get(wanted)
        .copied()
        .unwrap_or("")
        .trim_end_matches('\r');
    let leading = content.chars().take_while(|c| c.is_whitespace()).count();
    let width = content.chars().count();
    let line_no = u32::try_from(wanted + 1).unwrap_or(u32::MAX);
    Location::on_line(
        file,
        line_no,
        u32::try_from(leading + 1).unwrap_or(1),
        u32::try_from(width + 1).unwrap_or(1),
    )
}

/// Markers of a generated script in its header comments.
const GENERATED_MARKERS: &[&str] = &[
    "generated by",
    "do not edit",
    "auto-generated",
    "autogenerated",
    "@generated",
    "code generated",
];

/// True when a comment among the first lines says the script is generated.
fn generated_header(text: &str) -> bool {
    text.lines().take(20).any(|l| {
        let l = l.trim_start();
        l.starts_with('#') && !l.starts_with("#!") && {
            let lower = l.to_lowercase();
            GENERATED_MARKERS.iter().any(|m| lower.contains(m))
        }
    })
}

/// Wrapper scripts build tools write and regenerate (`gradlew`, `mvnw`).
const GENERATED_WRAPPERS: &[&str] = &["gradlew", "mvnw"];

/// Files beside a generator's output that mark the folder as generated (OpenAPI and Swagger
/// clients ship a `git_push.sh` of their own).
const GENERATOR_MARKERS: &[&str] = &[
    ".openapi-generator-ignore",
    ".openapi-generator",
    ".swagger-codegen-ignore",
];

/// True when the script's name or folder says a tool generated it.
fn generated_place(rel: &str, root: &std::path::Path) -> bool {
    let name = crate::source::path::file_name(rel);
    if GENERATED_WRAPPERS.contains(&name) {
        return true;
    }
    let dir = crate::source::path::parent(rel);
    GENERATOR_MARKERS
        .iter()
        .any(|m| std::fs::symlink_metadata(root.join(dir).join(m)).is_ok())
}

/// Read and analyse one candidate.
fn analyse(entry: &FileEntry, ctx: &CollectContext) -> Analysed {
    let rel = entry.rel.clone();
    let mut script = Script {
        path: rel.clone(),
        location: Location::file_start(rel.clone()),
        executable: entry.executable,
        committed_executable: None,
        shebang: None,
        crlf: false,
        generated: false,
        unreadable: None,
        strict_mode: StrictMode::default(),
        syntax: SyntaxCheck::default(),
        invocations: Vec::new(),
        executed_by: Vec::new(),
        run_directly_by: Vec::new(),
        sourced_by: Vec::new(),
    };
    let text = match read_text(&entry.abs) {
        Ok(t) => t,
        Err(problem) => {
            script.unreadable = Some(problem.to_string());
            return Analysed {
                script,
                text: String::new(),
                abs: entry.abs.clone(),
                first_source: None,
            };
        }
    };
    script.crlf = text.contains("\r\n");
    script.generated = generated_header(&text) || generated_place(&rel, &ctx.root);
    let first_line_end = text.find('\n').unwrap_or(text.len());
    script.shebang = parse_shebang(&text[..first_line_end], &rel);
    let first_line_len = text[..first_line_end]
        .trim_end_matches('\r')
        .chars()
        .count();
    script.location = Location::on_line(
        rel.clone(),
        1,
        1,
        u32::try_from(first_line_len + 1).unwrap_or(1),
    );

    let commands = simple_commands(&text);
    let scope = PathScope::new(&rel, &text, &commands, ctx);
    script.invocations = commands
        .iter()
        .filter_map(|c| invocation(c, &scope, &text, &rel))
        .collect();
    let (strict_mode, first_source) = strict_mode(&script, &commands, &scope, &text);
    script.strict_mode = strict_mode;
    Analysed {
        script,
        text,
        abs: entry.abs.clone(),
        first_source,
    }
}

/// Parse a `#!` line (CR and surrounding whitespace ignored), following `env`.
fn parse_shebang(first_line: &str, rel: &str) -> Option<Shebang> {
    let body = first_line.strip_prefix("#!")?.trim_end_matches('\r').trim();
    let mut parts = body.split_whitespace();
    let program = parts.next()?;
    let mut interpreter = base_name(program);
    if interpreter == "env" {
        // `/usr/bin/env -S bash -e`: skip env's own options and assignments.
        interpreter = parts
            .find(|p| !p.starts_with('-') && !p.contains('='))
            .map(base_name)?;
    }
    let width = first_line.trim_end_matches('\r').chars().count();
    Some(Shebang {
        text: body.to_string(),
        interpreter: interpreter.to_string(),
        is_shell: SHELLS.contains(&interpreter),
        location: Location::on_line(rel, 1, 1, u32::try_from(width + 1).unwrap_or(1)),
    })
}

use crate::source::path::file_name as base_name;

/// Shell options from `set` arguments (`-euo pipefail`, `-o errexit`, `+e`).
#[derive(Debug, Default, Clone, Copy)]
struct ShellOptions {
    errexit: Option<bool>,
    nounset: Option<bool>,
    pipefail: Option<bool>,
}

fn parse_set_args<'a>(args: impl IntoIterator<Item = &'a str>) -> ShellOptions {
    let mut options = ShellOptions::default();
    fn set_named(name: &str, on: bool, options: &mut ShellOptions) {
        match name {
            "errexit" => options.errexit = Some(on),
            "nounset" => options.nounset = Some(on),
            "pipefail" => options.pipefail = Some(on),
            _ => {}
        }
    }
    let mut args = args.into_iter().peekable();
    while let Some(arg) = args.next() {
        let (on, flags) = match (arg.strip_prefix('-'), arg.strip_prefix('+')) {
            (Some(f), _) if arg != "--" && arg != "-" => (true, f),
            (_, Some(f)) => (false, f),
            _ => continue,
        };
        for flag in flags.chars() {
            match flag {
                'e' => options.errexit = Some(on),
                'u' => options.nounset = Some(on),
                'o' => {
                    if let Some(name) = args.next() {
                        set_named(name, on, &mut options);
                    }
                }
                _ => {}
            }
        }
    }
    options
}

fn has_substitution(word: &str) -> bool {
    word.contains("$(") || word.contains('`')
}

/// Commands that cannot fail in a way errexit would catch: plain settings and assignments.
fn is_setting(command: &SimpleCommand, text: &str) -> bool {
    let words: Vec<&str> = command.words.iter().map(|w| w.raw(text)).collect();
    let Some(first) = words.first() else {
        return true;
    };
    if words
        .iter()
        .all(|w| is_assignment(w) && !has_substitution(w))
    {
        return true;
    }
    match *first {
        // `unset` and `alias` cannot fail in a way errexit would stop: a file of them is an
        // environment to source, not a procedure.
        "set" | "shopt" | "trap" | "umask" | "unset" | "alias" | "unalias" => true,
        "export" | "readonly" | "declare" | "typeset" | "local" => {
            words[1..].iter().all(|w| !has_substitution(w))
        }
        _ => false,
    }
}

fn command_location(command: &SimpleCommand, text: &str, rel: &str) -> Location {
    let start = command.words.first().map_or(0, |w| w.start);
    let end = command.words.last().map_or(start, |w| w.end);
    Location::from_byte_range(rel, text, start, end)
}

fn word_location(word: &Word, text: &str, rel: &str) -> Location {
    Location::from_byte_range(rel, text, word.start, word.end)
}

/// Options in force before the first top-level command, and the library sourced as that
/// first command (strict mode may come from it).
fn strict_mode(
    script: &Script,
    commands: &[SimpleCommand],
    scope: &PathScope,
    text: &str,
) -> (StrictMode, Option<String>) {
    let mut mode = StrictMode::default();
    if let Some(shebang) = &script.shebang {
        let args: Vec<&str> = shebang
            .text
            .split_whitespace()
            .skip_while(|w| base_name(w) != shebang.interpreter)
            .skip(1)
            .collect();
        let options = parse_set_args(args);
        if options.errexit == Some(true) {
            mode.errexit = true;
            mode.errexit_location = Some(shebang.location.clone());
        }
        mode.nounset = options.nounset.unwrap_or(false);
        mode.pipefail = options.pipefail.unwrap_or(false);
    }
    let mut first_source = None;
    // The question is settled by the first real command: options changed after it (a
    // deliberate `set +e` around one command, a late `set -e`) do not change the answer.
    let mut settled = false;
    for command in commands
        .iter()
        .filter(|c| !c.in_function && !c.in_substitution)
    {
        let words: Vec<&str> = command.words.iter().map(|w| w.raw(text)).collect();
        if words.first() == Some(&"set") {
            let options = parse_set_args(words[1..].iter().copied());
            if options.errexit == Some(true) && mode.errexit_location.is_none() {
                mode.errexit_location = Some(command_location(command, text, &script.path));
            }
            if !settled {
                mode.errexit = options.errexit.unwrap_or(mode.errexit);
                mode.nounset = options.nounset.unwrap_or(mode.nounset);
                mode.pipefail = options.pipefail.unwrap_or(mode.pipefail);
            }
            continue;
        }
        if settled || is_setting(command, text) {
            continue;
        }
        settled = true;
        if mode.errexit {
            continue;
        }
        mode.first_command = Some(command_location(command, text, &script.path));
        if let Some(inv) = invocation(command, scope, text, &script.path) {
            if inv.kind == InvocationKind::Source {
                first_source = inv.resolved;
            }
        }
    }
    (mode, first_source)
}

/// What a word evaluates to as a path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PathValue {
    /// A repository-relative path (derived from the script's own location).
    Anchored(String),
    /// A relative path as written: resolved against the working directory at run time.
    Relative(String),
    Unknown,
}

/// Variables that hold directories derived from the script's own location
/// (`SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"`).
struct PathScope<'a> {
    script: String,
    vars: BTreeMap<String, String>,
    ctx: &'a CollectContext<'a>,
}

impl<'a> PathScope<'a> {
    /// `commands` are `text`'s, the text of the script at `script`.
    fn new(
        script: &str,
        text: &str,
        commands: &[SimpleCommand],
        ctx: &'a CollectContext<'a>,
    ) -> Self {
        let mut scope = PathScope {
            script: script.to_string(),
            vars: BTreeMap::new(),
            ctx,
        };
        for command in commands {
            let mut words = command.words.iter().map(|w| w.raw(text)).peekable();
            if matches!(
                words.peek(),
                Some(&("export" | "readonly" | "declare" | "local" | "typeset"))
            ) {
                words.next();
            }
            for word in words {
                let Some((name, value)) = word.split_once('=') else {
                    break;
                };
                if !is_assignment(word) || scope.vars.contains_key(name) {
                    continue;
                }
                if let PathValue::Anchored(path) = scope.evaluate(value, 0) {
                    scope.vars.insert(name.to_string(), path);
                }
            }
        }
        scope
    }

    fn script_dir(&self) -> String {
        self.script
            .rsplit_once('/')
            .map_or(String::new(), |(dir, _)| dir.to_string())
    }

    /// Evaluate a word (quotes and all) as a path.
    fn evaluate(&self, raw: &str, depth: usize) -> PathValue {
        if depth > MAX_EVAL_DEPTH {
            return PathValue::Unknown;
        }
        let text = unquote(raw);
        let mut anchored: Option<String> = None;
        let mut rest = text.as_str();
        if let Some(after) = rest.strip_prefix("$(") {
            let Some(end) = matching_paren(after) else {
                return PathValue::Unknown;
            };
            match self.evaluate_substitution(&after[..end], depth + 1) {
                Some(path) => anchored = Some(path),
                None => return PathValue::Unknown,
            }
            rest = &after[end + 1..];
        } else if rest.starts_with('$') {
            let (name, len) = variable_at(rest);
            match self.variable(name) {
                Some(path) => anchored = Some(path),
                None => return PathValue::Unknown,
            }
            rest = &rest[len..];
        }
        if rest.contains('$') || rest.contains('`') || rest.starts_with('~') {
            return PathValue::Unknown;
        }
        match anchored {
            Some(base) => {
                join_normalized(&base, rest).map_or(PathValue::Unknown, PathValue::Anchored)
            }
            None if rest.starts_with('/') => PathValue::Unknown,
            None => PathValue::Relative(rest.to_string()),
        }
    }

    /// A variable's directory: the script's own path or folder, or a derived variable.
    fn variable(&self, name: &str) -> Option<String> {
        match name {
            "0" | "BASH_SOURCE" | "BASH_SOURCE[0]" => Some(self.script.clone()),
            "0%/*" | "BASH_SOURCE%/*" | "BASH_SOURCE[0]%/*" => Some(self.script_dir()),
            _ => {
                let base = name.split([':', '%', '#', '/']).next().unwrap_or(name);
                self.vars.get(base).cloned()
            }
        }
    }

    /// `$(cd X && pwd)`, `$(dirname X)`, `$(git rev-parse --show-toplevel)`.
    fn evaluate_substitution(&self, inner: &str, depth: usize) -> Option<String> {
        let commands = simple_commands(inner);
        let first = commands.first()?;
        let words: Vec<&str> = first.words.iter().map(|w| w.raw(inner)).collect();
        match words.as_slice() {
            ["cd", rest @ ..] => {
                let arg = rest.iter().find(|w| !w.starts_with('-'))?;
                match self.evaluate(arg, depth) {
                    PathValue::Anchored(p) => Some(p),
                    _ => None,
                }
            }
            ["dirname", rest @ ..] => {
                let arg = rest.iter().find(|w| !w.starts_with('-'))?;
                match self.evaluate(arg, depth) {
                    PathValue::Anchored(p) => Some(
                        p.rsplit_once('/')
                            .map_or(String::new(), |(d, _)| d.to_string()),
                    ),
                    _ => None,
                }
            }
            ["git", "rev-parse", "--show-toplevel"] => {
                // The repository root; inside a scan of a subfolder it is still the scan root's
                // best stand-in.
                Some(String::new())
            }
            _ => None,
        }
    }

    /// Resolve an evaluated path to a repository-relative one, preferring an existing file:
    /// a relative path is tried from the repository root (where runbooks run scripts from)
    /// and then from the script's folder.
    fn resolve(&self, value: PathValue) -> (Option<String>, bool) {
        let exists = |p: &str| self.ctx.inventory.get(p).is_some();
        match value {
            PathValue::Anchored(p) => {
                let e = exists(&p);
                (Some(p), e)
            }
            PathValue::Relative(p) => {
                let from_root = join_normalized("", &p);
                let from_dir = join_normalized(&self.script_dir(), &p);
                for candidate in [&from_root, &from_dir].into_iter().flatten() {
                    if exists(candidate) {
                        return (Some(candidate.clone()), true);
                    }
                }
                (from_root, false)
            }
            PathValue::Unknown => (None, false),
        }
    }
}

/// `$NAME` or `${...}` at the start of `text`: the name (with any `${..}` operator text) and
/// the length consumed.
fn variable_at(text: &str) -> (&str, usize) {
    if let Some(after) = text.strip_prefix("${") {
        if let Some(end) = after.find('}') {
            return (&after[..end], end + 3);
        }
        return ("", text.len());
    }
    let after = &text[1..];
    if after.starts_with(|c: char| c.is_ascii_digit()) {
        return (&after[..1], 2);
    }
    let len = after
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(after.len());
    (&after[..len], len + 1)
}

/// Index of the `)` closing a `$(` whose contents start `text`.
fn matching_paren(text: &str) -> Option<usize> {
    let mut depth = 1usize;
    let mut in_single = false;
    let mut in_double = false;
    for (i, c) in text.char_indices() {
        match c {
            '\'' if !in_double => in_single = !in_single,
            '"' if !in_single => in_double = !in_double,
            '(' if !in_single && !in_double => depth += 1,
            ')' if !in_single && !in_double => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

use crate::source::path::join as join_normalized;

fn looks_like_script_path(text: &str) -> bool {
    text.ends_with(".sh") || text.ends_with(".bash")
}

/// The script a simple command runs or sources, if it names one.
fn invocation(
    command: &SimpleCommand,
    scope: &PathScope,
    text: &str,
    rel: &str,
) -> Option<Invocation> {
    let start = shell::command_start(&command.words)?;
    let mut words = command.words[start..].iter();
    let command_word = words.next()?;
    let name = unquote(command_word.raw(text));
    let (kind, target) = match name.as_str() {
        "source" | "." => (InvocationKind::Source, words.next()?),
        n if SHELLS.contains(&base_name(n)) && (!n.contains('/') || n.starts_with('/')) => {
            let mut target = None;
            for w in words.by_ref() {
                if w.raw(text) == "-c" {
                    return None;
                }
                if !w.raw(text).starts_with('-') {
                    target = Some(w);
                    break;
                }
            }
            (InvocationKind::Interpreter, target?)
        }
        n if n.contains('/') => (InvocationKind::Execute, command_word),
        _ => return None,
    };
    let raw = target.raw(text);
    let written = unquote(raw);
    let value = scope.evaluate(raw, 0);
    let (resolved, exists) = scope.resolve(value);
    if !exists && !looks_like_script_path(&written) {
        // `$PSQL_BIN/psql`, `/usr/bin/env`: a program, not one of the repository's scripts.
        return None;
    }
    Some(Invocation {
        text: raw.to_string(),
        kind,
        resolved,
        exists,
        location: word_location(target, text, rel),
    })
}

/// Fill `executed_by` / `sourced_by` from every script's invocations.
fn link_invocations(scripts: &mut [Script]) {
    let index: HashMap<String, usize> = scripts
        .iter()
        .enumerate()
        .map(|(i, s)| (s.path.clone(), i))
        .collect();
    let mut links: Vec<(usize, InvocationKind, Location)> = Vec::new();
    for script in scripts.iter() {
        for inv in &script.invocations {
            if let Some(target) = inv.resolved.as_ref().and_then(|r| index.get(r)) {
                links.push((*target, inv.kind, inv.location.clone()));
            }
        }
    }
    for (target, kind, location) in links {
        match kind {
            InvocationKind::Execute => scripts[target].executed_by.push(location),
            InvocationKind::Source => scripts[target].sourced_by.push(location),
            InvocationKind::Interpreter => {}
        }
    }
}

/// A script whose first command sources a library that turns errexit on inherits it.
fn inherit_strict_mode(scripts: &mut [Script], first_sources: &[Option<String>]) {
    let own: HashMap<String, StrictMode> = scripts
        .iter()
        .filter(|s| s.strict_mode.errexit && s.strict_mode.inherited_from.is_none())
        .map(|s| (s.path.clone(), s.strict_mode.clone()))
        .collect();
    for (script, source) in scripts.iter_mut().zip(first_sources) {
        if script.strict_mode.errexit {
            continue;
        }
        let Some(library) = source.as_ref().and_then(|p| own.get(p).map(|m| (p, m))) else {
            continue;
        };
        let (path, mode) = library;
        script.strict_mode.errexit = true;
        script.strict_mode.nounset |= mode.nounset;
        script.strict_mode.pipefail |= mode.pipefail;
        script.strict_mode.first_command = None;
        script.strict_mode.inherited_from = Some(path.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_through_env_with_options_and_crlf() {
        let s = parse_shebang("#!/usr/bin/env -S bash -euo pipefail\r", "x.sh").expect("shebang");
        assert_eq!(s.interpreter, "bash");
        assert!(s.is_shell);
        assert_eq!(s.text, "/usr/bin/env -S bash -euo pipefail");
        let py = parse_shebang("#!/usr/bin/python3", "x").expect("shebang");
        assert!(!py.is_shell);
        assert!(parse_shebang("# not a shebang", "x").is_none());
    }

    #[test]
    fn set_arguments_in_all_spellings() {
        let o = parse_set_args(["-Eeuo", "pipefail"]);
        assert_eq!(
            (o.errexit, o.nounset, o.pipefail),
            (Some(true), Some(true), Some(true))
        );
        let o = parse_set_args(["-o", "errexit", "-o", "pipefail"]);
        assert_eq!((o.errexit, o.pipefail), (Some(true), Some(true)));
        let o = parse_set_args(["+e"]);
        assert_eq!(o.errexit, Some(false));
        let o = parse_set_args(["-x"]);
        assert_eq!(o.errexit, None);
    }

    #[test]
    fn assignments_are_told_from_commands() {
        assert!(is_assignment("A=1"));
        assert!(is_assignment("arr[0]=x"));
        assert!(is_assignment("PATH+=:/x"));
        assert!(!is_assignment("./x.sh"));
        assert!(!is_assignment("--flag=1"));
        assert!(!is_assignment("1A=x"));
    }

    #[test]
    fn joined_paths_never_leave_the_repository() {
        assert_eq!(
            join_normalized("scripts/db", "./lib/../x.sh"),
            Some("scripts/db/x.sh".into())
        );
        assert_eq!(join_normalized("scripts", "../../etc/passwd"), None);
    }

    #[test]
    fn a_check_that_could_not_finish_is_a_failure_not_a_skip() {
        let mut script = Script {
            path: "x.sh".into(),
            location: Location::file_start("x.sh"),
            executable: true,
            committed_executable: None,
            shebang: None,
            crlf: false,
            generated: false,
            unreadable: None,
            strict_mode: StrictMode::default(),
            syntax: SyntaxCheck::default(),
            invocations: Vec::new(),
            executed_by: Vec::new(),
            run_directly_by: Vec::new(),
            sourced_by: Vec::new(),
        };
        let timeout = SyntaxVerdict::NotChecked("bash -n did not finish within 10 seconds".into());
        apply_verdict(&mut script, timeout, "echo\n");
        assert!(!script.syntax.checked);
        assert_eq!(script.syntax.skipped, None);
        assert!(script
            .syntax
            .failed
            .as_deref()
            .is_some_and(|f| f.contains("did not finish")));
    }

    #[test]
    fn line_location_clamps_past_the_end() {
        let text = "#!/bin/bash\nif true; then\n  echo x\n\n";
        let loc = line_location("x.sh", text, 6);
        assert_eq!((loc.line, loc.column, loc.end_column), (3, 3, 9));
    }
}
