//! Every API of the current spec generated as one set (`cargo xtask gen --api ...`): the five
//! v1.18 APIs of `../shared` with the event schemas, written into `target/api-set-v1.18` (kept
//! between runs, so that cargo rebuilds only what changed). The test checks what the set shares
//! (each schema two APIs use is one type, in the shared crate), builds every crate with clippy
//! and rustdoc under each feature set, and runs `tests/peers/sets_v118.rs` against the crates
//! together: one type per concept, federation signatures and the identity lookup over loopback,
//! and (with `tests/peers/run.sh`) Synapse as the peer of the application service, the push
//! gateway and the federation client. Skipped with a printed reason without `../shared`.

use std::path::{Path, PathBuf};

use matrix_api_generator::{generate_set, write, ApiSettings, GeneratedSet, SetSettings};
use matrix_api_tests::{cargo_in, current_spec, fixture, workspace};

/// The APIs of v1.18, by crate name and folder.
const APIS: &[(&str, &str)] = &[
    ("matrix-client-server-api", "api/client-server"),
    ("matrix-federation-api", "api/server-server"),
    ("matrix-application-service-api", "api/application-service"),
    ("matrix-identity-api", "api/identity"),
    ("matrix-push-gateway-api", "api/push-gateway"),
];
const SHARED: &str = "matrix-api-shared";

fn generate(data: &Path) -> GeneratedSet {
    let apis = APIS
        .iter()
        .map(|(name, dir)| ApiSettings {
            spec_dir: data.join(dir),
            crate_name: (*name).to_owned(),
        })
        .collect();
    let mut settings = SetSettings::new(data, apis);
    settings.events = Some(data.join("event-schemas/schema"));
    generate_set(&settings).unwrap_or_else(|e| panic!("{e}"))
}

/// The `pub struct` / `pub enum` names a `types.rs` defines, and the names it re-exports.
fn defined_and_reexported(types_rs: &str) -> (Vec<String>, Vec<String>) {
    let mut defined = Vec::new();
    for line in types_rs.lines() {
        for prefix in ["pub struct ", "pub enum "] {
            if let Some(rest) = line.strip_prefix(prefix) {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                defined.push(name);
            }
        }
    }
    let reexported = match types_rs.split_once("pub use ::matrix_api_shared::types::{") {
        Some((_, rest)) => rest
            .split_once('}')
            .map(|(list, _)| {
                list.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        None => Vec::new(),
    };
    (defined, reexported)
}

/// The `set` fixture: two small APIs (`alpha`, `beta`) that both use `common/thing.yaml`.
fn fixture_set(apis: &[(&str, &str)]) -> SetSettings {
    let root = fixture("set");
    let apis = apis
        .iter()
        .map(|(name, dir)| ApiSettings {
            spec_dir: root.join(dir),
            crate_name: (*name).to_owned(),
        })
        .collect();
    let mut settings = SetSettings::new(&root, apis);
    settings.shared_crate = "things-shared".to_owned();
    settings
}

#[test]
fn a_set_shares_what_two_apis_use_and_keeps_the_rest_apart() {
    let settings = fixture_set(&[("alpha-api", "alpha"), ("beta-api", "beta")]);
    let set = generate_set(&settings).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        set.files(),
        generate_set(&settings).unwrap().files(),
        "the same bytes every run"
    );
    let names: Vec<&str> = set.crates.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["things-shared", "alpha-api", "beta-api"]);
    let file = |krate: &str, path: &str| -> String {
        let (_, g) = set.crates.iter().find(|(n, _)| n == krate).unwrap();
        g.files
            .get(path)
            .cloned()
            .unwrap_or_else(|| panic!("{krate} has no {path}"))
    };

    // `Thing` (and what it holds) is the shared crate's, once; each API re-exports it
    let shared_types = file("things-shared", "src/types.rs");
    assert!(shared_types.contains("pub struct Thing {"), "{shared_types}");
    for krate in ["alpha-api", "beta-api"] {
        let types = file(krate, "src/types.rs");
        assert!(!types.contains("pub struct Thing {"), "{krate} defines Thing again");
        assert!(types.contains("pub use ::things_shared::types::{"), "{krate}: {types}");
        assert!(types.contains("Thing"), "{krate}");
        // the support code is the shared crate's, re-exported where generated code names it
        let lib = file(krate, "src/lib.rs");
        assert!(lib.contains("pub use ::things_shared::runtime;"), "{krate}: {lib}");
        let (_, g) = set.crates.iter().find(|(n, _)| n == krate).unwrap();
        assert!(
            !g.files.keys().any(|p| p.starts_with("src/runtime/")),
            "{krate} has its own runtime"
        );
        // a dependency on the shared crate beside it, and each feature handed on to it
        let manifest = file(krate, "Cargo.toml");
        assert!(
            manifest.contains("things-shared = { path = \"../things-shared\", version = \"0.1.0\" }"),
            "{manifest}"
        );
        assert!(
            manifest.contains("\"things-shared/client\"]") && manifest.contains("\"things-shared/server\"]"),
            "{manifest}"
        );
    }
    let (_, shared) = &set.crates[0];
    assert!(shared.files.contains_key("src/runtime/signatures.rs"));
    assert!(
        !shared.files.keys().any(|p| p.starts_with("src/operations")),
        "the shared crate has no operations"
    );

    // each API's client methods are a trait of its own on the one shared `Client`
    assert!(file("alpha-api", "src/client.rs").contains("pub trait AlphaClient"));
    assert!(file("beta-api", "src/client.rs").contains("impl BetaClient for crate::Client"));

    // authentication from each document's security schemes: bearer, and X-Matrix signatures;
    // a requirement naming a scheme the document lacks is read as its one scheme, with a warning
    assert!(file("alpha-api", "src/operations/get_thing.rs").contains("crate::AuthKind::AccessToken"));
    assert!(file("beta-api", "src/operations/put_thing_v2.rs").contains("crate::AuthKind::ServerSignatures"));
    assert!(file("beta-api", "src/operations/get_thing.rs").contains("crate::AuthKind::ServerSignatures"));
    let (_, beta) = &set.crates[2];
    assert!(
        beta.warnings.iter().any(|w| w
            .to_string()
            .contains("the security scheme `other` is not defined in this document; read as its one scheme, `signed`")),
        "{:?}",
        beta.warnings
    );
    assert!(file("beta-api", "src/server.rs").contains("pub trait Api: crate::KeyLookup +"));

    // alone, an API is a whole crate again, with the same names
    let alone = matrix_api_generator::generate(&{
        let mut s = matrix_api_generator::Settings::new(fixture("set").join("alpha"));
        s.root = Some(fixture("set"));
        s
    })
    .unwrap();
    assert!(alone.files["src/types.rs"].contains("pub struct Thing {"));
    assert!(alone.files.contains_key("src/runtime/mod.rs"));
}

