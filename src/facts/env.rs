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
    /// The loader it is read with (`node`, `python`, `compose`, `shell`) and why.
    pub dialect: String,
    pub dialect_reason: String,
    /// Why a committed file holds samples rather than live values (a test, example or
    /// development file; one a compose file loads; one naming only this machine's hosts).
    #[serde(default)]
    pub sample: Option<String>,
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
    /// How `set -a; source FILE` would read this line differently, if it would (no secret
    /// value is ever in the text).
    pub shell_divergence: Option<String>,
    /// `${NAME}` references that named no key of the file (the value has them empty).
    pub unresolved: Vec<String>,
    /// References no loader reads as meant (`${BAR!}`, `$BAR}`), as written.
    pub malformed: Vec<String>,
    /// The value is a secret (only secrets are masked and scrubbed); the reason says why.
    pub secret: bool,
    pub secret_reason: Option<String>,
    /// The kind of provider-issued credential the value is (`a GitHub token`), if it is one:
    /// a leak wherever it is committed, sample file or not.
    #[serde(default)]
    pub credential: Option<String>,
    /// The value is public text: a placeholder, a well-known weak value or an obvious
    /// development default (`secret`, `changeme`, `dev-secret`), with the reason.
    pub weak: bool,
    pub weak_reason: Option<String>,
    /// In a contract: the line or the line above says `# optional` or `@optional`.
    pub optional: bool,
    /// In a contract: `@sensitive` (the key's values are secrets whatever they look like).
    pub sensitive: bool,
    /// In a contract: the `@type=...` decorator's text (`url`, `number(min=1)`, ...).
    pub value_type: Option<String>,
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
    pub sensitive: bool,
    pub value_type: Option<String>,
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
    /// Why the file it comes from holds samples (see [`EnvFile::sample`]), if it does.
    #[serde(default)]
    pub sample: Option<String>,
    pub from_process: bool,
    /// The value is a secret; the reason says why.
    pub secret: bool,
    pub secret_reason: Option<String>,
    /// A placeholder, a well-known weak value or an obvious development default, and why.
    pub weak: bool,
    pub weak_reason: Option<String>,
    /// Why the value does not fit the contract's `@type` (no value in the text).
    pub type_error: Option<String>,
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

fn issued(value: &str) -> bool {
    crate::secrets::issued_credential(value).is_some()
}

impl EnvFacts {
    /// Every secret value in the env facts (entries of every file and every effective
    /// value): what the redactor scrubs from every finding.
    pub fn secret_values(&self) -> impl Iterator<Item = String> + '_ {
        // As the collector classified them; placeholders and weak words are public text
        // (scrubbing `password` would only destroy prose). So are the sample values of a
        // committed contract (`TOKEN=ignored` in `.env.example`) and the development defaults
        // of a committed file of samples (`.env.test`, a compose file's env file): the
        // repository shows them to everyone who can read the report, and scrubbing them
        // mangles every path and word they are part of. A provider-issued credential in such
        // a file is still scrubbed.
        use crate::secrets::is_public_text;
        let is_published = |f: &EnvFile| {
            f.git == GitState::Tracked && (f.sample.is_some() || f.kind == EnvFileKind::Contract)
        };
        let published: std::collections::HashSet<&str> = self
            .files
            .iter()
            .filter(|f| is_published(f))
            .map(|f| f.path.as_str())
            .collect();
        let entries = self
            .files
            .iter()
            .flat_map(|f| f.entries.iter().map(move |e| (f, e)))
            .filter(|(_, e)| e.secret && !is_public_text(&e.value))
            .filter(move |(f, e)| e.credential.is_some() || !is_published(f))
            .map(|(_, e)| e.value.clone());
        let vars = self
            .sets
            .iter()
            .flat_map(|s| s.vars.values())
            .filter(|v| v.secret && !is_public_text(&v.value))
            .filter(move |v| !published.contains(v.source.as_str()) || issued(&v.value))
            .map(|v| v.value.clone());
        entries.chain(vars)
    }
}
