//! `apidiag run -- CLIENT ARGS…`: run an HTTP client with options added that expose the
//! status, the response headers and the request, without changing what the user sees:
//! the client's stdout and stdin are its own, its stderr is what it would have printed,
//! and what was added for the capture goes to private files. The capture is turned into
//! the transcript the readers already know (`curl -v 2>&1`, `wget -S`), so a wrapped
//! call is diagnosed exactly like a pasted one.

pub mod curl;
pub mod httpie;
pub mod version;
pub mod wget;

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};

use crate::read::InputFormat;

/// The clients `run` knows, by the name they are run as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    Curl,
    Wget,
    /// HTTPie (`http`, `https`) and xh (`xh`, `xhs`).
    Httpie,
}

impl Client {
    /// The client a program is, by its file name (`/usr/bin/curl`, `curl.exe`).
    pub fn of(program: &OsStr) -> Option<Client> {
        let name = Path::new(program).file_name()?.to_str()?;
        let name = name.strip_suffix(".exe").unwrap_or(name);
        match name {
            "curl" => Some(Client::Curl),
            "wget" => Some(Client::Wget),
            "http" | "https" | "xh" | "xhs" => Some(Client::Httpie),
            _ => None,
        }
    }
}

/// Whether a program is xh (`xh`, `xhs`) rather than HTTPie (`http`, `https`).
pub fn is_xh(program: &OsStr) -> bool {
    let name = Path::new(program)
        .file_name()
        .and_then(OsStr::to_str)
        .unwrap_or("");
    matches!(name.strip_suffix(".exe").unwrap_or(name), "xh" | "xhs")
}

/// Why a client was not run.
#[derive(Debug, thiserror::Error)]
pub enum WrapError {
    #[error("`{0}` is not a client apidiag run knows (curl, wget, http, https, xh, xhs)")]
    Unknown(String),
    #[error("`{0}` is not installed (not found on PATH)")]
    NotInstalled(String),
    #[error("{0}")]
    Unsupported(String),
    #[error(
        "`{program}` is {} {found}, too old for the options apidiag run adds: it needs {} {} or later (for `{}`)",
        needed.client, needed.client, needed.version, needed.option
    )]
    TooOld {
        program: String,
        found: version::Version,
        needed: version::Needed,
    },
    #[error("could not run `{0}`: {1}")]
    Spawn(String, io::Error),
    #[error("private capture folder: {0}")]
    Capture(io::Error),
}

/// How the client ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// It exited with this code.
    Code(i32),
    /// A signal ended it.
    Signal(i32),
}

impl Ended {
    /// The exit code a shell would report (128 + N after signal N).
    pub fn shell_code(self) -> i32 {
        match self {
            Ended::Code(c) => c,
            Ended::Signal(s) => 128 + s,
        }
    }
}

/// A finished run: how the client ended and what it exchanged, as a transcript.
#[derive(Debug)]
pub struct Captured {
    pub client: Client,
    pub ended: Ended,
    /// The exchange in the form `format` reads, one transcript per transfer (curl's
    /// several URLs), in order; one empty transcript when nothing was captured.
    pub transcripts: Vec<Vec<u8>>,
    pub format: InputFormat,
    /// When no response arrived: the client's error, and the URL it was asked for
    /// (HTTPie and xh, whose readers know responses only).
    pub transport_error: Option<(String, Option<String>)>,
    /// Per transcript, the URL the command line asked for, for a transcript that shows
    /// no request (curl's transfer that failed before sending); empty for the others.
    pub request_urls: Vec<Option<String>>,
}

/// A private folder for the capture files (mode 0700), removed when dropped.
pub struct Private {
    dir: PathBuf,
}

