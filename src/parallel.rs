//! Diagnosing a large input on worker threads. The calling thread keeps reading the
//! input and writing the output; responses go to the workers in batches (one channel
//! message per response would cost more than a small diagnosis), and the diagnoses
//! come back, and are handed on, in input order, so the output is the same as on one
//! thread. At most a few batches are in flight, so memory stays bounded.

use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Mutex, mpsc};
use std::thread::{self, Scope};

use crate::diagnose::Options;
use crate::diagnosis::Diagnosis;
use crate::input::{Parsed, RecordError};
use crate::rules::RuleSet;

/// What the caller hands on, in input order.
pub type Diagnosed = Result<Diagnosis, RecordError>;

/// A batch closes at this many responses, or once its bodies reach `BATCH_BYTES`
/// (a log with large bodies must not hold many of them in flight).
const BATCH_RESPONSES: usize = 64;
const BATCH_BYTES: usize = 256 << 10;

type Batch = (u64, Vec<Result<Parsed, RecordError>>);
type Done = (u64, Vec<Diagnosed>);

/// Worker threads diagnosing batches; see the module doc.
pub struct Pool {
    work: Option<mpsc::Sender<Batch>>,
    done: mpsc::Receiver<Done>,
    max_in_flight: u64,
    batch: Vec<Result<Parsed, RecordError>>,
    batch_bytes: usize,
    sent: u64,
    next: u64,
    arrived: BTreeMap<u64, Vec<Diagnosed>>,
}

/// Run `f` with a pool of `threads` workers diagnosing with `rules` and `opts`; the
/// workers stop when `f` returns.
pub fn with_pool<R>(
    rules: &RuleSet,
    opts: &Options,
    threads: usize,
    f: impl FnOnce(&mut Pool) -> R,
) -> R {
    thread::scope(|scope| {
        let mut pool = Pool::start(scope, rules, opts, threads.max(1));
        f(&mut pool)
    })
}

impl Pool {
    fn start<'s>(
        scope: &'s Scope<'s, '_>,
        rules: &'s RuleSet,
        opts: &'s Options,
        threads: usize,
    ) -> Self {
        let (work, queue) = mpsc::channel::<Batch>();
        let (finished, done) = mpsc::channel::<Done>();
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..threads {
            let (queue, finished) = (Arc::clone(&queue), finished.clone());
            scope.spawn(move || work_on(&queue, &finished, rules, opts));
        }
        Self {
            work: Some(work),
            done,
            // Two per worker: one being diagnosed, one waiting, so no worker idles.
            max_in_flight: 2 * threads as u64,
            batch: Vec::with_capacity(BATCH_RESPONSES),
            batch_bytes: 0,
            sent: 0,
            next: 0,
            arrived: BTreeMap::new(),
        }
    }

    /// Queue one response (or a record that could not be read) and hand `out` every
    /// diagnosis that is due. Blocks while the workers are a full window behind.
    pub fn push(
        &mut self,
        item: Result<Parsed, RecordError>,
        out: &mut dyn FnMut(Diagnosed) -> io::Result<()>,
    ) -> io::Result<()> {
        if let Ok(p) = &item {
            self.batch_bytes += p.response.body.bytes().len();
        }
        self.batch.push(item);
        if self.batch.len() >= BATCH_RESPONSES || self.batch_bytes >= BATCH_BYTES {
            self.send_batch();
        }
        while self.sent - self.next >= self.max_in_flight {
            self.wait_for_one(out)?;
        }
        self.hand_on_ready(out)
    }

    /// Hand `out` everything still queued or in flight, in order.
    pub fn finish(&mut self, out: &mut dyn FnMut(Diagnosed) -> io::Result<()>) -> io::Result<()> {
        if !self.batch.is_empty() {
            self.send_batch();
        }
        while self.next < self.sent {
            self.wait_for_one(out)?;
        }
        Ok(())
    }

    fn send_batch(&mut self) {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_RESPONSES));
        self.batch_bytes = 0;
        let work = self.work.as_ref().expect("the pool is open until dropped");
        // The workers live as long as the pool: a send cannot fail.
        let _ = work.send((self.sent, batch));
        self.sent += 1;
    }

    fn wait_for_one(&mut self, out: &mut dyn FnMut(Diagnosed) -> io::Result<()>) -> io::Result<()> {
        let (seq, diagnosed) = self
            .done
            .recv()
            .map_err(|_| io::Error::other("a diagnosing thread stopped"))?;
        self.arrived.insert(seq, diagnosed);
        self.hand_on_ready(out)
    }

    fn hand_on_ready(
        &mut self,
        out: &mut dyn FnMut(Diagnosed) -> io::Result<()>,
    ) -> io::Result<()> {
        while let Ok((seq, diagnosed)) = self.done.try_recv() {
            self.arrived.insert(seq, diagnosed);
        }
        while let Some(diagnosed) = self.arrived.remove(&self.next) {
            self.next += 1;
            for d in diagnosed {
                out(d)?;
            }
        }
        Ok(())
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Closing the queue is what tells the workers to stop.
        self.work.take();
    }
}

fn work_on(
    queue: &Mutex<mpsc::Receiver<Batch>>,
    finished: &mpsc::Sender<Done>,
    rules: &RuleSet,
    opts: &Options,
) {
    loop {
        let next = queue.lock().map(|q| q.recv());
        let Ok(Ok((seq, batch))) = next else { return };
        let diagnosed = batch
            .into_iter()
            .map(|item| item.map(|p| rules.diagnose(&p.response, opts, p.source)))
            .collect();
        if finished.send((seq, diagnosed)).is_err() {
            return;
        }
    }
}
