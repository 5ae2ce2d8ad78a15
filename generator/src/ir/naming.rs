//! Names that read like hand-written Rust: words are split keeping acronyms and numbers whole
//! (`getAccount3PIDs` → `get_account_3pids`, `GetAccount3pids`), titles become type names
//! ("Third party identifier" → `ThirdPartyIdentifier`), keywords become raw identifiers.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Acronyms known to the Matrix spec: a run of capitals made of these is split between them
/// (`PIDMSISDN` → `PID`, `MSISDN`).
const ACRONYMS: &[&str] = &[
    "MSISDN", "OPENID", "HTTPS", "HTTP", "JSON", "TURN", "VOIP", "HTML", "UUID", "PID", "URL", "URI", "API", "CAS",
    "SSO", "MXC", "TLS", "TTL", "UIA", "ACL", "ID", "IS", "HS", "AS", "TO", "3P",
];

/// Splits an identifier-ish string into words. Separators are anything but ASCII letters and
/// digits; a word boundary is lower→upper (`fooBar`), letter→digit (`account3`, but not in a
/// version: `V2` of `bindV2` is one word), and the end of a
/// capital run before a capitalised word (`HTTPServer`). A digit run keeps the letters after it
/// (`3PIDs`, `3pid`), and `s` after a capital run is a plural (`PIDs`).
pub fn words(input: &str) -> Vec<String> {
    let mut words = Vec::new();
    for token in transliterate(input).split(|c: char| !c.is_ascii_alphanumeric()) {
        if token.is_empty() {
            continue;
        }
        split_token(token, &mut words);
    }
    words
}

fn split_token(token: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = token.chars().collect();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if i > start {
            let prev = chars[i - 1];
            // a version (`V2` of `bindV2`) is one word: `bind_v2`
            let version = i - start == 1 && matches!(prev, 'v' | 'V');
            let boundary = (prev.is_ascii_lowercase() && c.is_ascii_uppercase())
                || (prev.is_ascii_alphabetic() && c.is_ascii_digit() && !version);
            if boundary {
                out.push(chars[start..i].iter().collect());
                start = i;
            }
        }
        if c.is_ascii_uppercase() {
            // a capital run: take it whole
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_uppercase() {
                j += 1;
            }
            let run_len = j - i;
            let next_lower = j < chars.len() && chars[j].is_ascii_lowercase();
            if run_len > 1 && next_lower {
                let plural = chars[j] == 's' && (j + 1 == chars.len() || !chars[j + 1].is_ascii_lowercase());
                if plural {
                    // `PIDs`: the run and its plural are one word
                    push_acronyms(&chars[start..j], out);
                    let last = out.pop().unwrap_or_default();
                    out.push(format!("{last}s"));
                    start = j + 1;
                    i = j + 1;
                    continue;
                }
                // `HTTPServer`: the run's last capital starts the next word
                push_acronyms(&chars[start..j - 1], out);
                start = j - 1;
                i = j;
                continue;
            }
            if run_len > 1 {
                push_acronyms(&chars[start..j], out);
                start = j;
                i = j;
                continue;
            }
        }
        i += 1;
    }
    if start < chars.len() {
        out.push(chars[start..].iter().collect());
    }
}

/// Pushes `chars` (a digit prefix and/or a capital run) as words, splitting a capital run
/// into known acronyms when it is made of nothing else.
fn push_acronyms(chars: &[char], out: &mut Vec<String>) {
    let s: String = chars.iter().collect();
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    let (prefix, run) = s.split_at(digits);
    match split_acronyms(run) {
        Some(parts) if parts.len() > 1 => {
            let mut parts = parts.into_iter();
            let first = parts.next().unwrap_or_default();
            out.push(format!("{prefix}{first}"));
            out.extend(parts);
        }
        _ => out.push(s),
    }
}

fn split_acronyms(run: &str) -> Option<Vec<String>> {
    if run.is_empty() {
        return None;
    }
    for a in ACRONYMS {
        if let Some(rest) = run.strip_prefix(a) {
            if rest.is_empty() {
                return Some(vec![(*a).to_owned()]);
            }
            if let Some(mut tail) = split_acronyms(rest) {
                tail.insert(0, (*a).to_owned());
                return Some(tail);
            }
        }
    }
    None
}

/// Latin letters with diacritics become their base letters; anything else non-ASCII separates.
fn transliterate(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        let t = match c {
            'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' => "a",
            'ä' | 'æ' => "ae",
            'À' | 'Á' | 'Â' | 'Ã' | 'Å' => "A",
            'Ä' | 'Æ' => "Ae",
            'ç' => "c",
            'Ç' => "C",
            'è' | 'é' | 'ê' | 'ë' | 'ē' => "e",
            'È' | 'É' | 'Ê' | 'Ë' => "E",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'Ì' | 'Í' | 'Î' | 'Ï' => "I",
            'ñ' => "n",
            'Ñ' => "N",
            'ò' | 'ó' | 'ô' | 'õ' | 'ø' => "o",
            'ö' | 'œ' => "oe",
            'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ø' => "O",
            'Ö' | 'Œ' => "Oe",
            'ù' | 'ú' | 'û' => "u",
            'ü' => "ue",
            'Ù' | 'Ú' | 'Û' => "U",
            'Ü' => "Ue",
            'ß' => "ss",
            'ý' | 'ÿ' => "y",
            _ => " ",
        };
        out.push_str(t);
    }
    out
}

