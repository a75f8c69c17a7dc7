//! Facts about env files and env sets.
//!
//! An [`EnvFile`] is one file as parsed; an [`EnvSet`] is what an application would see:
//! its layered files (later layers win), an optional contract (`X.example`) and, with
//! `--process-env`, the process environment on top. Values are secrets: they reach policies,
//! never reporters.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{GitState, Location};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EnvFacts {
    pub files: Vec<EnvFile>,
    pub sets: Vec<EnvSet>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EnvFileKind {
    /// A file an application loads (`.env`, `.env.launch.local`, `prod.env`).
    Env,
    /// A committed sample that declares the keys (`.env.example`, `.sample`, `.template`).
    Contract,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Quote {
    None,
    Single,
    Double,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnvFile {
    pub path: String,
    pub kind: EnvFileKind,
    pub git: GitState,
    /// Lines end in CRLF (a sourcing shell keeps the carriage return in every value).
    pub crlf: bool,
    /// Why the file could not be read or parsed at all (binary, too large, unreadable).
    pub unreadable: Option<String>,
    pub entries: Vec<EnvEntry>,
    pub errors: Vec<EnvParseError>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnvEntry {
    pub key: String,
    /// The value as a dotenv parser reads it. Secret.
    pub value: String,
    pub quote: Quote,
    /// Span of the key.
    pub location: Location,
    /// Span of the raw value text (after `=`, without a trailing comment).
    pub value_location: Location,
    /// How `set -a; source FILE` would read this line differently, if it would.
    pub shell_divergence: Option<String>,
    /// In a contract: the line or the line above says `# optional`.
    pub optional: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnvParseError {
    pub location: Location,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SetOrigin {
    Config,
    Inferred,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnvLayer {
    /// A repository-relative path, or `<process environment>`.
    pub source: String,
    pub exists: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContractKey {
    /// The sample value (committed, but still treated as a secret in output).
    pub sample: String,
    pub location: Location,
    pub optional: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnvVar {
    /// The effective value (the last layer that sets the key). Secret unless the key is one of
    /// the non-secret settings.
    pub value: String,
    pub quote: Quote,
    /// Where the effective value is set: the key's span, or for a process variable the
    /// contract line declaring it (else the set's own location).
    pub location: Location,
    pub value_location: Location,
    /// The layer that set it.
    pub source: String,
    pub from_process: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnvSet {
    pub name: String,
    pub origin: SetOrigin,
    /// Where the set is named: its `[[env]]` entry in the config, or its contract (else its
    /// first file) for an inferred set. Findings about the whole set land here.
    pub location: Location,
    pub policies: Vec<String>,
    pub contract: Option<String>,
    pub contract_exists: bool,
    pub contract_keys: BTreeMap<String, ContractKey>,
    pub layers: Vec<EnvLayer>,
    /// True when at least one layer exists (a file on disk or the process environment).
    pub has_values: bool,
    pub vars: BTreeMap<String, EnvVar>,
    /// Keys that a rule of one of the set's profiles (other than `env`) checks itself; the
    /// generic env rules leave them to that rule, so one problem is one finding.
    pub checked_keys: Vec<String>,
    /// The file an operator edits to fix the set: the top layer that exists, else the first
    /// expected one (messages say "missing from FILE").
    pub top_layer: String,
    /// Where a key missing from the set is reported when the contract does not declare it:
    /// line 1 of the first existing file layer, else the set's own location.
    pub missing_key_location: Location,
}

impl EnvFacts {
    /// Every secret value in the env facts (entries of every file and every effective
    /// value): what the redactor scrubs from every finding.
    pub fn secret_values(&self) -> impl Iterator<Item = String> + '_ {
        use crate::secrets::{is_placeholder, is_shown};
        let entries = self
            .files
            .iter()
            .flat_map(|f| f.entries.iter())
            .filter(|e| !is_shown(&e.key, &e.value) && !is_placeholder(&e.value))
            .map(|e| e.value.clone());
        let vars = self
            .sets
            .iter()
            .flat_map(|s| s.vars.iter())
            .filter(|(k, v)| !is_shown(k, &v.value) && !is_placeholder(&v.value))
            .map(|(_, v)| v.value.clone());
        entries.chain(vars)
    }
}
