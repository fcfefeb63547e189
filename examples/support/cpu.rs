//! The examples' clock: the thread's CPU time, which other processes on a busy machine
//! disturb much less than wall time, and medians of it.

use std::hint::black_box;
use std::time::Duration;

/// CPU time this thread has used.
pub fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// The thread CPU time `f` takes (its result kept from the optimizer).
#[allow(dead_code)]
pub fn timed(f: impl FnOnce() -> usize) -> Duration {
    let start = thread_cpu();
    black_box(f());
    thread_cpu() - start
}

/// The median (the mean of the middle two for an even count); NaN for none.
#[allow(dead_code)]
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}
