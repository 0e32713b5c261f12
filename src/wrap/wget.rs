//! wget: `-S` (the server's response headers) with the log sent to a private file by
//! `-o`, and `-q`/`--quiet` dropped (it would silence `-S` too). Once wget is done, its
//! log is replayed on stderr without what `-S` added — unless the user asked for quiet
//! — and read as a `wget -S` transcript. When the user gave `-o`/`-a` LOGFILE, nothing
//! is added and that log is read as it is. wget keeps no error body unless asked
//! (`--content-on-error`), so a wget diagnosis rests on the status and headers.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
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
                Some((n, v)) => (n, Some(v.to_owned())),
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
            needs: None,
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
    // Into a log wget draws dots; on a terminal it would have drawn its bar.
    let chose_progress = args.iter().any(|a| {
        let a = a.to_string_lossy();
        a.starts_with("--progress") || a == "--show-progress" || a == "-nv" || a == "--no-verbose"
    });
    let mut needs = super::version::WGET_SERVER_RESPONSE;
    if !seen.quiet && !chose_progress && std::io::stderr().is_terminal() {
        added.push(os("--progress=bar:force"));
        needs = super::version::WGET_PROGRESS;
    }
    added.extend(all);
    Plan {
        args: added,
        tee_stderr: false,
        quiet_stderr: false,
        stdout_filter: None,
        needs: Some(needs),
    }
}

/// The log as transcripts, one per URL (replayed on stderr as it grew, by
/// [`Replayer`]).
pub(crate) fn finish(args: &[OsString], private: &Private, _ended: Ended) -> Vec<Vec<u8>> {
    let log = match seen(args).log {
        Some(log) => std::fs::read(log).unwrap_or_default(),
        None => std::fs::read(private.file("wget.log")).unwrap_or_default(),
    };
    per_url(&log).into_iter().map(<[u8]>::to_vec).collect()
}

/// A log cut into one part per URL asked for: each starts at wget's `--2026-12-04
/// 19:16:04--  URL` line, except one that follows a redirect (after `Location: …
/// [following]`) or retries (`(try: 2)`), which go on the same URL.
pub fn per_url(log: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut at = 0;
    let mut following = false;
    for line in log.split_inclusive(|b| *b == b'\n') {
        let line_start = at;
        at += line.len();
        let text = line.trim_ascii_end();
        let opens = text.len() > 24
            && text.starts_with(b"--")
            && text[2..6].iter().all(u8::is_ascii_digit)
            && text[21..23] == *b"--"
            && !text.windows(6).any(|w| w == b"(try: ");
        if opens && !following && line_start > start {
            parts.push(&log[start..line_start]);
            start = line_start;
        }
        if !text.is_empty() {
            following = text.ends_with(b"[following]");
        }
    }
    parts.push(&log[start..]);
    parts
}

/// Where the private log is replayed on stderr, `None` when it must not be (`-q`, or
/// the user's own log).
pub(crate) fn replay_log(args: &[OsString], private: &Private) -> Option<PathBuf> {
    let seen = seen(args);
    (!seen.quiet && seen.log.is_none()).then(|| private.file("wget.log"))
}

/// Copies the growing log to stderr, line by line, without what `-S` added.
pub(crate) struct Replayer {
    path: PathBuf,
    read: u64,
    partial: Vec<u8>,
    filter: LogFilter,
}

impl Replayer {
    pub(crate) fn new(path: PathBuf) -> Replayer {
        Replayer {
            path,
            read: 0,
            partial: Vec::new(),
            filter: LogFilter::default(),
        }
    }

