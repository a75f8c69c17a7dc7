//! The env collector: finds env files and contracts, parses them with dotenv semantics while
//! keeping the span of every key and value, and groups them into env sets.
//!
//! Parsing: the file is split into logical entries exactly as dotenvy splits it (a quoted value
//! may span lines); each entry's value is then parsed by dotenvy itself, so values are what an
//! application loading the file sees. A line dotenvy rejects becomes a parse-error fact at its
//! line and column; parsing goes on with the next entry. No value is ever put in a message.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::walk::{contract_base, file_name};
use super::{read_text, CollectContext};
use crate::facts::env::{
    ContractKey, EnvEntry, EnvFacts, EnvFile, EnvFileKind, EnvLayer, EnvParseError, EnvSet, EnvVar,
    Quote, SetOrigin,
};
use crate::facts::Location;
use crate::secrets;

/// The source name of the process-environment layer.
pub const PROCESS_LAYER: &str = "<process environment>";

/// An env file parsed: its facts and its text with every secret value masked (for snippets).
pub struct ParsedEnvFile {
    pub file: EnvFile,
    pub masked_text: Option<String>,
}

/// What the env collector returns: facts plus masked source texts for reporters.
pub struct EnvCollection {
    pub facts: EnvFacts,
    pub masked_sources: BTreeMap<String, String>,
    /// One line per inferred or configured set, for the human report.
    pub notes: Vec<String>,
}

pub fn collect(ctx: &CollectContext) -> EnvCollection {
    let mut files: Vec<EnvFile> = Vec::new();
    let mut masked_sources = BTreeMap::new();
    let mut paths: BTreeSet<String> = ctx
        .inventory
        .env_files
        .iter()
        .map(|f| f.rel.clone())
        .collect();
    // Configured files are read even when their names follow no convention.
    for set in &ctx.config.config.env {
        for f in set
            .get_ref()
            .files
            .iter()
            .chain(set.get_ref().contract.iter())
        {
            if ctx.root.join(f).is_file() {
                paths.insert(normalize(f));
            }
        }
    }
    let contract_paths: BTreeSet<String> = ctx
        .config
        .config
        .env
        .iter()
        .filter_map(|s| s.get_ref().contract.as_deref().map(normalize))
        .collect();
    for rel in &paths {
        let kind = if contract_base(file_name(rel)).is_some() || contract_paths.contains(rel) {
            EnvFileKind::Contract
        } else {
            EnvFileKind::Env
        };
        let git = ctx.git_state(rel);
        let parsed = match read_text(&abs_path(ctx, rel)) {
            Ok(text) => parse_env_file(rel, &text, kind),
            Err(problem) => ParsedEnvFile {
                file: EnvFile {
                    path: rel.clone(),
                    kind,
                    git,
                    crlf: false,
                    unreadable: Some(problem.to_string()),
                    entries: Vec::new(),
                    errors: Vec::new(),
                },
                masked_text: None,
            },
        };
        let mut file = parsed.file;
        file.git = git;
        if let Some(text) = parsed.masked_text {
            masked_sources.insert(rel.clone(), text);
        }
        files.push(file);
    }
    let (sets, notes) = build_sets(ctx, &files);
    EnvCollection {
        facts: EnvFacts { files, sets },
        masked_sources,
        notes,
    }
}

/// The file on disk for a repository path: the walk's own path when it found the file (a
/// name that is not valid UTF-8 is shown lossily but still read), else ROOT/rel.
fn abs_path(ctx: &CollectContext, rel: &str) -> std::path::PathBuf {
    ctx.inventory
        .env_files
        .iter()
        .find(|f| f.rel == rel)
        .map_or_else(|| ctx.root.join(rel), |f| f.abs.clone())
}

fn normalize(path: &str) -> String {
    path.trim_start_matches("./").replace('\\', "/")
}

// ---------------------------------------------------------------------------------------
// Parsing one file

