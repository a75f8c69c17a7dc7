//! A history folder's files: listed from the walk and, for what git ignores, from disk
//! (bounded, never following symlinks); read and hashed the way each tool hashes them, with
//! their git state. Never judges what it finds.

use std::collections::BTreeMap;
use std::path::Path;

use globset::GlobSet;
use sha2::{Digest, Sha256, Sha384};

use super::paths::{child, extension, file_stem, is_under, join_rel, regex};
use super::tools::{Hash, Id, Tool};
use crate::collect::walk::file_name;
use crate::collect::{read_text, CollectContext, GitRepo};
use crate::facts::migrations::MigrationFile;
use crate::facts::{GitState, Location};

/// Bounds on listing a history folder on disk.
const DISK_LIST_MAX_DEPTH: usize = 3;
const DISK_LIST_MAX_FILES: usize = 10_000;

/// A file of a history folder: from the walk, or listed on disk because the walk skipped it.
pub(super) struct HistoryFile {
    pub rel: String,
    pub abs: std::path::PathBuf,
    pub ignored_on_disk: bool,
}

/// Every file under `dir`: the walk's, plus those on disk the walk skipped (git-ignored).
pub(super) fn files_in(
    ctx: &CollectContext,
    excludes: &GlobSet,
    owned: &[&str],
    dir: &str,
) -> Vec<HistoryFile> {
    let mut files: BTreeMap<String, HistoryFile> = BTreeMap::new();
    for rel in owned.iter().filter(|rel| is_under(rel, dir)) {
        if let Some(entry) = ctx.inventory.get(rel) {
            files.insert(
                rel.to_string(),
                HistoryFile {
                    rel: rel.to_string(),
                    abs: entry.abs.clone(),
                    ignored_on_disk: false,
                },
            );
        }
    }
    let mut on_disk = Vec::new();
    match &ctx.git {
        // The walk skipped only what git ignores: ask git's list instead of listing the folder.
        Some(git) if ctx.inventory.git_lists_ignored => {
            skipped_by_git(ctx, git, dir, &mut on_disk);
        }
        _ => list_on_disk(&ctx.root.join(dir), dir, 0, &mut on_disk),
    }
    for (rel, abs) in on_disk {
        if files.contains_key(&rel) || excludes.is_match(&rel) {
            continue;
        }
        files.insert(
            rel.clone(),
            HistoryFile {
                rel,
                abs,
                ignored_on_disk: true,
            },
        );
    }
    files.into_values().collect()
}

