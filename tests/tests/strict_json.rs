//! The generated crate's JSON check (what every request body passes before it is decoded) says
//! yes exactly where a full JSON parser (serde_json building a `Value`) does: on hand-picked
//! edge cases and on many thousands of inputs made by mutating Matrix bodies byte by byte.

use matrix_client_server_api::runtime::json::{check, Fault, MAX_DEPTH};

/// serde_json's verdict: a whole value, or not (its nesting limit is the check's).
fn parser_accepts(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(bytes).is_ok()
}

fn agree(bytes: &[u8]) {
    let ours = check(bytes);
    assert_eq!(
        ours.is_ok(),
        parser_accepts(bytes),
        "check says {ours:?} of {:?}",
        String::from_utf8_lossy(bytes)
    );
}

const SEEDS: &[&str] = &[
    r#"{"three_pid_creds": {"client_secret": "d0nt", "id_server": "id.example.org", "sid": "abc123"}, "bind": false}"#,
    r#"{"type": "m.room.message", "content": {"body": "h\u00e9llo \ud83d\ude00 \"q\" \\ \/", "msgtype": "m.text"}, "origin_server_ts": 1432735824653, "unsigned": {"age": -1.5e-3}}"#,
    r#"[{"a": [1, 2.0, -3e10, 0, -0, 1E+2, true, false, null]}, [], {}, "", [[["x"]]]]"#,
    r#"  {"device_keys": {"@alice:example.com": []}, "timeout": 10000, "token": "string"}  "#,
];

/// A small deterministic generator (xorshift), so that every run checks the same inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Bytes a mutation inserts: JSON's own punctuation and escapes, and bytes JSON refuses.
const PIECES: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"",
    b"\\",
    b"\\u",
    b"\\ud800",
    b"\\udc00",
    b"\\u00",
    b"e",
    b"E",
    b"-",
    b"+",
    b".",
    b"0",
    b"1",
    b"9",
    b"1e999",
    b"tru",
    b"null",
    b" ",
    b"\t",
    b"\n",
    b"\x00",
    b"\x1f",
    b"\x7f",
    b"\xc3",
    b"\xa9",
    b"\xff",
    b"\xed\xa0\x80",
    b"\xf0\x9f\x98\x80",
    b"\xef\xbb\xbf",
];

fn mutate(rng: &mut Rng, mut bytes: Vec<u8>) -> Vec<u8> {
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(3) {
            0 if at < bytes.len() => {
                bytes.remove(at);
            }
            1 if at < bytes.len() => {
                let piece = PIECES[rng.below(PIECES.len())];
                bytes.splice(at..at + 1, piece.iter().copied());
            }
            _ => {
                let piece = PIECES[rng.below(PIECES.len())];
                bytes.splice(at..at, piece.iter().copied());
            }
        }
    }
    bytes
}

#[test]
fn edge_cases_agree_with_a_full_parser() {
    let cases: &[&[u8]] = &[
        b"",
        b" ",
        b"0",
        b"-0",
        b"01",
        b"-",
        b"1.",
        b".5",
        b"1e",
        b"1e+",
        b"1E-0",
        b"1e308",
        b"1e309",
        b"-1e309",
        b"2.2250738585072014e-308",
        b"1e-400",
        b"123456789012345678901234567890",
        b"\"\\ud83d\\ude00\"",
        b"\"\\ud83d\"",
        b"\"\\ude00\"",
        b"\"\\ud83d\\u0041\"",
        b"\"\\uD83D\\uDE00\"",
        b"\"\\u12\"",
        b"\"\\u12g4\"",
        b"\"\\a\"",
        b"\"\x01\"",
        b"\"\x7f\"",
        b"\"\xed\xa0\x80\"",
        b"\xef\xbb\xbf{}",
        b"{}\x00",
        b"{} {}",
        b"[1 2]",
        b"{\"a\":1,}",
        b"{,}",
        b"{\"a\"}",
        b"{1:2}",
        b"true",
        b"truex",
        b"nul",
        b"[true,false,null]",
        b"\"\"",
        b"\"",
        b"[",
        b"]",
        b"{\"a\":[}]",
        b"\t\n\r {\"a\" :\t[ ] }\r\n",
        b"\x0b{}",
        b"\xc2\xa0{}",
    ];
    for case in cases {
        agree(case);
    }
}

#[test]
fn nesting_stops_where_the_parser_stops() {
    for depth in [1, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 100_000] {
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let inner = if open == "[" { "" } else { "1" };
            let text = format!("{}{inner}{}", open.repeat(depth), close.repeat(depth));
            agree(text.as_bytes());
            if depth > MAX_DEPTH {
                assert_eq!(check(text.as_bytes()), Err(Fault::TooDeep), "depth {depth}");
            }
        }
    }
    // a deep body that is not JSON anyway is refused as deep: nothing past the limit is read
    assert_eq!(check("[".repeat(100_000).as_bytes()), Err(Fault::TooDeep));
}

#[test]
fn mutated_matrix_bodies_agree_with_a_full_parser() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut refused = 0;
    let runs = 40_000;
    for i in 0..runs {
        let seed = SEEDS[i % SEEDS.len()].as_bytes().to_vec();
        let bytes = mutate(&mut rng, seed);
        agree(&bytes);
        refused += usize::from(check(&bytes).is_err());
    }
    // the mutations reach both verdicts, often
    assert!(
        refused > runs / 10 && refused < runs * 9 / 10,
        "{refused} of {runs} refused"
    );
}
