//! The spec's descriptions are reStructuredText; rustdoc wants Markdown, and warns on what looks
//! like HTML, intra-doc links or bare URLs. This turns one into the other: ``` ``code`` ``` →
//! `` `code` ``, `` `text <url>`_ `` → `[text](url)`, `|link|_` → `` `link` ``, literal blocks →
//! fenced `text` blocks (never doctests), and escapes the rest.

/// Converts an RST description to rustdoc-safe Markdown.
pub fn markdown(rst: &str) -> String {
    let text = rst.replace("\r\n", "\n").replace('\t', "    ");
    let lines: Vec<&str> = text.lines().collect();
    let lines = dedent(&lines);
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    let mut literal_next = false;
    while i < lines.len() {
        let line = &lines[i];
        let indent = indent_of(line);
        let trimmed = &line[indent..];
        // directives: `.. code:: json`, `.. note::`, link targets `.. _name: url`
        if let Some(rest) = trimmed.strip_prefix(".. ") {
            if rest.starts_with("code") || rest.starts_with("sourcecode") {
                let lang = rest.split("::").nth(1).map(str::trim).unwrap_or("");
                let lang = if lang == "json" { "json" } else { "text" };
                i += 1;
                let (block, next) = take_block(&lines, i, indent);
                push_fence(&mut out, lang, &block);
                i = next;
                continue;
            }
            if let Some(name) = rest.split("::").next().filter(|_| rest.contains("::")) {
                let title = capitalise(name.trim());
                let after = rest.split_once("::").map(|x| x.1.trim()).unwrap_or("");
                out.push(format!("**{title}:** {}", inline(after)).trim_end().to_owned());
                i += 1;
                continue;
            }
            // comments and link targets carry nothing for a reader of the rustdoc
            i += 1;
            while i < lines.len() && (lines[i].trim().is_empty() || indent_of(&lines[i]) > indent) {
                if lines[i].trim().is_empty() && i + 1 < lines.len() && indent_of(&lines[i + 1]) <= indent {
                    break;
                }
                i += 1;
            }
            continue;
        }
        if line.trim().is_empty() {
            out.push(String::new());
            i += 1;
            continue;
        }
        // an indented block after `::` or after a blank line is literal text
        let prev_blank = i == 0 || lines[i - 1].trim().is_empty();
        if indent >= 2 && prev_blank && (literal_next || !is_list_continuation(&lines, i)) {
            let base = indent_of(&lines[i]);
            let (block, next) = take_block(&lines, i, base.saturating_sub(1));
            push_fence(&mut out, "text", &block);
            literal_next = false;
            i = next;
            continue;
        }
        let mut converted = inline(line);
        literal_next = false;
        if converted.ends_with("::") {
            converted.pop();
            if converted.trim() == ":" {
                converted.clear();
            }
            literal_next = true;
        }
        // RST section adornments become Markdown ones
        if is_adornment(trimmed) && !out.is_empty() {
            let c = trimmed.chars().next().unwrap_or('=');
            out.push(if c == '=' { "===".to_owned() } else { "---".to_owned() });
            i += 1;
            continue;
        }
        out.push(converted);
        i += 1;
    }
    // trim blank lines at the ends and collapse runs of them
    let mut result: Vec<String> = Vec::new();
    for l in out {
        if l.trim().is_empty() && result.last().is_none_or(|p: &String| p.trim().is_empty()) {
            continue;
        }
        result.push(l.trim_end().to_owned());
    }
    while result.last().is_some_and(|l| l.is_empty()) {
        result.pop();
    }
    result.join("\n")
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn is_adornment(s: &str) -> bool {
    let s = s.trim();
    s.len() >= 3 && s.chars().all(|c| c == s.chars().next().unwrap_or(' ')) && s.starts_with(['=', '-', '~', '^'])
}

fn is_list_continuation(lines: &[String], i: usize) -> bool {
    // an indented line whose previous non-blank line is a list item continues that item
    let indent = indent_of(&lines[i]);
    lines[..i].iter().rev().find(|l| !l.trim().is_empty()).is_some_and(|l| {
        let t = l.trim_start();
        (t.starts_with("- ")
            || t.starts_with("* ")
            || t.split_once(". ")
                .is_some_and(|(n, _)| n.chars().all(|c| c.is_ascii_digit())))
            && indent_of(l) < indent
            && indent <= indent_of(l) + 4
    })
}

/// Leading spaces (tabs are spaces by now). Only ASCII counts: slicing by it never splits a
/// character, whatever white space a description starts with.
fn indent_of(l: &str) -> usize {
    l.bytes().take_while(|b| *b == b' ').count()
}

/// The lines from `start` indented more than `indent` (blank lines inside included).
fn take_block(lines: &[String], start: usize, indent: usize) -> (Vec<String>, usize) {
    let mut i = start;
    while i < lines.len() && lines[i].trim().is_empty() {
        i += 1;
    }
    let mut block = Vec::new();
    while i < lines.len() && (lines[i].trim().is_empty() || indent_of(&lines[i]) > indent) {
        block.push(lines[i].clone());
        i += 1;
    }
    while block.last().is_some_and(|l| l.trim().is_empty()) {
        block.pop();
        i -= 1;
    }
    (dedent(&block.iter().map(String::as_str).collect::<Vec<_>>()), i)
}

fn push_fence(out: &mut Vec<String>, lang: &str, block: &[String]) {
    if out.last().is_some_and(|l| !l.trim().is_empty()) {
        out.push(String::new());
    }
    out.push(format!("```{lang}"));
    for l in block {
        out.push(l.replace("```", "` ` `"));
    }
    out.push("```".to_owned());
    out.push(String::new());
}

fn dedent(lines: &[&str]) -> Vec<String> {
    let min = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| indent_of(l))
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| {
            if l.len() >= min {
                l[min..].to_owned()
            } else {
                String::new()
            }
        })
        .collect()
}

