//! Generation speed, stage by stage and in total, on the seed spec, the seed-era Client-Server
//! API and each API of v1.18 (the Client-Server API with its event types) in `../shared`
//! (skipped with a message when it is absent).
//! `cargo bench -p matrix-api-generator`.

use std::path::Path;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use matrix_api_generator::{generate, stages, Settings};

fn specs() -> Vec<(&'static str, Settings)> {
    let ws = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    let mut out = vec![("seed", Settings::new(ws.join("spec/client-server")))];
    let corpus = ws.join("../shared/corpus/matrix-doc-5da3072e");
    if corpus.is_dir() {
        let mut s = Settings::new(corpus.join("api/client-server"));
        s.root = Some(corpus);
        out.push(("client-server", s));
    } else {
        eprintln!("skipping the whole Client-Server API: {} is absent", corpus.display());
    }
    let v118 = ws.join("../shared/corpus/matrix-spec-v1.18/data");
    if v118.is_dir() {
        for (name, api) in [
            ("v1.18 client-server with events", "client-server"),
            ("v1.18 server-server", "server-server"),
            ("v1.18 application-service", "application-service"),
            ("v1.18 identity", "identity"),
            ("v1.18 push-gateway", "push-gateway"),
        ] {
            let mut s = Settings::new(v118.join("api").join(api));
            s.root = Some(v118.clone());
            if api == "client-server" {
                s.events = Some(v118.join("event-schemas/schema"));
            }
            out.push((name, s));
        }
    } else {
        eprintln!("skipping v1.18: {} is absent", v118.display());
    }
    out
}

fn bench(c: &mut Criterion) {
    for (name, s) in specs() {
        let mut g = c.benchmark_group(format!("generate/{name}"));
        g.sample_size(20);
        let resolved = || stages::resolve_spec(&s, &mut Default::default()).unwrap();
        g.bench_function("1-3 load, fixups, resolve (referenced files included)", |b| {
            b.iter(resolved)
        });
        g.bench_function("4 front end", |b| {
            b.iter_batched(
                resolved,
                |bundle| stages::front_end(bundle, &s.placeholders).unwrap(),
                BatchSize::LargeInput,
            )
        });
        let spec = stages::front_end(resolved(), &s.placeholders).unwrap();
        g.bench_function("5 IR", |b| b.iter(|| stages::ir(&spec).unwrap()));
        let (api, _) = stages::ir(&spec).unwrap();
        let info = stages::CrateInfo {
            name: "bench",
            version: "0.1.0",
            placement: &stages::Placement::Whole,
        };
        // the files' token streams are made on the formatting threads; here on this one
        g.bench_function("6 emit (one thread)", |b| {
            b.iter(|| {
                stages::emit(&api, &info)
                    .unwrap()
                    .into_values()
                    .map(|file| match file {
                        stages::FileContent::Rust { make, .. } => make().into_iter().count(),
                        stages::FileContent::Text(text) => text.len(),
                    })
                    .sum::<usize>()
            })
        });
        g.bench_function("7 emit and format (every core)", |b| {
            b.iter_batched(
                || stages::emit(&api, &info).unwrap(),
                |files| stages::format(files, &api.sources).unwrap(),
                BatchSize::LargeInput,
            )
        });
        g.bench_function("total", |b| b.iter(|| generate(&s).unwrap()));
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
