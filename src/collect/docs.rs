//! The docs collector: reads every markdown document with a CommonMark parser and records
//! what a runbook reviewer checks by eye: local link targets, repository paths inside
//! commands, configured legacy names, machine-local paths and task-list checklists.
//!
//! Documents are every `*.md` / `*.markdown` file the walk found (so `.gitignore` applies),
//! narrowed by `[docs] include` / `exclude`, plus every configured checklist file.
//!
//! Resolution rules (documented here because findings depend on them):
//! - **Links and images** resolve as GitHub renders them: relative to the document's folder,
//!   or to the repository root when they start with `/`; percent-decoded; `#fragment` and
//!   `?query` stripped. Same-document anchors and remote URLs are recorded, never fetched.
//! - **Code tokens** (inline code and `sh`/`bash`/`shell`/`console`/unlabelled code blocks)
//!   that contain `/` or end in a known extension resolve from the repository root, then
//!   from the document's folder; after `cd DIR` in a block, from `DIR`. `cd` into a home
//!   folder (`cd ~/x`, `cd /Users/<name>/x`) is taken to mean the operator's checkout, i.e.
//!   the repository root; `cd` anywhere else unknown makes later tokens unchecked. Tokens with
//!   variables, globs or `<placeholders>`, files a command creates (redirect targets,
//!   `mkdir`, `cp` destinations ...) and operator-local env files are recorded as unchecked.
//!   A token with neither a known extension nor a leading `./` counts as a path only when its
//!   first component exists, so `application/json` is not a stale path. Comments and
//!   here-document bodies are not commands and are skipped; so are code blocks in other
//!   languages (their paths are relative to an imaginary source file).
//! - **Legacy names** match case-insensitively on word boundaries: `credity` does not match
//!   `credity12`, nor the reverse.
//! - **Machine-local paths** are `/Users/<name>/`, `/home/<name>/`, `C:\Users\<name>\`
//!   (and `file://` forms). `~/...` is *not* one: it expands to each operator's own home.
//!   Generic names (`user`, `you`, `<name>`, `$USER`) and CI/container users (`runner`,
//!   `node`) are examples, not someone's machine.
//!
//! This module never judges: it records facts and `policies/docs.rhai` reports findings.

mod anchors;
mod checklists;
mod commands;
mod doubt;
mod kinds;
mod links;
mod mentions;
mod resolve;
mod sites;

use std::collections::HashSet;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::OnceLock;

use pulldown_cmark::{CodeBlockKind, Event, LinkType, Options, Parser, Tag, TagEnd};
use regex::Regex;

use super::{read_text, CollectContext};
use crate::config::DocsConfig;
use crate::facts::docs::{
    ChecklistItem, DocFacts, Document, DocumentKind, LegacyNameMention, MachineLocalPath,
    PathContext, PathRef, UncheckedReason, UrlRef,
};
use crate::facts::{FileName, LineIndex, Location};
use crate::source::shell::{self, Flavor, Op, Token, Word};
use checklists::checklist_facts;
use commands::*;
use links::{definition_destination, inline_destination, normalize_label};
pub use mentions::LegacyNames;
use mentions::{enclosing_word, is_home_path, machine_local_paths};
pub use resolve::Repository;
use resolve::{classify_code_token, has_scheme, join_normalized, parent_dir, TokenKind};

