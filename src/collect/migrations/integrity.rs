//! Histories checked against an integrity file: Atlas (`atlas.sum`, a chained sha256 per
//! file and one sum over all) and sqitch (`sqitch.plan`, the ordered changes, each a
//! `deploy/<change>.sql`). The file is parsed into facts with each entry located at its
//! line, and the hashes are computed as the tool computes them; whether they agree is for
//! `policies/migrations.rhai` to judge.

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::files::{migration_file, HistoryFile};
use super::paths::{child, extension, parent_dir};
use super::tools::Tool;
use crate::collect::walk::file_name;
use crate::collect::{read_text, CollectContext};
use crate::facts::migrations::{IntegrityEntry, IntegrityFile, MigrationHistory, OrphanFile};
use crate::facts::{LineIndex, Location};

fn empty(kind: &str, path: &str) -> IntegrityFile {
    IntegrityFile {
        kind: kind.to_string(),
        path: path.to_string(),
        present: false,
        error: None,
        recorded_sum: None,
        computed_sum: None,
        entries: Vec::new(),
        orphans: Vec::new(),
        location: Location::file_start(path),
    }
}

/// Atlas's per-file hashes, as `migrate.NewHashFile` computes them: one sha256 runs over
/// every file's name and then its bytes, in name order, and each file's hash is the running
/// digest after it (so editing one file changes every later hash); files with an
/// `atlas:sum ignore` directive add only their name (and have no hash). The sum hashes every
/// name and hash.
pub fn atlas_hashes(files: &[(&str, &str)]) -> (Vec<Option<String>>, String) {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut running = Sha256::new();
    let mut hashes = Vec::new();
    let mut sum = Sha256::new();
    for (name, text) in files {
        running.update(name.as_bytes());
        if text.lines().any(|l| l.trim() == "-- atlas:sum ignore") {
            hashes.push(None);
            continue;
        }
        running.update(text.as_bytes());
        let hash = b64.encode(running.clone().finalize());
        sum.update(name.as_bytes());
        sum.update(hash.as_bytes());
        hashes.push(Some(hash));
    }
    (hashes, b64.encode(sum.finalize()))
}

/// An Atlas history: the folder's `.sql` files in name order, and `atlas.sum` beside them.
pub(super) fn atlas_history(
    ctx: &CollectContext,
    tool: &Tool,
    dir: &str,
    all: &[HistoryFile],
    history: &mut MigrationHistory,
) {
    let sum_path = child(dir, "atlas.sum");
    let mut sql: Vec<&HistoryFile> = all
        .iter()
        .filter(|f| extension(&f.rel) == "sql" && parent_dir(&f.rel) == dir)
        .collect();
    sql.sort_by(|a, b| file_name(&a.rel).cmp(file_name(&b.rel)));
    let texts: Vec<Option<String>> = sql.iter().map(|f| read_text(&f.abs).ok()).collect();
    // Computed over the readable files (an unreadable one is its own finding).
    let readable: Vec<(&str, &str)> = sql
        .iter()
        .zip(&texts)
        .filter_map(|(f, t)| t.as_deref().map(|t| (file_name(&f.rel), t)))
        .collect();
    let (computed, computed_sum) = atlas_hashes(&readable);
    for f in &sql {
        let id = super::files::migration_id(tool, file_name(&f.rel));
        let mut file = migration_file(ctx, tool, id, f, None);
        // What `atlas_schema_revisions.hash` records: the file's atlas.sum hash.
        let position = readable.iter().position(|(n, _)| *n == file_name(&f.rel));
        file.hash = position.and_then(|i| computed.get(i).cloned().flatten());
        file.hash_algorithm = "atlas-sum".into();
        history.files.push(file);
    }
    let mut integrity = empty("atlas.sum", &sum_path);
    let Some(sum_file) = all.iter().find(|f| f.rel == sum_path) else {
        if !sql.is_empty() {
            integrity.location = Location::file_start(&sql[0].rel);
        }
        history.integrity = Some(integrity);
        return;
    };
    integrity.present = true;
    integrity.computed_sum = Some(computed_sum);
    let text = match read_text(&sum_file.abs) {
        Ok(t) => t,
        Err(problem) => {
            integrity.error = Some(problem.to_string());
            history.integrity = Some(integrity);
            return;
        }
    };
    let lines = LineIndex::new(&text);
    let mut offset = 0;
    let mut listed = Vec::new();
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let content = line.trim_end();
        if content.is_empty() {
            continue;
        }
        let location = lines.location(&sum_path, start, start + content.len());
        if n == 0 {
            match content.strip_prefix("h1:") {
                Some(sum) => integrity.recorded_sum = Some(sum.to_string()),
                None => {
                    integrity.error = Some("the first line is not an `h1:` sum".into());
                    integrity.location = location;
                }
            }
            continue;
        }
        let Some((name, hash)) = content.rsplit_once(" h1:") else {
            integrity.error = Some(format!("line {} is not `<file> h1:<hash>`", n + 1));
            integrity.location = location;
            continue;
        };
        let expected_file = child(dir, name);
        let position = readable.iter().position(|(n, _)| *n == name);
        listed.push(name.to_string());
        integrity.entries.push(IntegrityEntry {
            name: name.to_string(),
            file: sql
                .iter()
                .find(|f| f.rel == expected_file)
                .map(|f| f.rel.clone()),
            expected_file,
            recorded: Some(hash.to_string()),
            computed: position.and_then(|i| computed.get(i).cloned().flatten()),
            location,
        });
    }
    for f in &sql {
        if !listed.iter().any(|n| n == file_name(&f.rel)) {
            integrity.orphans.push(OrphanFile {
                path: f.rel.clone(),
                location: Location::file_start(&f.rel),
            });
        }
    }
    history.integrity = Some(integrity);
}

