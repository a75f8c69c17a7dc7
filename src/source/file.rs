//! Reading repository files: the one way launchgate opens a file it did not write.
//!
//! Everything in a scanned repository may be hostile, so a read here never blocks, never
//! leaves the repository and never allocates more than the cap:
//! - only regular files are read: a FIFO, device or socket is refused, and it is opened
//!   non-blocking first, so not even a FIFO's `open` can hang;
//! - a path named by config or a policy resolves (symlinks included) inside the repository
//!   root, or it is refused ([`RepoRoot::resolve`]);
//! - at most [`MAX_FILE_BYTES`] are read; binary data and invalid UTF-8 are reported, not
//!   decoded.
//!
//! It never prints a file's contents: a [`ReadProblem`] says what was wrong, not what was read.

use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// The largest file a collector reads; larger ones become a fact, not an allocation.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Why a file's text could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadProblem {
    TooLarge(u64),
    Binary,
    InvalidUtf8 {
        line: u32,
    },
    /// The file does not exist (any more): collectors read files the walk listed, so it was
    /// removed or renamed after the walk.
    Removed,
    /// A FIFO, device, socket or directory: never read.
    NotARegularFile(&'static str),
    /// The path, once `..` and symlinks are resolved, is outside the repository.
    OutsideRoot,
    Io(String),
}

impl std::fmt::Display for ReadProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadProblem::TooLarge(n) => write!(
                f,
                "file is {n} bytes, over the {MAX_FILE_BYTES}-byte limit; not read"
            ),
            ReadProblem::Binary => write!(f, "file holds binary data (a NUL byte); not read"),
            ReadProblem::InvalidUtf8 { line } => {
                write!(
                    f,
                    "file is not valid UTF-8 (first bad byte on line {line}); not read"
                )
            }
            ReadProblem::Removed => write!(
                f,
                "file no longer exists (removed after the walk listed it); not read"
            ),
            ReadProblem::NotARegularFile(kind) => {
                write!(f, "is a {kind}, not a regular file; not read")
            }
            ReadProblem::OutsideRoot => write!(
                f,
                "resolves outside the repository (through `..`, an absolute path or a symlink); not read"
            ),
            ReadProblem::Io(e) => write!(f, "file could not be read: {e}"),
        }
    }
}

impl std::error::Error for ReadProblem {}

/// A repository root, canonical, that confines the paths config and policies name.
#[derive(Debug, Clone)]
pub struct RepoRoot {
    root: PathBuf,
}

impl RepoRoot {
    /// The root at `path` (resolved to its canonical form).
    pub fn new(path: &Path) -> std::io::Result<RepoRoot> {
        Ok(RepoRoot {
            root: std::fs::canonicalize(path)?,
        })
    }

    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The absolute path of `rel` (a repository-relative path as config or a policy names
    /// it), if it stays inside the root once `..` and every symlink are resolved. An absolute
    /// path is accepted only when it lies inside the root. A path that does not exist yet is
    /// resolved as far as it exists.
    pub fn resolve(&self, rel: &str) -> Result<PathBuf, ReadProblem> {
        let candidate = Path::new(rel);
        let joined = if candidate.is_absolute() {
            candidate.to_path_buf()
        } else {
            self.root.join(candidate)
        };
        let resolved = resolve_existing_prefix(&joined)?;
        if resolved.starts_with(&self.root) {
            Ok(resolved)
        } else {
            Err(ReadProblem::OutsideRoot)
        }
    }

    /// Read `rel` as text, confined to the root ([`RepoRoot::resolve`], then [`read_text`]).
    pub fn read_text(&self, rel: &str) -> Result<String, ReadProblem> {
        read_text(&self.resolve(rel)?)
    }
}

/// Canonicalise the longest existing prefix of `path` and append the rest, normalised: a path
/// that does not exist yet still cannot hide a `..` or a symlink that leaves the root.
fn resolve_existing_prefix(path: &Path) -> Result<PathBuf, ReadProblem> {
    let mut existing = path.to_path_buf();
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    loop {
        match std::fs::canonicalize(&existing) {
            Ok(canonical) => {
                let mut out = canonical;
                for part in rest.iter().rev() {
                    if part == ".." {
                        // `..` after a missing component: climb lexically.
                        out.pop();
                    } else if part != "." {
                        out.push(part);
                    }
                }
                return Ok(out);
            }
            Err(_) => {
                let Some(name) = existing.file_name().map(|n| n.to_os_string()) else {
                    // `..` or the file-system root as the last part: look at the parent.
                    match existing.components().next_back() {
                        Some(Component::ParentDir) => {
                            rest.push("..".into());
                            existing.pop();
                            continue;
                        }
                        _ => return Err(ReadProblem::Removed),
                    }
                };
                rest.push(name);
                if !existing.pop() {
                    return Err(ReadProblem::Removed);
                }
            }
        }
    }
}

/// Open `path` for reading without ever blocking on it: non-blocking, not following a final
/// symlink, and only if it is a regular file.
pub fn open_regular(path: &Path) -> Result<File, ReadProblem> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    }
    let file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadProblem::Removed,
        _ if e.raw_os_error() == Some(ELOOP) => ReadProblem::NotARegularFile("symlink"),
        kind => ReadProblem::Io(kind.to_string()),
    })?;
    let meta = file
        .metadata()
        .map_err(|e| ReadProblem::Io(e.kind().to_string()))?;
    if !meta.is_file() {
        return Err(ReadProblem::NotARegularFile(file_kind(&meta)));
    }
    Ok(file)
}

