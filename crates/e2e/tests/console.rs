//! The help desk's console, end to end: four trainees' stories played through the widget on the
//! demo page (a wrong code, AP005, a lock, a reset HRD does not answer), then the demo's staff
//! member signs in and finds each trainee's state, timeline and what to tell them, and Today
//! counts them; axe-core finds nothing on the login, Today and trainee pages, at 1280 and 360 px.

use motp_e2e::{check, Harness};

/// Each page's text must hold every needle.
fn holds(page: &str, text: &str, needles: &[&str]) -> Result<(), String> {
    match needles.iter().find(|n| !text.contains(*n)) {
        Some(missing) => Err(format!("{page} lacks {missing:?}:\n{text}")),
        None => Ok(()),
    }
}

#[tokio::test]
async fn the_help_desk_sees_what_happened_to_each_trainee_and_what_to_tell_them() {
    let no_worker = |args: &mut motp_server::config::ServeArgs| args.outbox_interval_secs = 0;
    Harness::journey_with("console", no_worker, |h| async move {
        h.play_help_desk_stories().await?;

        // The login page, before anyone signs in.
        h.browser.set_window_size(1280, 900).await?;
        h.browser.goto(&h.url("/console/login")).await?;
        let found = h.axe_violations().await?;
        check!(found.is_empty(), "axe on the login page: {found:?}");
        h.staff_login().await?;

        // Today counts the stories: 4+4+1 wrong codes, 2 locks, 1 AP005; two locked; one reset.
        let count = |outcome: &str| format!("#counts li[data-outcome={outcome}] .n");
        for (outcome, n) in [("WrongCode", "9"), ("Locked", "2"), ("NotRegistered", "1"), ("Verified", "0")] {
            let got = h.text_of(&count(outcome)).await?;
            check!(got == n, "Today counts {outcome}: {got}, expected {n}");
        }
        let locked = h.text_of("#locked").await?;
        check!(locked.contains("trainee01") && locked.contains("trainee03"), "locked now: {locked}");
        let resets = h.text_of("#resets").await?;
        check!(resets.contains("trainee01") && resets.contains("HRD 확인 대기"), "resets: {resets}");
        check!(h.text_of("#hrd-hour").await?.contains("100%"), "HRD answered every code");
        let found = h.axe_violations().await?;
        check!(found.is_empty(), "axe on Today: {found:?}");

        // Each trainee's page, reached by the search box.
        for (usrid, state, timeline, advice) in [
            (
                "trainee02",
                &["1 / 5", "잠기지 않음", "번호 불일치 (AP001)"][..],
                &["인증번호 확인", "EVAL_CD 01 진도 · CLASS_TME 01"][..],
                &["잠기기 전까지 4번 남았습니다", "자동 설정", "가장 최근에 등록한 휴대폰", "앱 비밀번호(4자리)"][..],
            ),
            (
                "trainee99",
                &["0 / 5", "등록되지 않은 사용자 (AP005)"][..],
                &["등록되지 않은 사용자 (AP005)"][..],
                &["AP005", "mOTP 등록 초기화", "LMS 회원정보를 현행화"][..],
            ),
            (
                "trainee03",
                &["5 / 5", "잠김", "부터", "잠김 (AP009)"][..],
                &["번호 불일치 (AP001)", "잠김 (AP009)", "6자리 인증번호 5회 실패"][..],
                &["mOTP가 잠겼습니다 (AP009)", "휴대폰 본인인증", "풀어서도 안 됩니다", "아무리 틀려도 잠기지 않습니다"][..],
            ),
            (
                "trainee01",
                &["5 / 5", "잠김", "HRD 확인 대기", "제한 시간 안에 응답 없음"][..],
                &["휴대폰 본인인증 (잠금 해제)", "NICE · 거래번호 MC", "잠금 해제 요청 (user_reset)", "HRD 응답: 제한 시간 안에 응답 없음", "보낸 횟수 1"][..],
                &["잠금 해제 요청이 HRD의 확인을 기다리고 있습니다", "몇 분 뒤"][..],
            ),
        ] {
            let search = h.browser.find(fantoccini::Locator::Id("usrid")).await?;
            search.send_keys(&format!("{usrid}\u{E007}")).await?;
            h.browser.wait().for_element(fantoccini::Locator::Id("timeline")).await?;
            let title = h.text_of("h1").await?;
            check!(title.contains(usrid), "{usrid}'s page: {title}");
            holds(usrid, &h.text_of("dl.facts").await?, state)?;
            holds(usrid, &h.text_of("#timeline").await?, timeline)?;
            holds(usrid, &h.text_of("#advice").await?, advice)?;
            let found = h.axe_violations().await?;
            check!(found.is_empty(), "axe on {usrid}'s page: {found:?}");
        }
        // trainee01's advice is the reset's, not the lock's: the lock is being lifted.
        let advice = h.text_of("#advice").await?;
        check!(!advice.contains("mOTP가 잠겼습니다"), "queued reset replaces the lock advice: {advice}");

        // At 360 px: nothing wider than the screen, and axe again on each page.
        h.browser.set_window_size(360, 800).await?;
        for path in ["/console", "/console/trainees/trainee01", "/console/codes"] {
            h.browser.goto(&h.url(path)).await?;
            h.browser.wait().for_element(fantoccini::Locator::Id("main")).await?;
            let wide = h
                .browser
                .execute(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
                    vec![],
                )
                .await?;
            check!(wide.as_i64() == Some(0), "{path} at 360 px is {wide} px too wide");
            let found = h.axe_violations().await?;
            check!(found.is_empty(), "axe on {path} at 360 px: {found:?}");
        }

        // English, kept in the session.
        h.browser
            .find(fantoccini::Locator::Css("form[action='/console/lang'] button"))
            .await?
            .click()
            .await?;
        h.browser.wait().for_element(fantoccini::Locator::Css("html[lang=en]")).await?;
        h.browser.goto(&h.url("/console/trainees/trainee03")).await?;
        let advice = h.text_of("#advice").await?;
        check!(advice.contains("Only the phone identity check in the LMS"), "English: {advice}");
        Ok(())
    })
    .await;
}
