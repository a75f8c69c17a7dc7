//! The evidence collector: verification artifacts named as cutover verification scripts write them become
//! [`EvidenceFacts`].
//!
//! It finds evidence folders (any folder holding at least one recognised artifact), groups
//! their files into sets by timestamp (and method), parses row counts in the formats the
//! verification scripts and psql produce (`table|count`, `table count`, `table,count`, psql's aligned
//! table) with each row's line, pairs source and target by table, and reads diff patches. It
//! never applies the tolerance (the policy does, with the resolved setting) and never reads a
//! file outside the inventory.

use std::collections::{BTreeMap, HashMap};

use regex::Regex;

use super::{read_text, CollectContext, FileEntry};
use crate::facts::evidence::{
    ArtifactKind, CountFile, CountProblem, DiffFile, EvidenceFacts, EvidenceFile, EvidenceFolder,
    EvidenceManifest, EvidenceSet, ManifestEntry, MissingKey, RowCount, SetKind, TableCounts,
};
use crate::facts::walk::{Unwalked, UnwalkedDirectory};
use crate::facts::Location;

/// The artifact naming schemes: `(kind, pattern)`. A timestamp starts with a digit and holds
/// no dot (`20260221T101500Z`, `2026-02-21T10:15:00Z`, `20260221-101500`).
const SCHEMES: &[(ArtifactKind, &str)] = &[
    (
        ArtifactKind::SrcRowcounts,
        r"^src-rowcounts-(?P<ts>[0-9][0-9A-Za-z_:+-]*)\.txt$",
    ),
    (
        ArtifactKind::TgtRowcounts,
        r"^tgt-rowcounts-(?P<ts>[0-9][0-9A-Za-z_:+-]*)\.txt$",
    ),
    (
        ArtifactKind::RowcountDiff,
        r"^rowcount-diff-(?P<ts>[0-9][0-9A-Za-z_:+-]*)\.patch$",
    ),
    (
        ArtifactKind::TgtStateStore,
        r"^tgt-state-store-(?P<ts>[0-9][0-9A-Za-z_:+-]*)\.txt$",
    ),
    (
        ArtifactKind::SrcMethod,
        r"^src-method-(?P<method>fast|exact)-(?P<ts>[0-9][0-9A-Za-z_:+-]*)\.txt$",
    ),
    (
        ArtifactKind::TgtMethod,
        r"^tgt-method-(?P<method>fast|exact)-(?P<ts>[0-9][0-9A-Za-z_:+-]*)\.txt$",
    ),
    (
        ArtifactKind::MethodDiff,
        r"^method-diff-(?P<method>fast|exact)-(?P<ts>[0-9][0-9A-Za-z_:+-]*)\.patch$",
    ),
    (
        ArtifactKind::StateStoreGate,
        r"^state-store-gate-(?P<ts>[0-9][0-9A-Za-z_:+-]*)\.txt$",
    ),
    (
        ArtifactKind::Manifest,
        r"^manifest-(?P<ts>[0-9][0-9A-Za-z_:+-]*)\.json$",
    ),
];

/// Recognises artifact names.
pub struct ArtifactNames {
    schemes: Vec<(ArtifactKind, Regex)>,
}

/// What a file name says about an artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactName {
    pub kind: ArtifactKind,
    pub method: Option<String>,
    pub timestamp: String,
}

impl ArtifactNames {
    pub fn new() -> Self {
        // The patterns are constants; one that failed to compile would simply never match.
        let schemes = SCHEMES
            .iter()
            .filter_map(|(k, p)| Regex::new(p).ok().map(|r| (*k, r)))
            .collect();
        ArtifactNames { schemes }
    }

    pub fn parse(&self, name: &str) -> Option<ArtifactName> {
        self.schemes.iter().find_map(|(kind, re)| {
            let caps = re.captures(name)?;
            Some(ArtifactName {
                kind: *kind,
                method: caps.name("method").map(|m| m.as_str().to_string()),
                timestamp: caps.name("ts")?.as_str().to_string(),
            })
        })
    }
}

impl Default for ArtifactNames {
    fn default() -> Self {
        Self::new()
    }
}

/// Files conventionally kept in any folder (placeholders, ignore files, a README), which are
/// not misnamed evidence.
fn is_housekeeping(name: &str) -> bool {
    name.starts_with('.') || name.starts_with("README")
}