impl Private {
    fn new() -> io::Result<Private> {
        use std::os::unix::fs::DirBuilderExt;
        let base = std::env::temp_dir();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        for attempt in 0..100u32 {
            let dir = base.join(format!(
                "apidiag-run-{}-{nanos:x}-{attempt}",
                std::process::id()
            ));
            match fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => return Ok(Private { dir }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other("no free name"))
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Private {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// What a client module decided: the argument list to run, whether to copy the
/// client's stderr (and keep a copy), and how to turn the capture into a transcript.
pub(crate) struct Plan {
    pub args: Vec<OsString>,
    /// Pipe stderr through apidiag, keeping a copy: when the user's own options already
    /// print what is needed there (curl -v), so no option need be added.
    pub tee_stderr: bool,
    /// Redirect stderr to /dev/null (it goes to a private log, replayed by `finish`).
    pub quiet_stderr: bool,
    /// Pipe stdout through apidiag, passing on only part of it.
    pub stdout_filter: Option<StdoutFilter>,
    /// The oldest client version that knows the options added (`None`: none added).
    pub needs: Option<version::Needed>,
}

/// What of HTTPie's `--print=HhBb` output the user sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdoutFilter {
    /// From the response status line on (a terminal: `hb`).
    Response,
    /// The response body (a pipe: `b`).
    Body,
    /// All of it: the user chose the output, and stdout is not a terminal, so a pipe
    /// through apidiag changes nothing for the client.
    All,
}

/// Run `argv` (client first) with the capture options added; stdin and stdout are the
/// client's own. SIGINT, SIGTERM and SIGHUP are forwarded to the client while it runs.
pub fn run(argv: &[OsString]) -> Result<Captured, WrapError> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| WrapError::Unknown(String::new()))?;
    let shown = program.to_string_lossy().into_owned();
    let client = Client::of(program).ok_or_else(|| WrapError::Unknown(shown.clone()))?;
    let private = Private::new().map_err(WrapError::Capture)?;
    let plan = match client {
        Client::Curl => curl::plan(args, &private),
        Client::Wget => wget::plan(args, &private),
        Client::Httpie => httpie::plan(args, &private, is_xh(program)),
    };
    // The version is checked before the call, when it is cheap (curl, wget, xh: a few
    // ms); HTTPie's `--version` costs a Python start (about as long as a call), so it
    // is asked only when HTTPie refused an added option (a refusal at parse time:
    // no request was sent).
    let xh = is_xh(program);
    let ask_after = client == Client::Httpie && !xh;
    if let Some(needed) = plan.needs.filter(|_| !ask_after) {
        refuse_if_too_old(program, &shown, needed)?;
    }
    let mut cmd = Command::new(program);
    cmd.args(&plan.args);
    if plan.tee_stderr {
        cmd.stderr(Stdio::piped());
    } else if plan.quiet_stderr {
        cmd.stderr(Stdio::null());
    }
    if plan.stdout_filter.is_some() {
        cmd.stdout(Stdio::piped());
    }
    let mut child = cmd.spawn().map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => WrapError::NotInstalled(shown.clone()),
        _ => WrapError::Spawn(shown.clone(), e),
    })?;
    forward_signals(&child);
    let stderr_copy = child.stderr.take().map(|err| {
        // On a terminal (the Response filter) only apidiag's pipe makes HTTPie and xh
        // print their `--check-status` warning.
        let hidden = (client == Client::Httpie
            && plan.stdout_filter == Some(StdoutFilter::Response))
        .then(|| httpie::StatusWarning::new(xh));
        std::thread::spawn(move || tee(err, &mut io::stderr(), hidden).unwrap_or_default())
    });
    let replay = match client {
        Client::Wget => wget::replay_log(args, &private).map(|log| {
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let stopped = stop.clone();
            let thread = std::thread::spawn(move || {
                let mut r = wget::Replayer::new(log);
                let mut err = io::stderr();
                while !stopped.load(Ordering::SeqCst) {
                    r.poll(&mut err);
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                r.finish(&mut err);
            });
            (stop, thread)
        }),
        _ => None,
    };
    let stdout_copy = child
        .stdout
        .take()
        .zip(plan.stdout_filter)
        .map(|(out, filter)| {
            std::thread::spawn(move || pass_on(out, filter, xh).unwrap_or_default())
        });
    let status = wait(&mut child);
    let stdout_copy = stdout_copy.and_then(|t| t.join().ok());
    CHILD.store(0, Ordering::SeqCst);
    if let Some((stop, thread)) = replay {
        stop.store(true, Ordering::SeqCst);
        let _ = thread.join();
    }
    let stderr_copy = stderr_copy.and_then(|t| t.join().ok()).unwrap_or_default();
    let ended = ended(status);
    if let Some(needed) = plan.needs.filter(|_| ask_after)
        && ended == Ended::Code(2)
        && httpie::refused_an_added_option(&stderr_copy)
    {
        refuse_if_too_old(program, &shown, needed)?;
    }
    let (transcripts, format) = match client {
        Client::Curl => (
            curl::transcripts(args, &private, &stderr_copy, ended),
            InputFormat::CurlVerbose,
        ),
        Client::Wget => (wget::finish(args, &private, ended), InputFormat::Wget),
        Client::Httpie => (vec![stdout_copy.unwrap_or_default()], InputFormat::Httpie),
    };
    let transport_error = match client {
        Client::Httpie
            if !transcripts[0]
                .windows(7)
                .any(|w| w == b"\nHTTP/1" || w == b"\nHTTP/2") =>
        {
            httpie::transport_error(&stderr_copy).map(|e| (e, httpie::url(args)))
        }
        _ => None,
    };
    let request_urls = match client {
        Client::Curl => curl::request_urls(args, transcripts.len()),
        _ => Vec::new(),
    };
    Ok(Captured {
        client,
        ended,
        transcripts,
        format,
        transport_error,
        request_urls,
    })
}