#[cfg(unix)]
const ELOOP: i32 = libc::ELOOP;
#[cfg(not(unix))]
const ELOOP: i32 = -1;

fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "FIFO";
        }
        if t.is_socket() {
            return "socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "device";
        }
    }
    if meta.is_dir() {
        "directory"
    } else {
        "special file"
    }
}

/// Read at most `cap` bytes of a regular file; more is [`ReadProblem::TooLarge`].
pub fn read_bytes(path: &Path, cap: u64) -> Result<Vec<u8>, ReadProblem> {
    let file = open_regular(path)?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > cap {
        return Err(ReadProblem::TooLarge(len));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadProblem::Io(e.kind().to_string()))?;
    if bytes.len() as u64 > cap {
        return Err(ReadProblem::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Read a text file with the size cap, rejecting binary data and invalid UTF-8. For paths the
/// walk listed (already inside the root, never through a symlink); config-named paths go
/// through [`RepoRoot::read_text`].
pub fn read_text(path: &Path) -> Result<String, ReadProblem> {
    let bytes = read_bytes(path, MAX_FILE_BYTES)?;
    if bytes.contains(&0) {
        return Err(ReadProblem::Binary);
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..good].iter().filter(|b| **b == b'\n').count() + 1;
        ReadProblem::InvalidUtf8 {
            line: u32::try_from(line).unwrap_or(u32::MAX),
        }
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn repo() -> (tempfile::TempDir, RepoRoot) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("docs")).expect("mkdir");
        std::fs::write(dir.path().join("docs/a.md"), "# a\n").expect("write");
        let root = RepoRoot::new(dir.path()).expect("root");
        (dir, root)
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let (dir, root) = repo();
        let fifo = dir.path().join("launchgate-waivers.toml");
        let c = std::ffi::CString::new(fifo.to_str().expect("utf-8")).expect("cstring");
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        assert_eq!(
            root.read_text("launchgate-waivers.toml"),
            Err(ReadProblem::NotARegularFile("FIFO"))
        );
        assert_eq!(read_text(&fifo), Err(ReadProblem::NotARegularFile("FIFO")));
    }

    #[test]
    fn devices_and_directories_are_not_read() {
        assert_eq!(
            read_text(Path::new("/dev/zero")),
            Err(ReadProblem::NotARegularFile("device"))
        );
        let (_dir, root) = repo();
        assert_eq!(
            root.read_text("docs"),
            Err(ReadProblem::NotARegularFile("directory"))
        );
    }

    #[test]
    fn paths_stay_inside_the_root() {
        let (dir, root) = repo();
        assert_eq!(root.read_text("docs/a.md").as_deref(), Ok("# a\n"));
        assert_eq!(root.read_text("docs/../docs/a.md").as_deref(), Ok("# a\n"));
        assert_eq!(root.read_text("../x"), Err(ReadProblem::OutsideRoot));
        assert_eq!(root.read_text("/etc/passwd"), Err(ReadProblem::OutsideRoot));
        assert_eq!(
            root.read_text("docs/missing/../../../etc/passwd"),
            Err(ReadProblem::OutsideRoot)
        );
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("link")).expect("symlink");
        assert_eq!(root.read_text("link"), Err(ReadProblem::OutsideRoot));
        std::os::unix::fs::symlink("docs/a.md", dir.path().join("inner")).expect("symlink");
        assert_eq!(root.read_text("inner").as_deref(), Ok("# a\n"));
        // A walk-listed path is never read through a symlink.
        assert_eq!(
            read_text(&dir.path().join("inner")),
            Err(ReadProblem::NotARegularFile("symlink"))
        );
    }

    #[test]
    fn the_cap_binary_and_utf8_are_reported() {
        let (dir, _root) = repo();
        let big = dir.path().join("big");
        let f = File::create(&big).expect("create");
        f.set_len(MAX_FILE_BYTES + 1).expect("sparse");
        assert_eq!(
            read_text(&big),
            Err(ReadProblem::TooLarge(MAX_FILE_BYTES + 1))
        );
        std::fs::write(dir.path().join("bin"), b"a\0b").expect("write");
        assert_eq!(read_text(&dir.path().join("bin")), Err(ReadProblem::Binary));
        std::fs::write(dir.path().join("bad"), b"ok\n\xff").expect("write");
        assert_eq!(
            read_text(&dir.path().join("bad")),
            Err(ReadProblem::InvalidUtf8 { line: 2 })
        );
        assert_eq!(
            read_text(&dir.path().join("gone")),
            Err(ReadProblem::Removed)
        );
    }
}
