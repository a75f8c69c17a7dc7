//! Declarative workflows: a service whose schema lives in the repository and is applied with
//! a push/diff command (`prisma db push`, `drizzle-kit push`) run from a package script. The
//! collector records the command and where it is; the policy decides what it means.

use super::tools;
use crate::facts::migrations::{DeclarativeUse, MigrationHistory};
use crate::facts::Location;

/// Attach the push script of each history's tool, when the service has one.
pub(super) fn attach(scripts: &[(String, String, Location)], histories: &mut [MigrationHistory]) {
    for history in histories.iter_mut() {
        let tool = tools::by_name(&history.tool);
        let found = scripts.iter().find_map(|(name, command, location)| {
            let words = command.split_whitespace().collect::<Vec<_>>().join(" ");
            tool.push_commands
                .iter()
                .find(|push| words.contains(*push))
                .map(|push| (name, *push, location))
        });
        if let Some((script, command, location)) = found {
            history.declarative = Some(DeclarativeUse {
                command: command.to_string(),
                script: script.clone(),
                schema: history.config.clone(),
                location: location.clone(),
            });
        }
    }
}