/// Parse env file text. `rel` names the file in locations.
pub fn parse_env_file(rel: &str, text: &str, kind: EnvFileKind) -> ParsedEnvFile {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bom = text.len() - body.len();
    let crlf = body.contains("\r\n");
    let mut entries: Vec<EnvEntry> = Vec::new();
    let mut errors = Vec::new();
    // Byte ranges (in `text`) to mask in the snippet copy.
    let mut mask_ranges: Vec<(usize, usize)> = Vec::new();
    // The values parsed so far, by key: what `${NAME}` substitutes.
    let mut values_by_key: HashMap<String, String> = HashMap::new();
    let mut optional_next = false;
    // Locating every entry by scanning from the top would be quadratic in the file's size.
    let lines = crate::facts::LineIndex::new(text);
    // One allocation for the file's name, shared by every location in it.
    let file = crate::facts::FileName::from(rel);

    for (start, end) in logical_entries(body) {
        let (start, end) = (start + bom, end + bom);
        let chunk = &text[start..end];
        let line_text = chunk.trim_end_matches(['\n', '\r']);
        let trimmed = line_text.trim_start();
        if trimmed.is_empty() {
            optional_next = false;
            continue;
        }
        if let Some(comment) = trimmed.strip_prefix('#') {
            optional_next = is_optional_marker(comment);
            continue;
        }
        let loc = |a: usize, b: usize| lines.location(&file, start + a, start + b);
        match split_entry(line_text) {
            Err((at, message)) => {
                errors.push(EnvParseError {
                    location: loc(at, line_text.len()),
                    message,
                });
                mask_ranges.push((start + key_like_prefix(line_text), start + line_text.len()));
            }
            Ok(parts) => {
                let raw_value = &line_text[parts.value_start..parts.value_end];
                let key = &line_text[parts.key_start..parts.key_end];
                match dotenv_value(line_text, &values_by_key) {
                    Ok(value) => {
                        let inline_optional = parts.comment_start.is_some_and(|c| {
                            is_optional_marker(line_text[c..].trim_start_matches('#'))
                        });
                        if !secrets::is_shown(key, &value) {
                            mask_ranges.push(quoted_inner(start + parts.value_start, raw_value));
                        }
                        values_by_key.insert(key.to_string(), value.clone());
                        entries.push(EnvEntry {
                            key: key.to_string(),
                            shell_divergence: shell_divergence(line_text, &parts, &value),
                            value,
                            quote: quote_of(raw_value),
                            location: loc(parts.key_start, parts.key_end),
                            value_location: loc(parts.value_start, parts.value_end),
                            optional: kind == EnvFileKind::Contract
                                && (optional_next || inline_optional),
                        });
                    }
                    Err(ValueError::TooLarge(n)) => {
                        errors.push(EnvParseError {
                            location: loc(parts.value_start, parts.value_end),
                            message: format!(
                                "variable substitution would expand this value to about {n} bytes, \
                                 over the {MAX_EXPANSION}-byte limit; not expanded"
                            ),
                        });
                        mask_ranges.push((start + parts.value_start, start + line_text.len()));
                    }
                    Err(ValueError::At(at)) => {
                        let at = parts.value_start + at.min(raw_value.len());
                        errors.push(EnvParseError {
                            location: loc(at, line_text.len().max(at + 1)),
                            message: describe_value_error(raw_value, at - parts.value_start),
                        });
                        mask_ranges.push((start + parts.value_start, start + line_text.len()));
                    }
                }
            }
        }
        optional_next = false;
    }

    let masked = mask(text, &mask_ranges);
    ParsedEnvFile {
        file: EnvFile {
            path: rel.to_string(),
            kind,
            git: crate::facts::GitState::NotInRepository,
            crlf,
            unreadable: None,
            entries,
            errors,
        },
        masked_text: Some(masked),
    }
}

fn is_optional_marker(comment: &str) -> bool {
    let c = comment.trim().to_ascii_lowercase();
    c == "optional"
        || c.starts_with("optional:")
        || c.starts_with("optional ")
        || c.starts_with("optional,")
        || c.starts_with("optional (")
}

