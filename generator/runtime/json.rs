//! Strict JSON (RFC 8259): what a body must be before it is decoded. Decoding into a type skips
//! the fields it does not know without looking inside them, so a body whose unknown field held
//! invalid UTF-8, a lone surrogate, a number beyond any double or 100,000 nested lists was
//! accepted; this check reads every byte once, allocates nothing, and refuses all of them.

/// How deep lists and objects may nest: serde_json's own limit (it decodes nothing nested
/// deeper), far past any Matrix body.
pub const MAX_DEPTH: usize = 127;

/// Why a body is not the JSON it must be.
#[derive(Debug, PartialEq, Eq)]
pub enum Fault {
    /// Not JSON at all (RFC 8259), with where and why.
    NotJson(String),
    /// JSON, but nested deeper than [`MAX_DEPTH`]: no Matrix body is.
    TooDeep,
}

/// Whether `bytes` is one JSON value (surrounded by white space at most), and if not why.
pub fn check(bytes: &[u8]) -> Result<(), Fault> {
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(Fault::NotJson(format!("not UTF-8 at byte {}", e.valid_up_to())));
    }
    let mut scanner = Scanner { bytes, at: 0 };
    scanner.white();
    scanner.value()?;
    scanner.white();
    if scanner.at != bytes.len() {
        return Err(scanner.error("more after the JSON value"));
    }
    Ok(())
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Scanner<'_> {
    fn error(&self, what: &str) -> Fault {
        Fault::NotJson(format!("{what} at byte {}", self.at))
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// The bytes not yet read.
    fn rest(&self) -> &[u8] {
        self.bytes.get(self.at..).unwrap_or_default()
    }

    fn white(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// One value; lists and objects are read with a stack of what is open, not by recursion.
    fn value(&mut self) -> Result<(), Fault> {
        // for each open container, whether it is an object
        let mut open: Vec<bool> = Vec::new();
        loop {
            self.white();
            match self.peek() {
                Some(b'[') | Some(b'{') => {
                    let object = self.peek() == Some(b'{');
                    self.at += 1;
                    if open.len() == MAX_DEPTH {
                        return Err(Fault::TooDeep);
                    }
                    open.push(object);
                    self.white();
                    let close = if object { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.at += 1;
                        open.pop();
                    } else {
                        if object {
                            self.key()?;
                        }
                        continue;
                    }
                }
                Some(b'"') => self.string()?,
                Some(b't') => self.word(b"true")?,
                Some(b'f') => self.word(b"false")?,
                Some(b'n') => self.word(b"null")?,
                Some(b'-' | b'0'..=b'9') => self.number()?,
                _ => return Err(self.error("a JSON value expected")),
            }
            // after a value: the next item of the innermost open container, or its end
            loop {
                let Some(&object) = open.last() else { return Ok(()) };
                self.white();
                match self.peek() {
                    Some(b',') => {
                        self.at += 1;
                        if object {
                            self.white();
                            self.key()?;
                        }
                        break;
                    }
                    Some(b'}') if object => {
                        self.at += 1;
                        open.pop();
                    }
                    Some(b']') if !object => {
                        self.at += 1;
                        open.pop();
                    }
                    _ => return Err(self.error("`,` or the end of a list or object expected")),
                }
            }
        }
    }

    /// An object's key and its `:`.
    fn key(&mut self) -> Result<(), Fault> {
        if self.peek() != Some(b'"') {
            return Err(self.error("an object key (a string) expected"));
        }
        self.string()?;
        self.white();
        if self.peek() != Some(b':') {
            return Err(self.error("`:` expected"));
        }
        self.at += 1;
        Ok(())
    }

    fn word(&mut self, word: &[u8]) -> Result<(), Fault> {
        if self.rest().starts_with(word) {
            self.at += word.len();
            Ok(())
        } else {
            Err(self.error("a JSON value expected"))
        }
    }

    /// A string: no control character, every escape one JSON has, every `\u` escape of a
    /// surrogate one of a pair.
    fn string(&mut self) -> Result<(), Fault> {
        self.at += 1;
        loop {
            match self.peek() {
                None => return Err(self.error("a string without its closing quote")),
                Some(b'"') => {
                    self.at += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.at += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.at += 1,
                        Some(b'u') => {
                            self.at += 1;
                            let unit = self.hex4()?;
                            if (0xDC00..0xE000).contains(&unit) {
                                return Err(self.error("a lone surrogate escape"));
                            }
                            if (0xD800..0xDC00).contains(&unit) {
                                let low = if self.rest().starts_with(b"\\u") {
                                    self.at += 2;
                                    self.hex4()?
                                } else {
                                    0
                                };
                                if !(0xDC00..0xE000).contains(&low) {
                                    return Err(self.error("a lone surrogate escape"));
                                }
                            }
                        }
                        _ => return Err(self.error("an escape JSON does not have")),
                    }
                }
                Some(b) if b < 0x20 => return Err(self.error("a control character in a string")),
                Some(_) => self.at += 1,
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, Fault> {
        let digits = self.rest().get(..4).ok_or_else(|| self.error("a short `\\u` escape"))?;
        // (`from_str_radix` alone would take a sign: `\\u+0e9`)
        if !digits.iter().all(u8::is_ascii_hexdigit) {
            return Err(self.error("a bad `\\u` escape"));
        }
        let text = std::str::from_utf8(digits).unwrap_or_default();
        let unit = u32::from_str_radix(text, 16).map_err(|_| self.error("a bad `\\u` escape"))?;
        self.at += 4;
        Ok(unit)
    }

    /// A number of JSON's grammar that a double holds (finite).
    fn number(&mut self) -> Result<(), Fault> {
        let start = self.at;
        let digits = |s: &mut Self| {
            let from = s.at;
            while matches!(s.peek(), Some(b'0'..=b'9')) {
                s.at += 1;
            }
            s.at > from
        };
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.error("a number without digits")),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if !digits(self) {
                return Err(self.error("a fraction without digits"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if !digits(self) {
                return Err(self.error("an exponent without digits"));
            }
        }
        // (the bytes are ASCII digits and signs: UTF-8)
        let text = std::str::from_utf8(self.bytes.get(start..self.at).unwrap_or_default()).unwrap_or("");
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(()),
            _ => Err(self.error("a number beyond any double")),
        }
    }
}
