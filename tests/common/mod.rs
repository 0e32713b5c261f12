//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io::{self, Read};
use std::path::Path;

use assert_cmd::Command;

/// A path under `tests/fixtures/`.
pub fn fixture(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
        .display()
        .to_string()
}

/// The binary with a deterministic environment: no colour or rule variables from the
/// caller, and a `HOME` without a user rule folder.
pub fn apidiag() -> Command {
    let mut cmd = Command::cargo_bin("apidiag").unwrap();
    for var in [
        "NO_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "TERM",
        "COLORTERM",
        "APIDIAG_RULES",
        "XDG_CONFIG_HOME",
        "COMPLETE",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("HOME", env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// Compare `actual` with a committed generated file, or rewrite it under `APIDIAG_BLESS=1`.
pub fn check_or_bless(path: &Path, actual: &str) {
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
pub struct Counting<R> {
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
