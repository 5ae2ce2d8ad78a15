//! The generated v1.18 Client-Server client against Synapse, through whole flows: versions,
//! registration through user-interactive auth, password login, a room with messages, a filtered
//! sync and back-pagination, the display name, media upload and download, push rule actions
//! with a tweak, device deletion through user-interactive auth, a rate limit and logout
//! ([`tests/peers/flows_v118.rs`], written into the generated crate and run there). Run through
//! `tests/peers/run.sh`, which starts Synapse with open registration; without it (or without
//! `../shared`) the test is skipped with a printed reason, or fails when CI is set.

use matrix_api_tests::{cargo_in, current_spec, workspace};

#[test]
fn the_generated_v1_18_client_runs_whole_flows_against_synapse() {
    let Some(data) = current_spec() else {
        return;
    };
    if std::env::var("SYNAPSE_URL").map_or(true, |v| v.is_empty()) {
        assert!(
            std::env::var_os("CI").is_none(),
            "SYNAPSE_URL is not set, and CI is set: run the tests through tests/peers/run.sh"
        );
        eprintln!("skipped: SYNAPSE_URL is not set (run the tests through tests/peers/run.sh)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut settings = matrix_api_generator::Settings::new(data.join("api/client-server"));
    settings.root = Some(data.clone());
    // the name, and below the features, of the conformance test's build of the same API, so
    // that the crate is built once in the shared target folder
    settings.crate_name = "matrix-client-server-api-v1-18".to_owned();
    settings.events = Some(data.join("event-schemas/schema"));
    let generated = matrix_api_generator::generate(&settings).unwrap();
    matrix_api_generator::write::write(dir.path(), &generated.files).unwrap();
    let flows = std::fs::read_to_string(workspace().join("tests/peers/flows_v118.rs")).unwrap();
    std::fs::create_dir_all(dir.path().join("tests")).unwrap();
    std::fs::write(
        dir.path().join("tests/flows.rs"),
        flows.replace("CRATE", "matrix_client_server_api_v1_18"),
    )
    .unwrap();
    let out = cargo_in(
        dir.path(),
        &[
            "test",
            "--offline",
            "--quiet",
            "--all-features",
            "--test",
            "flows",
            "--",
            "--nocapture",
        ],
        None,
    );
    println!("{out}");
}
