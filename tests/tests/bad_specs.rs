//! Every bad spec in `tests/fixtures/bad/CASE/spec` fails with exactly the error in
//! `tests/fixtures/bad/CASE/expected`, and never panics. `BLESS=1` writes missing expectations.

use matrix_api_generator::{generate, Settings};
use matrix_api_tests::fixture;

#[test]
fn every_bad_spec_fails_with_its_message() {
    // relative paths (the tests run in `tests/`), so that messages naming a folder are stable
    let _ = fixture;
    let mut cases: Vec<_> = std::fs::read_dir("fixtures/bad")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 25, "only {} bad-spec fixtures", cases.len());
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let settings = Settings::new(case.join("spec"));
        let outcome = std::panic::catch_unwind(|| generate(&settings));
        let message = match outcome {
            Err(_) => {
                failures.push(format!("{name}: the generator panicked"));
                continue;
            }
            Ok(Ok(_)) => {
                failures.push(format!("{name}: generation succeeded"));
                continue;
            }
            Ok(Err(e)) => format!("error: {e}"),
        };
        assert!(!message.contains('\n'), "{name}: the error spans lines: {message}");
        let expected_path = case.join("expected");
        match std::fs::read_to_string(&expected_path) {
            Ok(expected) if expected.trim_end() == message => {}
            Ok(expected) => failures.push(format!(
                "{name}:\n  expected {}\n  got      {message}",
                expected.trim_end()
            )),
            Err(_) if bless => std::fs::write(&expected_path, format!("{message}\n")).unwrap(),
            Err(_) => failures.push(format!("{name}: no `expected` file; the error is\n  {message}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