/// Inline markup of one line.
fn inline(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    let at_line_start = |out: &String| out.trim().is_empty();
    while i < chars.len() {
        let c = chars[i];
        // ``literal``
        if c == '`' && chars.get(i + 1) == Some(&'`') {
            if let Some(end) = find(&chars, i + 2, "``") {
                let code: String = chars[i + 2..end].iter().collect();
                push_code(&mut out, &code);
                i = end + 2;
                continue;
            }
        }
        // `text <url>`_  or `text`_ or `code`
        if c == '`' {
            if let Some(end) = chars[i + 1..].iter().position(|&x| x == '`').map(|p| p + i + 1) {
                let inner: String = chars[i + 1..end].iter().collect();
                let is_ref = chars.get(end + 1) == Some(&'_');
                let after = if is_ref {
                    end + 2 + usize::from(chars.get(end + 2) == Some(&'_'))
                } else {
                    end + 1
                };
                if is_ref {
                    if let (Some(open), true) = (inner.rfind('<'), inner.ends_with('>')) {
                        let text = inner[..open].trim();
                        let url = &inner[open + 1..inner.len() - 1];
                        if url.contains("://") {
                            out.push_str(&format!("[{}]({url})", escape(text)));
                        } else {
                            out.push_str(&escape(if text.is_empty() { url } else { text }));
                        }
                    } else {
                        out.push_str(&escape(&inner));
                    }
                } else {
                    push_code(&mut out, &inner);
                }
                i = after;
                continue;
            }
        }
        // |substitution|_
        if c == '|' {
            if let Some(end) = chars[i + 1..].iter().position(|&x| x == '|').map(|p| p + i + 1) {
                let inner: String = chars[i + 1..end].iter().collect();
                if !inner.is_empty() && !inner.contains(' ') || chars.get(end + 1) == Some(&'_') {
                    push_code(&mut out, &inner);
                    i = end + 1;
                    while chars.get(i) == Some(&'_') {
                        i += 1;
                    }
                    continue;
                }
            }
        }
        // bare URLs become autolinks
        if (c == 'h') && (starts_with(&chars, i, "http://") || starts_with(&chars, i, "https://")) {
            let mut end = i;
            while end < chars.len()
                && !chars[end].is_whitespace()
                && !matches!(chars[end], '>' | ')' | '"' | '\'' | '`')
            {
                end += 1;
            }
            while end > i && matches!(chars[end - 1], '.' | ',' | ';' | ':') {
                end -= 1;
            }
            let url: String = chars[i..end].iter().collect();
            out.push_str(&format!("<{url}>"));
            i = end;
            continue;
        }
        if c == '#' && at_line_start(&out) {
            out.push_str("\\#");
            i += 1;
            continue;
        }
        if c == '\\' {
            // an RST escape: the next character stands for itself
            if let Some(&n) = chars.get(i + 1) {
                out.push_str(&escape(&n.to_string()));
                i += 2;
                continue;
            }
        }
        out.push_str(&escape(&c.to_string()));
        i += 1;
    }
    out
}