/// The evidence facts, and the git-ignored folders the evidence search could not read.
pub fn collect(ctx: &CollectContext) -> (EvidenceFacts, Vec<UnwalkedDirectory>) {
    let names = ArtifactNames::new();
    let (ignored, unwalked) = ignored_evidence(ctx, &names);
    let mut by_folder: BTreeMap<&str, Vec<&FileEntry>> = BTreeMap::new();
    for entry in ctx.inventory.files.iter().chain(&ignored) {
        let folder = entry.rel.rsplit_once('/').map_or("", |(dir, _)| dir);
        let files = by_folder.entry(folder).or_default();
        if !files.iter().any(|f| f.rel == entry.rel) {
            files.push(entry);
        }
    }
    let folders = by_folder
        .into_iter()
        .filter(|(_, files)| {
            files
                .iter()
                .any(|f| names.parse(super::walk::file_name(&f.rel)).is_some())
        })
        .map(|(folder, mut files)| {
            files.sort_by(|a, b| a.rel.cmp(&b.rel));
            collect_folder(folder, &files, &names)
        })
        .collect();
    (EvidenceFacts { folders }, unwalked)
}

/// Dependency and build-output trees, never searched for ignored evidence.
const HEAVY_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "target",
    "dist",
    "build",
    "vendor",
    ".venv",
    "venv",
    "__pycache__",
    ".next",
    "coverage",
    ".cache",
];
/// How deep to look inside one ignored directory.
const IGNORED_SEARCH_DEPTH: usize = 6;

/// Evidence folders that git ignores, with every file in them. The walk honours
/// `.gitignore`, but artifact folders are usually ignored (a database dump must never be
/// committed) while an operator checking a cutover locally has them on disk; missing them
/// would be a silent pass. Only the ignored directories git names are searched, skipping
/// dependency and build trees, and only folders holding a recognised artifact are listed. A
/// folder the search cannot read is returned too: evidence in it went unseen.
fn ignored_evidence(
    ctx: &CollectContext,
    names: &ArtifactNames,
) -> (Vec<FileEntry>, Vec<UnwalkedDirectory>) {
    // Outside git the walk does not apply ignore rules, so it already saw everything. In git,
    // the list of ignored paths was read once with the rest of the git state.
    let Some(git) = &ctx.git else {
        return (Vec::new(), Vec::new());
    };
    let mut unwalked = Vec::new();
    let unreadable = |path: &std::path::Path, err: &std::io::Error| UnwalkedDirectory {
        path: super::walk::rel_path(&ctx.root, path),
        why: Unwalked::Unreadable,
        reason: super::walk::os_reason(err),
        ignored: true,
    };
    let excludes = exclude_globs(ctx);
    let is_artifact = |rel: &str| names.parse(super::walk::file_name(rel)).is_some();
    let mut folders: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for rel in git.ignored_paths() {
        let trimmed = rel.trim_end_matches('/');
        if trimmed.split('/').any(|c| HEAVY_DIRS.contains(&c)) || excludes.is_match(trimmed) {
            continue;
        }
        if !rel.ends_with('/') {
            if is_artifact(rel) {
                folders.insert(parent_of(rel).to_string());
            }
            continue;
        }
        let walker = walkdir::WalkDir::new(ctx.root.join(trimmed))
            .follow_links(false)
            .max_depth(IGNORED_SEARCH_DEPTH)
            .into_iter()
            .filter_entry(|e| {
                !(e.file_type().is_dir()
                    && HEAVY_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
            });
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    if let (Some(path), Some(io)) = (err.path(), err.io_error()) {
                        unwalked.push(unreadable(path, io));
                    }
                    continue;
                }
            };
            if entry.file_type().is_file()
                && names.parse(&entry.file_name().to_string_lossy()).is_some()
            {
                if let Ok(rel) = entry.path().strip_prefix(&ctx.root) {
                    let rel = rel.to_string_lossy().replace('\\', "/");
                    folders.insert(parent_of(&rel).to_string());
                }
            }
        }
    }
    let mut entries = Vec::new();
    for folder in folders {
        let read = match std::fs::read_dir(ctx.root.join(&folder)) {
            Ok(read) => read,
            Err(err) => {
                unwalked.push(unreadable(&ctx.root.join(&folder), &err));
                continue;
            }
        };
        for item in read.flatten() {
            // Symlinks are not followed, as in the walk.
            let Ok(meta) = item.path().symlink_metadata() else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            let name = item.file_name().to_string_lossy().into_owned();
            let rel = if folder.is_empty() {
                name
            } else {
                format!("{folder}/{name}")
            };
            if excludes.is_match(&rel) {
                continue;
            }
            // The executable bit means nothing for evidence.
            entries.push(FileEntry {
                rel,
                abs: item.path(),
                size: meta.len(),
                executable: false,
            });
        }
    }
    (entries, unwalked)
}

