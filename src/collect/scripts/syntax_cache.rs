//! `bash -n` verdicts kept between runs, so a check of a repository whose scripts did not
//! change spawns no bash at all (spawning it is most of a large check's time).
//!
//! A verdict is keyed by everything that decides it: bash's version line, the path bash was
//! given (its messages can name it) and the script's exact contents. One JSON file in the
//! cache folder holds the most recently used [`MAX_ENTRIES`] verdicts of every repository; it
//! is replaced atomically (write a temporary file, rename), so concurrent runs at worst lose
//! each other's new entries. A cache that cannot be read, parsed or written is ignored: the
//! check then runs `bash -n` as if there were none. Verdicts that are not judgements (bash
//! could not start, timed out) are never cached.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::bash_syntax::{BashComplaint, SyntaxVerdict};

/// The cache file's name; the version changes whenever its meaning does.
pub const FILE_NAME: &str = "bash-syntax-v1.json";
/// Verdicts kept, most recently used first (about 100 bytes each).
const MAX_ENTRIES: usize = 50_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    /// Seconds since the epoch when a run last used this verdict.
    used: u64,
    /// `bash -n`'s complaints: empty when it accepted the script.
    errors: Vec<(u32, String)>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    entries: HashMap<String, Entry>,
}

/// The cache as loaded at the start of a run, plus what this run used or learned.
pub struct SyntaxCache {
    file: PathBuf,
    bash: String,
    loaded: HashMap<String, Entry>,
    now: u64,
}

impl SyntaxCache {
    /// Open the cache in `dir` for verdicts of the bash whose `--version` line is `bash`.
    pub fn open(dir: &Path, bash: &str) -> SyntaxCache {
        let file = dir.join(FILE_NAME);
        let loaded = std::fs::read(&file)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<CacheFile>(&bytes).ok())
            .map(|c| c.entries)
            .unwrap_or_default();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        SyntaxCache {
            file,
            bash: bash.to_string(),
            loaded,
            now,
        }
    }

    /// The key of one script: bash's version, the path given to bash, the exact contents.
    pub fn key(&self, path: &Path, text: &str) -> String {
        let mut hash = Sha256::new();
        for part in [
            self.bash.as_bytes(),
            path.as_os_str().as_encoded_bytes(),
            text.as_bytes(),
        ] {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part);
        }
        hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A verdict an earlier run recorded for `key`.
    pub fn get(&self, key: &str) -> Option<SyntaxVerdict> {
        let entry = self.loaded.get(key)?;
        Some(if entry.errors.is_empty() {
            SyntaxVerdict::Accepted
        } else {
            SyntaxVerdict::Rejected(
                entry
                    .errors
                    .iter()
                    .map(|(line, message)| BashComplaint {
                        line: *line,
                        message: message.clone(),
                    })
                    .collect(),
            )
        })
    }

    /// Write back this run's verdicts (`used`: key and verdict of every script checked, from
    /// the cache or from bash) ahead of older entries, keeping the newest [`MAX_ENTRIES`].
    pub fn save(self, used: Vec<(String, SyntaxVerdict)>) {
        let mut entries = self.loaded;
        for (key, verdict) in used {
            let errors = match verdict {
                SyntaxVerdict::Accepted => Vec::new(),
                SyntaxVerdict::Rejected(complaints) => complaints
                    .into_iter()
                    .map(|c| (c.line, c.message))
                    .collect(),
                SyntaxVerdict::NotChecked(_) => continue,
            };
            entries.insert(
                key,
                Entry {
                    used: self.now,
                    errors,
                },
            );
        }
        if entries.len() > MAX_ENTRIES {
            let mut by_age: Vec<(String, Entry)> = entries.into_iter().collect();
            by_age.sort_by_key(|e| std::cmp::Reverse(e.1.used));
            by_age.truncate(MAX_ENTRIES);
            entries = by_age.into_iter().collect();
        }
        let Ok(bytes) = serde_json::to_vec(&CacheFile { entries }) else {
            return;
        };
        let Some(dir) = self.file.parent() else {
            return;
        };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        // A uniquely named sibling renamed over the file: readers never see half a file.
        if let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) {
            use std::io::Write;
            if tmp.write_all(&bytes).is_ok() {
                let _ = tmp.persist(&self.file);
            }
        }
    }
}