/// The one-line refusal when `program --version` is older than `needed`.
fn refuse_if_too_old(
    program: &OsStr,
    shown: &str,
    needed: version::Needed,
) -> Result<(), WrapError> {
    match version::check(program, needed) {
        version::Checked::Fine => Ok(()),
        version::Checked::Missing => Err(WrapError::NotInstalled(shown.to_owned())),
        version::Checked::TooOld(found) => Err(WrapError::TooOld {
            program: shown.to_owned(),
            found,
            needed,
        }),
    }
}

/// Copy `from` to `to` as it arrives, and return a copy (at most 16 MiB of it). With
/// `hidden`, whole lines are copied, but not the status warning (it stays in the copy).
fn tee(
    mut from: impl Read,
    to: &mut dyn Write,
    mut hidden: Option<httpie::StatusWarning>,
) -> io::Result<Vec<u8>> {
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    let mut line = Vec::new();
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => {
                if let Some(hide) = &mut hidden {
                    let _ = hide.finish(to);
                }
                if !line.is_empty() {
                    let _ = to.write_all(&line);
                }
                let _ = to.flush();
                return Ok(kept);
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        match &mut hidden {
            None => {
                let _ = to.write_all(&buf[..n]);
            }
            Some(hide) => {
                line.extend_from_slice(&buf[..n]);
                while let Some(end) = line.iter().position(|b| *b == b'\n') {
                    let whole: Vec<u8> = line.drain(..=end).collect();
                    let _ = hide.line(&whole, to);
                }
            }
        }
        let _ = to.flush();
        if kept.len() < 16 << 20 {
            kept.extend_from_slice(&buf[..n]);
        }
    }
}

/// Pass the part of the client's stdout the user sees on to ours, as it arrives, and
/// return all of it (at most 64 MiB).
fn pass_on(mut from: impl Read, filter: StdoutFilter, xh: bool) -> io::Result<Vec<u8>> {
    let mut passer = httpie::Passer::new(filter, xh);
    let mut out = io::stdout();
    let mut kept = Vec::new();
    let mut buf = [0u8; 16384];
    let mut open = true;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => {
                if open {
                    let _ = passer.finish(&mut out).and_then(|()| out.flush());
                }
                return Ok(kept);
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        // A closed pipe (`| head`) stops the passing on, not the reading: the client
        // must not block on a full pipe.
        if open && (passer.feed(&buf[..n], &mut out).is_err() || out.flush().is_err()) {
            open = false;
        }
        if kept.len() < 64 << 20 {
            kept.extend_from_slice(&buf[..n]);
        }
    }
}

fn wait(child: &mut Child) -> Option<ExitStatus> {
    loop {
        match child.wait() {
            Ok(s) => return Some(s),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        }
    }
}

fn ended(status: Option<ExitStatus>) -> Ended {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Some(s) => match (s.code(), s.signal()) {
            (Some(c), _) => Ended::Code(c),
            (None, Some(sig)) => Ended::Signal(sig),
            _ => Ended::Code(1),
        },
        None => Ended::Code(1),
    }
}

/// The running client's pid, for the signal handler (0: none).
static CHILD: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(sig: libc::c_int) {
    let pid = CHILD.load(Ordering::SeqCst);
    if pid > 0 {
        // SAFETY: kill is async-signal-safe.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

/// Forward SIGINT, SIGTERM and SIGHUP to the client: apidiag itself stays to clean up
/// and to exit as the client did. (On a terminal ^C reaches both; the client then gets
/// it twice, which ends it all the same.)
fn forward_signals(child: &Child) {
    CHILD.store(child.id() as i32, Ordering::SeqCst);
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: a plain handler that only calls async-signal-safe functions.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = forward as *const () as usize;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            let mut before: libc::sigaction = std::mem::zeroed();
            libc::sigaction(sig, &action, &mut before);
            // A signal ignored when apidiag started (`cmd &` in a script ignores
            // SIGINT) stays ignored, as it is for the client.
            if before.sa_sigaction == libc::SIG_IGN {
                libc::sigaction(sig, &before, std::ptr::null_mut());
            }
        }
    }
}

pub(crate) fn os(s: &str) -> OsString {
    OsString::from(s)
}