use crate::source::path::parent as parent_of;

/// The config's `exclude` globs, which ignored evidence honours like the walk does.
fn exclude_globs<'a>(ctx: &'a CollectContext) -> &'a globset::GlobSet {
    ctx.config.config.exclude.set()
}

/// Key of a set: kind, method, timestamp.
type SetKey = (SetKind, Option<String>, String);

fn collect_folder(folder: &str, entries: &[&FileEntry], names: &ArtifactNames) -> EvidenceFolder {
    let mut files = Vec::new();
    let mut manifests = Vec::new();
    let mut members: BTreeMap<SetKey, Vec<(ArtifactKind, &FileEntry)>> = BTreeMap::new();
    for entry in entries {
        let name = super::walk::file_name(&entry.rel).to_string();
        if is_housekeeping(&name) {
            continue;
        }
        let parsed = names.parse(&name);
        match &parsed {
            Some(p) if p.kind == ArtifactKind::Manifest => {
                manifests.push(read_manifest(entry, &p.timestamp, entries))
            }
            Some(p) => members.entry(set_key(p)).or_default().push((p.kind, entry)),
            None => {}
        }
        files.push(EvidenceFile {
            path: entry.rel.clone(),
            name,
            kind: parsed.as_ref().map(|p| p.kind),
            method: parsed.as_ref().and_then(|p| p.method.clone()),
            timestamp: parsed.map(|p| p.timestamp),
            location: Location::file_start(entry.rel.clone()),
        });
    }
    // A state-store gate file carries no method in its name: it joins the method-gate run of
    // the same timestamp (whichever method that was), and stands alone only without one.
    let gate_keys: Vec<SetKey> = members
        .keys()
        .filter(|(k, m, _)| *k == SetKind::Method && m.is_none())
        .cloned()
        .collect();
    for gate_key in gate_keys {
        let runs: Vec<SetKey> = members
            .keys()
            .filter(|(k, m, ts)| *k == SetKind::Method && m.is_some() && *ts == gate_key.2)
            .cloned()
            .collect();
        if runs.is_empty() {
            continue;
        }
        let gate_files = members.remove(&gate_key).unwrap_or_default();
        for run in runs {
            if let Some(run_members) = members.get_mut(&run) {
                run_members.extend(gate_files.iter().copied());
            }
        }
    }
    let mut sets: Vec<EvidenceSet> = members
        .into_iter()
        .map(|(key, m)| build_set(key, &m))
        .collect();
    // The newest timestamp of each kind and method is the set a gate would trust.
    let mut newest: HashMap<(SetKind, Option<String>), String> = HashMap::new();
    for set in &sets {
        let slot = newest.entry((set.kind, set.method.clone())).or_default();
        if set.timestamp > *slot {
            slot.clone_from(&set.timestamp);
        }
    }
    for set in &mut sets {
        set.latest = newest.get(&(set.kind, set.method.clone())) == Some(&set.timestamp);
    }
    manifests.sort_by(|a: &EvidenceManifest, b| a.timestamp.cmp(&b.timestamp));
    EvidenceFolder {
        path: folder.to_string(),
        files,
        sets,
        manifests,
    }
}

/// The manifest's JSON as `check --probe --evidence` writes it.
#[derive(serde::Deserialize)]
struct ManifestFile {
    launchgate_version: Option<String>,
    method: Option<String>,
    tolerance: Option<String>,
    created_at: Option<String>,
    #[serde(default)]
    probe_complete: bool,
    files: BTreeMap<String, String>,
}

