//! HTTPie (`http`, `https`) and xh (`xh`, `xhs`): they print everything on stdout, so
//! the client runs with `--print=HhBb` (request and response, headers and bodies) into
//! a pipe, and apidiag passes on only what the client alone would have printed: the
//! response body when stdout is not a terminal (their default `--print=b` there), the
//! response headers and body, pretty (`--pretty=all`), on a terminal (their default
//! `hb`). When the user chose the output (`--print`, `-v`, `-h`, `-b`, `-o`,
//! `--download`, `--pretty`, `--stream`, …) nothing is added; when stdout is not a
//! terminal it is still read on its way (`-v` shows the response), else only a
//! transport error can be diagnosed.
//! stderr is copied as it arrives, for transport errors (`http: error: …`).

use std::ffi::OsString;
use std::io::{IsTerminal, Write};

use super::{Plan, Private, StdoutFilter, os};

/// Options that choose what the client prints (HTTPie 3 and xh).
const OUTPUT_OPTIONS: &[&str] = &[
    "--print",
    "--headers",
    "--body",
    "--verbose",
    "--all",
    "--meta",
    "--output",
    "--download",
    "--quiet",
    "--pretty",
    "--style",
    "--stream",
    "--offline",
    "--history-print",
    "--format-options",
    "--sorted",
    "--unsorted",
    "--response-charset",
    "--response-mime",
];
const OUTPUT_SHORT: &[u8] = b"phbvamodqsSP";

/// Whether the user's arguments choose the output themselves.
pub fn chooses_output(args: &[OsString]) -> bool {
    args.iter().any(|a| {
        let a = a.to_string_lossy();
        if let Some(long) = a.strip_prefix("--") {
            let name = long.split('=').next().unwrap_or(long);
            return OUTPUT_OPTIONS.contains(&format!("--{name}").as_str());
        }
        match a.strip_prefix('-') {
            // Short flags only: `-a` … (HTTPie items such as `x-y:z` start with no dash).
            Some(c)
                if !c.is_empty() && c.len() <= 3 && c.bytes().all(|b| b.is_ascii_alphabetic()) =>
            {
                c.bytes().any(|b| OUTPUT_SHORT.contains(&b))
            }
            _ => false,
        }
    })
}

pub(crate) fn plan(args: &[OsString], _private: &Private, xh: bool) -> Plan {
    use super::version::{HTTPIE_PRETTY, HTTPIE_PRINT, XH_PRINT};
    let terminal = std::io::stdout().is_terminal();
    if chooses_output(args) {
        return Plan {
            args: args.to_vec(),
            tee_stderr: true,
            quiet_stderr: false,
            stdout_filter: (!terminal).then_some(StdoutFilter::All),
            needs: None,
        };
    }
    let mut all = vec![os("--print=HhBb")];
    if terminal {
        all.push(os("--pretty=all"));
    }
    all.extend(args.iter().cloned());
    Plan {
        args: all,
        tee_stderr: true,
        quiet_stderr: false,
        stdout_filter: Some(if terminal {
            StdoutFilter::Response
        } else {
            StdoutFilter::Body
        }),
        needs: Some(match (xh, terminal) {
            (true, _) => XH_PRINT,
            (false, true) => HTTPIE_PRETTY,
            (false, false) => HTTPIE_PRINT,
        }),
    }
}

/// Whether HTTPie's usage error (argparse: `http: error: unrecognized arguments:
/// --print=HhBb`, `argument --pretty: invalid choice`) names an option apidiag added.
pub fn refused_an_added_option(stderr: &[u8]) -> bool {
    let text = String::from_utf8_lossy(stderr);
    text.lines().any(|l| {
        l.contains(": error: ")
            && (l.contains("--print") || l.contains("--pretty"))
            && (l.contains("unrecognized arguments")
                || l.contains("invalid choice")
                || l.contains("ignored explicit argument"))
    })
}

/// Passes on the part of `--print=HhBb` output the user would have seen.
pub(crate) struct Passer {
    filter: StdoutFilter,
    /// Bytes not yet placed (up to the body, or the response).
    pending: Vec<u8>,
    /// Where in `pending` the next line starts.
    scanned: usize,
    /// The response status line was seen.
    in_response: bool,
    /// From here on every byte is passed on.
    passing: bool,
    /// What the client adds at the end on a terminal only.
    trailer: &'static [u8],
}

impl Passer {
    pub(crate) fn new(filter: StdoutFilter, xh: bool) -> Passer {
        Passer {
            filter,
            pending: Vec::new(),
            scanned: 0,
            in_response: false,
            passing: filter == StdoutFilter::All,
            // HTTPie ends a response with a blank line on a terminal, xh with a newline.
            trailer: if xh { b"\n" } else { b"\n\n" },
        }
    }