fn push_code(out: &mut String, code: &str) {
    if code.contains('`') {
        out.push_str(&format!("`` {code} ``"));
    } else {
        out.push('`');
        out.push_str(code);
        out.push('`');
    }
}

fn starts_with(chars: &[char], i: usize, s: &str) -> bool {
    let n = s.chars().count();
    i + n <= chars.len() && chars[i..i + n].iter().copied().eq(s.chars())
}

fn find(chars: &[char], from: usize, s: &str) -> Option<usize> {
    (from..chars.len()).find(|&i| starts_with(chars, i, s))
}

/// Escapes what Markdown or rustdoc would misread in plain text.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '[' | ']' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// An example value, rendered for documentation: on one line inside backticks, or pretty in a
/// fenced block.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Example {
    /// Compact JSON, with no backtick to end the code span early.
    pub compact: String,
    /// Pretty JSON, with no triple backtick to end the fence early.
    pub pretty: String,
}

impl Example {
    /// Renders `value`.
    pub fn new(value: &serde_json::Value) -> Self {
        Example {
            compact: serde_json::to_string(value).unwrap_or_default().replace('`', "'"),
            pretty: serde_json::to_string_pretty(value)
                .unwrap_or_default()
                .replace("```", "` ` `"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::markdown;

    #[test]
    fn inline_markup() {
        assert_eq!(markdown("Default: ``false``."), "Default: `false`.");
        assert_eq!(
            markdown("identical to that of the HS API\n|/register/email/requestToken|_ endpoint."),
            "identical to that of the HS API\n`/register/email/requestToken` endpoint."
        );
        assert_eq!(markdown("This is *not* the same"), "This is *not* the same");
        assert_eq!(
            markdown("See `the spec <https://matrix.org/docs>`_."),
            "See [the spec](https://matrix.org/docs)."
        );
        assert_eq!(markdown("Use [a, b] and <user_id>"), "Use \\[a, b\\] and \\<user_id\\>");
        assert_eq!(markdown("at https://example.org/x."), "at <https://example.org/x>.");
    }

    #[test]
    fn literal_blocks_are_fenced_text() {
        let md = markdown("Example::\n\n    {\"a\": 1}\n    [x]\n\nAfter.");
        assert_eq!(md, "Example:\n\n```text\n{\"a\": 1}\n[x]\n```\n\nAfter.");
        let md = markdown(".. code:: json\n\n  {\"b\": 2}\n\nDone");
        assert_eq!(md, "```json\n{\"b\": 2}\n```\n\nDone");
    }

    #[test]
    fn unicode_white_space_is_not_indentation() {
        // U+3000 is white space three bytes long: a dedent by bytes must not split it
        let md = markdown("  two spaces\n\u{3000}ideographic space\n\u{a0}no-break");
        assert!(md.contains("ideographic space"), "{md}");
    }

    #[test]
    fn lists_stay_lists() {
        assert_eq!(markdown("- one\n  more\n- two"), "- one\n  more\n- two");
    }
}
