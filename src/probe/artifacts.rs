//! Verification evidence written by the gate (`check --probe --evidence DIR`): a probe's
//! row counts and state-store keys as the artifacts the evidence collector reads, in its
//! naming scheme, plus a manifest that records what wrote them and the sha256 of each.
//!
//! Files for one run share a timestamp (`20261128T101500Z`, UTC):
//! `src-rowcounts-<ts>.txt` / `tgt-rowcounts-<ts>.txt` (`schema.table|count`, one line per
//! table counted), `rowcount-diff-<ts>.patch` (a unified diff of the two, empty when they
//! agree), the method-gate set `src-method-<m>-<ts>.txt`, `tgt-method-<m>-<ts>.txt`,
//! `method-diff-<m>-<ts>.patch` (`m` is `fast` for estimates, `exact` for counts), the
//! state-store files `tgt-state-store-<ts>.txt` / `state-store-gate-<ts>.txt` (`OK key` /
//! `MISSING key`) when a state store is configured, and `manifest-<ts>.json`.
//! Only counts, table names and key names are written: never a URL or a value.
//! This module writes files into `DIR` and nowhere else; it never overwrites a file.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use thiserror::Error;

use crate::facts::db::ProbeReport;

#[derive(Debug, Error)]
pub enum ArtifactError {
    #[error("cannot create the evidence folder {dir}: {source}")]
    Folder {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("there is nothing to write: {0}")]
    NothingProbed(String),
}

/// What [`write`] wrote.
#[derive(Debug, Clone)]
pub struct Written {
    pub timestamp: String,
    pub manifest: PathBuf,
    pub files: Vec<PathBuf>,
}

