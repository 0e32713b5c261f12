//! `apidiag run -- CLIENT ARGS…`: the library runs the client and hands back its
//! exchange as a transcript; here it is diagnosed, and the diagnosis of a failed call
//! is written on stderr (or `--diagnosis-to FILE`). The process exits with the
//! client's status, or with apidiag's under `--exit-status diagnosis`.

use std::fs::File;
use std::io::{self, Write};

use anyhow::{Context as _, Result};
use apidiag::diagnosis::{Diagnosis, Outcome};
use apidiag::input::{InputOptions, Parsed, read_input};
use apidiag::read::Context;
use apidiag::report::{Report, ReportOptions};
use apidiag::response::{Request, Response};
use apidiag::wrap::{self, Captured, Ended};

use super::args::ExitFrom;
use super::config::RunJob;
use super::exit_codes::ExitStatus;

/// Run the client, diagnose what it exchanged, and return the exit code.
pub(super) fn run(job: &RunJob) -> Result<i32> {
    let captured = wrap::run(&job.command)?;
    if let Ended::Signal(_) = captured.ended {
        // Interrupted: end as the client did, with no diagnosis of a half-done call.
        return Ok(captured.ended.shell_code());
    }
    let (diagnoses, unreadable) = diagnose(job, &captured);
    let failed = |d: &&Diagnosis| d.outcome != Outcome::Success;
    let opts = ReportOptions {
        format: job.format,
        summary_only: false,
        label_files: false,
    };
    let mut report = Report::new(&job.rules, opts, apidiag::report::Progress::off());
    if diagnoses.iter().any(|d| failed(&d)) {
        let mut w: Box<dyn Write> = match &job.diagnosis_to {
            Some(path) => Box::new(io::BufWriter::new(
                File::create(path).with_context(|| format!("{}", path.display()))?,
            )),
            None => Box::new(io::stderr().lock()),
        };
        // In the order of the calls, so the summary's first and last are theirs.
        for d in &diagnoses {
            if failed(&d) {
                report.add(d, &mut *w)?;
            } else {
                report.count(d);
            }
        }
        report.finish(&mut *w)?;
        w.flush()?;
    } else {
        for d in &diagnoses {
            report.count(d);
        }
    }
    Ok(match job.exit_status {
        ExitFrom::Client => captured.ended.shell_code(),
        ExitFrom::Diagnosis if unreadable && diagnoses.is_empty() => {
            i32::from(ExitStatus::Error.code())
        }
        ExitFrom::Diagnosis => i32::from(ExitStatus::from(report.outcome()).code()),
    })
}

/// The diagnoses of the exchange (one per transfer, each of the last response of its
/// redirect chain), and whether the capture could not be read.
fn diagnose(job: &RunJob, captured: &Captured) -> (Vec<Diagnosis>, bool) {
    if let Some((error, url)) = &captured.transport_error {
        let resp = Response {
            transport_error: Some(error.clone()),
            request: Some(Request {
                url: url.clone(),
                ..Request::default()
            }),
            ..Response::default()
        };
        return (vec![job.rules.diagnose(&resp, &job.options, None)], false);
    }
    let input = InputOptions {
        format: captured.format,
        context: Context::default(),
        max_record: 64 << 20,
    };
    let mut out = Vec::new();
    let mut unreadable = false;
    let name = format!("{:?}", captured.client).to_lowercase();
    for (i, transcript) in captured.transcripts.iter().enumerate() {
        let url = captured.request_urls.get(i).cloned().flatten();
        let mut reader = &transcript[..];
        let read = read_input(&mut reader, &name, &input, &mut |item: Result<
            Parsed,
            _,
        >| {
            match item {
                Ok(mut p) => {
                    // No request in the transcript: the call failed before sending one,
                    // and the host it was for is still the command line's.
                    if p.response.request.is_none() && p.response.transport_error.is_some() {
                        p.response.request = url.clone().map(|url| Request {
                            url: Some(url),
                            ..Request::default()
                        });
                    }
                    out.push(job.rules.diagnose(&p.response, &job.options, None));
                }
                Err(_) => unreadable = true,
            }
            Ok(())
        });
        unreadable |= read.is_err();
    }
    (out, unreadable)
}