/// A sqitch history: `sqitch.plan` in `dir` lists the changes in order; each change's
/// deploy script is `deploy/<change>.sql`, hashed with SHA-1 as sqitch records it.
pub(super) fn sqitch_history(
    ctx: &CollectContext,
    tool: &Tool,
    dir: &str,
    all: &[HistoryFile],
    history: &mut MigrationHistory,
) {
    let plan_path = child(dir, "sqitch.plan");
    let deploy_dir = child(dir, "deploy");
    let deploy: Vec<&HistoryFile> = all
        .iter()
        .filter(|f| extension(&f.rel) == "sql" && parent_dir(&f.rel) == deploy_dir)
        .collect();
    let mut integrity = empty("sqitch.plan", &plan_path);
    let Some(plan) = all.iter().find(|f| f.rel == plan_path) else {
        for f in &deploy {
            let id = super::paths::file_stem(file_name(&f.rel)).to_string();
            history.files.push(migration_file(ctx, tool, id, f, None));
        }
        if let Some(first) = deploy.first() {
            integrity.location = Location::file_start(&first.rel);
        }
        history.integrity = Some(integrity);
        return;
    };
    integrity.present = true;
    let text = match read_text(&plan.abs) {
        Ok(t) => t,
        Err(problem) => {
            integrity.error = Some(problem.to_string());
            history.integrity = Some(integrity);
            return;
        }
    };
    let lines = LineIndex::new(&text);
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let content = line.trim_end();
        let trimmed = content.trim_start();
        // Pragmas (`%project=`), tags (`@v1.0`), comments and blank lines are not changes.
        if trimmed.is_empty() || trimmed.starts_with(['%', '@', '#']) {
            continue;
        }
        let Some(name) = trimmed.split_whitespace().next() else {
            continue;
        };
        // A reworked change (`name [name@tag]`) keeps its name; `-name` reverts it.
        let name = name.trim_start_matches(['+', '-']);
        let lead = content.len() - trimmed.len();
        let expected_file = child(&deploy_dir, &format!("{name}.sql"));
        let file = deploy.iter().find(|f| f.rel == expected_file);
        if let Some(f) = file {
            if !history.files.iter().any(|m| m.path == f.rel) {
                history
                    .files
                    .push(migration_file(ctx, tool, name.to_string(), f, None));
            }
        }
        integrity.entries.push(IntegrityEntry {
            name: name.to_string(),
            file: file.map(|f| f.rel.clone()),
            expected_file,
            recorded: None,
            computed: None,
            location: lines.location(&plan_path, start + lead, start + content.len()),
        });
    }
    for f in &deploy {
        if !integrity
            .entries
            .iter()
            .any(|e| e.file.as_deref() == Some(f.rel.as_str()))
        {
            integrity.orphans.push(OrphanFile {
                path: f.rel.clone(),
                location: Location::file_start(&f.rel),
            });
        }
    }
    history.integrity = Some(integrity);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atlas_hashes_chain_so_an_edit_changes_every_later_hash() {
        let (a, sum_a) = atlas_hashes(&[("1_a.sql", "CREATE TABLE a();\n"), ("2_b.sql", "x")]);
        let (b, sum_b) = atlas_hashes(&[("1_a.sql", "CREATE TABLE a ();\n"), ("2_b.sql", "x")]);
        assert_ne!(a[0], b[0]);
        assert_ne!(a[1], b[1], "the second hash depends on the first file");
        assert_ne!(sum_a, sum_b);
        // sha256("1_a.sqlCREATE TABLE a();\n"), base64.
        let direct = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"1_a.sqlCREATE TABLE a();\n"));
        assert_eq!(a[0].as_deref(), Some(direct.as_str()));
    }
}
