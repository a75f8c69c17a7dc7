//! Documentation sites inside a repository (Docusaurus, Nextra, Fumadocs, Mintlify, Starlight,
//! VitePress, MkDocs) and how a link in one of their pages resolves: against the site's pages
//! (`/docs/guides/x` is `docs/guides/x.md`, `x.mdx`, `x/index.md` ...), its static folder,
//! and, for Docusaurus, `.md` paths relative to the docs root.
//!
//! One table row per flavour: the config file that marks a site, where its pages live and
//! the route prefix they are served under. This module never judges a link; it only offers
//! more places a link may legitimately point at.

use crate::collect::walk::Inventory;
use crate::source::path;

use super::resolve::{join_normalized, parent_dir, Repository};

/// One documentation-site flavour.
struct Flavour {
    name: &'static str,
    /// File names (at the site root) that mark a site; `needle`, when set, must appear in
    /// the file (a generic `astro.config.mjs` is a Starlight site only when it says so).
    markers: &'static [&'static str],
    needle: Option<&'static str>,
    /// Folders (relative to the site root) holding pages, tried in order; `""` is the root.
    content: &'static [&'static str],
    /// The route prefix of the first content folder (`/docs/` for Docusaurus).
    route_prefix: &'static str,
    /// Folders served as-is (`static/`, `public/`).
    statics: &'static [&'static str],
    /// Relative `.md` links may also be written from the content root (Docusaurus).
    content_root_relative: bool,
}

const FLAVOURS: &[Flavour] = &[
    Flavour {
        name: "docusaurus",
        markers: &[
            "docusaurus.config.js",
            "docusaurus.config.ts",
            "docusaurus.config.mjs",
            "docusaurus.config.cjs",
        ],
        needle: None,
        content: &["docs", "blog", "src/pages"],
        route_prefix: "/docs/",
        statics: &["static"],
        content_root_relative: true,
    },
    Flavour {
        name: "fumadocs",
        markers: &["source.config.ts", "source.config.mjs", "source.config.js"],
        needle: Some("fumadocs"),
        content: &["content/docs", "content"],
        route_prefix: "/docs/",
        statics: &["public"],
        content_root_relative: false,
    },
    Flavour {
        name: "mintlify",
        markers: &["mint.json", "docs.json"],
        needle: Some("navigation"),
        content: &[""],
        route_prefix: "/",
        statics: &[""],
        content_root_relative: false,
    },
    Flavour {
        name: "mkdocs",
        markers: &["mkdocs.yml", "mkdocs.yaml"],
        needle: None,
        content: &["docs", "content"],
        route_prefix: "/",
        statics: &[],
        content_root_relative: false,
    },
    Flavour {
        name: "starlight",
        markers: &["astro.config.mjs", "astro.config.ts", "astro.config.js"],
        needle: Some("starlight"),
        content: &["src/content/docs"],
        route_prefix: "/",
        statics: &["public"],
        content_root_relative: false,
    },
    Flavour {
        name: "vitepress",
        markers: &[
            ".vitepress/config.ts",
            ".vitepress/config.mts",
            ".vitepress/config.js",
            ".vitepress/config.mjs",
        ],
        needle: None,
        content: &[""],
        route_prefix: "/",
        statics: &["public"],
        content_root_relative: false,
    },
    Flavour {
        name: "nextra",
        markers: &[
            "theme.config.tsx",
            "theme.config.jsx",
            "next.config.mjs",
            "next.config.js",
        ],
        needle: Some("nextra"),
        content: &["pages", "content", "src/pages", "src/content", "app"],
        route_prefix: "/",
        statics: &["public"],
        content_root_relative: false,
    },
];

/// Page file suffixes a route may stand for.
const PAGE_SUFFIXES: &[&str] = &[
    "",
    ".md",
    ".mdx",
    "/index.md",
    "/index.mdx",
    "/README.md",
    "/readme.md",
];