/// Files under `dir` that git ignores (so the walk skipped them): ignored files listed by
/// git, plus the contents of ignored folders inside `dir` (or of `dir` itself when a folder
/// above it is ignored), listed on disk.
pub(super) fn skipped_by_git(
    ctx: &CollectContext,
    git: &GitRepo,
    dir: &str,
    out: &mut Vec<(String, std::path::PathBuf)>,
) {
    for rel in git.ignored_paths() {
        match rel.strip_suffix('/') {
            Some(ignored_dir) if is_under(ignored_dir, dir) => {
                let depth = ignored_dir.matches('/').count() - dir.matches('/').count();
                list_on_disk(&ctx.root.join(ignored_dir), ignored_dir, depth, out);
            }
            Some(ignored_dir) if dir == ignored_dir || is_under(dir, ignored_dir) => {
                list_on_disk(&ctx.root.join(dir), dir, 0, out);
                return;
            }
            Some(_) => {}
            None if is_under(rel, dir) => {
                let abs = ctx.root.join(rel);
                // Symlinks are not followed, as in the walk.
                if abs.symlink_metadata().is_ok_and(|m| m.is_file()) {
                    out.push((rel.to_string(), abs));
                }
            }
            None => {}
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
}

/// List regular files under `abs` (not following symlinks), bounded in depth and count.
pub(super) fn list_on_disk(
    abs: &Path,
    rel: &str,
    depth: usize,
    out: &mut Vec<(String, std::path::PathBuf)>,
) {
    if depth > DISK_LIST_MAX_DEPTH || out.len() >= DISK_LIST_MAX_FILES || rel == "." {
        return;
    }
    let Ok(entries) = std::fs::read_dir(abs) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == ".git" || name == "node_modules" {
            continue;
        }
        let child_rel = child(rel, &name);
        if kind.is_file() {
            if out.len() >= DISK_LIST_MAX_FILES {
                return;
            }
            out.push((child_rel, entry.path()));
        } else if kind.is_dir() {
            list_on_disk(&entry.path(), &child_rel, depth + 1, out);
        }
    }
}

pub(super) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// sha256 as hex.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// The checksum prisma records for a `migration.sql` (sha256 of the text as written) and
/// the variants it also accepts when comparing: the script with CRLF turned into LF, and
/// with every LF turned into CRLF (prisma's own rewrite, applied even to existing CRLF).
pub fn prisma_checksums(text: &str) -> (String, Vec<String>) {
    let hash = sha256_hex(text);
    let mut variants = Vec::new();
    for variant in [text.replace("\r\n", "\n"), text.replace('\n', "\r\n")] {
        let digest = sha256_hex(&variant);
        if digest != hash && !variants.contains(&digest) {
            variants.push(digest);
        }
    }
    (hash, variants)
}

/// Read and hash one migration file the way `tool` does.
pub(super) fn migration_file(
    ctx: &CollectContext,
    tool: &Tool,
    id: String,
    file: &HistoryFile,
    created_at: Option<i64>,
) -> MigrationFile {
    let mut fact = MigrationFile {
        tool: tool.name.to_string(),
        id,
        path: file.rel.clone(),
        hash: None,
        hash_algorithm: match tool.hash {
            Hash::Sha384 => "sha384",
            Hash::FlywayCrc32 => "crc32",
            Hash::Sha1 => "sha1",
            _ => "sha256",
        }
        .into(),
        hash_variants: Vec::new(),
        created_at,
        git: if file.ignored_on_disk && ctx.git.is_some() {
            git_state_of_skipped(ctx, &file.rel)
        } else {
            ctx.git_state(&file.rel)
        },
        problem: None,
        location: Location::file_start(&file.rel),
    };
    match read_text(&file.abs) {
        Ok(text) => match tool.hash {
            Hash::PrismaChecksum => {
                let (hash, variants) = prisma_checksums(&text);
                fact.hash = Some(hash);
                fact.hash_variants = variants;
            }
            Hash::Sha384 => fact.hash = Some(hex(&Sha384::digest(text.as_bytes()))),
            Hash::AlembicRevision => {
                fact.hash = Some(sha256_hex(&text));
                if let Some(revision) = alembic_revision(&text) {
                    fact.id = revision;
                }
            }
            Hash::Sha256 => fact.hash = Some(sha256_hex(&text)),
            Hash::FlywayCrc32 => fact.hash = Some(flyway_checksum(&text).to_string()),
            Hash::Sha1 => fact.hash = Some(sha1_hex(&text)),
        },
        Err(problem) => fact.problem = Some(problem.to_string()),
    }
    fact
}

/// A file the walk skipped is ignored by git unless git says it is tracked (a tracked file
/// matching an ignore rule is still walked by git, but not by the `ignore` crate).
pub(super) fn git_state_of_skipped(ctx: &CollectContext, rel: &str) -> GitState {
    match ctx.git_state(rel) {
        GitState::Tracked => GitState::Tracked,
        _ => GitState::Ignored,
    }
}

/// `revision = "ae1027a6acf"` in an alembic version file.
/// The `revision = "..."` id of an alembic migration script.
pub fn alembic_revision(text: &str) -> Option<String> {
    let re = regex(r#"(?m)^revision(?:\s*:\s*str)?\s*=\s*["']([^"']+)["']"#)?;
    re.captures(text)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_string())
}

/// The first of `tool`'s conventional folders (relative to the service) that holds its files.
pub(super) fn convention_dir_with_files(
    service_dir: &str,
    owned: &[&str],
    tool: &Tool,
) -> Option<String> {
    tool.conventional_dirs
        .iter()
        .filter_map(|c| join_rel(service_dir, c))
        .find(|dir| {
            owned
                .iter()
                .any(|rel| is_under(rel, dir) && is_tool_file(tool, rel))
        })
}

/// A file `tool` reads as a migration: its extensions and, when it has one, its name pattern.
pub(super) fn is_tool_file(tool: &Tool, rel: &str) -> bool {
    let name = file_name(rel);
    tool.extensions.contains(&extension(name))
        && name != "__init__.py"
        && !name.ends_with(".d.ts")
        && tool
            .file_pattern
            .is_none_or(|p| regex(p).is_some_and(|re| re.is_match(name)))
}

/// The id `tool` records for a migration file named `name` (a folder name for folder
/// layouts is passed as is).
pub(super) fn migration_id(tool: &Tool, name: &str) -> String {
    let stem = file_stem(name);
    match tool.id {
        Id::Stem => stem.to_string(),
        Id::Version => {
            let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
            let trimmed = digits.trim_start_matches('0');
            match (digits.is_empty(), trimmed.is_empty()) {
                (true, _) => stem.to_string(),
                (false, true) => "0".to_string(),
                (false, false) => trimmed.to_string(),
            }
        }
        Id::Flyway => match stem.split_once("__") {
            // `V1_2__add.sql` → `1.2` (Flyway reads `_` in a version as `.`).
            Some((version, _)) if version.len() > 1 => version[1..].replace('_', "."),
            // A repeatable migration has no version: Flyway records its script name.
            _ => name.to_string(),
        },
    }
}

/// Flyway's checksum: CRC32 over each line's UTF-8 bytes without its line break (lines as
/// Java's `readLine` splits them: `\n`, `\r` or `\r\n`), a leading BOM removed, as a signed
/// 32-bit number.
pub fn flyway_checksum(text: &str) -> i32 {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut crc = crc32fast::Hasher::new();
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest.find(['\r', '\n']).unwrap_or(rest.len());
        crc.update(&rest.as_bytes()[..end]);
        let after = &rest[end..];
        rest = after
            .strip_prefix("\r\n")
            .or_else(|| after.strip_prefix('\r'))
            .or_else(|| after.strip_prefix('\n'))
            .unwrap_or(after);
    }
    // The CRC's bits, read as Java's `(int)` cast reads them.
    crc.finalize() as i32
}

/// SHA-1 as hex (sqitch's `script_hash`).
pub fn sha1_hex(text: &str) -> String {
    hex(&sha1::Sha1::digest(text.as_bytes()))
}

pub(super) fn migrations_component_dir(rel: &str) -> Option<String> {
    let parts: Vec<&str> = rel.split('/').collect();
    let last_dir = parts.len().checked_sub(1)?;
    let i = parts[..last_dir]
        .iter()
        .position(|p| matches!(*p, "migrations" | "migration" | "migrate"))?;
    Some(parts[..=i].join("/"))
}

pub(super) fn worst_git_state(states: impl Iterator<Item = GitState>) -> Option<GitState> {
    let rank = |s: GitState| match s {
        GitState::Tracked => 0,
        GitState::NotInRepository => 1,
        GitState::Untracked => 2,
        GitState::Ignored => 3,
    };
    states.max_by_key(|s| rank(*s))
}