/// `snake_case` for functions, modules, fields. Always a valid identifier (maybe raw).
pub fn snake(input: &str) -> String {
    let joined = words(input)
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    let s = joined.to_snake_case();
    let s = if s.is_empty() { "value".to_owned() } else { s };
    let s = if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{s}")
    } else {
        s
    };
    keyword_safe(s)
}

/// `UpperCamelCase` of a title, or `None` when it is no name: it has no letters or digits a Rust
/// name can use ("日本"), or it reads as a sentence ("The current membership state of a user in
/// the room.": it ends with a full stop, starts with an article, or runs past five words), in
/// which case the type is named from where it sits.
pub fn pascal_title(input: &str) -> Option<String> {
    let w = words(input);
    let trimmed = input.trim();
    let first = w.first().map(|f| f.to_ascii_lowercase());
    let sentence = trimmed.ends_with('.') || matches!(first.as_deref(), Some("the" | "a" | "an")) || w.len() > 5;
    (!w.is_empty() && !sentence).then(|| pascal(input))
}

/// `UpperCamelCase` for types and variants. Always a valid identifier.
pub fn pascal(input: &str) -> String {
    let joined = words(input)
        .iter()
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + &cs.as_str().to_lowercase(),
                None => String::new(),
            }
        })
        .collect::<String>();
    let s = joined.to_upper_camel_case();
    let s = if s.is_empty() { "Value".to_owned() } else { s };
    let s = if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("N{s}")
    } else {
        s
    };
    keyword_safe(s)
}

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in",
    "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super",
    "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box",
    "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// Keywords become raw identifiers (`r#type`); the few that cannot be raw get a trailing `_`.
