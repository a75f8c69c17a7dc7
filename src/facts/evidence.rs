//! Facts about verification evidence artifacts (owned by the evidence collector).
//!
//! An evidence folder is a folder holding at least one file in the seed's naming scheme
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
