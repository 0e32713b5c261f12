//! Reading rule files: the built-in ones embedded at build time, and user files or
//! folders. Errors name the file, the position and the rule.

use std::fmt;
use std::path::{Path, PathBuf};

use super::model::RuleFile;

/// A built-in rule file as `build.rs` took it apart: `head` is the file with `"rules": []`,
/// and each rule's text is `file[span.0..span.1]`. `rules` is `None` when the file could
/// not be taken apart; it is then parsed whole (and its error reported) at run time.
#[derive(Debug)]
pub(crate) struct BuiltinPack {
    /// Index into [`BUILTIN_RULE_FILES`].
    pub file: usize,
    /// The file without `rules` (as `[]`) and `tables`, minified.
    pub head: &'static str,
    /// The head's `tables`, minified (empty when none): parsed only when a rule looks
    /// one up.
    pub tables: &'static str,
    pub rules: Option<&'static [BuiltinRule]>,
}

/// What a run needs of a built-in rule before it is a candidate; the rest of it is
/// parsed from its text the first time it is needed.
#[derive(Debug)]
pub(crate) struct BuiltinRule {
    pub id: &'static str,
    pub span: (usize, usize),
    /// The literal that indexes it ([`super::index::literal_of`]).
    pub literal: Option<&'static str>,
    /// `when.status` as [`super::compile::StatusSet`]'s codes and classes; `None` when
    /// absent or invalid (either way the index files the rule under any status).
    pub status: Option<(&'static [u16], &'static [u16])>,
    /// The `"examples": …` member, as a span of the rule's text.
    pub examples: Option<(usize, usize)>,
    pub gate: BuiltinGate<'static>,
    /// Its `priority` and number of conditions, the first ranking keys
    /// ([`super::RuleSet::matches`]): candidates are ranked without parsing them.
    pub rank: (i32, usize),
    /// Its place in rank order among the built-in rules (build.rs sorted them).
    pub place: u32,
}

/// Conditions a rule cannot hold without, cheap to test before the rule is parsed.
#[derive(Debug, Clone, Default)]
pub(crate) struct BuiltinGate<'a> {
    /// It tests a transport failure (`when.transport_error`).
    pub transport: bool,
    /// It tests the JSON body (`when.body`).
    pub json: bool,
    /// `when.body_kind`, as written.
    pub body_kind: Option<&'a str>,
    /// Response headers it needs present (`when.headers` without `exists: false`).
    pub headers: &'a [&'a str],
}

// `BUILTIN_RULE_FILES: &[(name, text)]` and `BUILTIN_PACKS: &[BuiltinPack]`.
include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// The name `--no-pack` knows a built-in rule file by: its file name without `.json`
/// (`github.json` is the pack `github`).
pub fn pack_name(file: &str) -> &str {
    file.strip_suffix(".json").unwrap_or(file)
}

/// The names of the built-in packs, in file order.
pub fn builtin_pack_names() -> Vec<&'static str> {
    BUILTIN_PACKS
        .iter()
        .map(|p| pack_name(BUILTIN_RULE_FILES[p.file].0))
        .collect()
}

/// Where a rule file came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Builtin(&'static str),
    User(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Builtin(name) => write!(f, "built-in rules/{name}"),
            Origin::User(path) => write!(f, "{}", path.display()),
        }
    }
}

/// A rule file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    pub origin: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub rule: Option<String>,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        if let Some(rule) = &self.rule {
            write!(f, ": rule {rule}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl LoadError {
    pub(crate) fn new(origin: &Origin, message: impl Into<String>) -> Self {
        Self {
            origin: origin.to_string(),
            line: None,
            column: None,
            rule: None,
            message: message.into(),
        }
    }

    pub(crate) fn in_rule(mut self, id: &str) -> Self {
        self.rule = Some(id.to_owned());
        self
    }
}

/// Every built-in rule file parsed whole, examples included (for `rules check`, tests
/// and benchmarks; diagnosing parses built-in rules lazily instead).
pub fn builtin_files() -> Result<Vec<(Origin, RuleFile)>, LoadError> {
    BUILTIN_RULE_FILES
        .iter()
        .map(|(name, text)| {
            let origin = Origin::Builtin(name);
            parse(&origin, text).map(|file| (origin, file))
        })
        .collect()
}

pub fn parse(origin: &Origin, text: &str) -> Result<RuleFile, LoadError> {
    serde_json::from_str(text).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        let message = e.to_string();
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_owned();
        LoadError {
            line: (line > 0).then_some(line),
            column: (column > 0).then_some(column),
            rule: rule_before(text, line),
            ..LoadError::new(origin, message)
        }
    })
}

