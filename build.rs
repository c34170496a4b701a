//! Writes the widget's stylesheet without comments and spare whitespace into `OUT_DIR`, where
//! `lib.rs` embeds it: `static/widget.css` stays readable, and the wasm carries only what the
//! browser needs (about 0.9 KB raw, 0.35 KB of the gzip budget).

use std::{env, fs, path::Path};

fn main() {
    let source = "static/widget.css";
    println!("cargo:rerun-if-changed={source}");
    let css = fs::read_to_string(source).expect("static/widget.css");
    let out = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("widget.css");
    fs::write(out, minify(&css)).expect("write the minified stylesheet");
}

/// Comments out, whitespace runs to one space, and no space where CSS needs none: around `{`, `}`,
/// `;` and `,`, and after `:` (never before it: `a :hover` and `a:hover` differ). The stylesheet has
/// no strings or URLs in which a `/*`, `{` or `;` would be text, which the tests keep true.
fn minify(css: &str) -> String {
    let mut without_comments = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        without_comments.push_str(&rest[..start]);
        let end = rest[start..]
            .find("*/")
            .expect("unterminated comment in widget.css");
        rest = &rest[start + end + 2..];
        without_comments.push(' ');
    }
    without_comments.push_str(rest);

    let mut out = String::with_capacity(without_comments.len());
    for word in without_comments.split_whitespace() {
        let tight_before = word.starts_with(['{', '}', ';', ',']);
        let tight_after = out.ends_with(['{', '}', ';', ',', ':']);
        if !out.is_empty() && !tight_before && !tight_after {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.replace(";}", "}")
}
