//! Facts about verification evidence artifacts (owned by the evidence collector).
//!
//! An evidence folder is a folder holding at least one file named as cutover verification scripts write them
//! (`src-rowcounts-<ts>.txt`, `rowcount-diff-<ts>.patch`, ...). Its files are grouped into
//! [`EvidenceSet`]s by timestamp (and method, for method-gate sets); each set pairs the source
//! and target row counts table by table. Every row count keeps its line's location so a
//! mismatch lands on the table's line in the target file. Judging the differences against the
//! tolerance is the policy's job (the tolerance is resolved from the env set, config and flags).

use serde::{Deserialize, Serialize};

use super::Location;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EvidenceFacts {
    /// Every evidence folder, sorted by path.
    pub folders: Vec<EvidenceFolder>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvidenceFolder {
    /// Repository-relative folder path (`scripts/db-migration/artifacts/verify`).
    pub path: String,
    /// Every file directly in the folder, sorted by name, recognised or not.
    pub files: Vec<EvidenceFile>,
    /// Sets ordered by kind, method, then timestamp (oldest first).
    pub sets: Vec<EvidenceSet>,
    /// `manifest-<ts>.json` files (written by `check --probe --evidence`), oldest first.
    #[serde(default)]
    pub manifests: Vec<EvidenceManifest>,
}

/// A manifest `check --probe --evidence DIR` wrote beside its artifacts: what wrote them,
/// how, when, and the sha256 of each, checked against the files as they are now.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvidenceManifest {
    pub path: String,
    pub location: Location,
    pub timestamp: String,
    /// The launchgate version that wrote it.
    pub version: Option<String>,
    /// The probe method (`fast`, `exact`, `checksum`) and tolerance in force.
    pub method: Option<String>,
    pub tolerance: Option<String>,
    /// When it was written (RFC 3339, UTC).
    pub created_at: Option<String>,
    /// True when both databases were probed completely (every table counted).
    pub probe_complete: bool,
    pub files: Vec<ManifestEntry>,
    /// Why the manifest itself could not be read or parsed.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// File name, in the manifest's folder.
    pub name: String,
    /// The sha256 the manifest records.
    pub sha256: String,
    /// The sha256 of the file as it is now; `None` when it is gone or unreadable.
    pub actual: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactKind {
    SrcRowcounts,
    TgtRowcounts,
    RowcountDiff,
    TgtStateStore,
    SrcMethod,
    TgtMethod,
    MethodDiff,
    StateStoreGate,
    /// `manifest-<ts>.json`: what `check --probe --evidence` wrote, with hashes.
    Manifest,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvidenceFile {
    pub path: String,
    pub name: String,
    /// `None` when the name fits no scheme (`evidence/bad-name`).
    pub kind: Option<ArtifactKind>,
    /// `fast` or `exact` for method-gate artifacts.
    pub method: Option<String>,
    pub timestamp: Option<String>,
    pub location: Location,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SetKind {
    /// `03-verify.sh`: `src-rowcounts`, `tgt-rowcounts`, `rowcount-diff` (+ `tgt-state-store`).
    Rowcounts,
    /// `04-method-verify.sh`: `src-method-M`, `tgt-method-M`, `method-diff-M`
    /// (+ `state-store-gate`).
    Method,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvidenceSet {
    pub kind: SetKind,
    /// `fast` / `exact` for method sets.
    pub method: Option<String>,
    pub timestamp: String,
    /// Stable name of the set (`rowcounts 20260221T101500Z`, `method-exact 20260221T103000Z`):
    /// a finding subject.
    pub name: String,
    /// The newest set of its kind and method in this folder: the one a gate would trust.
    pub latest: bool,
    /// Where set-level findings land: line 1 of the first file present.
    pub location: Location,
    pub source: Option<CountFile>,
    pub target: Option<CountFile>,
    pub diff: Option<DiffFile>,
    /// `tgt-state-store-<ts>.txt` or `state-store-gate-<ts>.txt`, when present.
    pub state_store: Option<String>,
    /// `MISSING <key>` lines of that state-store file, each at its line.
    #[serde(default)]
    pub state_store_missing: Vec<MissingKey>,
    /// The timestamp as `YYYYMMDDHHMMSS` (UTC), when it holds a date and time: comparable
    /// with other timestamps and with migration times.
    #[serde(default)]
    pub sortable_time: Option<String>,
    /// The timestamp in milliseconds since the epoch (drizzle's unit), when it holds one.
    #[serde(default)]
    pub epoch_ms: Option<i64>,
    /// The counterparts this set lacks, by role: `source`, `target`, `diff`.
    pub missing: Vec<String>,
    /// Source and target counts paired by table, in target-file order, then source-only tables.
    /// Empty unless both count files were read.
    pub tables: Vec<TableCounts>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CountFile {
    pub path: String,
    pub location: Location,
    /// `pipe` (`table|count`, psql -At), `psql-aligned`, `comma`, `space`, or `empty`.
    pub format: String,
    pub rows: Vec<RowCount>,
    /// Lines that are neither a row count, a header, a separator nor a footer.
    pub problems: Vec<CountProblem>,
    /// Why the file could not be read at all.
    pub unreadable: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RowCount {
    pub table: String,
    pub count: i64,
    /// The table name's span on its line.
    pub location: Location,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CountProblem {
    pub location: Location,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableCounts {
    pub table: String,
    pub source: Option<i64>,
    pub target: Option<i64>,
    pub source_location: Option<Location>,
    pub target_location: Option<Location>,
    /// The target line when the target lists the table, else the source line.
    pub location: Location,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DiffFile {
    pub path: String,
    pub location: Location,
    /// No added or removed lines: the recorded snapshots were identical.
    pub empty: bool,
    pub added: u32,
    pub removed: u32,
    /// Tables named on changed lines, in order, without repeats.
    pub changed_tables: Vec<String>,
    pub unreadable: Option<String>,
}

/// A `MISSING <key>` line in a state-store file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MissingKey {
    pub key: String,
    pub location: Location,
}
