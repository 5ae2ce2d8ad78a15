//! Generation speed, stage by stage and in total, on the seed spec and on the whole
//! Client-Server API in `../shared` (skipped with a message when it is absent).
//! `cargo bench -p matrix-api-generator`.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use matrix_api_generator::{api_documents, emit, format, generate, ir, load, normalize, resolve, Settings};

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
    out
}

fn root(s: &Settings) -> PathBuf {
    s.root.clone().unwrap_or_else(|| s.spec_dir.clone())
}

fn loaded(s: &Settings) -> (load::Loader, Vec<PathBuf>) {
    let mut loader = load::Loader::new(&root(s)).unwrap();
    let docs = api_documents(&loader, &s.spec_dir).unwrap();
    for d in &docs {
        loader.load(d).unwrap();
    }
    (loader, docs)
}

fn resolved(s: &Settings) -> resolve::Bundle {
    let (loader, docs) = loaded(s);
    resolve::resolve(loader, &docs).unwrap()
}

fn normalized(s: &Settings) -> normalize::Normalized {
    normalize::normalize(resolved(s), &s.placeholders).unwrap()
}

fn bench(c: &mut Criterion) {
    for (name, s) in specs() {
        let mut g = c.benchmark_group(format!("generate/{name}"));
        g.sample_size(20);
        g.bench_function("1 load (API documents)", |b| b.iter(|| loaded(&s)));
        g.bench_function("2 resolve (referenced files included)", |b| {
            b.iter_batched(
                || load::Loader::new(&root(&s)).unwrap(),
                |loader| {
                    let docs = api_documents(&loader, &s.spec_dir).unwrap();
                    resolve::resolve(loader, &docs).unwrap()
                },
                BatchSize::LargeInput,
            )
        });
        g.bench_function("3 normalize", |b| {
            b.iter_batched(
                || resolved(&s),
                |bundle| normalize::normalize(bundle, &s.placeholders).unwrap(),
                BatchSize::LargeInput,
            )
        });
        let norm = normalized(&s);
        g.bench_function("4 IR", |b| {
            b.iter(|| ir::build(&norm, &emit::reserved_names()).unwrap())
        });
        let (api, _) = ir::build(&norm, &emit::reserved_names()).unwrap();
        let info = emit::CrateInfo {
            name: "bench",
            version: "0.1.0",
        };
        g.bench_function("5 emit", |b| b.iter(|| emit::emit(&api, &info)));
        g.bench_function("6 format", |b| {
            b.iter_batched(
                || emit::emit(&api, &info),
                |files| format::format(files, &api.sources).unwrap(),
                BatchSize::LargeInput,
            )
        });
        g.bench_function("total", |b| b.iter(|| generate(&s).unwrap()));
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