/// Split text into dotenvy's logical entries: a line, or several when a quote is open.
/// Returns byte ranges including the line terminators.
fn logical_entries(text: &str) -> Vec<(usize, usize)> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Complete,
        Escape,
        Strong,
        StrongEscape,
        Weak,
        WeakEscape,
        WhiteSpace,
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut state = State::Complete;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let line_start = pos;
        pos += line.len();
        if state == State::Complete && line.trim_start().starts_with('#') {
            out.push((line_start, pos));
            start = pos;
            continue;
        }
        let mut comment = false;
        for c in line.chars() {
            state = match state {
                State::WhiteSpace => match c {
                    '#' => {
                        comment = true;
                        break;
                    }
                    '\\' => State::Escape,
                    '"' => State::Weak,
                    '\'' => State::Strong,
                    _ => State::Complete,
                },
                State::Escape => State::Complete,
                State::Complete => match c {
                    c if c.is_whitespace() && c != '\n' && c != '\r' => State::WhiteSpace,
                    '\\' => State::Escape,
                    '"' => State::Weak,
                    '\'' => State::Strong,
                    _ => State::Complete,
                },
                State::Weak => match c {
                    '\\' => State::WeakEscape,
                    '"' => State::Complete,
                    _ => State::Weak,
                },
                State::WeakEscape => State::Weak,
                State::Strong => match c {
                    '\\' => State::StrongEscape,
                    '\'' => State::Complete,
                    _ => State::Strong,
                },
                State::StrongEscape => State::Strong,
            };
        }
        if comment {
            state = State::Complete;
        }
        if matches!(state, State::Complete | State::WhiteSpace) || comment {
            state = State::Complete;
            out.push((start, pos));
            start = pos;
        }
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    out
}

struct EntryParts {
    key_start: usize,
    key_end: usize,
    /// Byte offset of `=`.
    equals: usize,
    value_start: usize,
    value_end: usize,
    comment_start: Option<usize>,
}

/// Locate key, `=` and the raw value of a (possibly multi-line) entry.
fn split_entry(line: &str) -> Result<EntryParts, (usize, String)> {
    let bytes = line.as_bytes();
    let mut i = line.len() - line.trim_start().len();
    let key_at = |i: usize| -> Result<usize, (usize, String)> {
        let first = bytes.get(i).copied();
        if !first.is_some_and(|c| c.is_ascii_alphabetic() || c == b'_') {
            return Err((
                i,
                "expected a key (a letter or `_`, then letters, digits, `_` or `.`)".into(),
            ));
        }
        let mut j = i;
        while j < bytes.len()
            && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_' || bytes[j] == b'.')
        {
            j += 1;
        }
        Ok(j)
    };
    let mut key_start = i;
    let mut key_end = key_at(i)?;
    if &line[key_start..key_end] == "export" {
        let after = skip_ws(bytes, key_end);
        if bytes.get(after) != Some(&b'=') {
            key_start = after;
            key_end = key_at(after)?;
        }
    }
    i = skip_ws(bytes, key_end);
    if bytes.get(i) != Some(&b'=') {
        return Err((i, "expected `=` after the key".into()));
    }
    let equals = i;
    let value_start = skip_ws(bytes, i + 1);
    // `A= #x` is an empty value and a comment; `A=#x` is the value `#x` (as dotenvy reads it).
    let (value_end, comment_start) = value_extent(line, value_start, value_start > equals + 1);
    Ok(EntryParts {
        key_start,
        key_end,
        equals,
        value_start,
        value_end,
        comment_start,
    })
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
        i += 1;
    }
    i
}

/// End of the raw value (before a ` #comment` and trailing white space) and the comment start.
fn value_extent(line: &str, start: usize, after_space: bool) -> (usize, Option<usize>) {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut prev_ws = after_space;
    let mut comment = None;
    for (i, c) in line[start..].char_indices() {
        let at = start + i;
        if escaped {
            escaped = false;
            prev_ws = false;
            continue;
        }
        match (quote, c) {
            (_, '\\') if quote != Some('\'') => escaped = true,
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if prev_ws => {
                comment = Some(at);
                break;
            }
            _ => {}
        }
        prev_ws = c == ' ' || c == '\t';
    }
    let end = comment.unwrap_or(line.len());
    let value_end = start + line[start..end].trim_end().len();
    (value_end, comment)
}

/// The value as dotenvy reads it, or the char index (within the value) where it failed.
/// Why dotenvy could not give a value.
enum ValueError {
    /// dotenvy rejected the value at this char index (within the value).
    At(usize),
    /// Substitution would expand the value to about this many bytes.
    TooLarge(usize),
}

