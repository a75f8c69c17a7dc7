//! Repository policy folders, and `import` between the policy files of one folder.
//!
//! The resolver only ever reads `.rhai` files that sit in an allowed policy folder, named by a
//! plain relative module path (no `..`, no absolute paths): `import` is not a way out of the
//! sandbox.

use std::path::{Component, Path, PathBuf};

use rhai::{Engine, EvalAltResult, Module, Position, Scope, Shared};

/// Resolves `import "name"` to `name.rhai` in the importing policy's own folder.
pub(super) struct FolderResolver {
    /// Allowed folders: (path on disk, display name used as the policies' source prefix).
    pub folders: Vec<(PathBuf, String)>,
}

impl rhai::ModuleResolver for FolderResolver {
    fn resolve(
        &self,
        engine: &Engine,
        source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<Shared<Module>, Box<EvalAltResult>> {
        let not_found = || Box::new(EvalAltResult::ErrorModuleNotFound(path.to_string(), pos));
        let folder = source
            .and_then(|s| s.rsplit_once('/').map(|(d, _)| d.to_string()))
            .unwrap_or_default();
        let Some((dir, _)) = self.folders.iter().find(|(_, name)| *name == folder) else {
            return Err(not_found());
        };
        if Path::new(path)
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(not_found());
        }
        let file_name = format!("{}.rhai", path.trim_end_matches(".rhai"));
        let file_rel = format!("{folder}/{file_name}");
        let text =
            crate::source::file::read_text(&dir.join(&file_name)).map_err(|_| not_found())?;
        let mut ast = engine.compile(&text).map_err(|e| {
            Box::new(EvalAltResult::ErrorInModule(
                file_rel.clone(),
                e.into(),
                pos,
            ))
        })?;
        ast.set_source(file_rel.clone());
        let module = Module::eval_ast_as_new(Scope::new(), &ast, engine)
            .map_err(|e| Box::new(EvalAltResult::ErrorInModule(file_rel, e, pos)))?;
        Ok(Shared::new(module))
    }
}

/// The `.rhai` files of folder `dir` (shown as `name`), sorted, as (display path, text).
pub(super) fn policy_files(dir: &Path, name: &str) -> Vec<(String, Result<String, String>)> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<String> = rd
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".rhai"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let shown = if name.is_empty() {
                file.clone()
            } else {
                format!("{name}/{file}")
            };
            let text = crate::source::file::read_text(&dir.join(&file)).map_err(|e| e.to_string());
            (shown, text)
        })
        .collect()
}