    /// Pass on the whole lines written since the last call.
    pub(crate) fn poll(&mut self, out: &mut dyn Write) {
        use std::io::{Read, Seek, SeekFrom};
        let Ok(mut f) = std::fs::File::open(&self.path) else {
            return;
        };
        if f.seek(SeekFrom::Start(self.read)).is_err() {
            return;
        }
        let mut new = Vec::new();
        let Ok(n) = f.read_to_end(&mut new) else {
            return;
        };
        self.read += n as u64;
        self.partial.extend_from_slice(&new);
        // The bar is redrawn after `\r`: pass on each redraw as it comes.
        let Some(last) = self
            .partial
            .iter()
            .rposition(|b| matches!(b, b'\n' | b'\r'))
        else {
            return;
        };
        let rest = self.partial.split_off(last + 1);
        let whole = std::mem::replace(&mut self.partial, rest);
        let mut shown = Vec::new();
        for line in whole.split_inclusive(|b| matches!(b, b'\n' | b'\r')) {
            self.filter.line(line, &mut shown);
        }
        let _ = out.write_all(&shown);
        let _ = out.flush();
    }

    /// The rest, once wget has ended.
    pub(crate) fn finish(mut self, out: &mut dyn Write) {
        self.poll(out);
        let mut shown = Vec::new();
        if !self.partial.is_empty() {
            let partial = std::mem::take(&mut self.partial);
            self.filter.line(&partial, &mut shown);
        }
        self.filter.end(&mut shown);
        let _ = out.write_all(&shown);
        let _ = out.flush();
    }
}

/// Drops each block of indented header lines that starts with `  HTTP/`; the status it
/// names goes back after `awaiting response... `, where wget prints it without `-S`.
#[derive(Default)]
struct LogFilter {
    in_block: bool,
    /// An `awaiting response... ` line, held until the status that may end it.
    held: Option<Vec<u8>>,
}

impl LogFilter {
    fn line(&mut self, line: &[u8], out: &mut Vec<u8>) {
        if let Some(status) = line.strip_prefix(b"  HTTP/") {
            self.in_block = true;
            let status = status.splitn(2, |b| *b == b' ').nth(1).unwrap_or(b"\n");
            if let Some(mut held) = self.held.take() {
                held.pop();
                held.extend_from_slice(status);
                out.extend_from_slice(&held);
            }
            return;
        }
        if self.in_block && line.starts_with(b"  ") && !line.starts_with(b"   ") {
            return;
        }
        self.in_block = false;
        if let Some(held) = self.held.take() {
            out.extend_from_slice(&held);
        }
        if line.ends_with(b"awaiting response... \n") {
            self.held = Some(line.to_vec());
        } else {
            out.extend_from_slice(line);
        }
    }

    fn end(&mut self, out: &mut Vec<u8>) {
        if let Some(held) = self.held.take() {
            out.extend_from_slice(&held);
        }
    }
}

/// The log without the lines `-S` added.
pub fn without_server_response(log: &[u8]) -> Vec<u8> {
    let mut filter = LogFilter::default();
    let mut out = Vec::with_capacity(log.len());
    for line in log.split_inclusive(|b| *b == b'\n') {
        filter.line(line, &mut out);
    }
    filter.end(&mut out);
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
    fn a_log_is_cut_per_url_not_per_redirect() {
        // wget 1.21.3 -S of three URLs, the first redirected, the second refused.
        let log = b"--2026-12-04 19:16:04--  http://h/v0\nHTTP request sent, awaiting response... \n  HTTP/1.1 301 Moved\n  Location: /v1\nLocation: /v1 [following]\n--2026-12-04 19:16:04--  http://h/v1\n  HTTP/1.1 403 Forbidden\n2026-12-04 19:16:04 ERROR 403: Forbidden.\n\n--2026-12-04 19:16:04--  http://127.0.0.1:1/x\nConnecting to 127.0.0.1:1... failed: Connection refused.\n--2026-12-04 19:16:05--  (try: 2)  http://127.0.0.1:1/x\nConnecting to 127.0.0.1:1... failed: Connection refused.\n--2026-12-04 19:16:05--  http://h/x\n  HTTP/1.1 429 Too Many Requests\n";
        let parts = per_url(log);
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert!(parts[0].ends_with(b"ERROR 403: Forbidden.\n\n"));
        assert!(parts[1].ends_with(b"refused.\n") && parts[1].windows(6).any(|w| w == b"(try: "));
        assert!(parts[2].ends_with(b"429 Too Many Requests\n"));
        assert_eq!(per_url(b"").len(), 1);
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
