//! Where Argon2id runs: a fixed set of threads, one per core, shared by the whole process.
//!
//! Each hash or verification needs 19 MiB of working memory for tens of milliseconds. On
//! tokio's blocking pool (up to 512 threads) a burst of sign-ins ran all at once, each on its
//! own thread: the burst finished together, late, and the allocator kept a 19 MiB buffer per
//! thread that had ever hashed, so a long-running process grew to gigabytes under steady
//! sign-ins. Here at most one hash per core runs at a time, the rest wait their turn in order,
//! and memory stays at one buffer per core.

use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};

type Job = Box<dyn FnOnce() + Send>;

/// The pool's queue; its threads start with the first job.
struct Pool {
    queue: Mutex<mpsc::Sender<Job>>,
}

/// Why a job did not run (the pool's threads could not start, or the job panicked).
#[derive(Debug, thiserror::Error)]
#[error("the hashing threads are unavailable")]
pub struct PoolUnavailable;

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        for i in 0..threads {
            let receiver = receiver.clone();
            // A thread that cannot start leaves the others; with none, jobs fail (see run).
            let _ = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    loop {
                        let job = match receiver.lock() {
                            Ok(queue) => queue.recv(),
                            Err(poisoned) => poisoned.into_inner().recv(),
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
        }
        Pool {
            queue: Mutex::new(sender),
        }
    })
}

/// Runs `job` on the pool and waits for its result without blocking the async threads.
pub async fn run<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PoolUnavailable> {
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(job());
    });
    pool()
        .queue
        .lock()
        .map_err(|_| PoolUnavailable)?
        .send(job)
        .map_err(|_| PoolUnavailable)?;
    result.await.map_err(|_| PoolUnavailable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn jobs_run_at_most_one_per_core_and_all_complete() {
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..32u64)
            .map(|i| {
                let (running, peak) = (running.clone(), peak.clone());
                tokio::spawn(run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    // Long enough for the jobs to overlap if the pool let them.
                    let mut x = 0u64;
                    for k in 0..2_000_000u64 {
                        x = std::hint::black_box(x.wrapping_add(k ^ i));
                    }
                    running.fetch_sub(1, Ordering::SeqCst);
                    x
                }))
            })
            .collect();
        let mut done = 0;
        for handle in handles {
            assert!(handle.await.unwrap().is_ok());
            done += 1;
        }
        assert_eq!(done, 32);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let peak = peak.load(Ordering::SeqCst);
        assert!(peak <= cores, "{peak} jobs at once on {cores} cores");
        // The jobs did overlap when there are several cores to overlap on.
        assert!(peak >= 1);
    }
}