/// The largest value variable substitution may build. dotenv substitution can grow
/// exponentially (`B=$A$A`, `C=$B$B`, ...): a hostile file must not exhaust memory.
pub const MAX_EXPANSION: usize = 1 << 20;

/// The value as dotenvy reads it.
fn dotenv_value(
    entry: &str,
    values_by_key: &HashMap<String, String>,
) -> Result<String, ValueError> {
    // Variable substitution refers to earlier entries: give dotenvy each referenced value as
    // an escaped literal (never its raw line, which would expand again), after checking the
    // expansion's size from the lengths it would substitute.
    let mut input = String::new();
    if entry.contains('$') {
        let names = referenced_names(entry);
        let value_of = |name: &str| -> Option<String> {
            std::env::var(name)
                .ok()
                .or_else(|| values_by_key.get(name).cloned())
        };
        let expanded: usize = entry.len()
            + names
                .iter()
                .map(|n| value_of(n).map_or(0, |v| v.len()))
                .sum::<usize>();
        if expanded > MAX_EXPANSION {
            return Err(ValueError::TooLarge(expanded));
        }
        let mut seen = std::collections::HashSet::new();
        for name in names {
            if !seen.insert(name.clone()) {
                continue;
            }
            if let Some(value) = values_by_key.get(&name) {
                input.push_str(&name);
                input.push_str("=\"");
                for c in value.chars() {
                    match c {
                        '\\' | '"' | '$' => {
                            input.push('\\');
                            input.push(c);
                        }
                        '\n' => input.push_str("\\n"),
                        _ => input.push(c),
                    }
                }
                input.push_str("\"\n");
            }
        }
    }
    input.push_str(entry);
    input.push('\n');
    let mut last = None;
    for item in dotenvy::from_read_iter(input.as_bytes()) {
        last = Some(item);
    }
    match last {
        Some(Ok((_, value))) => Ok(value),
        Some(Err(dotenvy::Error::LineParse(_, at))) => Err(ValueError::At(at)),
        Some(Err(_)) | None => Err(ValueError::At(0)),
    }
}

fn referenced_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let mut j = i + 1;
            if bytes.get(j) == Some(&b'{') {
                j += 1;
            }
            let s = j;
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            if j > s {
                names.push(text[s..j].to_string());
            }
            i = j;
        } else {
            i += 1;
        }
    }
    names
}

fn describe_value_error(raw: &str, char_at: usize) -> String {
    let open = |q: char| raw.starts_with(q) && (raw.len() < 2 || !raw[1..].contains(q));
    if open('"') || open('\'') {
        return "unterminated quoted value (the closing quote is missing)".into();
    }
    if raw.contains("${") && !raw.contains('}') {
        return "unterminated `${...}` substitution".into();
    }
    match raw.chars().nth(char_at) {
        Some(_) if raw.chars().take(char_at).any(|c| c == ' ' || c == '\t') => {
            "the value continues after an unquoted space: quote the whole value".into()
        }
        Some(_) if raw.chars().nth(char_at.saturating_sub(1)) == Some('\\') => {
            "unsupported escape sequence in the value".into()
        }
        _ => "the value cannot be parsed".into(),
    }
}

fn quote_of(raw: &str) -> Quote {
    if raw.starts_with('"') {
        Quote::Double
    } else if raw.starts_with('\'') {
        Quote::Single
    } else {
        Quote::None
    }
}

/// The byte range to mask for a value: inside its quotes, or all of it.
fn quoted_inner(start: usize, raw: &str) -> (usize, usize) {
    let q = raw.chars().next().filter(|c| *c == '"' || *c == '\'');
    match q {
        Some(q) if raw.len() >= 2 && raw.ends_with(q) => (start + 1, start + raw.len() - 1),
        _ => (start, start + raw.len()),
    }
}

/// Where a key-like prefix (`KEY=`) ends: mask only what follows it.
fn key_like_prefix(line: &str) -> usize {
    match line.find('=') {
        Some(eq)
            if line[..eq]
                .trim()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ' ') =>
        {
            eq + 1
        }
        _ => line.len() - line.trim_start().len(),
    }
}

