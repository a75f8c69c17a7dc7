//! Facts for the checklists named in `[docs] checklists`: whether each exists and which
//! required items its task items (or the headings above them) cover.

use super::{collapse_whitespace, join_normalized};
use crate::config::{ChecklistConfig, LoadedConfig};
use crate::facts::docs::{ChecklistFacts, Document, RequiredItem};
use crate::facts::Location;

/// The facts of one configured checklist.
pub fn checklist_facts(
    config: &ChecklistConfig,
    documents: &[Document],
    loaded: &LoadedConfig,
) -> ChecklistFacts {
    let file = join_normalized("", &config.file).unwrap_or_else(|| config.file.clone());
    let config_location = [format!("\"{}\"", config.file), format!("'{}'", config.file)]
        .iter()
        .find_map(|quoted| {
            loaded
                .text
                .find(quoted.as_str())
                .map(|p| p..p + quoted.len())
        })
        .and_then(|span| loaded.location(span));
    let document = documents.iter().find(|d| d.file == file);
    let items = document
        .map(|d| d.checklist_items.clone())
        .unwrap_or_default();
    let location = match document {
        Some(d) => d
            .title_location
            .clone()
            .unwrap_or_else(|| d.location.clone()),
        None => config_location
            .clone()
            .unwrap_or_else(|| Location::file_start(file.clone())),
    };
    let required = config
        .require
        .iter()
        .map(|name| {
            let wanted = normalize_item(name);
            let matched = items.iter().find(|item| {
                normalize_item(&item.text).contains(&wanted)
                    || item
                        .section
                        .iter()
                        .any(|heading| normalize_item(heading).contains(&wanted))
            });
            RequiredItem {
                name: name.clone(),
                found: matched.is_some(),
                location: matched.map(|i| i.location.clone()),
            }
        })
        .collect();
    ChecklistFacts {
        file,
        exists: document.is_some_and(|d| d.read_error.is_none()),
        location,
        config_location,
        items,
        required,
    }
}

/// Lower case, `-` and `_` as spaces, whitespace collapsed.
fn normalize_item(text: &str) -> String {
    collapse_whitespace(&text.to_lowercase().replace(['-', '_'], " "))
}