    pub(crate) fn feed(&mut self, bytes: &[u8], out: &mut dyn Write) -> std::io::Result<()> {
        if self.passing {
            return out.write_all(bytes);
        }
        self.pending.extend_from_slice(bytes);
        while let Some(nl) = self.pending[self.scanned..]
            .iter()
            .position(|b| *b == b'\n')
        {
            let start = self.scanned;
            let end = start + nl + 1;
            self.scanned = end;
            let line = strip_ansi(&self.pending[start..end]);
            if !self.in_response {
                if line.starts_with(b"HTTP/") {
                    self.in_response = true;
                    if self.filter == StdoutFilter::Response {
                        return self.pass_from(start, out);
                    }
                }
            } else if line.iter().all(|b| matches!(b, b'\r' | b'\n' | b' ')) {
                return self.pass_from(end, out);
            }
        }
        Ok(())
    }

    /// At the end: on a terminal HTTPie ends the response with a blank line (xh with a
    /// newline), which it does not print into a pipe.
    pub(crate) fn finish(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        if self.passing && self.filter == StdoutFilter::Response {
            out.write_all(self.trailer)?;
        }
        Ok(())
    }

    fn pass_from(&mut self, at: usize, out: &mut dyn Write) -> std::io::Result<()> {
        self.passing = true;
        let rest = self.pending.split_off(at);
        self.pending.clear();
        out.write_all(&rest)
    }
}

/// A line without its colour codes (`ESC [ … letter`).
fn strip_ansi(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        if line[i] == 0x1b && line.get(i + 1) == Some(&b'[') {
            i += 2;
            while i < line.len() && !line[i].is_ascii_alphabetic() {
                i += 1;
            }
            i += 1;
            continue;
        }
        out.push(line[i]);
        i += 1;
    }
    out
}

/// The status warning of `--check-status` (`xh: warning: HTTP 403 Forbidden`, HTTPie's
/// `http: warning: HTTP 403 Forbidden` between blank lines), which both print only when
/// their stdout is not a terminal: when apidiag's pipe is all that makes it so, the
/// warning is not the user's to see, and this takes it out of the client's stderr.
///
/// HTTPie 3 prints `\n{program}: {level}: {message}\n\n` through rich, which ends it
/// with one more newline (a blank line before, two after); `{level}` reads
/// `LogLevel.WARNING` on Python 3.11 and later (HTTPie 3.2.1 on Debian 12 prints
/// `http: LogLevel.WARNING: HTTP 403 Forbidden`). xh prints the line alone.
pub(crate) struct StatusWarning {
    xh: bool,
    /// Blank lines not yet passed on: the last one may be the warning's.
    held: Vec<u8>,
    /// Blank lines after a hidden HTTPie warning still to hide.
    after: u8,
}

impl StatusWarning {
    pub(crate) fn new(xh: bool) -> StatusWarning {
        StatusWarning {
            xh,
            held: Vec::new(),
            after: 0,
        }
    }

    /// Pass on one whole line of the client's stderr, or hide it.
    pub(crate) fn line(&mut self, line: &[u8], out: &mut dyn Write) -> std::io::Result<()> {
        let blank = line.iter().all(|b| matches!(b, b'\r' | b'\n'));
        if !self.xh && blank {
            if self.after > 0 {
                self.after -= 1;
            } else {
                out.write_all(&std::mem::take(&mut self.held))?;
                self.held.extend_from_slice(line);
            }
            return Ok(());
        }
        self.after = 0;
        if self.is_warning(line) {
            self.held.clear();
            self.after = if self.xh { 0 } else { 2 };
            return Ok(());
        }
        out.write_all(&std::mem::take(&mut self.held))?;
        out.write_all(line)
    }

    /// At the end: a blank line held back was not the warning's.
    pub(crate) fn finish(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        out.write_all(&std::mem::take(&mut self.held))
    }

    fn is_warning(&self, line: &[u8]) -> bool {
        let line = String::from_utf8_lossy(line);
        let Some((program, rest)) = line.split_once(": ") else {
            return false;
        };
        let Some(status) = ["warning: HTTP ", "LogLevel.WARNING: HTTP "]
            .iter()
            .find_map(|level| rest.strip_prefix(level))
        else {
            return false;
        };
        let named = if self.xh {
            program == "xh" || program == "xhs"
        } else {
            program == "http" || program == "https"
        };
        named && status.len() > 3 && status.as_bytes()[..3].iter().all(u8::is_ascii_digit)
    }
}

/// The message after the client's error mark: `http: error: …`, `xh: error: …`, or
/// HTTPie 3's `http: LogLevel.ERROR: …` (its level as Python 3.11 formats it, seen
/// with HTTPie 3.2.1 on Debian 12).
fn error_message(line: &str) -> Option<&str> {
    [": error: ", ": LogLevel.ERROR: "]
        .iter()
        .find_map(|mark| line.split_once(mark).map(|(_, msg)| msg))
}

