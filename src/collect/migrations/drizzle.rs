//! Drizzle histories: the journal (`meta/_journal.json`) parsed with each entry located at
//! its own `"tag"`, orphan SQL files, and drizzle-kit 1.x's folder-per-migration layout.

use std::collections::{BTreeMap, BTreeSet};

use super::files::{git_state_of_skipped, migration_file, HistoryFile};
use super::paths::{extension, file_stem, parent_dir};
use super::tools;
use crate::collect::walk::file_name;
use crate::collect::{read_text, CollectContext};
use crate::facts::migrations::{
    DrizzleJournal, JournalEntry, JournalError, MigrationHistory, OrphanFile,
};
use crate::facts::{LineIndex, Location};
use crate::source::json_spans;

pub(super) fn drizzle_history(
    ctx: &CollectContext,
    dir: &str,
    all: &[HistoryFile],
    history: &mut MigrationHistory,
) {
    let drizzle = tools::by_name("drizzle");
    let journal_path = format!("{dir}/meta/_journal.json");
    let sql: Vec<&HistoryFile> = all
        .iter()
        .filter(|f| extension(&f.rel) == "sql" && parent_dir(&f.rel) == dir)
        .collect();
    let by_path: BTreeMap<&str, &HistoryFile> = sql.iter().map(|f| (f.rel.as_str(), *f)).collect();
    let journal_file = all.iter().find(|f| f.rel == journal_path);
    if journal_file.is_none() && sql.is_empty() {
        // drizzle-kit 1.x keeps one folder per migration (`<ts>_<name>/migration.sql` beside
        // its `snapshot.json`) and no journal: the folder name is the migration's id.
        let prefix = format!("{dir}/");
        for f in all {
            let Some(rest) = f.rel.strip_prefix(&prefix) else {
                continue;
            };
            if let Some((folder, "migration.sql")) = rest.split_once('/') {
                history
                    .files
                    .push(migration_file(ctx, drizzle, folder.to_string(), f, None));
            }
        }
        if !history.files.is_empty() {
            return;
        }
    }
    let mut journal = DrizzleJournal {
        path: journal_path.clone(),
        present: journal_file.is_some(),
        git: journal_file.map(|f| {
            if f.ignored_on_disk && ctx.git.is_some() {
                git_state_of_skipped(ctx, &f.rel)
            } else {
                ctx.git_state(&f.rel)
            }
        }),
        error: None,
        dialect: None,
        entries: Vec::new(),
        orphans: Vec::new(),
        location: Location::file_start(&journal_path),
    };
    let mut named: BTreeSet<String> = BTreeSet::new();
    let mut parsed = false;
    if let Some(file) = journal_file {
        match read_text(&file.abs) {
            Ok(text) => {
                parsed = parse_journal(&text, dir, &|p| by_path.contains_key(p), &mut journal);
            }
            Err(problem) => {
                journal.error = Some(JournalError {
                    message: problem.to_string(),
                    location: journal.location.clone(),
                });
            }
        }
    } else if let Some(first) = sql.first() {
        journal.location = Location::file_start(&first.rel);
    }

    // Files in the order drizzle applies them: journal order, then the rest by name.
    for entry in &mut journal.entries {
        let (Some(tag), Some(path)) = (&entry.tag, &entry.file) else {
            continue;
        };
        if !named.insert(path.clone()) {
            continue;
        }
        if let Some(f) = by_path.get(path.as_str()) {
            let file = migration_file(ctx, drizzle, tag.clone(), f, entry.when);
            if file.problem.is_some() && !f.abs.exists() {
                // Removed since the walk listed it: the entry has no SQL file now, which is
                // what drizzle's migrate would find (`journal-mismatch`).
                entry.file = None;
                continue;
            }
            history.files.push(file);
        }
    }
    for f in &sql {
        if named.contains(&f.rel) {
            continue;
        }
        if parsed {
            journal.orphans.push(OrphanFile {
                path: f.rel.clone(),
                location: Location::file_start(&f.rel),
            });
        }
        history.files.push(migration_file(
            ctx,
            drizzle,
            file_stem(file_name(&f.rel)).to_string(),
            f,
            None,
        ));
    }
    history.journal = Some(journal);
}

