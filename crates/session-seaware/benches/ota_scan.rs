//! How the OTA "session expired" scan (`ota_session_expired`, run by the middleware on every
//! inspected answer) grows with hostile bodies: each shape at 64 KiB and at 1 MiB. A linear scan
//! takes about 16× as long for the larger body; the target is a ratio of at most 20.
//!
//! Shapes: nothing but `<` (the quadratic case of the old scanner: every `<` rescanned the rest
//! for a `>`), unclosed `<Error` tags inside `<Errors>`, many complete `<Error>` elements whose
//! text never says "session", and one long text node.
#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use session_seaware::ota_session_expired;

fn shapes(len: usize) -> Vec<(&'static str, Vec<u8>)> {
    let fill = |unit: &[u8]| -> Vec<u8> {
        let mut v = Vec::with_capacity(len + unit.len());
        v.extend_from_slice(b"<Errors>");
        while v.len() < len {
            v.extend_from_slice(unit);
        }
        v.truncate(len);
        v
    };
    vec![
        ("all_lt", vec![b'<'; len]),
        ("unclosed_error_tags", fill(b"<Error ShortText=\"x")),
        (
            "business_errors",
            fill(b"<Error Type=\"3\">Cabin sold out</Error>"),
        ),
        ("long_text", {
            let mut v = b"<Errors><Error>".to_vec();
            v.resize(len, b'a');
            v
        }),
    ]
}

fn scan(c: &mut Criterion) {
    let mut group = c.benchmark_group("ota_scan");
    group.sample_size(20);
    for len in [64 * 1024, 1024 * 1024] {
        for (name, body) in shapes(len) {
            group.throughput(Throughput::Bytes(len as u64));
            group.bench_with_input(BenchmarkId::new(name, len), &body, |b, body| {
                b.iter(|| ota_session_expired(std::hint::black_box(body)));
            });
        }
    }
    group.finish();
}

criterion_group!(benches, scan);
criterion_main!(benches);