/// Read a manifest and hash every file it lists, as found in the same folder now.
fn read_manifest(entry: &FileEntry, timestamp: &str, folder: &[&FileEntry]) -> EvidenceManifest {
    let mut manifest = EvidenceManifest {
        path: entry.rel.clone(),
        location: Location::file_start(entry.rel.clone()),
        timestamp: timestamp.to_string(),
        version: None,
        method: None,
        tolerance: None,
        created_at: None,
        probe_complete: false,
        files: Vec::new(),
        problem: None,
    };
    let parsed = read_text(&entry.abs)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str::<ManifestFile>(&text).map_err(|e| e.to_string()));
    let file = match parsed {
        Ok(f) => f,
        Err(problem) => {
            manifest.problem = Some(problem);
            return manifest;
        }
    };
    let dir = parent_of(&entry.rel);
    for (name, sha256) in file.files {
        let rel = if dir.is_empty() {
            name.clone()
        } else {
            format!("{dir}/{name}")
        };
        // Only a file of this folder (a name with a slash or `..` is no member of it).
        let actual = folder
            .iter()
            .find(|f| f.rel == rel && !name.contains('/'))
            .and_then(|f| read_text(&f.abs).ok())
            .map(|text| sha256_hex(text.as_bytes()));
        manifest.files.push(ManifestEntry {
            name,
            sha256,
            actual,
        });
    }
    manifest.version = file.launchgate_version;
    manifest.method = file.method;
    manifest.tolerance = file.tolerance;
    manifest.created_at = file.created_at;
    manifest.probe_complete = file.probe_complete;
    manifest
}

/// Lowercase hex sha256 (the form `sha256sum` prints).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A timestamp's date and time as `YYYYMMDDHHMMSS`, and as milliseconds since the epoch:
/// `20260221T101500Z`, `2026-02-21T10:15:00Z` and `20260221-101500` all hold one.
pub fn timestamp_time(timestamp: &str) -> Option<(String, i64)> {
    let digits: String = timestamp
        .chars()
        .filter(char::is_ascii_digit)
        .take(14)
        .collect();
    if digits.len() < 14 {
        return None;
    }
    let field = |from: usize, to: usize| digits.get(from..to)?.parse::<i64>().ok();
    let (y, mo, d) = (field(0, 4)?, field(4, 6)?, field(6, 8)?);
    let (h, mi, se) = (field(8, 10)?, field(10, 12)?, field(12, 14)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm), proleptic Gregorian.
    let y_adj = if mo <= 2 { y - 1 } else { y };
    let era = y_adj.div_euclid(400);
    let yoe = y_adj - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((digits, ((days * 24 + h) * 60 + mi) * 60_000 + se * 1000))
}

fn set_key(name: &ArtifactName) -> SetKey {
    match name.kind {
        ArtifactKind::SrcRowcounts
        | ArtifactKind::TgtRowcounts
        | ArtifactKind::RowcountDiff
        | ArtifactKind::TgtStateStore => (SetKind::Rowcounts, None, name.timestamp.clone()),
        // The state-store gate has no method in its name; it belongs with the method gate
        // run of the same timestamp (`04-method-verify.sh` writes both).
        ArtifactKind::StateStoreGate => (SetKind::Method, None, name.timestamp.clone()),
        _ => (SetKind::Method, name.method.clone(), name.timestamp.clone()),
    }
}