/// A site found in the repository.
pub struct Site {
    /// Repository-relative folder of the site (`""` at the root).
    pub root: String,
    flavour: &'static Flavour,
    /// The site's config generates pages from an OpenAPI spec (`"openapi"` in Mintlify's
    /// `docs.json`, a Docusaurus OpenAPI plugin): some routes have no file.
    generated_routes: bool,
}

impl Site {
    pub fn has_generated_routes(&self) -> bool {
        self.generated_routes
    }

    /// `website (docusaurus)`.
    pub fn label(&self) -> String {
        let root = if self.root.is_empty() {
            "."
        } else {
            &self.root
        };
        format!("{root} ({})", self.flavour.name)
    }

    fn dir(&self, sub: &str) -> String {
        match (self.root.is_empty(), sub.is_empty()) {
            (true, _) => sub.to_string(),
            (false, true) => self.root.clone(),
            (false, false) => format!("{}/{sub}", self.root),
        }
    }

    /// Where a link that does not resolve as a file may still point in this site: the
    /// first existing page, static file or content-root-relative file.
    pub fn resolve(&self, repository: &Repository, doc_rel: &str, path: &str) -> Option<String> {
        let mut bases: Vec<(String, String)> = Vec::new();
        if let Some(route) = path.strip_prefix('/') {
            for (i, content) in self.flavour.content.iter().enumerate() {
                let prefix = self.flavour.route_prefix.trim_matches('/');
                let rest = if i == 0 && !prefix.is_empty() {
                    match route.strip_prefix(prefix) {
                        Some(rest) => rest.trim_start_matches('/'),
                        None if *content == "docs" => continue,
                        None => route,
                    }
                } else {
                    route
                };
                bases.push((self.dir(content), rest.to_string()));
            }
            // Docusaurus serves other plugins' pages under their folder's name.
            bases.push((self.root.clone(), route.to_string()));
            for s in self.flavour.statics {
                bases.push((self.dir(s), route.to_string()));
            }
        } else {
            bases.push((parent_dir(doc_rel).to_string(), path.to_string()));
            if self.flavour.content_root_relative {
                for content in self.flavour.content {
                    bases.push((self.dir(content), path.to_string()));
                }
            }
        }
        for (base, rest) in bases {
            let rest = rest.trim_end_matches('/');
            for suffix in PAGE_SUFFIXES {
                let Some(candidate) = join_normalized(&base, &format!("{rest}{suffix}")) else {
                    continue;
                };
                if candidate != "." && repository.exists(&candidate) {
                    return Some(candidate);
                }
            }
        }
        None
    }
}

/// Every documentation site in the inventory, deepest first (so a page finds its own site).
pub fn find_sites(inventory: &Inventory, root: &std::path::Path) -> Vec<Site> {
    let mut sites: Vec<Site> = Vec::new();
    for file in &inventory.files {
        for flavour in FLAVOURS {
            let Some(marker) = flavour
                .markers
                .iter()
                .find(|m| path::ends_with_components(&file.rel, m))
            else {
                continue;
            };
            if file.rel.split('/').any(|p| p == "node_modules") {
                continue;
            }
            let text = crate::collect::read_text(&root.join(&file.rel)).unwrap_or_default();
            if flavour.needle.is_some_and(|needle| !text.contains(needle)) {
                continue;
            }
            let site_root = file.rel[..file.rel.len() - marker.len()].trim_end_matches('/');
            if !sites.iter().any(|s| s.root == site_root) {
                sites.push(Site {
                    root: site_root.to_string(),
                    flavour,
                    generated_routes: text.contains("openapi"),
                });
            }
        }
    }
    sites.sort_by_key(|s| std::cmp::Reverse(s.root.len()));
    sites
}

/// The site a document belongs to: the deepest site with a content folder that holds it.
pub fn site_of<'a>(sites: &'a [Site], doc_rel: &str) -> Option<&'a Site> {
    sites.iter().find(|s| {
        s.flavour.content.iter().any(|c| {
            let dir = s.dir(c);
            dir.is_empty() || path::is_under(doc_rel, &dir)
        })
    })
}