#[test]
fn a_set_refuses_a_crate_name_given_twice_and_an_empty_list() {
    let twice = fixture_set(&[("alpha-api", "alpha"), ("alpha-api", "beta")]);
    let error = generate_set(&twice).unwrap_err().to_string();
    assert!(error.contains("the crate name `alpha-api` is given twice"), "{error}");
    let shared_name = fixture_set(&[("things-shared", "alpha")]);
    assert!(generate_set(&shared_name)
        .unwrap_err()
        .to_string()
        .contains("given twice"));
    let none = fixture_set(&[]);
    assert!(generate_set(&none)
        .unwrap_err()
        .to_string()
        .contains("at least one API"));
}

#[test]
fn a_set_read_side_by_side_reports_the_first_bad_api_in_its_order() {
    // both APIs broken: whichever thread reads which, the error is the first API's
    let dir = tempfile::tempdir().unwrap();
    for sub in ["alpha", "beta", "common"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        for entry in std::fs::read_dir(fixture("set").join(sub)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.path().join(sub).join(entry.file_name())).unwrap();
        }
    }
    for (sub, file) in [("alpha", "alpha.yaml"), ("beta", "beta.yaml")] {
        let path = dir.path().join(sub).join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{text}\n  broken: [1, 2\n")).unwrap();
    }
    let set = |order: &[(&str, &str)]| {
        let apis = order
            .iter()
            .map(|(name, sub)| ApiSettings {
                spec_dir: dir.path().join(sub),
                crate_name: (*name).to_owned(),
            })
            .collect();
        SetSettings::new(dir.path(), apis)
    };
    for _ in 0..5 {
        let error = generate_set(&set(&[("beta-api", "beta"), ("alpha-api", "alpha")])).unwrap_err();
        assert_eq!(error.location().file.as_deref(), Some("beta/beta.yaml"), "{error}");
        let error = generate_set(&set(&[("alpha-api", "alpha"), ("beta-api", "beta")])).unwrap_err();
        assert_eq!(error.location().file.as_deref(), Some("alpha/alpha.yaml"), "{error}");
    }
}

