//! The widget's static files: compression, caching and CORS.

use crate::world::{world, ORIGIN};

/// The widget's files: to a tenant's LMS page with CORS (the loader imports the module and fetches
/// the wasm cross-origin), brotli or gzip as the browser accepts; cached for good when asked for by
/// the build's version (as the loader does), revalidated on every load otherwise.
#[tokio::test]
async fn widget_files_go_compressed_to_tenant_pages_only() {
    let w = world().await;
    let dir = w.dir.path().join("no-widget");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("motp-widget.js"), "export default 1;").unwrap();
    // ServeDir sends the `.gz`/`.br` beside a file as it is; their bytes only need to be told apart.
    std::fs::write(dir.join("motp-widget.js.gz"), b"gzipped").unwrap();
    std::fs::write(dir.join("motp-widget.js.br"), b"brotli").unwrap();
    let get = |origin: &'static str, accept: &'static str, query: &'static str| {
        let mut req = w
            .http
            .get(format!("{}/widget/motp-widget.js{query}", w.server.url()))
            .header("Origin", origin);
        if !accept.is_empty() {
            req = req.header("Accept-Encoding", accept);
        }
        req.send()
    };

    let res = get(ORIGIN, "gzip, deflate, br", "").await.unwrap();
    assert_eq!(res.headers()["content-encoding"], "br");
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"brotli");

    let res = get(ORIGIN, "gzip", "").await.unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["access-control-allow-origin"], ORIGIN);
    assert_eq!(h["content-encoding"], "gzip");
    assert_eq!(h["content-type"], "text/javascript");
    assert_eq!(h["cache-control"], "no-cache");
    let vary: Vec<_> = h
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        vary.iter().any(|v| v.contains("accept-encoding")),
        "caches key on the encoding: {vary:?}"
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"gzipped");

    let res = get(ORIGIN, "", "").await.unwrap();
    assert!(res.headers().get("content-encoding").is_none());
    assert_eq!(res.text().await.unwrap(), "export default 1;");

    // Asked for by the build's version, as the loader does: cached for good.
    let res = get(ORIGIN, "gzip", "?v=0123456789abcdef").await.unwrap();
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let res = get(ORIGIN, "gzip", "?v=latest").await.unwrap();
    assert_eq!(
        res.headers()["cache-control"],
        "no-cache",
        "not a build mark"
    );

    let res = get("https://evil.example", "gzip", "").await.unwrap();
    assert!(
        res.headers().get("access-control-allow-origin").is_none(),
        "no CORS for a page that is not a tenant's"
    );
}