/// The id of the last rule that starts before `line`: the rule an error is inside.
fn rule_before(text: &str, line: usize) -> Option<String> {
    let mut found = None;
    for l in text.lines().take(line) {
        if let Some(rest) = l.trim_start().strip_prefix("\"id\"") {
            let value = rest
                .trim_start()
                .strip_prefix(':')?
                .trim()
                .trim_end_matches(',');
            found = serde_json::from_str::<String>(value).ok();
        }
    }
    found
}

/// The most a user rule file may hold: far above any real pack (the largest built-in
/// file is 230 KB), and low enough that a path that never ends (`/dev/zero`, a huge
/// log named by mistake) is refused at once, also on every TAB of completion.
pub(crate) const MAX_RULE_FILE_BYTES: u64 = 4 << 20;
/// The most all user rule files may hold together.
pub(crate) const MAX_USER_RULE_BYTES: u64 = 16 << 20;
/// The most user rule files a run reads (a folder such as `/` named by mistake).
pub(crate) const MAX_RULE_FILES: usize = 1000;
/// The most user rules a run compiles.
pub(crate) const MAX_USER_RULES: usize = 10_000;

/// The user rule files named by `paths`: files as given, folders' `*.json` in name order.
pub(crate) fn user_files(paths: &[PathBuf]) -> Result<Vec<(Origin, String)>, LoadError> {
    let mut out = Vec::new();
    let mut budget = MAX_USER_RULE_BYTES;
    for path in paths {
        let files = if path.is_dir() {
            folder_files(path)?
        } else {
            vec![path.clone()]
        };
        for f in files {
            if out.len() == MAX_RULE_FILES {
                let origin = Origin::User(f);
                return Err(LoadError::new(
                    &origin,
                    format!(
                        "more than {MAX_RULE_FILES} user rule files in all; apidiag reads at most that many"
                    ),
                ));
            }
            out.push(read(&f, &mut budget)?);
        }
    }
    Ok(out)
}

/// A folder's rule files in name order, at most [`MAX_RULE_FILES`] of them.
fn folder_files(folder: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let origin = Origin::User(folder.to_path_buf());
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(|e| LoadError::new(&origin, format!("cannot list folder: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| super::shared::is_rule_file(p))
        .take(MAX_RULE_FILES + 1)
        .collect();
    if files.len() > MAX_RULE_FILES {
        return Err(LoadError::new(
            &origin,
            format!(
                "more than {MAX_RULE_FILES} rule files in the folder; apidiag reads at most that many"
            ),
        ));
    }
    files.sort();
    Ok(files)
}

/// Read one rule file within its size limit and what is left of `budget`.
fn read(path: &Path, budget: &mut u64) -> Result<(Origin, String), LoadError> {
    use std::io::Read;
    let origin = Origin::User(path.to_path_buf());
    let fail = |message: String| LoadError::new(&origin, message);
    let cannot = |e: std::io::Error| fail(format!("cannot read: {e}"));
    // Looked at before opening: opening a FIFO waits for a writer, and a device may
    // never end.
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        return Err(fail(
            "not a regular file (a pipe, device or socket); name a rule file or a folder of them"
                .into(),
        ));
    }
    let too_big = |size: u64| {
        (size > MAX_RULE_FILE_BYTES).then(|| {
            fail(format!(
                "larger than {} MiB, the most a rule file may hold",
                MAX_RULE_FILE_BYTES >> 20
            ))
        })
    };
    if let Some(e) = too_big(meta.len()) {
        return Err(e);
    }
    let mut text = String::new();
    // A file may grow after it was looked at, or claim no size (`/proc`): bound the read too.
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_RULE_FILE_BYTES + 1).read_to_string(&mut text))
        .map_err(cannot)?;
    let size = text.len() as u64;
    if let Some(e) = too_big(size) {
        return Err(e);
    }
    *budget = budget.checked_sub(size).ok_or_else(|| {
        fail(format!(
            "the user rule files hold more than {} MiB together, the most apidiag reads",
            MAX_USER_RULE_BYTES >> 20
        ))
    })?;
    Ok((origin, text))
}

/// Folders and files of user rules from the environment: `APIDIAG_RULES` (`:`-separated)
/// and `$XDG_CONFIG_HOME/apidiag/rules` (or `~/.config/apidiag/rules`) when it exists.
pub fn env_rule_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::env::var_os("APIDIAG_RULES")
        .map(|v| {
            std::env::split_paths(&v)
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default();
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    if let Some(dir) = config.map(|c| c.join("apidiag").join("rules"))
        && dir.is_dir()
    {
        paths.push(dir);
    }
    paths
}
