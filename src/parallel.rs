//! Working through a large input on worker threads. The calling thread reads the input
//! and writes the output; records go to the workers in batches (one channel message
//! per record would cost more than a small diagnosis), each worker parses, diagnoses
//! and, where it can, renders its batch, and the results come back, and are handed on,
//! in input order, so the output is the same as on one thread. Little but whole
//! batches crosses threads: data made on one core and used on another is slow to
//! reach. At most a few batches are in flight, so memory stays bounded.

use std::collections::BTreeMap;
use std::io;
use std::sync::mpsc;
use std::thread::{self, Scope};

use crate::input::{Pending, RecordError};

/// What a worker does with one record.
pub type Work<'a, T> = dyn Fn(Pending) -> Result<T, RecordError> + Sync + 'a;

/// A batch closes at this many records, or once its bytes reach `BATCH_BYTES` (a log
/// with large bodies must not hold many of them in flight).
pub const BATCH_RECORDS: usize = 256;
const BATCH_BYTES: usize = 256 << 10;

type Batch = (u64, Vec<Result<Pending, RecordError>>);
type Done<T> = (u64, Vec<Result<T, RecordError>>);

/// Worker threads doing [`Work`] on batches; see the module doc.
pub struct Pool<T> {
    /// One queue per worker, served in turn: no worker waits on another for its work.
    queues: Vec<mpsc::Sender<Batch>>,
    done: mpsc::Receiver<Done<T>>,
    max_in_flight: u64,
    batch: Vec<Result<Pending, RecordError>>,
    batch_bytes: usize,
    sent: u64,
    next: u64,
    arrived: BTreeMap<u64, Vec<Result<T, RecordError>>>,
}

/// Run `f` with a pool of `threads` workers doing `work`; they stop when `f` returns.
pub fn with_pool<T: Send, R>(
    threads: usize,
    work: &Work<'_, T>,
    f: impl FnOnce(&mut Pool<T>) -> R,
) -> R {
    thread::scope(|scope| {
        let mut pool = Pool::start(scope, work, threads.max(1));
        f(&mut pool)
    })
}

impl<T: Send> Pool<T> {
    fn start<'s>(scope: &'s Scope<'s, '_>, work: &'s Work<'_, T>, threads: usize) -> Self {
        let (finished, done) = mpsc::channel::<Done<T>>();
        let queues = (0..threads)
            .map(|_| {
                let (queue, batches) = mpsc::channel::<Batch>();
                let finished = finished.clone();
                scope.spawn(move || work_on(&batches, &finished, work));
                queue
            })
            .collect();
        Self {
            queues,
            done,
            // Two per worker: one being worked on, one waiting, so no worker idles.
            max_in_flight: 2 * threads as u64,
            batch: Vec::with_capacity(BATCH_RECORDS),
            batch_bytes: 0,
            sent: 0,
            next: 0,
            arrived: BTreeMap::new(),
        }
    }

    /// Queue one record (or one that could not be read) and hand `out` every result
    /// that is due. Blocks while the workers are a full window behind.
    pub fn push(
        &mut self,
        item: Result<Pending, RecordError>,
        out: &mut dyn FnMut(Result<T, RecordError>) -> io::Result<()>,
    ) -> io::Result<()> {
        self.batch_bytes += match &item {
            Ok(Pending::Record { line, .. }) => line.len(),
            Ok(Pending::Parsed(p)) => p.response.body.bytes().len(),
            Err(_) => 0,
        };
        self.batch.push(item);
        if self.batch.len() >= BATCH_RECORDS || self.batch_bytes >= BATCH_BYTES {
            self.send_batch();
        }
        while self.sent - self.next >= self.max_in_flight {
            self.wait_for_one(out)?;
        }
        self.hand_on_ready(out)
    }

    /// Hand `out` everything still queued or in flight, in order.
    pub fn finish(
        &mut self,
        out: &mut dyn FnMut(Result<T, RecordError>) -> io::Result<()>,
    ) -> io::Result<()> {
        if !self.batch.is_empty() {
            self.send_batch();
        }
        while self.next < self.sent {
            self.wait_for_one(out)?;
        }
        Ok(())
    }

    fn send_batch(&mut self) {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_RECORDS));
        self.batch_bytes = 0;
        let queue = &self.queues[self.sent as usize % self.queues.len()];
        // The workers live as long as the pool: a send cannot fail.
        let _ = queue.send((self.sent, batch));
        self.sent += 1;
    }

    fn wait_for_one(
        &mut self,
        out: &mut dyn FnMut(Result<T, RecordError>) -> io::Result<()>,
    ) -> io::Result<()> {
        let (seq, results) = self
            .done
            .recv()
            .map_err(|_| io::Error::other("a worker thread stopped"))?;
        self.arrived.insert(seq, results);
        self.hand_on_ready(out)
    }

    fn hand_on_ready(
        &mut self,
        out: &mut dyn FnMut(Result<T, RecordError>) -> io::Result<()>,
    ) -> io::Result<()> {
        while let Ok((seq, results)) = self.done.try_recv() {
            self.arrived.insert(seq, results);
        }
        while let Some(results) = self.arrived.remove(&self.next) {
            self.next += 1;
            for r in results {
                out(r)?;
            }
        }
        Ok(())
    }
}

fn work_on<T>(
    batches: &mpsc::Receiver<Batch>,
    finished: &mpsc::Sender<Done<T>>,
    work: &Work<'_, T>,
) {
    // The queue closes when the pool is dropped: that is what stops the worker.
    while let Ok((seq, batch)) = batches.recv() {
        let results = batch.into_iter().map(|item| item.and_then(work)).collect();
        if finished.send((seq, results)).is_err() {
            return;
        }
    }
}
