//! wget: `-S` (the server's response headers) with the log sent to a private file by
//! `-o`, and `-q`/`--quiet` dropped (it would silence `-S` too). Once wget is done, its
//! log is replayed on stderr without what `-S` added — unless the user asked for quiet
//! — and read as a `wget -S` transcript. When the user gave `-o`/`-a` LOGFILE, nothing
//! is added and that log is read as it is. wget keeps no error body unless asked
//! (`--content-on-error`), so a wget diagnosis rests on the status and headers.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use super::{Ended, Plan, Private, os};

/// Short options that take a value in wget 1.21.
const SHORT_WITH_VALUE: &[u8] = b"aABDeiIlOoPQRtTUwxX";

#[derive(Debug, Default, PartialEq)]
pub struct Seen {
    /// `-q`/`--quiet`.
    pub quiet: bool,
    /// The user's own `-o`/`-a` log file.
    pub log: Option<PathBuf>,
    /// Where in the arguments `-q` was, to drop it.
    pub quiet_at: Vec<(usize, Option<usize>)>,
}

pub fn seen(args: &[OsString]) -> Seen {
    let mut seen = Seen::default();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].to_string_lossy().into_owned();
        let at = i;
        i += 1;
        if a == "--" {
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            match name {
                "quiet" => {
                    seen.quiet = true;
                    seen.quiet_at.push((at, None));
                }
                "output-file" | "append-output" => {
                    seen.log = value
                        .map(PathBuf::from)
                        .or_else(|| args.get(i).map(PathBuf::from));
                }
                _ => {}
            }
            continue;
        }
        let Some(cluster) = a.strip_prefix('-').filter(|c| !c.is_empty()) else {
            continue;
        };
        for (k, c) in cluster.bytes().enumerate() {
            if c == b'q' {
                seen.quiet = true;
                seen.quiet_at.push((at, Some(k + 1)));
            } else if SHORT_WITH_VALUE.contains(&c) {
                let rest = &cluster[k + 1..];
                let value = if rest.is_empty() {
                    i += 1;
                    args.get(i - 1).map(PathBuf::from)
                } else {
                    Some(PathBuf::from(rest))
                };
                if c == b'o' || c == b'a' {
                    seen.log = value;
                }
                break;
            }
        }
    }
    seen
}

pub(crate) fn plan(args: &[OsString], private: &Private) -> Plan {
    let seen = seen(args);
    if seen.log.is_some() {
        return Plan {
            args: args.to_vec(),
            tee_stderr: false,
            quiet_stderr: false,
            stdout_filter: None,
        };
    }
    let mut all: Vec<OsString> = Vec::with_capacity(args.len() + 3);
    for (i, a) in args.iter().enumerate() {
        let drops: Vec<usize> = seen
            .quiet_at
            .iter()
            .filter(|(at, _)| *at == i)
            .map(|(_, k)| k.unwrap_or(usize::MAX))
            .collect();
        if drops.is_empty() {
            all.push(a.clone());
        } else if drops.contains(&usize::MAX) {
            // --quiet
        } else {
            // -qO- → -O-: drop the q letters of a cluster (they come before any value).
            let s = a.to_string_lossy();
            let kept: String = s
                .char_indices()
                .filter(|(k, _)| !drops.contains(k))
                .map(|(_, c)| c)
                .collect();
            if kept != "-" {
                all.push(OsString::from(kept));
            }
        }
    }
    // Options first: after a `--` they would be read as URLs.
    let mut added = vec![
        os("-S"),
        os("-o"),
        private.file("wget.log").into_os_string(),
    ];
    added.extend(all);
    Plan {
        args: added,
        tee_stderr: false,
        quiet_stderr: false,
        stdout_filter: None,
    }
}

/// Replay the log as wget alone would have printed it (unless quiet), and return it as
/// the transcript.
pub(crate) fn finish(args: &[OsString], private: &Private, _ended: Ended) -> Vec<u8> {
    let seen = seen(args);
    if let Some(log) = seen.log {
        return std::fs::read(log).unwrap_or_default();
    }
    let log = std::fs::read(private.file("wget.log")).unwrap_or_default();
    if !seen.quiet {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(&without_server_response(&log));
        let _ = err.flush();
    }
    log
}

/// The log without the lines `-S` added: each block of indented header lines that
/// starts with `  HTTP/`; the status it names goes back after `awaiting response... `,
/// where wget prints it without `-S`.
pub fn without_server_response(log: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(log.len());
    let mut in_block = false;
    for line in log.split_inclusive(|b| *b == b'\n') {
        if let Some(status) = line.strip_prefix(b"  HTTP/") {
            in_block = true;
            let status = status.splitn(2, |b| *b == b' ').nth(1).unwrap_or(b"\n");
            if out.ends_with(b"awaiting response... \n") {
                out.pop();
                out.extend_from_slice(status);
            }
            continue;
        }
        if in_block && line.starts_with(b"  ") && !line.starts_with(b"   ") {
            continue;
        }
        in_block = false;
        out.extend_from_slice(line);
    }
    // Without -S wget ends the `awaiting` line itself; with it, the block does.
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_without_s() {
        let log = b"HTTP request sent, awaiting response... \n  HTTP/1.1 403 Forbidden\n  Server: x\n2026 ERROR 403: Forbidden.\n";
        assert_eq!(
            String::from_utf8_lossy(&without_server_response(log)),
            "HTTP request sent, awaiting response... 403 Forbidden\n2026 ERROR 403: Forbidden.\n"
        );
    }

    #[test]
    fn quiet_is_dropped() {
        let args: Vec<OsString> = ["-qO-", "URL"].iter().map(OsString::from).collect();
        let s = seen(&args);
        assert!(s.quiet);
        let p = Private::new().unwrap();
        let plan = plan(&args, &p);
        assert_eq!(plan.args[3..], [os("-O-"), os("URL")]);
    }
}
