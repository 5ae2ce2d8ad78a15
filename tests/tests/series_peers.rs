//! The Client-Server API generated over every release in `../shared` (1.0 to 1.18, `cargo xtask
//! gen --config`), built with a test of its own (`tests/peers/series.rs`) that runs its client
//! against Synapse (through `tests/peers/run.sh`) and against its own server advertising 1.0.

use matrix_api_generator::config::Config;
use matrix_api_generator::{generate_series, write};
use matrix_api_tests::{cargo_in, real_series, shared, workspace};

#[test]
fn the_series_crate_speaks_to_synapse_and_to_a_server_of_1_0() {
    let Some(shared) = shared() else { return };
    let text = real_series(
        &shared,
        "[[api]]\nname = \"client-server\"\ndir = \"api/client-server\"\n",
    );
    let config = Config::parse(&text, std::path::Path::new("series.toml")).unwrap();
    let crates = generate_series(&config).unwrap();
    let (name, generated) = &crates[0];
    assert_eq!(name, "matrix-client-server-api");
    let dir = workspace().join("target/series-peers");
    let _ = std::fs::remove_dir_all(&dir);
    let mut files = generated.files.clone();
    let program = std::fs::read_to_string(workspace().join("tests/peers/series.rs")).unwrap();
    files.insert("tests/peers.rs".to_owned(), program);
    write::write(&dir, &files).unwrap();
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    std::fs::write(dir.join("Cargo.toml"), format!("{manifest}\n[workspace]\n")).unwrap();
    let out = cargo_in(
        &dir,
        &["test", "--all-features", "--test", "peers", "--", "--nocapture"],
        None,
    );
    assert!(out.contains("test result: ok. 1 passed"), "{out}");
    println!("{out}");
}
