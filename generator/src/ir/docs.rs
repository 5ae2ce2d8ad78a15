//! The spec's descriptions become rustdoc: Markdown that rustdoc reads without a warning (it
//! warns on what looks like HTML, intra-doc links or bare URLs) and without a doctest.
//!
//! The Swagger 2.0 era of the Matrix spec wrote reStructuredText: ``` ``code`` ``` →
//! `` `code` ``, `` `text <url>`_ `` → `[text](url)`, `|link|_` → `` `link` ``, literal blocks →
//! fenced `text` blocks, and the rest escaped. OpenAPI 3.x descriptions are CommonMark already:
//! links are kept (the spec's site-relative ones made absolute), code blocks are fenced as
//! `text` unless they name a language, and stray brackets, HTML-like text and bare URLs are
//! escaped.

use crate::frontend::Markup;

/// Where the Matrix spec's site-relative links (`/client-server-api/#...`) point.
const SPEC_SITE: &str = "https://spec.matrix.org/latest";

/// Renders a description written in `markup` as rustdoc-safe Markdown.
pub fn render(text: &str, markup: Markup) -> String {
    match markup {
        Markup::Rst => markdown(text),
        Markup::CommonMark => commonmark(text),
    }
}

/// CommonMark made safe for rustdoc.
pub fn commonmark(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\t', "    ");
    let mut state = CommonMark {
        out: Vec::new(),
        fence: None,
        indented: false,
        in_list: false,
        prev_blank: true,
        item_text: None,
    };
    for line in text.lines() {
        state.line(line);
    }
    state.finish()
}

/// Where [`commonmark`] is in a text, line by line.
struct CommonMark {
    out: Vec<String>,
    /// The marker of the fenced block it is in.
    fence: Option<String>,
    /// Whether it is in an indented code block (shown as a fenced one).
    indented: bool,
    in_list: bool,
    prev_blank: bool,
    /// The column of the current list item's text.
    item_text: Option<usize>,
}

impl CommonMark {
    fn line(&mut self, line: &str) {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if self.in_block(line, trimmed, indent) {
            return;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            let marker: String = trimmed.chars().take_while(|c| *c == '`' || *c == '~').collect();
            let info = trimmed[marker.len()..].trim();
            // an unnamed block, or one rustdoc would compile, is shown as text
            let info = if info.is_empty() || info.starts_with("rust") {
                "text"
            } else {
                info
            };
            self.out.push(format!("{}{marker}{info}", &line[..indent]));
            self.fence = Some(marker);
            self.prev_blank = false;
            return;
        }
        if trimmed.is_empty() {
            self.out.push(String::new());
            self.prev_blank = true;
            return;
        }
        self.text_line(line, trimmed, indent);
    }

    /// A line inside a fenced or an indented block; `false` when it is not (or ends the
    /// indented block).
    fn in_block(&mut self, line: &str, trimmed: &str, indent: usize) -> bool {
        if let Some(marker) = &self.fence {
            if trimmed.starts_with(marker.as_str()) {
                self.fence = None;
            }
            self.out.push(line.to_owned());
            return true;
        }
        if self.indented {
            if trimmed.is_empty() || indent >= 4 {
                self.out.push(line.get(4..).unwrap_or("").to_owned());
                return true;
            }
            while self.out.last().is_some_and(|l| l.is_empty()) {
                self.out.pop();
            }
            self.out.push("```".to_owned());
            self.out.push(String::new());
            self.indented = false;
        }
        false
    }

