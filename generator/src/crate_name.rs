//! Crate names as cargo, Rust and file systems take them: a generated crate's package name is
//! also its folder in a set's output folder and, with `-` as `_`, a Rust path (`::matrix_api_shared`).
//! A name is checked before anything is read, so that a bad one is a usage error, never a crate
//! cargo refuses or a folder outside the output folder.

/// The longest package name crates.io takes.
pub const MAX_LEN: usize = 64;

/// Names a generated crate cannot take: Rust's own crates, and the crates a generated crate
/// depends on (a package cannot depend on a package of its own name).
pub const TAKEN: &[&str] = &[
    "std",
    "core",
    "alloc",
    "proc_macro",
    "test",
    "axum",
    "rustls",
    "base64",
    "bytes",
    "ed25519_dalek",
    "http",
    "hyper",
    "hyper_util",
    "reqwest",
    "serde",
    "serde_json",
    "serde_path_to_error",
    "tokio",
    "tower",
    "tower_http",
    "tracing",
];

/// Why `name` cannot be a generated crate's package name, or `Ok`: an ASCII letter, then ASCII
/// letters, digits, `-` and `_`, at most [`MAX_LEN`] bytes, and, as a Rust path (`-` read as
/// `_`), neither a keyword nor a crate of [`TAKEN`].
pub fn check(name: &str) -> Result<(), String> {
    let refuse = |why: String| Err(format!("`{name}` cannot be a crate name: {why}"));
    let Some(first) = name.chars().next() else {
        return Err("a crate name cannot be empty".to_owned());
    };
    if !first.is_ascii_alphabetic() {
        return refuse("it must start with an ASCII letter".to_owned());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return refuse(format!(
            "`{}` is not allowed (only ASCII letters, digits, `-` and `_`)",
            bad.escape_default()
        ));
    }
    if name.len() > MAX_LEN {
        return refuse(format!("it is {} bytes long; at most {MAX_LEN}", name.len()));
    }
    let path = rust_name(name);
    if crate::ir::naming::keyword_safe(path.clone()) != path {
        return refuse(format!("`{path}` is a Rust keyword"));
    }
    if TAKEN.contains(&path.as_str()) {
        return refuse(format!(
            "`{path}` is a crate the generated crate depends on or Rust's own"
        ));
    }
    Ok(())
}

/// The name as Rust code names the crate: `-` is `_`.
pub fn rust_name(name: &str) -> String {
    name.replace('-', "_")
}

/// Whether two crate names are one to cargo (`a-b` and `a_b` are one library) or to a file
/// system that ignores case (their folders).
pub fn same(a: &str, b: &str) -> bool {
    rust_name(a).eq_ignore_ascii_case(&rust_name(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cargo_takes() {
        for ok in ["matrix-client-server-api", "a", "A1_b-c", "matrix_api_shared"] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "1bad",
            "shared.crate",
            "a/../../x",
            "-a",
            "_a",
            "é",
            "a b",
            "type",
            "self",
            "std",
            "serde-json",
            "tokio",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
        assert!(check(&"a".repeat(65)).is_err());
        assert!(check(&"a".repeat(64)).is_ok());
        assert!(same("a-b", "A_B"));
        assert!(!same("a-b", "a-c"));
    }

    #[test]
    fn every_dependency_of_a_generated_crate_is_taken() {
        for output in crate::emit::OUTPUTS {
            // (the files are emitted lazily: asking for the contributions emits nothing)
            let api = crate::ir::Api::empty();
            let e = output.emit(&api, &crate::emit::Placement::Whole);
            for d in e.dependencies.iter().chain(&e.dev_dependencies) {
                assert!(
                    TAKEN.contains(&rust_name(d.name).as_str()),
                    "{} is not in TAKEN",
                    d.name
                );
            }
        }
    }
}
