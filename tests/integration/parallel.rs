//! A large file is diagnosed on worker threads: the output, the messages on standard
//! error and the exit code are those of one thread, whatever the thread count, and
//! the reader stays only a few batches ahead of the output.

use crate::common;
use common::{apidiag, counting_reader, fixture};

use apidiag::diagnosis::Diagnosis;
use apidiag::input::{
    BATCH_BYTES, InputOptions, PIECE_BYTES, Parsed, Piece, RecordError, read_pieces,
};
use apidiag::parallel::{Output, with_pool};
use apidiag::read::{Context, InputFormat};
use apidiag::rules::RuleSet;
use apidiag::rules::diagnose::Options;

/// Every documented record, repeated past the size at which workers start (1 MiB),
/// with an unreadable line now and then and a few large bodies.
fn big_log() -> tempfile::NamedTempFile {
    let dir = std::path::Path::new(&fixture("documented")).to_path_buf();
    let mut records: Vec<String> = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        records.extend(
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(String::from),
        );
    }
    records.sort();
    let large = format!(
        "{{\"status\":500,\"body\":{{\"message\":\"{}\"}}}}",
        "x".repeat(300 << 10)
    );
    // The fixtures' lines carry test keys; a plain first record makes the log's format plain.
    let mut log = String::from("{\"status\":429,\"body\":{\"error\":\"rate_limited\"}}\n");
    for n in 0..4_000 {
        match n {
            n if n % 499 == 5 => log.push_str("{\"status\": 4"),
            n if n % 1_301 == 7 => log.push_str(&large),
            n => log.push_str(&records[n % records.len()]),
        }
        log.push('\n');
    }
    large_enough_for_workers(log)
}

/// `log` in a temporary file; it must be large enough for workers to start (1 MiB).
fn large_enough_for_workers(log: String) -> tempfile::NamedTempFile {
    assert!(
        log.len() > 1 << 20,
        "the log must be large enough for workers"
    );
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), log).unwrap();
    file
}

#[test]
fn threads_change_nothing_but_speed() {
    let log = big_log();
    let path = log.path().to_str().unwrap();
    for format in ["json", "human", "markdown"] {
        let one = apidiag()
            .args(["-j", "1", "--format", format, path])
            .output()
            .unwrap();
        assert_eq!(one.status.code(), Some(2), "unreadable lines: exit 2");
        let errors = String::from_utf8_lossy(&one.stderr).lines().count();
        assert_eq!(errors, 9, "one message per unreadable line");
        for threads in ["2", "5"] {
            let many = apidiag()
                .args(["-j", threads, "--format", format, path])
                .output()
                .unwrap();
            assert!(many.stdout == one.stdout, "{format} output, -j {threads}");
            assert_eq!(many.stderr, one.stderr, "{format} messages, -j {threads}");
            assert_eq!(many.status.code(), one.status.code());
        }
    }
}

/// The reading thread cuts a log into pieces of whole lines and the workers split
/// them: lines over `--max-input-size` shorter and longer than a piece, blank lines,
/// CRLF endings and a last line without its newline are numbered and refused alike.
#[test]
fn pieces_number_and_refuse_lines_as_one_thread_does() {
    let over_limit_short = format!("{{\"status\":500,\"body\":\"{}\"}}", "y".repeat(4_000));
    let over_limit_long = format!(
        "{{\"status\":502,\"body\":\"{}\"}}",
        "z".repeat(PIECE_BYTES * 2)
    );
    let mut log = String::new();
    for n in 0..12_000 {
        match n % 997 {
            3 => log.push_str(&over_limit_short),
            5 => log.push_str("   "),
            8 if n < 5_000 => log.push_str(&over_limit_long),
            13 => log.push_str("{\"status\":404}\r"),
            _ => log.push_str("{\"status\":429,\"headers\":{\"Retry-After\":\"30\"},\"body\":{\"error\":\"rate_limited\"}}"),
        }
        log.push('\n');
    }
    log.push_str("{\"status\":401}");
    let file = large_enough_for_workers(log);
    let path = file.path().to_str().unwrap();
    let run = |threads: &str| {
        apidiag()
            .args([
                "-j",
                threads,
                "--max-input-size",
                "3000",
                "--format",
                "json",
                path,
            ])
            .output()
            .unwrap()
    };
    let one = run("1");
    let stderr = String::from_utf8_lossy(&one.stderr);
    assert_eq!(stderr.lines().count(), 13 + 6, "{stderr}");
    assert!(stderr.contains(":4: record larger than the --max-input-size limit of 3000 bytes"));
    assert!(stderr.contains(":9: record larger than"));
    let out = String::from_utf8_lossy(&one.stdout);
    assert!(out.lines().last().unwrap().contains("\"line\":12001"));
    assert_eq!(out.lines().count(), 12_000 - 13 - 6 - 13 + 1);
    for threads in ["2", "3"] {
        let many = run(threads);
        assert!(many.stdout == one.stdout, "output, -j {threads}");
        assert_eq!(many.stderr, one.stderr, "messages, -j {threads}");
        assert_eq!(many.status.code(), one.status.code());
    }
}

#[test]
fn the_reader_stays_a_few_batches_ahead_of_the_output() {
    const RECORDS: usize = 20_000;
    const THREADS: usize = 2;
    let record = "{\"status\":429,\"headers\":{\"Retry-After\":\"30\"},\"body\":{\"error\":\"rate_limited\"}}\n";
    let text = record.repeat(RECORDS);
    const BUF: usize = 8 << 10;
    let (mut reader, taken) = counting_reader(&text, BUF);
    let rules = RuleSet::builtin().unwrap();
    let input = InputOptions {
        format: InputFormat::Auto,
        context: Context::default(),
        max_record: 64 << 20,
    };
    // Two batches (a piece each) in flight per worker, one piece being filled.
    let ahead = (2 * THREADS + 1) * PIECE_BYTES + BUF;
    let mut seen = 0;
    let mut check = |d: Result<Diagnosis, RecordError>, _: &[u8]| {
        let line = d.unwrap().source.unwrap().line.unwrap();
        assert_eq!(line, seen + 1, "in input order");
        assert!(
            taken.get() <= line * record.len() + ahead,
            "line {line}: {} bytes read",
            taken.get()
        );
        seen += 1;
        Ok(())
    };
    let opts = Options::default();
    let work = |piece: Piece, out: &mut Output<Result<Diagnosis, RecordError>>| {
        piece
            .records("big.ndjson", &input, &mut |item: Result<Parsed, _>| {
                out.push(item.map(|p| rules.diagnose(&p.response, &opts, p.source)));
                Ok(())
            })
            .unwrap();
    };
    with_pool(THREADS, BATCH_BYTES, &work, |pool| {
        read_pieces(&mut reader, "big.ndjson", &input, &mut |piece| {
            let size = piece.size();
            pool.push(piece, size, &mut check)
        })
        .unwrap();
        pool.finish(&mut check).unwrap();
    });
    assert_eq!(seen, RECORDS);
}