    /// A line of text: a list item, its continuation, the start of an indented block, or a
    /// paragraph's line.
    fn text_line(&mut self, line: &str, trimmed: &str, indent: usize) {
        let marker = if trimmed.starts_with("- ") || trimmed.starts_with("* ") || trimmed.starts_with("+ ") {
            Some(1)
        } else {
            trimmed
                .split_once(". ")
                .filter(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
                .map(|(n, _)| n.len() + 1)
        };
        let list_item = marker.is_some();
        // a line that goes on with a list item's text without its indentation (a "lazy
        // continuation") is indented to the item's text, as rustdoc asks
        let mut line = std::borrow::Cow::Borrowed(line);
        match (marker, self.item_text) {
            (Some(width), _) => {
                let rest = &trimmed[width..];
                self.item_text = Some(indent + width + (rest.len() - rest.trim_start().len()));
            }
            // short of the item's text, or past it (rustdoc asks for the column exactly; the
            // paragraph goes on either way)
            (None, Some(column)) if !self.prev_blank && indent != column => {
                line = std::borrow::Cow::Owned(format!("{}{trimmed}", " ".repeat(column)));
            }
            (None, Some(column)) if indent < column => self.item_text = None,
            _ => {}
        }
        let indent = line.len() - trimmed.len();
        if list_item {
            self.in_list = true;
        } else if indent == 0 {
            self.in_list = false;
        }
        if indent >= 4 && self.prev_blank && !self.in_list {
            self.out.push("```text".to_owned());
            self.out.push(line.get(4..).unwrap_or("").to_owned());
            self.indented = true;
            return;
        }
        self.out.push(commonmark_inline(&line));
        self.prev_blank = false;
    }

    fn finish(mut self) -> String {
        let out = &mut self.out;
        if self.fence.is_some() || self.indented {
            while self.indented && out.last().is_some_and(|l| l.is_empty()) {
                out.pop();
            }
            out.push("```".to_owned());
        }
        while out.last().is_some_and(|l| l.trim().is_empty()) {
            out.pop();
        }
        while out.first().is_some_and(|l| l.trim().is_empty()) {
            out.remove(0);
        }
        out.iter().map(|l| l.trim_end()).collect::<Vec<_>>().join("\n")
    }
}

/// One line of CommonMark: code spans and links kept, the rest escaped where rustdoc would
/// misread it.
fn commonmark_inline(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            let run = chars[i..].iter().take_while(|&&x| x == '`').count();
            let close = (i + run..chars.len()).find(|&j| {
                chars[j..].iter().take_while(|&&x| x == '`').count() == run && (j == 0 || chars[j - 1] != '`')
            });
            if let Some(end) = close {
                out.extend(&chars[i..end + run]);
                i = end + run;
                continue;
            }
        }
        if c == '\\' {
            if let Some(&n) = chars.get(i + 1) {
                out.push('\\');
                out.push(n);
                i += 2;
                continue;
            }
        }
        if c == '[' {
            if let Some(link) = link_at(&chars, i) {
                let (text, url, end) = link;
                let inner = commonmark_inline(&text);
                if let Some(rest) = url.strip_prefix('/') {
                    out.push_str(&format!("[{inner}]({SPEC_SITE}/{rest})"));
                } else if url.starts_with('#') || url.is_empty() {
                    out.push_str(&inner);
                } else {
                    out.push_str(&format!("[{inner}]({url})"));
                }
                i = end;
                continue;
            }
        }
        if c == '<' {
            // an autolink stays one
            let close = chars[i..].iter().position(|&x| x == '>').map(|p| p + i);
            if let Some(end) = close {
                let inner: String = chars[i + 1..end].iter().collect();
                if inner.starts_with("http://") || inner.starts_with("https://") {
                    out.push_str(&format!("<{inner}>"));
                    i = end + 1;
                    continue;
                }
            }
        }
        if let Some(end) = bare_url(&chars, i) {
            let url: String = chars[i..end].iter().collect();
            out.push_str(&format!("<{url}>"));
            i = end;
            continue;
        }
        match c {
            '[' | ']' | '<' | '>' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// A Markdown link `[text](url)` starting at `i`: its text, its URL and where it ends.
fn link_at(chars: &[char], i: usize) -> Option<(String, String, usize)> {
    let mut depth = 0;
    let mut close = None;
    for (j, &c) in chars.iter().enumerate().skip(i) {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(j);
                    break;
                }
            }
            _ => {}
        }
    }
    let close = close?;
    if chars.get(close + 1) != Some(&'(') {
        return None;
    }
    let end = chars[close + 2..].iter().position(|&c| c == ')')? + close + 2;
    let text: String = chars[i + 1..close].iter().collect();
    let url: String = chars[close + 2..end].iter().collect();
    if url.contains(char::is_whitespace) {
        return None;
    }
    Some((text, url, end + 1))
}

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
            i = directive(&lines, i, indent, rest, &mut out);
            continue;
        }
        if line.trim().is_empty() {
            out.push(String::new());
            i += 1;
            continue;
        }
        // an RST simple table (`====  ====` borders) becomes a Markdown table
        if let Some((table, next)) = simple_table(&lines, i) {
            if out.last().is_some_and(|l| !l.is_empty()) {
                out.push(String::new());
            }
            out.extend(table);
            out.push(String::new());
            i = next;
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
        let (converted, literal, next) = text_line(&lines, i);
        literal_next = literal;
        i = next;
        // RST section adornments become Markdown ones
        if is_adornment(trimmed) && !out.is_empty() {
            let c = trimmed.chars().next().unwrap_or('=');
            out.push(if c == '=' { "===".to_owned() } else { "---".to_owned() });
            continue;
        }
        out.push(converted);
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

/// An RST directive at line `i` (`rest` after its `.. `): a code block, an admonition, or a
/// comment or link target (left out). Returns the line after it.
fn directive(lines: &[String], mut i: usize, indent: usize, rest: &str, out: &mut Vec<String>) -> usize {
    if rest.starts_with("code") || rest.starts_with("sourcecode") {
        let lang = rest.split("::").nth(1).map(str::trim).unwrap_or("");
        let lang = if lang == "json" { "json" } else { "text" };
        let (block, next) = take_block(lines, i + 1, indent);
        push_fence(out, lang, &block);
        return next;
    }
    if let Some(name) = rest.split("::").next().filter(|_| rest.contains("::")) {
        let title = capitalise(name.trim());
        let after = rest.split_once("::").map(|x| x.1.trim()).unwrap_or("");
        out.push(format!("**{title}:** {}", inline(after)).trim_end().to_owned());
        return i + 1;
    }
    // comments and link targets carry nothing for a reader of the rustdoc
    i += 1;
    while i < lines.len() && (lines[i].trim().is_empty() || indent_of(&lines[i]) > indent) {
        if lines[i].trim().is_empty() && i + 1 < lines.len() && indent_of(&lines[i + 1]) <= indent {
            break;
        }
        i += 1;
    }
    i
}

/// The text line at `i`, its inline markup converted (joined with the next lines where
/// interpreted text goes on over them): the Markdown, whether it ends in `::` (a literal block
/// follows), and the line after it.
fn text_line(lines: &[String], mut i: usize) -> (String, bool, usize) {
    // interpreted text that goes on over the next lines (`` `migration guide\n<url>`_ ``)
    // is read as one line
    let mut joined = lines[i].clone();
    while open_backtick(&joined) && i + 1 < lines.len() && !lines[i + 1].trim().is_empty() && joined.len() < 2000 {
        i += 1;
        joined = format!("{} {}", joined.trim_end(), lines[i].trim());
    }
    // an auto-numbered item (`#.`) is a Markdown one (Markdown numbers `1.` items itself)
    let joined = match joined.trim_start().strip_prefix("#. ") {
        Some(rest) => format!("{}1. {rest}", &joined[..indent_of(&joined)]),
        None => joined,
    };
    let mut converted = inline(&joined);
    let mut literal = false;
    if converted.ends_with("::") {
        converted.pop();
        if converted.trim() == ":" {
            converted.clear();
        }
        literal = true;
    }
    (converted, literal, i + 1)
}

/// The columns of a simple table's border (`=====  ====  ==`): each run of `=`, as byte
/// ranges; `None` unless the line is such a border with two columns or more.
fn table_border(line: &str) -> Option<Vec<(usize, usize)>> {
    if line.trim().is_empty() || !line.bytes().all(|b| b == b'=' || b == b' ') {
        return None;
    }
    let mut columns = Vec::new();
    let mut start = None;
    for (i, b) in line.bytes().enumerate() {
        match (b, start) {
            (b'=', None) => start = Some(i),
            (b' ', Some(s)) => {
                columns.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        columns.push((s, line.len()));
    }
    (columns.len() >= 2).then_some(columns)
}

/// An RST simple table starting at `start`: a border, a header row, a border, body rows, a
/// closing border. Returns its Markdown lines and the line after it. Cells are cut at the
/// border's columns (the last one runs to the end of the line) and converted inline.
fn simple_table(lines: &[String], start: usize) -> Option<(Vec<String>, usize)> {
    let columns = table_border(&lines[start])?;
    let cells = |line: &str| -> Vec<String> {
        columns
            .iter()
            .enumerate()
            .map(|(k, &(from, to))| {
                let to = if k + 1 == columns.len() {
                    line.len()
                } else {
                    to.min(line.len())
                };
                let cell = line.get(from.min(line.len())..to).unwrap_or_default().trim();
                inline(cell).replace('|', "\\|")
            })
            .collect()
    };
    let row = |cells: Vec<String>| format!("| {} |", cells.join(" | "));
    let mut i = start + 1;
    let mut header = Vec::new();
    while i < lines.len() && table_border(&lines[i]).is_none() {
        header.push(cells(&lines[i]));
        i += 1;
    }
    // the border under the header, then the body up to the closing border
    if i >= lines.len() || header.is_empty() {
        return None;
    }
    i += 1;
    let mut body = Vec::new();
    while i < lines.len() && table_border(&lines[i]).is_none() {
        if !lines[i].trim().is_empty() {
            body.push(cells(&lines[i]));
        }
        i += 1;
    }
    if i >= lines.len() {
        // no closing border: the header was the whole table
        body = std::mem::take(&mut header);
        header.push(vec![String::new(); columns.len()]);
    } else {
        i += 1;
    }
    let mut out: Vec<String> = header.into_iter().map(row).collect();
    out.insert(1.min(out.len()), format!("|{}", " --- |".repeat(columns.len())));
    out.extend(body.into_iter().map(row));
    Some((out, i))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Whether a line leaves a single backtick open (``` `` ``` pairs aside): interpreted text
/// that goes on over the next line.
fn open_backtick(line: &str) -> bool {
    line.replace("``", "").matches('`').count() % 2 == 1
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
            || t.starts_with("#. ")
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
            // cut only at the ASCII spaces `indent_of` counted: a line blank by Unicode's white
            // space (U+3000) may have fewer
            if indent_of(l) >= min {
                l[min..].to_owned()
            } else {
                l.trim_start_matches(' ').to_owned()
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
        if let Some(end) = bare_url(&chars, i) {
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

/// Where a bare URL starting at `i` ends (trailing punctuation left out), if one starts there.
fn bare_url(chars: &[char], i: usize) -> Option<usize> {
    if !(starts_with(chars, i, "http://") || starts_with(chars, i, "https://")) {
        return None;
    }
    let mut end = i;
    while end < chars.len() && !chars[end].is_whitespace() && !matches!(chars[end], '>' | ')' | '"' | '\'' | '`') {
        end += 1;
    }
    while end > i && matches!(chars[end - 1], '.' | ',' | ';' | ':') {
        end -= 1;
    }
    Some(end)
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
    use super::{commonmark, markdown};

    #[test]
    fn rst_simple_tables_become_markdown_tables() {
        let rst = "The presets:\n\n\
            ================  ==============  =========\n\
            \x20     Preset      ``join_rules``  Other\n\
            ================  ==============  =========\n\
            ``private_chat``  ``invite``\n\
            ``public_chat``   ``public``      Anyone | may join.\n\
            ================  ==============  =========\n\
            \n\
            After.";
        assert_eq!(
            markdown(rst),
            "The presets:\n\n\
             | Preset | `join_rules` | Other |\n\
             | --- | --- | --- |\n\
             | `private_chat` | `invite` |  |\n\
             | `public_chat` | `public` | Anyone \\| may join. |\n\
             \n\
             After."
        );
        // a lone `=====` line is a section adornment, not a table
        assert_eq!(markdown("Title\n=====\n\nText."), "Title\n===\n\nText.");
    }

    #[test]
    fn commonmark_keeps_links_and_code_and_escapes_the_rest() {
        assert_eq!(
            commonmark("See [the spec](/client-server-api/#login) and `a[0] <b>`, [x], <b>, https://example.org."),
            "See [the spec](https://spec.matrix.org/latest/client-server-api/#login) and `a[0] <b>`, \\[x\\], \\<b\\>, <https://example.org>."
        );
        assert_eq!(
            commonmark("An [anchor](#below) and [out](https://x.org)."),
            "An anchor and [out](https://x.org)."
        );
        assert_eq!(commonmark("```\nlet x = 1;\n```"), "```text\nlet x = 1;\n```");
        assert_eq!(commonmark("```json\n{}\n```"), "```json\n{}\n```");
        assert_eq!(
            commonmark("Code:\n\n    fn main() {}\n\nAfter."),
            "Code:\n\n```text\nfn main() {}\n```\n\nAfter."
        );
        assert_eq!(
            commonmark("- item\n\n    more of the item"),
            "- item\n\n    more of the item"
        );
    }

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
    fn link_targets_over_two_lines_are_links() {
        assert_eq!(
            markdown("See the `migration guide\n<https://matrix.org/docs/guide.html#x>`_ for more."),
            "See the [migration guide](https://matrix.org/docs/guide.html#x) for more."
        );
        // an unclosed backtick joins no further than the paragraph
        assert_eq!(markdown("A ` alone\n\nNext."), "A ` alone\n\nNext.");
    }

    #[test]
    fn list_items_going_on_without_indentation_are_indented() {
        assert_eq!(
            commonmark(
                "Codes:\n\n* `m.timeout`: timed out. Processes\ncan set timeouts.\n\n* `m.user`: cancelled.\n\nAfter."
            ),
            "Codes:\n\n* `m.timeout`: timed out. Processes\n  can set timeouts.\n\n* `m.user`: cancelled.\n\nAfter."
        );
        assert_eq!(commonmark("1. one\ntwo"), "1. one\n   two");
    }

    #[test]
    fn list_items_overindented_or_auto_numbered_are_lists_rustdoc_reads() {
        // a continuation indented past the item's text is brought to it
        assert_eq!(
            commonmark(" * `a`: one thing\n    and more.\n * `b`: another."),
            " * `a`: one thing\n   and more.\n * `b`: another."
        );
        // RST's `#.` items are numbered Markdown items
        assert_eq!(
            markdown("Rules:\n\n#. If ``x``, allow.\n#. If ``y``\n   too, deny."),
            "Rules:\n\n1. If `x`, allow.\n1. If `y`\n   too, deny."
        );
    }

    #[test]
    fn lists_stay_lists() {
        assert_eq!(markdown("- one\n  more\n- two"), "- one\n  more\n- two");
    }
}

#[cfg(test)]
mod text_classes {
    use super::*;

    /// Every text of up to four of these pieces, in both markups, renders without a panic: the
    /// pieces are those the renderers cut text at (markers, indentation, fences, tables) and
    /// white space of several bytes.
    #[test]
    fn no_text_panics_the_renderers() {
        const PIECES: &[&str] = &[
            "\u{3000}", "\u{a0}", "\u{2028}", "\u{85}", " ", "    ", "- ", "* ", "1. ", "```", "::", ".. ", "=",
            "== ==", "|", "`", "\n", "a", "é", "\t", "_", "<", ">", "[", "](",
        ];
        let n = PIECES.len();
        for len in 1..=4u32 {
            for mut k in 0..n.pow(len) {
                let mut text = String::new();
                for _ in 0..len {
                    text.push_str(PIECES[k % n]);
                    k /= n;
                }
                let _ = render(&text, Markup::Rst);
                let _ = render(&text, Markup::CommonMark);
            }
        }
    }
}
