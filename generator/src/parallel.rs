//! Work spread over the machine's cores: the format stage, the loader's parsing ahead and the
//! reading of a set's APIs share this one helper.

use std::sync::Mutex;

use crate::error::{Error, Result};

/// `f` of every item, on as many threads as the machine has cores (at most eight), each thread
/// taking the next item when it is done; the results in the items' order, so that nothing
/// depends on which thread did what. A panic in `f` (a bug) is an internal error, not a panic
/// of the caller.
pub fn in_parallel<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Result<Vec<R>> {
    let count = items.len();
    let queue = Mutex::new(items.into_iter().enumerate());
    // a poisoned queue (a panic elsewhere) gives no more work
    let next = || queue.lock().ok().and_then(|mut items| items.next());
    let work = || {
        let mut done = Vec::new();
        while let Some((i, item)) = next() {
            done.push((i, f(item)));
        }
        done
    };
    let workers = cores().min(count.max(1));
    let mut done = Vec::with_capacity(count);
    let mut panicked = false;
    // the calling thread is one of the workers: one item, or one core, spawns no thread
    std::thread::scope(|scope| {
        let handles: Vec<_> = (1..workers).map(|_| scope.spawn(work)).collect();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
            Ok(some) => done.extend(some),
            Err(_) => panicked = true,
        }
        for handle in handles {
            match handle.join() {
                Ok(some) => done.extend(some),
                Err(_) => panicked = true,
            }
        }
    });
    if panicked {
        return Err(Error::internal("a worker thread panicked"));
    }
    done.sort_by_key(|(i, _)| *i);
    Ok(done.into_iter().map(|(_, r)| r).collect())
}

/// The machine's cores (at most eight), asked once: asking reads the control group's files.
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_order_of_the_items() {
        let items: Vec<u64> = (0..200).collect();
        // uneven work, so that the threads finish out of order
        let out = in_parallel(items.clone(), |i| {
            std::thread::sleep(std::time::Duration::from_micros((i * 37) % 200));
            i * 2
        })
        .unwrap();
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert!(in_parallel(Vec::<u8>::new(), |i| i).unwrap().is_empty());
    }

    #[test]
    fn a_panic_is_an_internal_error() {
        let err = in_parallel(vec![1, 2, 3], |i| {
            if i == 2 {
                panic!("a bug");
            }
            i
        })
        .unwrap_err();
        assert!(err.to_string().contains("panicked"), "{err}");
    }
}