#[test]
fn the_v1_18_apis_generate_as_one_set_that_builds_and_works_together() {
    let Some(data) = current_spec() else {
        return;
    };
    let set = generate(&data);
    let again = generate(&data);
    assert_eq!(set.files(), again.files(), "the set is generated the same every run");
    let names: Vec<&str> = set.crates.iter().map(|(name, _)| name.as_str()).collect();
    let mut expected = vec![SHARED];
    expected.extend(APIS.iter().map(|(n, _)| *n));
    assert_eq!(names, expected);

    // what two APIs use is defined once, in the shared crate, and re-exported where used
    let types = |krate: &str| -> String {
        let (_, g) = set.crates.iter().find(|(n, _)| n == krate).unwrap();
        g.files["src/types.rs"].clone()
    };
    let (shared_defined, _) = defined_and_reexported(&types(SHARED));
    for name in [
        "CrossSigningKey",
        "DeviceKeys",
        "PublicRoomsResponse",
        "RoomMemberEventContent",
    ] {
        assert!(
            shared_defined.contains(&name.to_owned())
                || set.crates[0].1.files["src/events.rs"].contains(&format!("pub struct {name}")),
            "{name} is shared"
        );
    }
    for (krate, _) in APIS {
        let (defined, reexported) = defined_and_reexported(&types(krate));
        for name in &defined {
            assert!(
                !shared_defined.contains(name),
                "{krate} defines {name} again, beside the shared crate's"
            );
        }
        for name in &reexported {
            assert!(
                shared_defined.contains(name),
                "{krate} re-exports {name}, which the shared crate does not define"
            );
        }
    }
    let (_, fed_uses) = defined_and_reexported(&types("matrix-federation-api"));
    let (_, cs_uses) = defined_and_reexported(&types("matrix-client-server-api"));
    for name in ["CrossSigningKey", "DeviceKeys", "PublicRoomsResponse"] {
        assert!(
            fed_uses.contains(&name.to_owned()) && cs_uses.contains(&name.to_owned()),
            "{name}"
        );
    }
    // federation's operations are signed by the sending server, except the ones anyone may call
    let (_, fed) = set.crates.iter().find(|(n, _)| n == "matrix-federation-api").unwrap();
    assert!(fed.files["src/operations/send_transaction.rs"].contains("crate::AuthKind::ServerSignatures"));
    assert!(fed.files["src/operations/get_server_key.rs"].contains("crate::AuthKind::None"));
    // the application service's `hs_token` and the identity service's token are access tokens;
    // the push gateway takes none
    let (_, appservice) = set
        .crates
        .iter()
        .find(|(n, _)| n == "matrix-application-service-api")
        .unwrap();
    assert!(appservice.files["src/operations/send_transaction.rs"].contains("crate::AuthKind::AccessToken"));
    let (_, push) = set.crates.iter().find(|(n, _)| n == "matrix-push-gateway-api").unwrap();
    assert!(push.files["src/operations/notify.rs"].contains("crate::AuthKind::None"));

    // written as `cargo xtask gen --api` writes it, with a workspace and the peers' crate
    let dir = workspace().join("target/api-set-v1.18");
    write::write(&dir, &set.files()).unwrap();
    write_peers_crate(&dir);

    for (krate, _) in set.crates.iter() {
        for features in [
            &[][..],
            &["--features", "client"],
            &["--features", "server"],
            &["--all-features"],
        ] {
            let mut args = vec!["clippy", "--offline", "--quiet", "-p", krate.as_str()];
            args.extend_from_slice(features);
            args.extend_from_slice(&["--", "-D", "warnings"]);
            cargo_in(&dir, &args, None);
        }
        cargo_in(
            &dir,
            &[
                "doc",
                "--offline",
                "--quiet",
                "--no-deps",
                "--all-features",
                "-p",
                krate.as_str(),
            ],
            Some("-D warnings"),
        );
        println!("{krate}: clippy clean with no features, client, server and both; rustdoc clean");
    }
    let out = cargo_in(
        &dir,
        &[
            "test",
            "--offline",
            "--quiet",
            "-p",
            "set-peers",
            "--",
            "--nocapture",
            "--test-threads",
            "1",
        ],
        None,
    );
    println!("{out}");
}

/// The workspace of the set and the crate that runs `tests/peers/sets_v118.rs` on it.
fn write_peers_crate(dir: &Path) {
    let mut members: Vec<String> = vec![format!("\"{SHARED}\"")];
    members.extend(APIS.iter().map(|(n, _)| format!("\"{n}\"")));
    members.push("\"peers\"".to_owned());
    let workspace_toml = format!("[workspace]\nresolver = \"2\"\nmembers = [{}]\n", members.join(", "));
    write_if_changed(&dir.join("Cargo.toml"), &workspace_toml);
    let mut deps = String::new();
    for name in std::iter::once(SHARED).chain(APIS.iter().map(|(n, _)| *n)) {
        deps.push_str(&format!(
            "{name} = {{ path = \"../{name}\", features = [\"client\", \"server\"] }}\n"
        ));
    }
    let manifest = format!(
        "[package]\nname = \"set-peers\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{deps}\
         axum = {{ version = \"0.8\", default-features = false, features = [\"tokio\", \"http1\"] }}\n\
         base64 = \"0.22\"\nhttp = \"1\"\nreqwest = {{ version = \"0.12\", default-features = false, features = [\"rustls-tls\", \"json\"] }}\n\
         serde_json = \"1\"\nsha2 = \"0.10\"\ntokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\", \"net\", \"time\", \"process\"] }}\n"
    );
    write_if_changed(&dir.join("peers/Cargo.toml"), &manifest);
    write_if_changed(
        &dir.join("peers/src/lib.rs"),
        "//! The peers of the v1.18 set: see `tests/`.\n",
    );
    let program = std::fs::read_to_string(workspace().join("tests/peers/sets_v118.rs")).unwrap();
    write_if_changed(&dir.join("peers/tests/sets.rs"), &program);
}

fn write_if_changed(path: &PathBuf, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}
