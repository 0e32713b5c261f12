//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io::{self, Read};
use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;

/// A path under `tests/fixtures/`.
pub(crate) fn fixture(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
        .display()
        .to_string()
}

/// The caller's settings that change apidiag's output: colour, terminal width, rule
/// files, the completion protocol. Every test runs without them.
pub(crate) const CALLER_SETTINGS: &[&str] = &[
    "NO_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "TERM",
    "COLORTERM",
    "COLUMNS",
    "APIDIAG_RULES",
    "XDG_CONFIG_HOME",
    "COMPLETE",
];

/// The binary with a deterministic environment: no colour or rule variables from the
/// caller, and a `HOME` without a user rule folder.
pub(crate) fn apidiag() -> Command {
    let mut cmd = Command::cargo_bin("apidiag").unwrap();
    for var in CALLER_SETTINGS {
        cmd.env_remove(var);
    }
    cmd.env("HOME", env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// Compare `actual` with a committed generated file, or rewrite it under `APIDIAG_BLESS=1`.
pub(crate) fn check_or_bless(path: &Path, actual: &str) {
    if std::env::var_os("APIDIAG_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; generate it with APIDIAG_BLESS=1 cargo test",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} is stale (first difference at line {}); if the change is intended, run APIDIAG_BLESS=1 cargo test\n--- committed\n{}\n--- now\n{}",
            path.display(),
            line + 1,
            expected.lines().nth(line).unwrap_or("<end of file>"),
            actual.lines().nth(line).unwrap_or("<end of file>"),
        );
    }
}

/// A reader that counts the bytes taken from it, to prove streaming.
pub(crate) struct Counting<R> {
    pub inner: R,
    pub taken: std::rc::Rc<std::cell::Cell<usize>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.taken.set(self.taken.get() + n);
        Ok(n)
    }
}

/// What one run of the binary gave.
#[derive(Debug)]
pub(crate) struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub took: Duration,
}

pub(crate) fn run_with(args: &[&str], stdin: impl Into<Vec<u8>>) -> Run {
    let start = Instant::now();
    let out = apidiag()
        .args(args)
        .timeout(Duration::from_secs(60))
        .write_stdin(stdin.into())
        .output()
        .expect("apidiag runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: start.elapsed(),
    }
}

pub(crate) fn run_file(args: &[&str], file: &Path) -> Run {
    let mut all: Vec<&str> = args.to_vec();
    let f = file.to_str().expect("a UTF-8 temp path");
    all.push(f);
    run_with(&all, Vec::new())
}

impl Run {
    /// Never a panic, on either stream.
    pub(crate) fn no_panic(&self, what: &str) -> &Self {
        for (name, text) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            assert!(
                !text.contains("panicked") && !text.contains("RUST_BACKTRACE"),
                "{what}: a panic on {name}:\n{text}"
            );
        }
        self
    }

    /// Exit 2 with exactly one line on stderr, `apidiag: error: …`.
    pub(crate) fn one_line_error(&self, what: &str) -> &Self {
        self.no_panic(what);
        assert_eq!(
            self.code, 2,
            "{what}: expected exit 2, got {}\nstdout: {}\nstderr: {}",
            self.code, self.stdout, self.stderr
        );
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "{what}: stderr is not one line:\n{}",
            self.stderr
        );
        assert!(
            lines[0].starts_with("apidiag: error: "),
            "{what}: stderr does not start with `apidiag: error: `: {}",
            lines[0]
        );
        self
    }

    /// A diagnosis was printed: exit 0 (diagnosed) or 1 (nothing recognised), nothing
    /// on stderr, something on stdout.
    pub(crate) fn diagnosis(&self, what: &str) -> &Self {
        self.no_panic(what);
        assert!(
            self.code == 0 || self.code == 1,
            "{what}: expected exit 0 or 1, got {}\nstdout: {}\nstderr: {}",
            self.code,
            self.stdout,
            self.stderr
        );
        assert!(self.stderr.is_empty(), "{what}: stderr: {}", self.stderr);
        assert!(!self.stdout.is_empty(), "{what}: no output");
        self
    }

    pub(crate) fn within(&self, limit: Duration, what: &str) -> &Self {
        assert!(
            self.took <= limit,
            "{what}: took {:?} (limit {limit:?})",
            self.took
        );
        self
    }

    /// The `--format json` output as values, one per line.
    pub(crate) fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

/// How many bytes a [`Counting`] reader has handed out so far.
pub(crate) type Taken = std::rc::Rc<std::cell::Cell<usize>>;

/// A buffered reader over `text` with `buf` bytes of buffer, and the count of bytes
/// it has taken from `text` so far.
pub(crate) fn counting_reader(
    text: &str,
    buf: usize,
) -> (io::BufReader<Counting<io::Cursor<Vec<u8>>>>, Taken) {
    let taken = Taken::default();
    let inner = Counting {
        inner: io::Cursor::new(text.as_bytes().to_vec()),
        taken: taken.clone(),
    };
    (io::BufReader::with_capacity(buf, inner), taken)
}

/// A body read as JSON, as the tests look into it (`None`: not JSON).
pub(crate) fn body_json(body: &apidiag::response::Body) -> Option<serde_json::Value> {
    apidiag::json::Json::parse_body(body.bytes()).map(|j| serde_json::to_value(j).expect("JSON"))
}