/// Parse the text of the drizzle journal of history folder `dir` (`<dir>/meta/_journal.json`)
/// on its own, the folder holding the SQL files `sql_files` (repository-relative paths): the
/// journal facts the collector records, without git state or orphans.
pub fn parse_drizzle_journal(dir: &str, text: &str, sql_files: &[&str]) -> DrizzleJournal {
    let path = format!("{dir}/meta/_journal.json");
    let mut journal = DrizzleJournal {
        path: path.clone(),
        present: true,
        git: None,
        error: None,
        dialect: None,
        entries: Vec::new(),
        orphans: Vec::new(),
        location: Location::file_start(&path),
    };
    parse_journal(text, dir, &|p| sql_files.contains(&p), &mut journal);
    journal
}

/// Parse a drizzle journal into `journal`; true when its entries could be read. `has_file`
/// says whether a repository path is one of the folder's SQL files.
pub(super) fn parse_journal(
    text: &str,
    dir: &str,
    has_file: &dyn Fn(&str) -> bool,
    journal: &mut DrizzleJournal,
) -> bool {
    let path = journal.path.clone();
    let lines = LineIndex::new(text);
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            journal.error = Some(JournalError {
                message: format!("malformed JSON: {}", json_error_reason(&e)),
                location: json_error_location(&path, text, &lines, &e),
            });
            return false;
        }
    };
    journal.dialect = value
        .get("dialect")
        .and_then(|d| d.as_str())
        .map(str::to_string);
    // Positions of the top-level members and of each entry's own members: a `tag` nested
    // inside an entry, or one outside `entries`, must not move an entry's location.
    let top = json_spans::object_members(text, 0);
    let entries_member = json_spans::last_member(&top, "entries");
    let entries_location = entries_member.map_or_else(
        || Location::file_start(&path),
        |m| {
            // The key and as much of its value as is on the key's line.
            let line_end = text[m.start..]
                .find('\n')
                .map_or(text.len(), |i| m.start + i);
            lines.location(&path, m.start, m.end.min(line_end))
        },
    );
    let Some(entries) = value.get("entries").and_then(|e| e.as_array()) else {
        journal.error = Some(JournalError {
            message: "the journal has no `entries` array".into(),
            location: entries_location,
        });
        return false;
    };
    let elements = entries_member
        .map(|m| json_spans::array_elements(text, m.value_start))
        .unwrap_or_default();
    for (position, entry) in entries.iter().enumerate() {
        let tag = entry
            .get("tag")
            .and_then(|t| t.as_str())
            .map(str::to_string);
        let own_tag = elements.get(position).and_then(|(start, _)| {
            let members = json_spans::object_members(text, *start);
            json_spans::last_member(&members, "tag").map(|m| (m.start, m.end))
        });
        let location = match (&tag, own_tag) {
            (Some(_), Some((start, end))) => lines.location(&path, start, end),
            _ => entries_location.clone(),
        };
        let expected = tag.as_ref().map(|t| format!("{dir}/{t}.sql"));
        let file = expected.as_ref().filter(|p| has_file(p)).cloned();
        journal.entries.push(JournalEntry {
            position: i64::try_from(position).unwrap_or(i64::MAX),
            idx: entry.get("idx").and_then(|v| v.as_i64()),
            when: entry.get("when").and_then(|v| v.as_i64()),
            tag,
            file,
            expected_file: expected,
            location,
        });
    }
    true
}

/// Where serde_json stopped: it counts lines from 1 and columns in bytes, up to and
/// including the byte it could not use; locations count columns in characters and must stay
/// inside the text (an error at the end of the text is an empty span there).
pub(super) fn json_error_location(
    path: &str,
    text: &str,
    lines: &LineIndex,
    e: &serde_json::Error,
) -> Location {
    let line_start = if e.line() <= 1 {
        Some(0)
    } else {
        text.match_indices('\n')
            .nth(e.line() - 2)
            .map(|(i, _)| i + 1)
    };
    let Some(line_start) = line_start else {
        return lines.location(path, text.len(), text.len());
    };
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let mut at = (line_start + e.column().saturating_sub(1)).min(line_end);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let next = text[at..line_end]
        .chars()
        .next()
        .map_or(at, |c| at + c.len_utf8());
    lines.location(path, at, next)
}

/// serde_json's message without its trailing "at line L column C" (the location says it).
pub(super) fn json_error_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}
