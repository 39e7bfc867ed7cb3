//! HTML by hand: escaping, the little Markdown the descriptions use, JSON
//! with highlighting, and the page shell every page shares.

use std::fmt::Write as _;

use serde_json::Value;

/// Text for an element's content or a quoted attribute value.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One paragraph's text with `code` spans; an unclosed backtick stays a
/// backtick.
pub fn inline(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('`') {
        let Some(len) = rest[start + 1..].find('`') else {
            break;
        };
        out.push_str(&esc(&rest[..start]));
        let code = &rest[start + 1..start + 1 + len];
        let _ = write!(out, "<code>{}</code>", esc(code));
        rest = &rest[start + 2 + len..];
    }
    out.push_str(&esc(rest));
    out
}

/// Paragraphs (split on blank lines), each with `code` spans.
pub fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            format!(
                "<p>{}</p>\n",
                inline(&p.split_whitespace().collect::<Vec<_>>().join(" "))
            )
        })
        .collect()
}

/// The text without its Markdown: for search and summaries.
pub fn plain(text: &str) -> String {
    text.replace('`', "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first sentence of a description: up to the first ". " outside code.
pub fn first_sentence(text: &str) -> String {
    let para = text.split("\n\n").next().unwrap_or_default();
    let mut in_code = false;
    let bytes: Vec<char> = para.chars().collect();
    for (i, c) in bytes.iter().enumerate() {
        match c {
            '`' => in_code = !in_code,
            '.' | ':' if !in_code && bytes.get(i + 1).is_none_or(|n| n.is_whitespace()) => {
                let mut s: String = bytes[..i].iter().collect();
                s.push('.');
                return s;
            }
            _ => {}
        }
    }
    para.to_owned()
}

/// Pretty JSON, escaped, with spans for keys, strings, numbers and literals.
pub fn json(value: &Value) -> String {
    let text = serde_json::to_string_pretty(value).expect("JSON values serialise");
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() * 2);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            let token: String = chars[start..i.min(chars.len())].iter().collect();
            let is_key = chars[i..]
                .iter()
                .find(|c| !c.is_whitespace())
                .is_some_and(|c| *c == ':');
            let class = if is_key { "k" } else { "s" };
            let _ = write!(out, "<span class=\"{class}\">{}</span>", esc(&token));
        } else if c == '-' || c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || "+-.".contains(chars[i]))
            {
                i += 1;
            }
            let token: String = chars[start..i].iter().collect();
            let _ = write!(out, "<span class=\"n\">{}</span>", esc(&token));
        } else if c.is_ascii_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_alphabetic() {
                i += 1;
            }
            let token: String = chars[start..i].iter().collect();
            let _ = write!(out, "<span class=\"l\">{}</span>", esc(&token));
        } else {
            out.push_str(&esc(&c.to_string()));
            i += 1;
        }
    }
    out
}

/// A `<pre>` block of JSON.
pub fn json_block(value: &Value) -> String {
    format!("<pre class=\"json\"><code>{}</code></pre>\n", json(value))
}

/// A `<pre>` block of text in `lang`.
pub fn code_block(lang: &str, text: &str) -> String {
    format!(
        "<pre class=\"code\" data-lang=\"{}\"><code>{}</code></pre>\n",
        esc(lang),
        esc(text)
    )
}

/// Which top-level page a page belongs to, for the navigation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Tools,
    GettingStarted,
    Protocol,
}

/// A whole page: `root` is the way back to the site's root from the page
/// ("" or "../"), so the site works from any directory and from file://.
pub fn page(title: &str, description: &str, root: &str, section: Section, main: &str) -> String {
    let nav = [
        (Section::Tools, "index.html", "Tools"),
        (
            Section::GettingStarted,
            "getting-started.html",
            "Getting started",
        ),
        (Section::Protocol, "protocol.html", "Protocol"),
    ]
    .iter()
    .map(|(s, href, label)| {
        let current = if *s == section {
            " aria-current=\"page\""
        } else {
            ""
        };
        format!("<a href=\"{root}{href}\"{current}>{label}</a>")
    })
    .collect::<Vec<_>>()
    .join("");
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<meta name="description" content="{description}">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{root}assets/style.css">
</head>
<body data-root="{root}">
<header class="site">
<div class="bar">
<a class="brand" href="{root}index.html">Teetrack <span>tool reference</span></a>
<nav>{nav}</nav>
<div class="search" role="search">
<input type="search" id="search" placeholder="Search tools…" aria-label="Search tools" autocomplete="off" spellcheck="false">
<ul id="search-results" role="listbox" aria-label="Matching tools" hidden></ul>
</div>
</div>
</header>
<main>
{main}</main>
<footer>
<p>Generated from Teetrack's tool registry by <code>docs-gen</code>: every tool, schema and example on these pages comes from the code that serves them.</p>
</footer>
<script src="{root}search-index.js"></script>
<script src="{root}assets/search.js"></script>
</body>
</html>
"#,
        title = esc(title),
        description = esc(description),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_is_escaped_and_code_spans_rendered() {
        assert_eq!(
            esc(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(
            inline("use `a<b` or `c`, not `d"),
            "use <code>a&lt;b</code> or <code>c</code>, not `d"
        );
        assert_eq!(
            paragraphs("one\ntwo\n\n three "),
            "<p>one two</p>\n<p>three</p>\n"
        );
    }

    #[test]
    fn the_first_sentence_ends_outside_code() {
        assert_eq!(
            first_sentence("Stop `a.b` now. Then more."),
            "Stop `a.b` now."
        );
        assert_eq!(first_sentence("No stop"), "No stop");
    }

    #[test]
    fn json_is_highlighted_and_escaped() {
        let html = json(&json!({"a<": "x\"y", "n": -1.5, "t": true, "z": null}));
        assert!(
            html.contains(r#"<span class="k">&quot;a&lt;&quot;</span>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<span class="s">&quot;x\&quot;y&quot;</span>"#),
            "{html}"
        );
        assert!(html.contains(r#"<span class="n">-1.5</span>"#), "{html}");
        assert!(html.contains(r#"<span class="l">true</span>"#), "{html}");
        assert!(html.contains(r#"<span class="l">null</span>"#), "{html}");
    }
}
