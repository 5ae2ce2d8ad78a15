//! The spec is the oracle: the checked-in crate does everything the spec's examples say.

use std::collections::BTreeMap;

use matrix_api_tests::{conformance, oracle, workspace};

fn placeholders() -> BTreeMap<String, String> {
    BTreeMap::from([("CLIENT_MAJOR_VERSION".to_owned(), "r0".to_owned())])
}

#[test]
fn the_checked_in_crate_conforms_to_the_seed_spec() {
    let spec_dir = workspace().join("spec/client-server");
    let spec = oracle::read(&spec_dir, &spec_dir, &placeholders());
    assert_eq!(spec.operations.len(), 5);
    assert!(spec.spec_errors.is_empty(), "{:#?}", spec.spec_errors);
    for c in &spec.cases {
        println!("case: {}", c.name);
    }
    let dir = tempfile::tempdir().unwrap();
    conformance::copy_crate(&workspace().join("generated"), dir.path());
    let out = conformance::run(dir.path(), &spec);
    assert!(out.contains("conformance: 5 operations"), "{out}");
}

#[test]
fn the_whole_client_server_api_conforms() {
    let Some(corpus) = matrix_api_tests::corpus() else { return };
    let spec_dir = corpus.join("api/client-server");
    let spec = oracle::read(&spec_dir, &corpus, &placeholders());
    assert_eq!(spec.operations.len(), 116);
    let dir = tempfile::tempdir().unwrap();
    let mut settings = matrix_api_generator::Settings::new(&spec_dir);
    settings.root = Some(corpus.clone());
    let generated = matrix_api_generator::generate(&settings).unwrap();
    matrix_api_generator::write::write(dir.path(), &generated.files).unwrap();
    for e in &spec.spec_errors {
        println!("spec error: {e}");
    }
    println!("{} cases from {} examples", spec.cases.len(), spec.examples);
    let out = conformance::run(dir.path(), &spec);
    println!("{}", out.lines().filter(|l| l.starts_with("conformance:")).collect::<Vec<_>>().join("\n"));
}