/// The client's error line on stderr (`http: error: …`, `xh: error: …`), when no
/// response arrived.
pub fn transport_error(stderr: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(stderr);
    let msg = text.lines().find_map(error_message)?;
    let mut msg = msg.trim().to_owned();
    let mut after = text
        .lines()
        .skip_while(|l| error_message(l).is_none())
        .skip(1);
    // HTTPie says `Couldn't resolve the given hostname` on the next line.
    if let Some(next) = after.clone().next()
        && !next.trim().is_empty()
    {
        msg = format!("{msg} ({})", next.trim());
    } else if after.any(|l| l.trim() == "Caused by:") {
        // xh (anyhow): `Caused by:` and the causes, indented, numbered when several,
        // up to a blank line (a `Stack backtrace:` under RUST_BACKTRACE comes after).
        let causes: Vec<&str> = after
            .take_while(|l| l.starts_with(' ') && !l.trim().is_empty())
            .map(|l| {
                let l = l.trim();
                match l.split_once(": ") {
                    Some((n, rest)) if n.bytes().all(|b| b.is_ascii_digit()) => rest,
                    _ => l,
                }
            })
            .collect();
        if !causes.is_empty() {
            msg = format!("{msg} ({})", causes.join(": "));
        }
    }
    Some(msg)
}

/// The URL among HTTPie's arguments: the first that is not an option or a request item
/// (`Name:value`, `name=value`, `name==value`, `name:=json`, `@file`).
pub fn url(args: &[OsString]) -> Option<String> {
    let mut method_seen = false;
    for a in args {
        let a = a.to_string_lossy();
        if a.starts_with('-') {
            continue;
        }
        let upper = a.bytes().all(|b| b.is_ascii_uppercase());
        if upper && !method_seen {
            method_seen = true;
            continue;
        }
        return Some(a.into_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_alone() {
        let all = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\n\nHTTP/1.1 403 Forbidden\r\nA: b\r\n\r\n{\"x\":\n1}";
        for split in 1..all.len() {
            let mut p = Passer::new(StdoutFilter::Body, false);
            let mut out = Vec::new();
            p.feed(&all[..split], &mut out).unwrap();
            p.feed(&all[split..], &mut out).unwrap();
            assert_eq!(out, b"{\"x\":\n1}", "{split}");
        }
    }

    #[test]
    fn the_status_warning_goes_with_its_blank_lines() {
        let hide = |xh: bool, stderr: &[u8]| {
            let mut w = StatusWarning::new(xh);
            let mut out = Vec::new();
            for line in stderr.split_inclusive(|b| *b == b'\n') {
                w.line(line, &mut out).unwrap();
            }
            w.finish(&mut out).unwrap();
            out
        };
        // HTTPie 3.2.1 on Python 3.11, its stderr a pipe: all it printed.
        let httpie = b"\nhttp: LogLevel.WARNING: HTTP 403 Forbidden\n\n\n";
        assert_eq!(hide(false, httpie), b"");
        assert_eq!(hide(false, b"\nhttps: warning: HTTP 500 Oops\n\n\n"), b"");
        let other = b"\nsome note\n\nhttp: error: x\n";
        assert_eq!(hide(false, other), other);
        assert_eq!(hide(true, b"xh: warning: HTTP 403 Forbidden\n"), b"");
        // A warning that is not the status one stays.
        let kept = b"\nhttp: warning: something else\n\n";
        assert_eq!(hide(false, kept), kept);
    }

    #[test]
    fn xh_errors_with_their_causes() {
        // xh 0.26.3's own words, with RUST_BACKTRACE=1.
        let refused = b"xh: error: error sending request for url (http://127.0.0.1:1/x)\n\nCaused by:\n    0: client error (Connect)\n    1: tcp connect error\n    2: Connection refused (os error 111)\n\nStack backtrace:\n   0: anyhow::error\n";
        assert_eq!(
            transport_error(refused).unwrap(),
            "error sending request for url (http://127.0.0.1:1/x) (client error (Connect): tcp connect error: Connection refused (os error 111))"
        );
        let timeout = b"xh: error: error sending request for url (http://127.0.0.1:9/x)\n\nCaused by:\n    operation timed out\n";
        assert_eq!(
            transport_error(timeout).unwrap(),
            "error sending request for url (http://127.0.0.1:9/x) (operation timed out)"
        );
        let httpie = b"\n\nhttp: error: Request timed out (1.0s).\n\n\n";
        assert_eq!(
            transport_error(httpie).unwrap(),
            "Request timed out (1.0s)."
        );
        // HTTPie 3.2.1 on Python 3.11 (Debian 12), its own words.
        let httpie = "\nhttp: LogLevel.ERROR: gaierror: [Errno -2] Name or service not known\nCouldn\u{2019}t resolve the given hostname. Please check the URL and try again.\n\n\n";
        assert_eq!(
            transport_error(httpie.as_bytes()).unwrap(),
            "gaierror: [Errno -2] Name or service not known (Couldn\u{2019}t resolve the given hostname. Please check the URL and try again.)"
        );
    }

    #[test]
    fn output_options() {
        let a = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert!(chooses_output(&a(&["-v", "URL"])));
        assert!(chooses_output(&a(&["--print=hb", "URL"])));
        assert!(!chooses_output(&a(&["URL", "Authorization:Bearer x"])));
        assert!(!chooses_output(&a(&["--follow", "URL"])));
    }
}
