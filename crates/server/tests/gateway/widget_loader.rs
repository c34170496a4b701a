//! The loader, `motp-embed.js`: the server writes its own public origin into it as it serves it, so
//! the loader never takes the widget's origin from the page it runs in (issue #12, item 5).

use crate::world::{world, World, ORIGIN};
use clap::Parser;
use motp_server::config::Cli;
use motp_server::startup::{self as launch, Running};
use std::io::Read;

/// What the build writes: the placeholder the server fills in, the build's version beside it.
const BUILT_LOADER: &str = r#"!function(){var o="__MOTP_ORIGIN__",v="?v=0123456789abcdef";import(o+"/widget/motp-widget.js"+v)}();"#;

/// The widget directory of `w`'s server, with a built loader and the compressed copies the build
/// writes beside it (of the loader with its placeholder: never to be sent).
fn built_widget(w: &World) {
    let dir = w.dir.path().join("no-widget");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("motp-embed.js"), BUILT_LOADER).unwrap();
    std::fs::write(dir.join("motp-embed.js.gz"), b"gzipped placeholder").unwrap();
    std::fs::write(dir.join("motp-embed.js.br"), b"brotli placeholder").unwrap();
}

async fn get_loader(w: &World, server: &str, etag: Option<&str>) -> reqwest::Response {
    get_loader_as(w, server, etag, "gzip, deflate, br").await
}

async fn get_loader_as(
    w: &World,
    server: &str,
    etag: Option<&str>,
    accept_encoding: &str,
) -> reqwest::Response {
    let mut req = w
        .http
        .get(format!("{server}/widget/motp-embed.js"))
        .header("Origin", ORIGIN)
        .header("Accept-Encoding", accept_encoding);
    if let Some(etag) = etag {
        req = req.header("If-None-Match", etag);
    }
    req.send().await.unwrap()
}

/// Without `--public-url` the origin is the address the server listens on (sandbox mode, tests):
/// written into the loader, the placeholder gone, compressed as it is sent (never the build's
/// precompressed copy, which still has the placeholder), with the CORS, `Vary` and revalidation the
/// other files have.
#[tokio::test]
async fn the_loader_is_served_with_the_servers_own_origin_in_it() {
    let w = world().await;
    built_widget(&w);
    let server = w.server.url(); // http://127.0.0.1:PORT

    let res = get_loader(&w, &server, None).await;
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "text/javascript");
    assert_eq!(h["cache-control"], "no-cache");
    assert_eq!(h["access-control-allow-origin"], ORIGIN);
    assert_eq!(
        h["content-encoding"], "br",
        "compressed, as the browser accepts"
    );
    let vary: Vec<_> = h
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        vary.iter().any(|v| v.contains("origin"))
            && vary.iter().any(|v| v.contains("accept-encoding")),
        "{vary:?}"
    );
    let mut body = String::new();
    brotli_decompressor::Decompressor::new(&res.bytes().await.unwrap()[..], 4096)
        .read_to_string(&mut body)
        .expect("brotli, not the build's placeholder copy");
    assert!(
        !body.contains("__MOTP_ORIGIN__"),
        "the placeholder is filled in: {body}"
    );
    assert!(
        body.contains(&format!("var o=\"{server}\",v=\"?v=0123456789abcdef\"")),
        "the server's origin, and nothing else changed: {body}"
    );

    // The same bytes in gzip, and as they are to a client that takes no compression.
    let res = get_loader_as(&w, &server, None, "gzip").await;
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let mut gunzipped = String::new();
    flate2::read::GzDecoder::new(&res.bytes().await.unwrap()[..])
        .read_to_string(&mut gunzipped)
        .expect("gzip, not the build's placeholder copy");
    assert_eq!(gunzipped, body);
    let res = get_loader_as(&w, &server, None, "identity").await;
    assert!(res.headers().get("content-encoding").is_none());
    assert_eq!(res.text().await.unwrap(), body);

    // Revalidated on every page load: unchanged, it costs a 304.
    let etag = h["etag"].to_str().unwrap().to_string();
    let res = get_loader(&w, &server, Some(&etag)).await;
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()["cache-control"], "no-cache");

    // A page that is not a tenant's gets the script (a <script> tag needs no CORS), but no CORS.
    let res = w
        .http
        .get(format!("{server}/widget/motp-embed.js"))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

/// The server parsed from the command line as `main` does, with these flags added.
fn cli(w: &World, extra: &[&str]) -> Result<Cli, clap::Error> {
    let dir = w.dir.path();
    let args = [
        "motp-server".to_string(),
        "--listen=127.0.0.1:0".into(),
        format!("--config={}", dir.join("tenants.toml").display()),
        format!(
            "--database-url=sqlite://{}",
            dir.join("second.db").display()
        ),
        format!("--hrd-url={}", w.sandbox_url),
        format!("--emon-url={}", w.sandbox_url),
        format!("--widget-dir={}", dir.join("no-widget").display()),
        "--sandbox".into(),
        "--outbox-interval-secs=0".into(),
    ];
    Cli::try_parse_from(args.into_iter().chain(extra.iter().map(|s| s.to_string())))
}

/// Behind a TLS proxy the origin browsers reach is not the listening address: `--public-url`
/// (`MOTP_PUBLIC_URL`) names it. Only an http(s) origin is accepted (a trailing slash is).
#[tokio::test]
async fn the_public_url_flag_names_the_origin_in_the_loader() {
    let w = world().await;
    built_widget(&w);
    let args = cli(&w, &["--public-url", "https://motp.example.ac.kr/"]).unwrap();
    let second: Running = launch::start(&args.serve, w.clock.clone(), std::future::pending())
        .await
        .unwrap();
    let res = get_loader_as(&w, &second.url(), None, "identity").await;
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("var o=\"https://motp.example.ac.kr\","),
        "{body}"
    );
    assert!(!body.contains("127.0.0.1") && !body.contains("__MOTP_ORIGIN__"));

    for bad in [
        "https://motp.example.ac.kr/widget",
        "https://motp.example.ac.kr/?x=1",
        "https://user@motp.example.ac.kr",
        "ftp://motp.example.ac.kr",
        "javascript:alert(1)",
        "motp.example.ac.kr",
        "https://motp.example.ac.kr\"+alert(1)+\"",
    ] {
        assert!(
            cli(&w, &["--public-url", bad]).is_err(),
            "--public-url {bad} is refused"
        );
    }
}
