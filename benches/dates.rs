//! Parses every row of the shared case table per iteration; divide the reported time by the
//! number of rows (printed first) for the cost of one string.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use scrapefeed::dates::{self, cases::CASES, DateContext};

fn whole_table(c: &mut Criterion) {
    let rows: Vec<(&str, DateContext)> = CASES
        .iter()
        .map(|case| (case.input, case.context()))
        .collect();
    eprintln!("dates bench: {} strings per iteration", rows.len());
    c.bench_function("dates::parse whole table", |b| {
        b.iter(|| {
            for (input, ctx) in &rows {
                let _ = black_box(dates::parse(black_box(input), ctx));
            }
        })
    });
}

criterion_group!(benches, whole_table);
criterion_main!(benches);