/// Write the artifacts of `report` into `dir` (created if needed), stamped with `now`.
pub fn write(
    report: &ProbeReport,
    dir: &Path,
    now: SystemTime,
    version: &str,
) -> Result<Written, ArtifactError> {
    if let Some(why) = &report.skipped {
        return Err(ArtifactError::NothingProbed(why.clone()));
    }
    std::fs::create_dir_all(dir).map_err(|source| ArtifactError::Folder {
        dir: dir.to_path_buf(),
        source,
    })?;
    let secs = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (timestamp, rfc3339) = utc_stamps(secs);
    let counts = |source: bool| -> String {
        let mut lines: Vec<String> = report
            .tables
            .iter()
            .filter_map(|t| {
                let rows = if source { t.source_rows } else { t.target_rows };
                rows.map(|n| format!("{}|{n}\n", t.qualified))
            })
            .collect();
        lines.sort();
        lines.concat()
    };
    let (src, tgt) = (counts(true), counts(false));
    let method = if report.method == "fast" {
        "fast"
    } else {
        "exact"
    };
    let mut files: Vec<(String, String)> = Vec::new();
    let src_name = format!("src-rowcounts-{timestamp}.txt");
    let tgt_name = format!("tgt-rowcounts-{timestamp}.txt");
    files.push((
        format!("rowcount-diff-{timestamp}.patch"),
        unified_diff(&src_name, &tgt_name, &src, &tgt),
    ));
    let src_method = format!("src-method-{method}-{timestamp}.txt");
    let tgt_method = format!("tgt-method-{method}-{timestamp}.txt");
    files.push((
        format!("method-diff-{method}-{timestamp}.patch"),
        unified_diff(&src_method, &tgt_method, &src, &tgt),
    ));
    files.push((src_name, src.clone()));
    files.push((tgt_name, tgt.clone()));
    files.push((src_method, src));
    files.push((tgt_method, tgt));
    if let Some(store) = &report.state_store {
        let mut text = String::new();
        for key in &store.present {
            text.push_str(&format!("OK {key}\n"));
        }
        for key in &store.missing {
            text.push_str(&format!("MISSING {}\n", key.key));
        }
        if !store.exists {
            text.push_str(&format!("MISSING table {}\n", store.table));
        } else if store.error.is_some() {
            text.push_str(&format!("MISSING unreadable {}\n", store.table));
        }
        files.push((format!("tgt-state-store-{timestamp}.txt"), text.clone()));
        files.push((format!("state-store-gate-{timestamp}.txt"), text));
    }
    files.sort();
    let complete = [&report.source, &report.target].iter().all(|side| {
        side.as_ref()
            .is_some_and(|s| s.reachable && s.tables.iter().all(|t| t.error.is_none()))
    }) && report
        .tables
        .iter()
        .all(|t| t.source_rows.is_some() && t.target_rows.is_some());
    let mut hashes = serde_json::Map::new();
    for (name, text) in &files {
        hashes.insert(
            name.clone(),
            serde_json::Value::String(sha256_hex(text.as_bytes())),
        );
    }
    let manifest = serde_json::json!({
        "launchgate_version": version,
        "method": report.method,
        "tolerance": report.tolerance,
        "created_at": rfc3339,
        "probe_complete": complete,
        "files": hashes,
    });
    let manifest_text = serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n";
    let manifest_name = format!("manifest-{timestamp}.json");
    let mut written = Vec::new();
    for (name, text) in files
        .iter()
        .chain(std::iter::once(&(manifest_name.clone(), manifest_text)))
    {
        let path = dir.join(name);
        write_new(&path, text)?;
        written.push(path);
    }
    Ok(Written {
        timestamp,
        manifest: dir.join(manifest_name),
        files: written,
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Write a file that must not exist yet: evidence is never overwritten.
fn write_new(path: &Path, text: &str) -> Result<(), ArtifactError> {
    use std::io::Write;
    let error = |source| ArtifactError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(error)?;
    file.write_all(text.as_bytes()).map_err(error)
}

/// A unified diff of two `table|count` listings (sorted by table), as `diff -u` would show
/// the changed lines; empty when they are equal.
fn unified_diff(src_name: &str, tgt_name: &str, src: &str, tgt: &str) -> String {
    if src == tgt {
        return String::new();
    }
    let parse = |text: &str| -> std::collections::BTreeMap<String, String> {
        text.lines()
            .filter_map(|l| l.split_once('|'))
            .map(|(t, n)| (t.to_string(), n.to_string()))
            .collect()
    };
    let (s, t) = (parse(src), parse(tgt));
    let names: std::collections::BTreeSet<&String> = s.keys().chain(t.keys()).collect();
    let mut body = String::new();
    let (mut old_len, mut new_len) = (0, 0);
    for name in names {
        match (s.get(name), t.get(name)) {
            (Some(a), Some(b)) if a == b => {
                body.push_str(&format!(" {name}|{a}\n"));
                old_len += 1;
                new_len += 1;
            }
            (a, b) => {
                if let Some(a) = a {
                    body.push_str(&format!("-{name}|{a}\n"));
                    old_len += 1;
                }
                if let Some(b) = b {
                    body.push_str(&format!("+{name}|{b}\n"));
                    new_len += 1;
                }
            }
        }
    }
    format!("--- {src_name}\n+++ {tgt_name}\n@@ -1,{old_len} +1,{new_len} @@\n{body}")
}

/// `20261128T101500Z` and `2026-11-28T10:15:00Z` for seconds since the epoch.
fn utc_stamps(secs: u64) -> (String, String) {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    // Civil date from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    (
        format!("{y:04}{mo:02}{d:02}T{h:02}{m:02}{s:02}Z"),
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}Z"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_utc_and_read_back_by_the_collector() {
        let (ts, rfc) = utc_stamps(1_795_860_900);
        assert_eq!(ts, "20261128T101500Z");
        assert_eq!(rfc, "2026-11-28T10:15:00Z");
        let (sortable, ms) =
            crate::collect::evidence::timestamp_time(&ts).expect("a timestamp with a time");
        assert_eq!(sortable, "20261128101500");
        assert_eq!(ms, 1_795_860_900_000);
    }

    #[test]
    fn the_diff_names_only_the_changed_tables() {
        let src = "a|1\nb|2\n";
        let tgt = "a|1\nb|3\n";
        assert_eq!(unified_diff("s", "t", src, src), "");
        let diff = unified_diff("s", "t", src, tgt);
        let parsed = crate::collect::evidence::parse_diff("d.patch", &diff);
        assert_eq!(parsed.changed_tables, vec!["b".to_string()]);
        assert_eq!((parsed.added, parsed.removed), (1, 1));
    }
}