fn build_set(key: SetKey, members: &[(ArtifactKind, &FileEntry)]) -> EvidenceSet {
    let (kind, method, timestamp) = key;
    let find = |wanted: &[ArtifactKind]| {
        members
            .iter()
            .find(|(k, _)| wanted.contains(k))
            .map(|(_, e)| *e)
    };
    let source = find(&[ArtifactKind::SrcRowcounts, ArtifactKind::SrcMethod]).map(read_count_file);
    let target = find(&[ArtifactKind::TgtRowcounts, ArtifactKind::TgtMethod]).map(read_count_file);
    let diff = find(&[ArtifactKind::RowcountDiff, ArtifactKind::MethodDiff]).map(read_diff_file);
    let state_store_entry = find(&[ArtifactKind::TgtStateStore, ArtifactKind::StateStoreGate]);
    let state_store = state_store_entry.map(|e| e.rel.clone());
    let state_store_missing = state_store_entry.map(read_missing_keys).unwrap_or_default();
    let time = timestamp_time(&timestamp);
    let mut missing = Vec::new();
    for (role, present) in [
        ("source", source.is_some()),
        ("target", target.is_some()),
        ("diff", diff.is_some()),
    ] {
        if !present {
            missing.push(role.to_string());
        }
    }
    let tables = match (&source, &target) {
        (Some(s), Some(t)) if s.unreadable.is_none() && t.unreadable.is_none() => pair_tables(s, t),
        _ => Vec::new(),
    };
    let first_path = members
        .iter()
        .map(|(_, e)| e.rel.as_str())
        .min()
        .unwrap_or_default();
    let name = match &method {
        Some(m) => format!("method-{m} {timestamp}"),
        None if kind == SetKind::Method => format!("state-store-gate {timestamp}"),
        None => format!("rowcounts {timestamp}"),
    };
    EvidenceSet {
        kind,
        method,
        timestamp,
        name,
        latest: false,
        location: Location::file_start(first_path),
        source,
        target,
        diff,
        state_store,
        state_store_missing,
        sortable_time: time.as_ref().map(|(t, _)| t.clone()),
        epoch_ms: time.map(|(_, ms)| ms),
        missing,
        tables,
    }
}

/// The `MISSING <key>` lines of a state-store file (`04-method-verify.sh` writes `OK key` /
/// `MISSING key`), each at its line. An unreadable file is the set's other findings' concern.
fn read_missing_keys(entry: &FileEntry) -> Vec<MissingKey> {
    let Ok(text) = read_text(&entry.abs) else {
        return Vec::new();
    };
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let rest = line.trim().strip_prefix("MISSING")?;
            let key = rest.trim_start_matches([':', ' ', '\t']).trim();
            Some(MissingKey {
                key: key.to_string(),
                location: Location::on_line(
                    entry.rel.clone(),
                    u32::try_from(i + 1).unwrap_or(u32::MAX),
                    1,
                    u32::try_from(line.chars().count() + 1).unwrap_or(u32::MAX),
                ),
            })
        })
        .collect()
}

/// Source and target counts by table: target order first (a mismatch lands on the target's
/// line), then tables only the source lists.
fn pair_tables(source: &CountFile, target: &CountFile) -> Vec<TableCounts> {
    let source_rows: HashMap<&str, &RowCount> =
        source.rows.iter().map(|r| (r.table.as_str(), r)).collect();
    let target_tables: std::collections::HashSet<&str> =
        target.rows.iter().map(|r| r.table.as_str()).collect();
    let mut tables: Vec<TableCounts> = target
        .rows
        .iter()
        .map(|t| {
            let s = source_rows.get(t.table.as_str());
            TableCounts {
                table: t.table.clone(),
                source: s.map(|r| r.count),
                target: Some(t.count),
                source_location: s.map(|r| r.location.clone()),
                target_location: Some(t.location.clone()),
                location: t.location.clone(),
            }
        })
        .collect();
    tables.extend(
        source
            .rows
            .iter()
            .filter(|s| !target_tables.contains(s.table.as_str()))
            .map(|s| TableCounts {
                table: s.table.clone(),
                source: Some(s.count),
                target: None,
                source_location: Some(s.location.clone()),
                target_location: None,
                location: s.location.clone(),
            }),
    );
    tables
}

fn read_count_file(entry: &FileEntry) -> CountFile {
    match read_text(&entry.abs) {
        Ok(text) => parse_counts(&entry.rel, &text),
        Err(problem) => CountFile {
            path: entry.rel.clone(),
            location: Location::file_start(entry.rel.clone()),
            format: "empty".into(),
            rows: Vec::new(),
            problems: Vec::new(),
            unreadable: Some(problem.to_string()),
        },
    }
}