pub fn keyword_safe(s: String) -> String {
    if matches!(s.as_str(), "self" | "Self" | "super" | "crate" | "_") {
        format!("{s}_")
    } else if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// The longest name an operation's module (and so its file, `{name}.rs`) gets, in bytes: far
/// below every file system's limit of 255, with room for the write stage's temporary names.
pub const MAX_MODULE_NAME: usize = 64;

/// Names an operation cannot take, because the generated crate gives them to something else:
/// `mod` (the module of the operations, `operations/mod.rs`), the device names Windows reserves
/// in every folder (`con.rs` cannot be created there), the support code's own methods on
/// `Client`, and the server trait's own items. An operation of such a name is `{name}_operation`.
pub const RESERVED_OPERATION_NAMES: &[&str] = &[
    // files
    "mod",
    "con",
    "prn",
    "aux",
    "nul",
    "com1",
    "com2",
    "com3",
    "com4",
    "com5",
    "com6",
    "com7",
    "com8",
    "com9",
    "lpt1",
    "lpt2",
    "lpt3",
    "lpt4",
    "lpt5",
    "lpt6",
    "lpt7",
    "lpt8",
    "lpt9",
    // the support code's methods on `Client`
    "new",
    "with_access_token",
    "with_token_in_query",
    "with_path_prefix",
    "with_version",
    "with_reqwest_client",
    "with_timeouts",
    "with_retry",
    "with_server_signing",
    "base_url",
    "send",
    "send_owned",
    "execute",
    // the server trait's own items
    "authenticate",
];

/// `name` (snake case) cut to at most `max` bytes: a longer name keeps its first words and ends
/// in eight hex digits of a hash of the whole, so that two long names that start alike stay
/// apart, and the same name is always cut the same way.
pub fn bounded(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let bare = name.strip_prefix("r#").unwrap_or(name);
    // FNV-1a: stable across runs, machines and Rust versions
    let mut hash: u32 = 0x811c_9dc5;
    for b in bare.bytes() {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    let suffix = format!("_{hash:08x}");
    let room = max.saturating_sub(suffix.len());
    // snake case is ASCII, but cut on a character boundary whatever it is
    let mut cut = bare
        .char_indices()
        .map(|(i, _)| i)
        .take_while(|&i| i <= room)
        .last()
        .unwrap_or(0);
    if let Some(underscore) = bare[..cut].rfind('_').filter(|&u| u > 0) {
        cut = underscore;
    }
    format!("{}{suffix}", bare[..cut].trim_end_matches('_'))
}

/// The module and method name of an operation of id `id`: snake case, bounded to
/// [`MAX_MODULE_NAME`], never one of [`RESERVED_OPERATION_NAMES`], unique among `taken`.
pub fn operation_name(id: &str, taken: &mut std::collections::HashSet<String>) -> String {
    // room for `_operation` and a number from `unique`
    let name = bounded(&snake(id), MAX_MODULE_NAME - "_operation_99".len());
    let bare = name.strip_prefix("r#").unwrap_or(&name);
    let name = if RESERVED_OPERATION_NAMES.contains(&bare) {
        format!("{bare}_operation")
    } else {
        name
    };
    unique(&name, taken)
}

/// Makes `name` unique among `taken` by appending `2`, `3`, … (before any `r#`).
pub fn unique(name: &str, taken: &mut std::collections::HashSet<String>) -> String {
    if taken.insert(name.to_owned()) {
        return name.to_owned();
    }
    let bare = name.strip_prefix("r#").unwrap_or(name);
    let sep = if bare.contains('_') || bare.chars().all(|c| c.is_ascii_lowercase()) {
        "_"
    } else {
        ""
    };
    let mut n = 2u64;
    loop {
        let candidate = keyword_safe(format!("{bare}{sep}{n}"));
        if taken.insert(candidate.clone()) {
            return candidate;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_operation_ids() {
        assert_eq!(snake("getAccount3PIDs"), "get_account_3pids");
        assert_eq!(snake("post3PIDs"), "post_3pids");
        assert_eq!(snake("delete3pidFromAccount"), "delete_3pid_from_account");
        assert_eq!(snake("requestTokenTo3PIDEmail"), "request_token_to_3pid_email");
        assert_eq!(snake("requestTokenTo3PIDMSISDN"), "request_token_to_3pid_msisdn");
        assert_eq!(pascal("getAccount3PIDs"), "GetAccount3pids");
        assert_eq!(pascal("requestTokenTo3PIDMSISDN"), "RequestTokenTo3pidMsisdn");
    }

    #[test]
    fn a_version_is_one_word() {
        assert_eq!(snake("sendInviteV1"), "send_invite_v1");
        assert_eq!(snake("getValidated3pidV2"), "get_validated_3pid_v2");
        assert_eq!(snake("bindV2"), "bind_v2");
        assert_eq!(pascal("sendJoinV2"), "SendJoinV2");
        // a letter before digits inside a word still splits off
        assert_eq!(snake("account3pid"), "account_3pid");
        assert_eq!(snake("Mv2"), "mv_2");
    }

    #[test]
    fn a_sentence_is_not_a_name() {
        assert_eq!(
            pascal_title("The current membership state of a user in the room."),
            None
        );
        assert_eq!(pascal_title("A receipt."), None);
        assert_eq!(pascal_title("Information about the room and its state events"), None);
        assert_eq!(
            pascal_title("Third party identifier").as_deref(),
            Some("ThirdPartyIdentifier")
        );
        assert_eq!(pascal_title("Room Visibility").as_deref(), Some("RoomVisibility"));
    }

    #[test]
    fn titles() {
        assert_eq!(pascal("Third party identifier"), "ThirdPartyIdentifier");
        assert_eq!(pascal("ThreePidCredentials"), "ThreePidCredentials");
        assert_eq!(pascal("m.relates_to"), "MRelatesTo");
        assert_eq!(pascal("One-time keys count"), "OneTimeKeysCount");
        assert_eq!(pascal("HTTPServer"), "HttpServer");
        assert_eq!(pascal("Größe"), "Groesse");
        assert_eq!(pascal("日本"), "Value");
        assert_eq!(snake("M_THREEPID_AUTH_FAILED"), "m_threepid_auth_failed");
        assert_eq!(pascal("M_THREEPID_AUTH_FAILED"), "MThreepidAuthFailed");
        assert_eq!(snake("userIDs"), "user_ids");
    }

    #[test]
    fn keywords_and_digits() {
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("self"), "self_");
        assert_eq!(pascal("self"), "Self_");
        assert_eq!(snake("3pid"), "_3pid");
        assert_eq!(pascal("3pid"), "N3pid");
    }

    #[test]
    fn operation_names_are_bounded_files_and_never_reserved() {
        let mut taken = std::collections::HashSet::new();
        assert_eq!(operation_name("mod", &mut taken), "mod_operation");
        assert_eq!(operation_name("CON", &mut taken), "con_operation");
        assert_eq!(operation_name("send", &mut taken), "send_operation");
        assert_eq!(operation_name("sendOperation", &mut taken), "send_operation_2");
        assert_eq!(operation_name("type", &mut taken), "r#type");
        let long = format!("get{}", "VeryLong".repeat(40));
        let a = operation_name(&long, &mut taken);
        let b = operation_name(&format!("{long}X"), &mut taken);
        assert!(a.len() <= MAX_MODULE_NAME && b.len() <= MAX_MODULE_NAME, "{a} {b}");
        assert_ne!(a, b);
        assert!(a.starts_with("get_very_long_very_long"), "{a}");
        // the same name is cut the same way
        assert_eq!(bounded(&snake(&long), 40), bounded(&snake(&long), 40));
        assert_eq!(bounded("short", 40), "short");
    }

    #[test]
    fn collisions_are_numbered() {
        let mut taken = std::collections::HashSet::new();
        assert_eq!(unique(&snake("fooBar"), &mut taken), "foo_bar");
        assert_eq!(unique(&snake("foo_bar"), &mut taken), "foo_bar_2");
        assert_eq!(unique(&pascal("Foo"), &mut taken), "Foo");
        assert_eq!(unique(&pascal("foo"), &mut taken), "Foo2");
    }
}
