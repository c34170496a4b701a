//! NICE 본인확인's doors (the check's page and NICE's return, GET and POST) and a check's
//! `return_to`: every malformed, unknown, tampered or foreign input is refused with its own error,
//! before SQL, and nothing reaches HRD or moves a count.

use crate::target::{claims, sign, target, Refusal};

#[tokio::test]
async fn nices_doors_refuse_what_nice_did_not_seal() {
    let t = target(&[]).await;
    let mut cases = vec![];
    for state in [
        "%00",
        "xyz",
        "0123456789ABCDEF0123456789ABCDEF",
        "..%2F..%2Fetc",
    ] {
        let request = t.http.get(format!("{}/v1/identity/nice/{state}", t.url));
        cases.push((
            request,
            Refusal::new(format!("window {state}"), 400, "bad_request"),
        ));
    }
    let ret = format!("{}/v1/identity/nice/return", t.url);
    // Missing fields, by GET and by POST; a body that is not a form.
    cases.push((
        t.http.get(format!("{ret}?token_version_id=x&enc_data=y")),
        Refusal::new("GET without integrity_value", 400, "invalid_query"),
    ));
    cases.push((
        t.http.post(&ret).form(&[("token_version_id", "x")]),
        Refusal::new("POST without enc_data", 422, "invalid_body"),
    ));
    cases.push((
        t.http
            .post(&ret)
            .header("Content-Type", "application/json")
            .body(r#"{"token_version_id":"x","enc_data":"y","integrity_value":"z"}"#),
        Refusal::new("POST as JSON", 415, "unsupported_media_type"),
    ));
    // token_version_ids no crypto token has, or that are not ids at all.
    let long = "a".repeat(65);
    for tvid in [
        "",
        "%00",
        "' OR '1'='1",
        "../../etc/passwd",
        long.as_str(),
        "202401292056235G-NCGACC550-5HBH7-F582CD29BA",
    ] {
        for post in [false, true] {
            let fields = [
                ("token_version_id", tvid),
                ("enc_data", "wgdz3xZPYPAWNza53t49hOZiPr3KK1Ly"),
                (
                    "integrity_value",
                    "TGbQs0ESwr9vLWuB/hKXpXTtyO2+br/TWEtpuFuvofw=",
                ),
            ];
            let request = if post {
                t.http.post(&ret).form(&fields)
            } else {
                t.http.get(&ret).query(&fields)
            };
            let case = format!(
                "{} token_version_id={tvid:.20}",
                if post { "POST" } else { "GET" }
            );
            cases.push((request, Refusal::new(case, 400, "bad_request")));
        }
    }
    t.refuse_all(cases).await;
}

#[tokio::test]
async fn a_check_returns_only_to_a_page_of_its_own_origin() {
    let t = target(&[]).await;
    let token = sign(&claims());
    let mut cases = vec![];
    for return_to in [
        "https://evil.example/lecture",
        "http://127.0.0.1.evil.example/",
        "javascript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "//evil.example/",
        "/relative/path",
        "http://user:pw@127.0.0.1/",
    ] {
        let request = t
            .http
            .post(format!("{}/v1/identity/start", t.url))
            .query(&[("return_to", return_to)])
            .bearer_auth(&token)
            .header("Origin", &t.url);
        let case = format!("return_to={return_to:.30}");
        cases.push((request, Refusal::new(case, 400, "bad_request")));
    }
    let long = format!("{}/{}", t.url, "a".repeat(2100));
    let request = t
        .http
        .post(format!("{}/v1/identity/start", t.url))
        .query(&[("return_to", long.as_str())])
        .bearer_auth(&token)
        .header("Origin", &t.url);
    cases.push((
        request,
        Refusal::new("return_to of 2 KB", 400, "bad_request"),
    ));
    t.refuse_all(cases).await;
}