/// One data line split into a table name (with its byte offset in the line) and a count
/// field, and the format it was written in.
fn split_count_line(line: &str) -> Option<(&str, usize, &str, &'static str)> {
    let (fields, format): (Vec<(usize, &str)>, &'static str) = if line.contains('|') {
        (split_with_offsets(line, '|'), "pipe")
    } else if line.contains(',') {
        (split_with_offsets(line, ','), "comma")
    } else if line.contains('\t') {
        (split_with_offsets(line, '\t'), "space")
    } else {
        let words = line
            .split_whitespace()
            .map(|w| (w.as_ptr() as usize - line.as_ptr() as usize, w))
            .collect();
        (words, "space")
    };
    let fields: Vec<(usize, &str)> = fields
        .into_iter()
        .map(|(i, f)| {
            let lead = f.len() - f.trim_start().len();
            (i + lead, f.trim())
        })
        .filter(|(_, f)| !f.is_empty())
        .collect();
    match fields.as_slice() {
        [(offset, table), (_, count)] => Some((table, *offset, count, format)),
        _ => None,
    }
}

fn split_with_offsets(line: &str, sep: char) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in line.char_indices() {
        if c == sep {
            out.push((start, &line[start..i]));
            start = i + c.len_utf8();
        }
    }
    out.push((start, &line[start..]));
    out
}

fn is_table_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '"' | '$' | '-'))
}

/// Parse a row-count snapshot. Headers (before the first row), psql separators and
/// `(N rows)` footers are skipped; any other line that is not `table count` is a problem.
pub fn parse_counts(rel: &str, text: &str) -> CountFile {
    let mut file = CountFile {
        path: rel.to_string(),
        location: Location::file_start(rel),
        format: "empty".into(),
        rows: Vec::new(),
        problems: Vec::new(),
        unreadable: None,
    };
    let mut aligned = false;
    for (index, raw) in text.split('\n').enumerate() {
        let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let line = raw.trim_end_matches('\r');
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed
            .chars()
            .all(|c| matches!(c, '-' | '+' | '=' | '|' | ' '))
        {
            aligned = true;
            continue;
        }
        if trimmed.starts_with('#') || trimmed.starts_with("--") {
            continue;
        }
        if trimmed.starts_with('(') && trimmed.ends_with(')') && trimmed.contains("row") {
            continue;
        }
        let split = split_count_line(line);
        let parsed = split.and_then(|(table, offset, count, format)| {
            let count: i64 = count.replace('_', "").parse().ok().filter(|c| *c >= 0)?;
            is_table_name(table).then_some((table, offset, count, format))
        });
        let Some((table, offset, count, format)) = parsed else {
            if file.rows.is_empty() && file.problems.is_empty() {
                // A header line such as `table_name | row_count`.
                continue;
            }
            file.problems.push(CountProblem {
                location: trimmed_line_location(rel, line_no, line),
                message: "this line is not a `table count` row".into(),
            });
            continue;
        };
        let column = line[..offset].chars().count() + 1;
        let location = Location::on_line(
            rel,
            line_no,
            u32::try_from(column).unwrap_or(1),
            u32::try_from(column + table.chars().count()).unwrap_or(1),
        );
        let table = table.trim_matches('"').to_string();
        if file.rows.iter().any(|r| r.table == table) {
            file.problems.push(CountProblem {
                location,
                message: format!("table `{table}` is listed more than once"),
            });
            continue;
        }
        if file.rows.is_empty() {
            file.format = if aligned { "psql-aligned" } else { format }.into();
        }
        file.rows.push(RowCount {
            table,
            count,
            location,
        });
    }
    file
}

fn trimmed_line_location(rel: &str, line_no: u32, line: &str) -> Location {
    let leading = line.chars().take_while(|c| c.is_whitespace()).count();
    let width = line.trim_end().chars().count();
    Location::on_line(
        rel,
        line_no,
        u32::try_from(leading + 1).unwrap_or(1),
        u32::try_from(width + 1).unwrap_or(1),
    )
}

fn read_diff_file(entry: &FileEntry) -> DiffFile {
    match read_text(&entry.abs) {
        Ok(text) => parse_diff(&entry.rel, &text),
        Err(problem) => DiffFile {
            path: entry.rel.clone(),
            location: Location::file_start(entry.rel.clone()),
            empty: false,
            added: 0,
            removed: 0,
            changed_tables: Vec::new(),
            unreadable: Some(problem.to_string()),
        },
    }
}