pub fn collect(ctx: &CollectContext) -> DocFacts {
    let config = &ctx.config.config.docs;
    let repository = Repository::new(&ctx.root, config.generated_paths.set().clone());
    let legacy = LegacyNames::new(&config.legacy_names);

    let mut files: Vec<(String, PathBuf)> = select_documents(ctx, config);
    for checklist in &config.checklists {
        let Some(rel) = join_normalized("", &checklist.file) else {
            continue;
        };
        let abs = ctx.root.join(&rel);
        if !files.iter().any(|(f, _)| *f == rel) && abs.is_file() {
            files.push((rel, abs));
        }
    }
    files.sort();

    let generated = kinds::GeneratedPatterns::load(&ctx.root);
    let sites = sites::find_sites(&ctx.inventory, &ctx.root);
    let index = doubt::PathIndex::new(&ctx.inventory, &ctx.root);
    let mut autodoc: HashSet<String> = HashSet::new();
    let mut documents: Vec<Document> = files
        .iter()
        .map(|(rel, abs)| match read_text(abs) {
            Ok(text) => {
                // A line starting `::: ` (without splitting the text into lines).
                if text.starts_with("::: ") || text.contains("\n::: ") {
                    autodoc.insert(rel.clone());
                }
                let mut doc = scan_document(rel, &text, &repository, &legacy);
                (doc.kind, doc.kind_reason) = kinds::classify(rel, &text, &generated);
                settle_paths(&mut doc, &text, &sites, &repository, &index);
                doc
            }
            Err(problem) => Document::unreadable(rel, problem.to_string()),
        })
        .collect();
    check_fragments(&mut documents, &autodoc);
    let checklists = config
        .checklists
        .iter()
        .map(|c| checklist_facts(c, &documents, ctx.config))
        .collect();
    DocFacts {
        documents,
        checklists,
    }
}

/// Markdown files from the inventory, narrowed by `[docs] include` / `exclude`.
fn select_documents(ctx: &CollectContext, config: &DocsConfig) -> Vec<(String, PathBuf)> {
    let include = (!config.include.is_empty()).then_some(&config.include);
    let exclude = &config.exclude;
    ctx.inventory
        .files
        .iter()
        .filter(|f| {
            let lower = f.rel.to_ascii_lowercase();
            lower.ends_with(".md") || lower.ends_with(".mdx") || lower.ends_with(".markdown")
        })
        .filter(|f| include.as_ref().is_none_or(|set| set.is_match(&f.rel)))
        .filter(|f| !exclude.is_match(&f.rel))
        .map(|f| (f.rel.clone(), f.abs.clone()))
        .collect()
}