fn mask(text: &str, ranges: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut sorted: Vec<_> = ranges.iter().copied().filter(|(a, b)| a < b).collect();
    sorted.sort_unstable();
    let mut last = 0;
    for (a, b) in sorted {
        let a = a.max(last).min(text.len());
        let b = b.min(text.len());
        if a >= b || !text.is_char_boundary(a) || !text.is_char_boundary(b) {
            continue;
        }
        out.push_str(&text[last..a]);
        out.extend(
            text[a..b]
                .chars()
                .map(|c| if c == '\n' || c == '\r' { c } else { '*' }),
        );
        last = b;
    }
    out.push_str(&text[last..]);
    out
}

/// How `set -a; source FILE` reads this entry differently from dotenv, if it does.
fn shell_divergence(line: &str, parts: &EntryParts, value: &str) -> Option<String> {
    let key = &line[parts.key_start..parts.key_end];
    let raw = &line[parts.value_start..parts.value_end];
    if key.contains('.') {
        return Some(
            "a key with `.` is not a shell variable name: `source` runs it as a command".into(),
        );
    }
    if line[parts.key_end..parts.equals].contains([' ', '\t']) {
        return Some("white space before `=`: `source` runs the key as a command".into());
    }
    if parts.value_start > parts.equals + 1 && !raw.is_empty() {
        return Some(
            "white space after `=`: `source` sets an empty value and runs the rest as a command"
                .into(),
        );
    }
    let unquoted = quote_of(raw) == Quote::None;
    let double = quote_of(raw) == Quote::Double;
    if raw.contains("$(") && !raw.starts_with('\'') {
        return Some(
            "`$(...)`: `source` runs a command substitution; dotenv keeps the text".into(),
        );
    }
    if raw.contains('`') && !raw.starts_with('\'') {
        return Some(
            "a backtick: `source` runs a command substitution; dotenv keeps the text".into(),
        );
    }
    if unquoted {
        if let Some(c) = raw
            .chars()
            .find(|c| matches!(c, ';' | '&' | '|' | '<' | '>' | '(' | ')'))
        {
            return Some(format!(
                "unquoted `{c}`: a shell operator to `source`, plain text to dotenv"
            ));
        }
        if raw.starts_with('~') {
            return Some(
                "unquoted leading `~`: `source` expands it to a home folder; dotenv does not"
                    .into(),
            );
        }
        if raw.contains("\\ ") || value.contains(' ') {
            return Some(
                "an unquoted space: quote the value so `source` and dotenv read the same".into(),
            );
        }
    }
    if double && raw.contains("\\n") {
        return Some(
            "`\\n` inside double quotes: dotenv reads a newline, `source` keeps backslash-n".into(),
        );
    }
    if line.contains('\n') && unquoted {
        return Some("a value spanning lines without quotes".into());
    }
    None
}

// ---------------------------------------------------------------------------------------
// Env sets

/// `.env.launch` → `launch`; `prod.env` → `prod`; `.env` → `env`.
fn short_name(base: &str) -> String {
    let s = base
        .strip_prefix(".env.")
        .or_else(|| base.strip_prefix(".env"))
        .unwrap_or(base);
    let s = s.strip_suffix(".env").unwrap_or(s);
    if s.is_empty() {
        "env".into()
    } else {
        s.to_string()
    }
}

