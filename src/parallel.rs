//! Working through a large input on worker threads. The calling thread reads the input
//! and writes the output; pieces of it go to the workers in batches (one channel
//! message per record would cost more than a small diagnosis), each worker turns its
//! batch into results and the bytes they render to, and the results come back, and are
//! handed on, in input order, so the output is the same as on one thread. Little but
//! whole buffers crosses threads: data made on one core and used on another is slow to
//! reach, and memory freed by another thread than the one that allocated it costs
//! both. At most a few batches are in flight, so memory stays bounded.

use std::collections::BTreeMap;
use std::io;
use std::sync::mpsc;
use std::thread::{self, Scope};

/// What a worker does with one item: push its results, and the bytes they render to,
/// onto `out`.
pub type Work<'a, I, T> = dyn Fn(I, &mut Output<T>) + Sync + 'a;

/// A batch closes at this many items (one channel message per item would cost more
/// than the work on it), or once its items' bytes reach the pool's `batch_bytes` (an
/// input with large items must not hold many of them in flight).
pub const BATCH_ITEMS: usize = 256;

/// A worker's results for one batch, and the bytes they rendered to, back to back.
pub struct Output<T> {
    pub bytes: Vec<u8>,
    /// Each result with where its bytes end.
    results: Vec<(T, usize)>,
}

impl<T> Output<T> {
    /// Add a result whose bytes are those written to `self.bytes` since the last one.
    pub fn push(&mut self, result: T) {
        self.results.push((result, self.bytes.len()));
    }
}

/// Where results are handed on, in input order, each with the bytes it rendered to.
pub type HandOut<'a, T> = dyn FnMut(T, &[u8]) -> io::Result<()> + 'a;

type Batch<I> = (u64, Vec<I>, Vec<u8>);

/// Worker threads doing [`Work`] on batches; see the module doc.
pub struct Pool<I, T> {
    /// One queue per worker, served in turn: no worker waits on another for its work.
    queues: Vec<mpsc::Sender<Batch<I>>>,
    done: mpsc::Receiver<(u64, Output<T>)>,
    max_in_flight: u64,
    batch: Vec<I>,
    batch_bytes: usize,
    /// The bytes at which a batch closes.
    max_batch_bytes: usize,
    sent: u64,
    next: u64,
    arrived: BTreeMap<u64, Output<T>>,
    /// Output buffers handed on, emptied, to be filled again by a worker: a log's output
    /// is several times its size, and growing a fresh buffer for every batch would copy
    /// it over and over.
    spare: Vec<Vec<u8>>,
}

/// Run `f` with a pool of `threads` workers doing `work` on batches of up to
/// `batch_bytes` bytes of items (by the sizes given to [`Pool::push`]); the workers stop
/// when `f` returns.
pub fn with_pool<I: Send, T: Send, R>(
    threads: usize,
    batch_bytes: usize,
    work: &Work<'_, I, T>,
    f: impl FnOnce(&mut Pool<I, T>) -> R,
) -> R {
    thread::scope(|scope| {
        let mut pool = Pool::start(scope, work, threads.max(1), batch_bytes);
        f(&mut pool)
    })
}

impl<I: Send, T: Send> Pool<I, T> {
    fn start<'s>(
        scope: &'s Scope<'s, '_>,
        work: &'s Work<'_, I, T>,
        threads: usize,
        max_batch_bytes: usize,
    ) -> Self {
        let (finished, done) = mpsc::channel();
        let queues = (0..threads)
            .map(|_| {
                let (queue, batches) = mpsc::channel();
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
            batch: Vec::with_capacity(BATCH_ITEMS),
            batch_bytes: 0,
            max_batch_bytes,
            sent: 0,
            next: 0,
            arrived: BTreeMap::new(),
            spare: Vec::new(),
        }
    }

    /// Queue one item of `size` bytes and hand `out` every result that is due, with its
    /// bytes. Blocks while the workers are a full window behind.
    pub fn push(&mut self, item: I, size: usize, out: &mut HandOut<'_, T>) -> io::Result<()> {
        self.batch_bytes += size;
        self.batch.push(item);
        if self.batch.len() >= BATCH_ITEMS || self.batch_bytes >= self.max_batch_bytes {
            self.send_batch();
        }
        while self.sent - self.next >= self.max_in_flight {
            self.wait_for_one(out)?;
        }
        self.hand_on_ready(out)
    }

    /// Hand `out` everything still queued or in flight, in order.
    pub fn finish(&mut self, out: &mut HandOut<'_, T>) -> io::Result<()> {
        if !self.batch.is_empty() {
            self.send_batch();
        }
        while self.next < self.sent {
            self.wait_for_one(out)?;
        }
        Ok(())
    }

    fn send_batch(&mut self) {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_ITEMS));
        self.batch_bytes = 0;
        let buffer = self.spare.pop().unwrap_or_default();
        let queue = &self.queues[self.sent as usize % self.queues.len()];
        // The workers live as long as the pool: a send cannot fail.
        let _ = queue.send((self.sent, batch, buffer));
        self.sent += 1;
    }

    fn wait_for_one(&mut self, out: &mut HandOut<'_, T>) -> io::Result<()> {
        let (seq, results) = self
            .done
            .recv()
            .map_err(|_| io::Error::other("a worker thread stopped"))?;
        self.arrived.insert(seq, results);
        self.hand_on_ready(out)
    }

    fn hand_on_ready(&mut self, out: &mut HandOut<'_, T>) -> io::Result<()> {
        while let Ok((seq, results)) = self.done.try_recv() {
            self.arrived.insert(seq, results);
        }
        while let Some(Output { mut bytes, results }) = self.arrived.remove(&self.next) {
            self.next += 1;
            let mut start = 0;
            for (result, end) in results {
                out(result, &bytes[start..end])?;
                start = end;
            }
            bytes.clear();
            self.spare.push(bytes);
        }
        Ok(())
    }
}

fn work_on<I, T>(
    batches: &mpsc::Receiver<Batch<I>>,
    finished: &mpsc::Sender<(u64, Output<T>)>,
    work: &Work<'_, I, T>,
) {
    // The queue closes when the pool is dropped: that is what stops the worker.
    while let Ok((seq, batch, bytes)) = batches.recv() {
        let mut out = Output {
            bytes,
            results: Vec::new(),
        };
        for item in batch {
            work(item, &mut out);
        }
        if finished.send((seq, out)).is_err() {
            return;
        }
    }
}
