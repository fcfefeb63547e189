//! Extraction per article page against its floor, the bare html5ever parse, so a regression
//! in either shows: `cargo bench --bench extract`; the generic reader (a listing-only site)
//! on the same pages, against the same floor. For one-run side-by-side medians and the
//! ratio, see `cargo run --release --example extract_cost` (docs/performance.md).

#[path = "../examples/support/per_article.rs"]
mod per_article;
#[path = "../examples/support/synthetic.rs"]
#[allow(dead_code)]
mod synthetic;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use per_article::{full, parse_only, samples, Rules};

fn per_page(c: &mut Criterion) {
    let rules = Rules::tass();
    let pages = samples(9, true);
    let (synthetic_pages, real) = pages.split_at(pages.len() - 1);
    for (name, set) in [
        ("synthetic 9 pages", synthetic_pages),
        ("real tass.ru", real),
    ] {
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Elements(set.len() as u64));
        group.bench_function("html5ever parse only", |b| {
            b.iter(|| set.iter().map(|p| parse_only(black_box(p))).sum::<usize>())
        });
        group.bench_function("extract + assemble + render", |b| {
            b.iter(|| {
                set.iter()
                    .map(|p| full(black_box(p), &rules))
                    .sum::<usize>()
            })
        });
        group.finish();
    }
    // A site declared with a listing only: the generic reader reads every field.
    let listing_only = Rules::listing_only();
    let mut group = c.benchmark_group("generic reader, synthetic 9 pages");
    group.throughput(Throughput::Elements(synthetic_pages.len() as u64));
    group.bench_function("html5ever parse only", |b| {
        b.iter(|| {
            synthetic_pages
                .iter()
                .map(|p| parse_only(black_box(p)))
                .sum::<usize>()
        })
    });
    group.bench_function("generic extract + assemble + render", |b| {
        b.iter(|| {
            synthetic_pages
                .iter()
                .map(|p| full(black_box(p), &listing_only))
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, per_page);
criterion_main!(benches);