/// HTML character references in an attribute value (`&amp;`, `&#47;`, `&#x2F;`), as a
/// browser decodes them before following the link.
fn decode_entities(value: &str) -> String {
    if !value.contains('&') {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after.find(';').filter(|end| *end <= 10).and_then(|end| {
            let name = &after[..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }?;
            Some((c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

impl Document {
    fn unreadable(rel: &str, problem: String) -> Self {
        Document {
            file: rel.to_string(),
            location: Location::file_start(rel),
            title: None,
            title_location: None,
            read_error: Some(problem),
            paths: Vec::new(),
            urls: Vec::new(),
            legacy_names: Vec::new(),
            machine_local_paths: Vec::new(),
            checklist_items: Vec::new(),
            kind: DocumentKind::Page,
            kind_reason: None,
            site: None,
            anchors: Vec::new(),
        }
    }
}

/// Second pass over a document's paths, with the whole repository in view: links in a docs
/// site resolve against its pages, links in a template against the page it is read on, and
/// missing code paths stay checked only when they are beyond doubt paths into this
/// repository (see `doubt`).
fn settle_paths(
    doc: &mut Document,
    text: &str,
    sites: &[sites::Site],
    repository: &Repository,
    index: &doubt::PathIndex,
) {
    let site = sites::site_of(sites, &doc.file);
    doc.site = site.map(sites::Site::label);
    let template = doc.kind == DocumentKind::Template;
    let mut lines = LineCursor::new(text);
    for p in &mut doc.paths {
        if !p.checked || p.exists {
            continue;
        }
        match p.context {
            PathContext::Link | PathContext::Image => {
                if template {
                    // Read on github.com/OWNER/REPO/pull/N: `../blob/REF/x` is `x` at the root;
                    // other relative links are GitHub pages (`../security/policy`).
                    let on_page = p
                        .path
                        .strip_prefix("../blob/")
                        .or_else(|| p.path.strip_prefix("../tree/"));
                    match on_page.and_then(|rest| rest.split_once('/')) {
                        Some((_, rel)) => {
                            let lookup = repository.lookup(&[""], rel);
                            p.exists = lookup.resolved.is_some();
                            p.resolved = lookup.resolved;
                            p.candidates = lookup.candidates;
                        }
                        None if !p.path.starts_with('/') => {
                            p.checked = false;
                            p.unchecked = Some(UncheckedReason::ReadElsewhere);
                        }
                        None => {}
                    }
                    continue;
                }
                if let Some(found) = site.and_then(|s| s.resolve(repository, &doc.file, &p.path)) {
                    p.exists = true;
                    p.resolved = Some(found);
                } else if p.path.starts_with('/')
                    && (site.is_some_and(sites::Site::has_generated_routes)
                        || site.is_none() && doc.file.to_ascii_lowercase().ends_with(".mdx"))
                {
                    // MDX outside a known site is rendered by an app, never as a GitHub page:
                    // `/x` is a route of whatever serves it. A site that generates pages from
                    // an OpenAPI spec has routes no file backs.
                    p.checked = false;
                    p.unchecked = Some(UncheckedReason::ReadElsewhere);
                } else if site.is_none() && root_route(&p.path, repository) {
                    // `/search`, `/settings/x`, `/docs/guides/x` where the repository has no
                    // such top folder: a route of the app or site that shows the page (an
                    // onboarding document the app imports, an agent's page template), not a
                    // path into this repository gone missing.
                    p.checked = false;
                    p.unchecked = Some(UncheckedReason::ReadElsewhere);
                }
            }
            PathContext::InlineCode | PathContext::CodeBlock => {
                let line = lines.line(p.location.line);
                let reason = doubt::doubt(
                    &p.path,
                    parent_dir(&doc.file),
                    &p.candidates,
                    repository,
                    index,
                )
                .or_else(|| {
                    (p.context == PathContext::InlineCode
                        && doubt::example_context(line, p.location.column))
                    .then_some(UncheckedReason::Example)
                })
                .or_else(|| {
                    let past = p.section.as_deref().is_some_and(doubt::historical_section)
                        || doubt::absent_context(line, p.location.column);
                    past.then_some(UncheckedReason::History)
                });
                if let Some(reason) = reason {
                    p.checked = false;
                    p.unchecked = Some(reason);
                }
            }
        }
    }
}

/// Lines of a text by number, as `str::lines` numbers them, found by moving forward from
/// the last one asked for: a document's paths come in document order, so its text is read
/// about once (a path on an earlier line starts again from the top).
struct LineCursor<'a> {
    text: &'a str,
    /// 1-based number of the line starting at `start`.
    line: u32,
    start: usize,
}

impl<'a> LineCursor<'a> {
    fn new(text: &'a str) -> Self {
        LineCursor {
            text,
            line: 1,
            start: 0,
        }
    }

    /// Line `number` (1-based; 0 is the first) without its line end; `""` past the end.
    fn line(&mut self, number: u32) -> &'a str {
        if number < self.line {
            (self.line, self.start) = (1, 0);
        }
        // Lines are short: a plain loop beats a searcher set up per line.
        let newline = |s: &str| s.bytes().position(|b| b == b'\n');
        while self.line < number {
            let Some(at) = newline(&self.text[self.start..]) else {
                return "";
            };
            self.start += at + 1;
            self.line += 1;
        }
        let rest = &self.text[self.start..];
        match newline(rest) {
            Some(newline) => {
                let line = &rest[..newline];
                line.strip_suffix('\r').unwrap_or(line)
            }
            None => rest,
        }
    }
}

/// A root-absolute link (`/x/y`) whose first part names nothing at the repository's root.
fn root_route(link: &str, repository: &Repository) -> bool {
    let Some(rest) = link.strip_prefix('/') else {
        return false;
    };
    let first = rest.split(['/', '#', '?']).next().unwrap_or("");
    !first.is_empty() && !repository.exists(first)
}

/// Check every link fragment whose target is a scanned document against its anchors.
/// MDX targets are left alone (their components make anchors: `<ResponseField name=..>`),
/// as are pages that pull in generated API docs (`::: module.Class`, mkdocstrings).
fn check_fragments(documents: &mut [Document], autodoc: &HashSet<String>) {
    let anchors: std::collections::HashMap<String, (Vec<String>, bool)> = documents
        .iter()
        .filter(|d| d.read_error.is_none())
        .filter(|d| !d.file.to_ascii_lowercase().ends_with(".mdx") && !autodoc.contains(&d.file))
        .map(|d| (d.file.clone(), (d.anchors.clone(), d.site.is_some())))
        .collect();
    for doc in documents.iter_mut() {
        for p in &mut doc.paths {
            let (Some(fragment), Some(target)) = (&p.fragment, &p.resolved) else {
                continue;
            };
            if !p.exists || !matches!(p.context, PathContext::Link) {
                continue;
            }
            if let Some((target_anchors, in_site)) = anchors.get(target) {
                p.fragment_found = anchors::fragment_found(target_anchors, fragment, *in_site);
            }
        }
    }
}

/// Parse one document and gather its facts.
pub fn scan_document(
    rel: &str,
    text: &str,
    repository: &Repository,
    legacy: &LegacyNames,
) -> Document {
    let options = Options::ENABLE_TASKLISTS
        | Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        // `$$…$$` and `$…$` are math on GitHub, never links.
        | Options::ENABLE_MATH;
    let parser = Parser::new_ext(text, options);
    let definitions: Vec<(String, Range<usize>)> = parser
        .reference_definitions()
        .iter()
        .map(|(label, def)| (normalize_label(label), def.span.clone()))
        .collect();
    let mut scan = DocumentScan {
        text,
        lines: LineIndex::new(text),
        file: rel.into(),
        doc_dir: parent_dir(rel).to_string(),
        repository,
        definitions,
        used_definitions: HashSet::new(),
        doc: Document::unreadable(rel, String::new()),
        code_ranges: Vec::new(),
        code_block: None,
        heading: None,
        sections: Vec::new(),
        items: Vec::new(),
        link_depth: 0,
        heading_starts: Vec::new(),
    };
    scan.doc.read_error = None;
    for (event, range) in parser.into_offset_iter() {
        scan.event(event, range);
    }
    scan.scan_text(legacy);
    let titles: Vec<String> = scan.heading_starts.iter().map(|(_, t)| t.clone()).collect();
    scan.doc.anchors = anchors::anchors(&titles, text);
    scan.doc
}

/// A code block being read: its language and its text with a map back to the source.
struct CodeBlock {
    dialect: Option<ShellDialect>,
    text: String,
    map: SourceMap,
}

/// A task-list item being read.
struct ItemCapture {
    /// Index of the item in `checklist_items` (recorded at its marker, so nested items
    /// stay in document order).
    index: usize,
    text: String,
    capturing: bool,
}

struct DocumentScan<'a> {
    text: &'a str,
    lines: LineIndex<'a>,
    /// The document's name, shared by every location in it.
    file: FileName,
    doc_dir: String,
    repository: &'a Repository,
    /// Reference definitions: normalised label and source span.
    definitions: Vec<(String, Range<usize>)>,
    /// Definition spans already recorded (a definition used twice is one path).
    used_definitions: HashSet<usize>,
    doc: Document,
    /// Source ranges of inline code and code blocks, in order.
    code_ranges: Vec<Range<usize>>,
    code_block: Option<CodeBlock>,
    /// The heading being read: level and text so far.
    heading: Option<(usize, String, Range<usize>)>,
    /// Enclosing headings: level and text.
    sections: Vec<(usize, String)>,
    /// One entry per open list item; `Some` once it turned out to be a task item.
    items: Vec<Option<ItemCapture>>,
    /// Open links and images: code in their text labels the destination (which is checked
    /// as a link) and is not a second path.
    link_depth: usize,
    /// Start offset and text of every heading, in order.
    heading_starts: Vec<(usize, String)>,
}

impl DocumentScan<'_> {
    fn event(&mut self, event: Event, range: Range<usize>) {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let dialect = match &kind {
                    CodeBlockKind::Fenced(info) => ShellDialect::of(info),
                    CodeBlockKind::Indented => Some(ShellDialect::Script),
                };
                self.code_ranges.push(range);
                self.code_block = Some(CodeBlock {
                    dialect,
                    text: String::new(),
                    map: SourceMap::default(),
                });
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(block) = self.code_block.take() {
                    if let Some(dialect) = block.dialect {
                        let cleaned = dialect.commands_only(&block.text);
                        self.scan_shell(&cleaned, &block.map, PathContext::CodeBlock);
                    }
                }
            }
            Event::Text(t) => {
                if let Some(block) = &mut self.code_block {
                    block.map.push(block.text.len(), &t, self.text, range);
                    block.text.push_str(&t);
                } else {
                    self.capture_text(&t);
                }
            }
            Event::Code(code) => {
                self.code_ranges.push(range.clone());
                self.capture_text(&code);
                let mut map = SourceMap::default();
                let slice = &self.text[range.clone()];
                match slice.find(code.as_ref()) {
                    Some(offset) => map.push(
                        0,
                        &code,
                        self.text,
                        range.start + offset..range.start + offset + code.len(),
                    ),
                    None => map.push(0, &code, self.text, range),
                }
                if self.link_depth == 0 {
                    self.scan_shell(&code, &map, PathContext::InlineCode);
                }
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                id,
                ..
            }) => {
                self.link_depth += 1;
                self.record_link(PathContext::Link, link_type, &dest_url, &id, range);
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                id,
                ..
            }) => {
                self.link_depth += 1;
                self.record_link(PathContext::Image, link_type, &dest_url, &id, range);
            }
            Event::End(TagEnd::Link) | Event::End(TagEnd::Image) => {
                self.link_depth = self.link_depth.saturating_sub(1);
            }
            Event::Html(html) | Event::InlineHtml(html) => self.record_html_links(&html, range),
            Event::Start(Tag::Heading { level, .. }) => {
                self.heading = Some((level as usize, String::new(), range));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, title, range)) = self.heading.take() {
                    let title = collapse_whitespace(&title);
                    if self.doc.title.is_none() {
                        let end = self.text[range.clone()].trim_end().len() + range.start;
                        self.doc.title_location = Some(self.location(range.start, end));
                        self.doc.title = Some(title.clone());
                    }
                    self.sections.retain(|(l, _)| *l < level);
                    self.heading_starts.push((range.start, title.clone()));
                    self.sections.push((level, title));
                }
            }
            Event::Start(Tag::Item) => self.items.push(None),
            Event::TaskListMarker(checked) => {
                if let Some(slot) = self.items.last_mut() {
                    let index = self.doc.checklist_items.len();
                    *slot = Some(ItemCapture {
                        index,
                        text: String::new(),
                        capturing: true,
                    });
                    self.start_item(checked, range.start);
                }
            }
            Event::Start(Tag::List(_)) | Event::End(TagEnd::Paragraph) => self.stop_capturing(),
            Event::SoftBreak | Event::HardBreak => self.capture_text(" "),
            Event::End(TagEnd::Item) => {
                if let Some(Some(item)) = self.items.pop() {
                    self.finish_item(item);
                }
            }
            _ => {}
        }
    }

    fn capture_text(&mut self, text: &str) {
        if let Some((_, title, _)) = &mut self.heading {
            title.push_str(text);
        }
        if let Some(Some(item)) = self.items.last_mut() {
            if item.capturing {
                item.text.push_str(text);
            }
        }
    }

    fn stop_capturing(&mut self) {
        if let Some(Some(item)) = self.items.last_mut() {
            if !item.text.trim().is_empty() {
                item.capturing = false;
            }
        }
    }

    fn start_item(&mut self, checked: bool, marker_start: usize) {
        let line_end = self.text[marker_start..]
            .find('\n')
            .map_or(self.text.len(), |p| marker_start + p);
        let end = marker_start + self.text[marker_start..line_end].trim_end().len();
        let location = self.location(marker_start, end);
        self.doc.checklist_items.push(ChecklistItem {
            text: String::new(),
            checked,
            section: self.sections.iter().map(|(_, t)| t.clone()).collect(),
            location,
        });
    }

    fn finish_item(&mut self, item: ItemCapture) {
        if let Some(recorded) = self.doc.checklist_items.get_mut(item.index) {
            recorded.text = collapse_whitespace(&item.text);
        }
    }

    fn location(&self, start: usize, end: usize) -> Location {
        self.lines.location(&self.file, start, end)
    }

    fn record_link(
        &mut self,
        context: PathContext,
        link_type: LinkType,
        dest: &str,
        id: &str,
        range: Range<usize>,
    ) {
        let span = match link_type {
            LinkType::Inline => inline_destination(&self.text[range.clone()])
                .map(|r| range.start + r.start..range.start + r.end),
            LinkType::Email => {
                let location = self.location(range.start + 1, range.end.saturating_sub(1));
                let url = format!("mailto:{dest}");
                self.doc.urls.push(UrlRef {
                    url,
                    location,
                    context,
                });
                return;
            }
            LinkType::Autolink => Some(range.start + 1..range.end.saturating_sub(1)),
            LinkType::Reference | LinkType::Collapsed | LinkType::Shortcut => {
                let label = normalize_label(id);
                let Some(def) = self
                    .definitions
                    .iter()
                    .find(|(l, _)| *l == label)
                    .map(|(_, s)| s.clone())
                else {
                    return;
                };
                if !self.used_definitions.insert(def.start) {
                    return;
                }
                definition_destination(&self.text[def.clone()])
                    .map(|r| def.start + r.start..def.start + r.end)
            }
            _ => None,
        };
        let span = span.unwrap_or(range);
        self.record_destination(context, dest, span);
    }

    /// `href="..."` and `src="..."` in raw HTML, which GitHub renders as links and images.
    fn record_html_links(&mut self, html: &str, range: Range<usize>) {
        static ATTRIBUTE: OnceLock<Option<Regex>> = OnceLock::new();
        let Some(attribute) = ATTRIBUTE
            .get_or_init(|| Regex::new(r#"(?i)\b(href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')"#).ok())
            .as_ref()
        else {
            return;
        };
        let exact = self.text.get(range.clone()) == Some(html);
        let found: Vec<(PathContext, String, Range<usize>)> = attribute
            .captures_iter(html)
            .filter_map(|c| {
                let value = c.get(2).or_else(|| c.get(3))?;
                let context = if c[1].eq_ignore_ascii_case("src") {
                    PathContext::Image
                } else {
                    PathContext::Link
                };
                let span = if exact {
                    range.start + value.start()..range.start + value.end()
                } else {
                    range.clone()
                };
                Some((context, decode_entities(value.as_str()), span))
            })
            .collect();
        for (context, dest, span) in found {
            self.record_destination(context, &dest, span);
        }
    }

    fn record_destination(&mut self, context: PathContext, dest: &str, span: Range<usize>) {
        let dest = dest.trim();
        if dest.is_empty() {
            return;
        }
        let location = self.location(span.start, span.end);
        if let Some(fragment) = dest.strip_prefix('#') {
            // A same-document anchor: the document exists; its fragment is checked later.
            self.doc.paths.push(PathRef {
                text: dest.to_string(),
                path: String::new(),
                resolved: Some(self.doc.file.clone()),
                exists: true,
                checked: true,
                unchecked: None,
                candidates: Vec::new(),
                exists_from_root: None,
                location,
                context,
                command_position: false,
                command: None,
                fragment: Some(fragment.to_string()),
                fragment_found: None,
                section: self.current_section(),
            });
            return;
        }
        if has_scheme(dest) {
            self.doc.urls.push(UrlRef {
                url: dest.to_string(),
                location,
                context,
            });
            return;
        }
        let (before_fragment, fragment) = match dest.split_once('#') {
            Some((path, fragment)) => (path, Some(fragment.to_string())),
            None => (dest, None),
        };
        let raw_path = before_fragment.split('?').next().unwrap_or_default();
        let mut path_ref = PathRef {
            text: dest.to_string(),
            path: raw_path.to_string(),
            resolved: None,
            exists: false,
            checked: false,
            unchecked: None,
            candidates: Vec::new(),
            exists_from_root: None,
            location,
            context,
            command_position: false,
            command: None,
            fragment,
            fragment_found: None,
            section: self.current_section(),
        };
        if raw_path.is_empty() {
            return; // `?query` only: the document itself
        }
        match percent_encoding::percent_decode_str(raw_path).decode_utf8() {
            // Borrowed: nothing was encoded, `path` already holds the text.
            Ok(std::borrow::Cow::Borrowed(_)) => {}
            Ok(std::borrow::Cow::Owned(decoded)) => path_ref.path = decoded,
            Err(_) => {
                path_ref.unchecked = Some(UncheckedReason::BadEncoding);
                self.doc.paths.push(path_ref);
                return;
            }
        }
        let (base, path) = match path_ref.path.strip_prefix('/') {
            Some(from_root) => ("", from_root),
            None => (self.doc_dir.as_str(), path_ref.path.as_str()),
        };
        let lookup = self.repository.lookup(&[base], path);
        let exists_from_root = if lookup.resolved.is_none() && !base.is_empty() {
            join_normalized("", path).filter(|p| self.repository.exists(p))
        } else {
            None
        };
        path_ref.checked = true;
        path_ref.exists = lookup.resolved.is_some();
        path_ref.resolved = lookup.resolved;
        path_ref.candidates = lookup.candidates;
        path_ref.exists_from_root = exists_from_root;
        self.doc.paths.push(path_ref);
    }

    /// Legacy names and machine-local paths, anywhere in the text.
    fn scan_text(&mut self, legacy: &LegacyNames) {
        for (name, range) in legacy.find(self.text) {
            let in_code = self.in_code(range.start);
            self.doc.legacy_names.push(LegacyNameMention {
                name,
                text: self.text[range.clone()].to_string(),
                word: enclosing_word(self.text, range.clone()).to_string(),
                location: self.location(range.start, range.end),
                in_code,
                section: self.section_at(range.start),
            });
        }
        for found in machine_local_paths(self.text) {
            if self.in_command_output(found.range.start) {
                // `which python3` printing `/home/jane/.pyenv/...`: a sample of what the
                // reader will see on their own machine, not a path anyone must use.
                continue;
            }
            let in_code = self.in_code(found.range.start);
            self.doc.machine_local_paths.push(MachineLocalPath {
                text: self.text[found.range.clone()].to_string(),
                home: found.home,
                user: found.user,
                location: self.location(found.range.start, found.range.end),
                in_code,
                section: self.section_at(found.range.start),
            });
        }
    }

    fn current_section(&self) -> Option<String> {
        self.sections.last().map(|(_, title)| title.clone())
    }

    /// The heading above byte `offset` (after parsing, from the recorded heading starts).
    fn section_at(&self, offset: usize) -> Option<String> {
        let index = self
            .heading_starts
            .partition_point(|(start, _)| *start <= offset);
        index
            .checked_sub(1)
            .map(|i| self.heading_starts[i].1.clone())
    }

    /// True when `offset` is on an output line of a code block that shows a terminal
    /// session: the block has prompt lines (`$ cmd`, `> cmd`) and this line is not one.
    fn in_command_output(&self, offset: usize) -> bool {
        let index = self.code_ranges.partition_point(|r| r.start <= offset);
        let Some(block) = index.checked_sub(1).map(|i| &self.code_ranges[i]) else {
            return false;
        };
        if !block.contains(&offset) {
            return false;
        }
        let is_prompt = |line: &str| {
            let l = line.trim_start();
            l.starts_with("$ ")
                || l.starts_with("> ")
                || l.starts_with("% ")
                || l.starts_with("PS> ")
        };
        let line_start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[offset..]
            .find('\n')
            .map_or(self.text.len(), |i| offset + i);
        let start = block.start.min(line_start);
        !is_prompt(&self.text[line_start..line_end])
            && self.text[start..line_start].lines().any(is_prompt)
    }

    fn in_code(&self, offset: usize) -> bool {
        // Code ranges arrive in document order and never overlap.
        let index = self.code_ranges.partition_point(|r| r.start <= offset);
        index
            .checked_sub(1)
            .is_some_and(|i| self.code_ranges[i].contains(&offset))
    }
}

pub(crate) fn collapse_whitespace(text: &str) -> String {
    // Most headings and items are already collapsed: ASCII, single spaces, no ends to trim.
    let bytes = text.as_bytes();
    let collapsed = bytes.first().is_some_and(|b| *b != b' ')
        && bytes.last().is_some_and(|b| *b != b' ')
        && bytes
            .iter()
            .all(|b| b.is_ascii() && !(b'\t'..=b'\r').contains(b))
        && !bytes.windows(2).any(|w| w == b"  ");
    if collapsed {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests;
