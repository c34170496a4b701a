//! The mOTP widget: a Yew component that takes a trainee through the 6-digit code, the 5-attempt
//! warning and the lock, inside any LMS page.
//!
//! - [`state`]: the steps as a pure state machine (tested natively);
//! - [`components`]: the one Yew component, [`components::Widget`], which runs the machine;
//! - [`effects`]: the machine's effects performed (server calls, events, focus, the popup);
//! - [`views`]: what is drawn for each step, as view functions;
//! - [`hooks`]: the live parts (the countdown's clock, watching the identity-check popup);
//! - [`api`]: the one client for `motp-server`, [`wire`]: its JSON; [`error`]: the client's error;
//! - [`mount`]: mounting into a shadow root, from `data-` attributes or `MotpWidget.mount()`;
//! - [`i18n`]: every string, Korean and English (in `motp-protocol`, beside the help desk's words); [`events`]: what the host page is told.

pub mod api;
pub mod components;
pub mod effects;
pub mod error;
pub mod events;
pub mod hooks;
/// The widget's words live with the help desk's, in the protocol crate.
pub use motp_protocol::i18n;
pub mod mount;
pub mod state;
pub mod views;
pub mod wire;

/// The widget's stylesheet (`static/widget.css`, minified by `build.rs`), placed inside its shadow
/// root.
pub const STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.css"));

#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// WCAG 2.1 AA contrast of the stylesheet's colours, light and dark: 4.5:1 for text, 3:1 for the
/// focus ring and borders that carry meaning. Read from `widget.css` itself, so a theme edit that
/// breaks contrast fails here.
#[cfg(test)]
mod contrast {
    use super::STYLE;

    /// `--motp-<name>` as declared in the rule starting at `selector` (its first occurrence).
    fn colour(selector: &str, name: &str) -> [f64; 3] {
        let rule = &STYLE[STYLE.find(selector).expect(selector)..];
        let rule = &rule[..rule.find('}').unwrap()];
        let key = format!("--motp-{name}:");
        let at = rule
            .find(&key)
            .unwrap_or_else(|| panic!("{name} in {selector}"))
            + key.len();
        let hex = rule[at..].trim_start().trim_start_matches('#');
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        [channel(0), channel(2), channel(4)]
    }

    fn ratio(a: [f64; 3], b: [f64; 3]) -> f64 {
        let l = |c: [f64; 3]| 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
        let (hi, lo) = (l(a).max(l(b)), l(a).min(l(b)));
        (hi + 0.05) / (lo + 0.05)
    }

    #[test]
    fn text_and_controls_meet_wcag_aa_in_both_themes() {
        let themes = [
            ":host{",
            ":host(:not([data-theme=\"light\"]))",
            ":host([data-theme=\"dark\"])",
        ];
        for theme in themes {
            let c = |name| colour(theme, name);
            for text in ["fg", "muted", "danger", "warning", "success", "accent"] {
                let r = ratio(c(text), c("bg"));
                assert!(r >= 4.5, "{theme} {text} on bg: {r:.2}:1");
            }
            let r = ratio(c("accent-fg"), c("accent"));
            assert!(r >= 4.5, "{theme} primary button text: {r:.2}:1");
            // The code field's edge (WCAG 1.4.11, non-text contrast).
            let field = &STYLE[STYLE.find(".code-input{").unwrap()..];
            let edge = field[field.find("border:2px solid var(--motp-").unwrap() + 28..]
                .split(')')
                .next()
                .unwrap();
            let r = ratio(c(edge), c("bg"));
            assert!(r >= 3.0, "{theme} code field edge ({edge}): {r:.2}:1");
        }
    }
}

/// `build.rs` minifies the stylesheet: it must only drop comments and whitespace.
#[cfg(test)]
mod stylesheet {
    use super::STYLE;

    fn source() -> String {
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/static/widget.css")).unwrap()
    }

    /// Every character but whitespace, comments and the last `;` of a block.
    fn significant(css: &str) -> String {
        let mut out = String::new();
        let mut rest = css;
        while let Some(start) = rest.find("/*") {
            out.push_str(&rest[..start]);
            rest = &rest[start + rest[start..].find("*/").unwrap() + 2..];
        }
        out.push_str(rest);
        out.retain(|c| !c.is_whitespace());
        out.replace(";}", "}")
    }

    #[test]
    fn minified_keeps_every_rule() {
        assert!(!STYLE.contains("/*") && !STYLE.contains('\n'));
        assert!(
            STYLE.len() < source().len() * 85 / 100,
            "{} bytes",
            STYLE.len()
        );
        assert_eq!(significant(STYLE), significant(&source()));
    }

    /// The minifier does not read strings: none may hold what it treats as syntax.
    #[test]
    fn strings_hold_no_syntax() {
        for (i, quoted) in source().split('"').enumerate().filter(|(i, _)| i % 2 == 1) {
            assert!(
                !quoted.contains(['{', '}', ';', ',', ':', '/']),
                "string {i}: {quoted}"
            );
        }
    }
}