/// Read a unified (`diff -u`) or normal (`<` / `>`) diff of two snapshots.
pub fn parse_diff(rel: &str, text: &str) -> DiffFile {
    let mut diff = DiffFile {
        path: rel.to_string(),
        location: Location::file_start(rel),
        empty: true,
        added: 0,
        removed: 0,
        changed_tables: Vec::new(),
        unreadable: None,
    };
    for raw in text.split('\n') {
        let line = raw.trim_end_matches('\r');
        if line.starts_with("+++") || line.starts_with("---") {
            continue;
        }
        let body = if let Some(b) = line.strip_prefix('+').or_else(|| line.strip_prefix("> ")) {
            diff.added += 1;
            b
        } else if let Some(b) = line.strip_prefix('-').or_else(|| line.strip_prefix("< ")) {
            diff.removed += 1;
            b
        } else {
            continue;
        };
        if let Some((table, _, _, _)) = split_count_line(body) {
            let table = table.trim_matches('"').to_string();
            if is_table_name(&table) && !diff.changed_tables.contains(&table) {
                diff.changed_tables.push(table);
            }
        }
    }
    diff.empty = diff.added == 0 && diff.removed == 0;
    diff
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(text: &str) -> Vec<(String, i64, u32, u32)> {
        parse_counts("t.txt", text)
            .rows
            .into_iter()
            .map(|r| (r.table, r.count, r.location.line, r.location.column))
            .collect()
    }

    #[test]
    fn names_in_every_scheme_and_not_others() {
        let names = ArtifactNames::new();
        let p = names
            .parse("src-method-exact-20260221T101500Z.txt")
            .expect("scheme");
        assert_eq!(
            (p.kind, p.method.as_deref(), p.timestamp.as_str()),
            (ArtifactKind::SrcMethod, Some("exact"), "20260221T101500Z")
        );
        assert_eq!(
            names
                .parse("rowcount-diff-20260221-101500.patch")
                .map(|p| p.kind),
            Some(ArtifactKind::RowcountDiff)
        );
        assert_eq!(
            names
                .parse("state-store-gate-20260221T1015Z.txt")
                .map(|p| p.kind),
            Some(ArtifactKind::StateStoreGate)
        );
        for bad in [
            "src-rowcounts-latest.txt",
            "src-rowcounts-20260221.csv",
            "src-method-slow-20260221.txt",
            "notes.txt",
        ] {
            assert_eq!(names.parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_count_format_with_line_and_column() {
        assert_eq!(
            counts("users|10\npublic.orders|7\n"),
            vec![
                ("users".into(), 10, 1, 1),
                ("public.orders".into(), 7, 2, 1)
            ]
        );
        assert_eq!(
            counts("users 10\r\n  orders   7"),
            vec![("users".into(), 10, 1, 1), ("orders".into(), 7, 2, 3)]
        );
        assert_eq!(
            counts("table,count\nusers,10\n"),
            vec![("users".into(), 10, 2, 1)]
        );
        let aligned = "  table_name  | row_count \n--------------+-----------\n users        |        10\n orders       |         7\n(2 rows)\n";
        assert_eq!(
            counts(aligned),
            vec![("users".into(), 10, 3, 2), ("orders".into(), 7, 4, 2)]
        );
        assert_eq!(parse_counts("t", aligned).format, "psql-aligned");
    }

    #[test]
    fn bad_lines_after_data_are_problems_and_duplicates_are_flagged() {
        let f = parse_counts("t.txt", "users|10\nERROR: relation missing\nusers|11\n");
        assert_eq!(f.rows.len(), 1);
        let lines: Vec<u32> = f.problems.iter().map(|p| p.location.line).collect();
        assert_eq!(lines, vec![2, 3]);
    }

    #[test]
    fn diffs_in_unified_and_normal_form() {
        let unified = "--- a\n+++ b\n@@ -1,2 +1,2 @@\n users|10\n-orders|7\n+orders|6\n";
        let d = parse_diff("d.patch", unified);
        assert_eq!(
            (d.empty, d.added, d.removed, d.changed_tables.clone()),
            (false, 1, 1, vec!["orders".to_string()])
        );
        let normal = "2c2\n< orders|7\n---\n> orders|6\n";
        assert_eq!(
            parse_diff("d.patch", normal).changed_tables,
            vec!["orders".to_string()]
        );
        assert!(parse_diff("d.patch", "").empty);
    }
}