fn dir_of(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

struct SetSpec {
    name: String,
    origin: SetOrigin,
    location: Location,
    policies: Vec<String>,
    contract: Option<String>,
    files: Vec<String>,
}

fn build_sets(ctx: &CollectContext, files: &[EnvFile]) -> (Vec<EnvSet>, Vec<String>) {
    let by_path: BTreeMap<&str, &EnvFile> = files.iter().map(|f| (f.path.as_str(), f)).collect();
    let mut specs: Vec<SetSpec> = Vec::new();
    let mut claimed: BTreeSet<String> = BTreeSet::new();
    let mut notes = Vec::new();

    for spanned in &ctx.config.config.env {
        let cfg = spanned.get_ref();
        let location = ctx
            .config
            .location(spanned.span())
            .map(|mut l| {
                // Point at the entry's first line, not the whole table.
                l.end_line = l.line;
                l.end_column = l.column + 1;
                l
            })
            .unwrap_or_else(|| Location::file_start(crate::config::CONFIG_FILE));
        let files: Vec<String> = cfg.files.iter().map(|f| normalize(f)).collect();
        let contract = cfg.contract.as_deref().map(normalize);
        // Findings about the whole set land on its contract (else its first file) exactly as
        // for an inferred set, so `init` followed by `check` reports the same locations; the
        // config entry is the anchor only when no file of the set exists.
        let location = contract
            .iter()
            .chain(files.iter())
            .find(|p| by_path.contains_key(p.as_str()))
            .map(|p| Location::file_start(p.clone()))
            .unwrap_or(location);
        claimed.extend(files.iter().cloned());
        claimed.extend(contract.iter().cloned());
        let mut policies = vec!["env".to_string()];
        policies.extend(cfg.policies.iter().filter(|p| *p != "env").cloned());
        specs.push(SetSpec {
            name: cfg.name.clone(),
            origin: SetOrigin::Config,
            location,
            policies,
            contract,
            files,
        });
    }

    // Inference: group unclaimed files by (folder, base name).
    let mut groups: BTreeMap<(String, String), (Option<String>, Vec<String>)> = BTreeMap::new();
    for f in files.iter().filter(|f| !claimed.contains(&f.path)) {
        let dir = dir_of(&f.path).to_string();
        let name = file_name(&f.path);
        let entry;
        match f.kind {
            EnvFileKind::Contract => {
                let base = contract_base(name).unwrap_or(name).to_string();
                entry = groups.entry((dir, base)).or_default();
                entry.0 = Some(f.path.clone());
            }
            EnvFileKind::Env => {
                let base = name
                    .strip_suffix(".local")
                    .filter(|b| !b.is_empty())
                    .unwrap_or(name)
                    .to_string();
                entry = groups.entry((dir, base)).or_default();
                entry.1.push(f.path.clone());
            }
        }
    }
    let mut short_counts: HashMap<String, usize> = HashMap::new();
    for (_, base) in groups.keys() {
        *short_counts.entry(short_name(base)).or_default() += 1;
    }
    let taken: BTreeSet<String> = specs.iter().map(|s| s.name.clone()).collect();
    for ((dir, base), (contract, mut layer_files)) in groups {
        // Base file first, `.local` on top.
        layer_files.sort_by_key(|p| p.ends_with(".local"));
        let expected: Vec<String> = if layer_files.is_empty() {
            vec![join(&dir, &format!("{base}.local"))]
        } else {
            layer_files.clone()
        };
        let short = short_name(&base);
        let name = if short_counts.get(&short).copied().unwrap_or(0) > 1 || taken.contains(&short) {
            join(&dir, &short)
        } else {
            short
        };
        let mut policies = vec!["env".to_string()];
        let names_say = |p: &str| {
            let n = file_name(p).to_ascii_lowercase();
            n.contains("launch") || n.contains("production")
        };
        if expected.iter().chain(contract.iter()).any(|p| names_say(p)) {
            policies.push("launch".into());
        }
        let declares = |path: &str, key: &str| {
            by_path
                .get(path)
                .is_some_and(|f| f.entries.iter().any(|e| e.key == key))
        };
        let key_source: Vec<&str> = match &contract {
            Some(c) => vec![c.as_str()],
            None => layer_files.iter().map(String::as_str).collect(),
        };
        if key_source.iter().any(|p| declares(p, "SRC_DB_URL"))
            && key_source.iter().any(|p| declares(p, "TGT_DB_URL"))
        {
            policies.push("cutover".into());
        }
        let anchor = contract
            .clone()
            .or_else(|| layer_files.first().cloned())
            .unwrap_or_default();
        specs.push(SetSpec {
            name,
            origin: SetOrigin::Inferred,
            location: Location::file_start(anchor),
            policies,
            contract,
            files: expected,
        });
    }

    let process_set = ctx.options.process_env_set.as_deref();
    let mut sets = Vec::new();
    for spec in specs {
        let with_process = process_set == Some(spec.name.as_str());
        let set = assemble(ctx, &by_path, spec, with_process);
        notes.push(describe(&set));
        sets.push(set);
    }
    (sets, notes)
}

fn assemble(
    ctx: &CollectContext,
    by_path: &BTreeMap<&str, &EnvFile>,
    spec: SetSpec,
    with_process: bool,
) -> EnvSet {
    let contract_file = spec
        .contract
        .as_deref()
        .and_then(|c| by_path.get(c).copied());
    let mut contract_keys = BTreeMap::new();
    if let Some(cf) = contract_file {
        for e in &cf.entries {
            contract_keys.insert(
                e.key.clone(),
                ContractKey {
                    sample: e.value.clone(),
                    location: e.location.clone(),
                    optional: e.optional,
                },
            );
        }
    }
    let mut layers = Vec::new();
    let mut vars: BTreeMap<String, EnvVar> = BTreeMap::new();
    for path in &spec.files {
        let file = by_path.get(path.as_str()).copied();
        layers.push(EnvLayer {
            source: path.clone(),
            exists: file.is_some(),
        });
        if let Some(file) = file {
            for e in &file.entries {
                vars.insert(
                    e.key.clone(),
                    EnvVar {
                        value: e.value.clone(),
                        quote: e.quote,
                        location: e.location.clone(),
                        value_location: e.value_location.clone(),
                        source: path.clone(),
                        from_process: false,
                    },
                );
            }
        }
    }
    if with_process {
        layers.push(EnvLayer {
            source: PROCESS_LAYER.into(),
            exists: true,
        });
        let wanted: BTreeSet<String> = contract_keys
            .keys()
            .chain(vars.keys())
            .cloned()
            .chain(ctx.options.known_keys.iter().cloned())
            .collect();
        for key in wanted {
            if let Ok(value) = std::env::var(&key) {
                let location = contract_keys
                    .get(&key)
                    .map(|c| c.location.clone())
                    .or_else(|| vars.get(&key).map(|v| v.location.clone()))
                    .unwrap_or_else(|| spec.location.clone());
                vars.insert(
                    key,
                    EnvVar {
                        value,
                        quote: Quote::None,
                        value_location: location.clone(),
                        location,
                        source: PROCESS_LAYER.into(),
                        from_process: true,
                    },
                );
            }
        }
    }
    let has_values = layers.iter().any(|l| l.exists);
    let top_layer = layers
        .iter()
        .rev()
        .find(|l| l.exists)
        .or_else(|| layers.first())
        .map(|l| l.source.clone())
        .unwrap_or_default();
    let missing_key_location = layers
        .iter()
        .find(|l| l.exists && l.source != PROCESS_LAYER)
        .map_or_else(
            || spec.location.clone(),
            |l| Location::file_start(l.source.clone()),
        );
    EnvSet {
        name: spec.name,
        origin: spec.origin,
        location: spec.location,
        policies: spec.policies,
        contract_exists: contract_file.is_some(),
        contract: spec.contract,
        contract_keys,
        layers,
        has_values,
        vars,
        checked_keys: Vec::new(),
        top_layer,
        missing_key_location,
    }
}

fn describe(set: &EnvSet) -> String {
    let layers: Vec<String> = set
        .layers
        .iter()
        .map(|l| {
            if l.exists {
                l.source.clone()
            } else {
                format!("{} (missing)", l.source)
            }
        })
        .collect();
    let contract = set
        .contract
        .as_deref()
        .map(|c| format!(", contract {c}"))
        .unwrap_or_default();
    let origin = match set.origin {
        SetOrigin::Config => "configured",
        SetOrigin::Inferred => "inferred",
    };
    format!(
        "env set `{}` ({origin}): {}{contract}; policies: {}",
        set.name,
        layers.join(" + "),
        set.policies.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> EnvFile {
        parse_env_file("t.env", text, EnvFileKind::Env).file
    }

    #[test]
    fn keys_values_and_spans() {
        let f = parse("# c\nexport A=1\nB = \"two words\" # note\nC='x y'\n");
        let keys: Vec<_> = f
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(keys, [("A", "1"), ("B", "two words"), ("C", "x y")]);
        let b = &f.entries[1];
        assert_eq!(
            (b.location.line, b.location.column, b.location.end_column),
            (3, 1, 2)
        );
        assert_eq!(
            (b.value_location.column, b.value_location.end_column),
            (5, 16)
        );
    }

    #[test]
    fn multi_line_quoted_value_is_one_entry() {
        let f = parse("KEY=\"line one\nline two\"\nNEXT=1\n");
        assert_eq!(f.entries.len(), 2);
        assert_eq!(f.entries[0].value, "line one\nline two");
        assert_eq!(f.entries[1].location.line, 3);
        assert!(f.errors.is_empty());
    }

    #[test]
    fn parse_errors_are_located_and_parsing_goes_on() {
        let f = parse("GOOD=1\nnot a line\nBAD=a b\nAFTER=2\n");
        assert_eq!(
            f.entries.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
            ["GOOD", "AFTER"]
        );
        assert_eq!(f.errors.len(), 2);
        assert_eq!(f.errors[0].location.line, 2);
        assert_eq!(
            (f.errors[1].location.line, f.errors[1].location.column),
            (3, 7)
        );
        assert!(
            f.errors[1].message.contains("unquoted space"),
            "{}",
            f.errors[1].message
        );
    }

    #[test]
    fn masked_text_hides_values_but_keeps_columns() {
        let p = parse_env_file(
            "t.env",
            "NODE_ENV=development\nJWT_SECRET=\"abcdefgh\"\nbroken secretvalue\n",
            EnvFileKind::Env,
        );
        let masked = p.masked_text.unwrap_or_default();
        assert!(masked.contains("NODE_ENV=development"));
        assert!(masked.contains("JWT_SECRET=\"********\""));
        assert!(!masked.contains("secretvalue"));
        assert_eq!(
            masked.len(),
            "NODE_ENV=development\nJWT_SECRET=\"abcdefgh\"\nbroken secretvalue\n".len()
        );
    }

    #[test]
    fn shell_divergence_cases() {
        let div = |line: &str| {
            parse(line)
                .entries
                .first()
                .and_then(|e| e.shell_divergence.clone())
        };
        assert!(div("A= value\n").is_some_and(|m| m.contains("after `=`")));
        assert!(div("A=$(whoami)\n").is_some());
        assert!(div("A=a;b\n").is_some());
        assert!(div("A=\"x\\ny\"\n").is_some());
        assert!(div("A=plain\n").is_none());
        assert!(div("A='single $(x)'\n").is_none());
    }

    #[test]
    fn optional_marker_in_contracts() {
        let p = parse_env_file(
            "c.example",
            "# optional\nA=\nB= # optional\nC=x\n",
            EnvFileKind::Contract,
        );
        let opt: Vec<_> = p
            .file
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.optional))
            .collect();
        assert_eq!(opt, [("A", true), ("B", true), ("C", false)]);
    }

    #[test]
    fn substitution_cannot_blow_up() {
        // Found by the fuzzer: repeated self-references once expanded exponentially.
        let fuzz = "E=$E=$E=E=$E=$E$E=$E$E=$E=E=$E=$E$E$E=$E$E=$E=E=O\nf=O$E=$E=$\rE$E=$E$E=$E=E=$E=$E$E=$EE==$E=$E\n";
        assert_eq!(parse(fuzz).entries.len(), 2);
        // A doubling chain stops at the expansion limit with a finding, not an allocation.
        let mut chain = format!("A0={}\n", "x".repeat(64));
        for i in 1..40 {
            chain.push_str(&format!("A{i}=${{A{}}}${{A{}}}\n", i - 1, i - 1));
        }
        let f = parse(&chain);
        assert!(f.entries.iter().all(|e| e.value.len() <= MAX_EXPANSION));
        assert!(
            f.errors
                .iter()
                .any(|e| e.message.contains("over the 1048576-byte limit")),
            "{:?}",
            f.errors
        );
        let a3 = f
            .entries
            .iter()
            .find(|e| e.key == "A3")
            .map(|e| e.value.len());
        assert_eq!(a3, Some(64 * 8), "substitution still works below the limit");
    }

    #[test]
    fn crlf_is_detected_and_stripped() {
        let f = parse("A=1\r\nB=2\r\n");
        assert!(f.crlf);
        assert_eq!(f.entries[1].value, "2");
    }
}
