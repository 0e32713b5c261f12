//! The oldest version of each client that knows the options `run` adds, and the check:
//! `CLIENT --version` is run once, before the call, and only when options are added
//! (with the user's own `-v`, `--trace`, `-o LOG` or output options nothing is added,
//! and nothing is checked). It costs one more process start: 6 to 13 ms for curl,
//! wget and xh, 0.4 to 0.5 s for HTTPie (a Python start, as long as a call; measured
//! on the development machine under load), so HTTPie is asked only after it refused
//! an added option (see `wrap::run`).
//!
//! Where each minimum comes from (the clients' own changelogs and manuals):
//! - curl `--trace FILE`: "Added: 7.9.7" in curl's `docs/cmdline-opts/trace.d`, and
//!   "--trace or --trace-ascii dump a full network/debug dump" in the 7.9.7 changes
//!   (<https://curl.se/ch/7.9.7.html>). apidiag uses no `--write-out` variable.
//! - wget `-S`: "Wget can display HTTP headers … with the new `-S' option", under
//!   "Changes in Wget 1.4.0" of wget's NEWS; `-o LOGFILE` is as old. On a terminal
//!   `--progress=bar:force` is added too: "You can choose the progress bar type with
//!   `--progress=TYPE'", under "Changes in Wget 1.8" of NEWS (NEWS does not date the
//!   `:force` parameter, so 1.8 is the lower bound that could be confirmed).
//! - HTTPie `--print=HhBb`: "Added the ability to print the HTTP request as well as
//!   the response (see --print and --verbose)", HTTPie 0.2.0 release notes; on a
//!   terminal `--pretty=all` too: "Added the option to separate colorizing and
//!   formatting (--pretty=all, --pretty=colors and --pretty=format)", HTTPie 0.3.0
//!   (<https://github.com/httpie/cli/releases>).
//! - xh: the binary took the name `xh` in 0.7.0 ("Rename ht binary to xh", xh's
//!   CHANGELOG.md) and `--print`/`--pretty` are older than that, so every `xh` has
//!   them; the check is there so that a later change has a place to go.

use std::ffi::OsStr;
use std::fmt;
use std::process::{Command, Stdio};

/// A dotted version, compared part by part (`7.9.7` < `7.10.0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u32, pub u32, pub u32);

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// What the added options need: the client's name, the version, and which option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needed {
    pub client: &'static str,
    pub version: Version,
    pub option: &'static str,
}

pub const CURL_TRACE: Needed = Needed {
    client: "curl",
    version: Version(7, 9, 7),
    option: "--trace",
};
pub const WGET_SERVER_RESPONSE: Needed = Needed {
    client: "wget",
    version: Version(1, 4, 0),
    option: "-S",
};
pub const WGET_PROGRESS: Needed = Needed {
    client: "wget",
    version: Version(1, 8, 0),
    option: "--progress=bar:force",
};
pub const HTTPIE_PRINT: Needed = Needed {
    client: "HTTPie",
    version: Version(0, 2, 0),
    option: "--print",
};
pub const HTTPIE_PRETTY: Needed = Needed {
    client: "HTTPie",
    version: Version(0, 3, 0),
    option: "--pretty=all",
};
pub const XH_PRINT: Needed = Needed {
    client: "xh",
    version: Version(0, 7, 0),
    option: "--print",
};

/// The version in the first line of `CLIENT --version`: the first word that starts
/// with a digit (`curl 7.68.0 (x86_64-pc-linux-gnu) …`, `GNU Wget 1.20.3 built on
/// linux-gnu.`, HTTPie's bare `3.2.2`, `xh 0.26.3`). Missing parts are 0; a suffix
/// (`7.88.1-DEV`, `1.0.0b1`) is ignored.
pub fn parse(output: &str) -> Option<Version> {
    let first = output.lines().find(|l| !l.trim().is_empty())?;
    let word = first
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))?;
    let mut parts = word.split('.').map(|p| {
        let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u32>().ok()
    });
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let patch = parts.next().flatten().unwrap_or(0);
    Some(Version(major, minor, patch))
}

/// What checking found.
#[derive(Debug, PartialEq, Eq)]
pub enum Checked {
    /// New enough, or a version that could not be read (then the call is tried).
    Fine,
    /// This version is older than needed.
    TooOld(Version),
    /// The program is not there.
    Missing,
}

/// Run `program --version` once and compare.
pub fn check(program: &OsStr, needed: Needed) -> Checked {
    let out = Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    match out {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Checked::Missing,
        Err(_) => Checked::Fine,
        Ok(out) => match parse(&String::from_utf8_lossy(&out.stdout)) {
            Some(v) if v < needed.version => Checked::TooOld(v),
            _ => Checked::Fine,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_of_the_real_clients() {
        assert_eq!(
            parse(
                "curl 7.68.0 (x86_64-pc-linux-gnu) libcurl/7.68.0 OpenSSL/1.1.1f\nRelease-Date: 2020-01-08\n"
            ),
            Some(Version(7, 68, 0))
        );
        assert_eq!(
            parse("GNU Wget 1.20.3 built on linux-gnu.\n\n-cares +digest"),
            Some(Version(1, 20, 3))
        );
        assert_eq!(
            parse("GNU Wget 1.12 built on linux-gnu."),
            Some(Version(1, 12, 0))
        );
        assert_eq!(parse("3.2.2\n"), Some(Version(3, 2, 2)));
        assert_eq!(parse("1.0.0-dev\n"), Some(Version(1, 0, 0)));
        assert_eq!(
            parse("xh 0.26.3\n-native-tls +rustls\n"),
            Some(Version(0, 26, 3))
        );
        assert_eq!(parse("curl 7.88.1-DEV (x)"), Some(Version(7, 88, 1)));
        assert_eq!(parse("no version here"), None);
        assert_eq!(parse(""), None);
        assert!(Version(7, 9, 6) < Version(7, 9, 7));
        assert!(Version(7, 10, 0) > Version(7, 9, 7));
    }
}
