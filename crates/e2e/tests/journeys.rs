//! Journeys through the real pipeline: the demo LMS page in headless Chromium, the widget, the
//! gateway, and the sandbox standing in for HRD.

use fantoccini::Locator;
use hrd_sandbox::faults::FaultMode;
use motp_e2e::{check, Harness, T0};
use motp_server::tenant::SANDBOX_DEMO_API_KEY;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Locks the demo trainee with five wrong codes and presses the lock screen's button: the identity
/// check's popup opens. Returns the right code of T0.
async fn lock_and_open_the_check(
    h: &Harness,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    h.browser.goto(&h.url("/")).await?;
    let right = phone_code(h, T0);
    let wrong = format!("{:06}", (right.parse::<u32>()? + 7) % 1_000_000);
    for n in 1..=5 {
        h.submit_wrong(&wrong, n).await?;
    }
    h.in_widget("motp", ".panel button.primary")
        .await?
        .click()
        .await?;
    h.widget_text_containing("motp", "새 창에서").await?;
    Ok(right)
}

/// What the sandbox's virtual phone shows for the demo trainee at `at`.
fn phone_code(h: &Harness, at: i64) -> String {
    h.phone_code_of("홍길동", "01012345678", "1234", at)
}

#[tokio::test]
async fn a_code_read_off_the_virtual_phone_verifies_and_the_lecture_plays() {
    Harness::journey("happy_path", |h| async move {
        h.browser.goto(&h.url("/")).await?;
        let input = h.in_widget("motp", "#motp-code").await?;

        // The page's phone panel shows what the app shows; a person would read it from there.
        let expected = phone_code(&h, T0);
        h.until("/^[0-9]{6}$/.test(document.getElementById('phone-code').textContent)")
            .await?;
        let shown = h
            .browser
            .find(Locator::Id("phone-code"))
            .await?
            .text()
            .await?;
        check!(
            shown == expected,
            "phone panel shows {shown:?}, sandbox says {expected:?}"
        );

        // A wrong code first: the trainee is told how many attempts are left.
        let wrong = format!("{:06}", (expected.parse::<u32>()? + 1) % 1_000_000);
        input.send_keys(&wrong).await?;
        h.in_widget("motp", "button[type=submit]")
            .await?
            .click()
            .await?;
        h.widget_text_containing("motp", "5회 중 1회 실패").await?;

        // Then the right one, typed as a trainee types it; Enter submits.
        h.submit(&shown).await?;
        h.widget_text_containing("motp", "인증되었습니다").await?;

        // The demo LMS checked the receipt server-side before playing the lecture.
        h.lecture_plays().await?;

        // HRD (the sandbox) received both checks, built by the server from the launch token.
        let sandbox = &h.server.state.sandbox.as_ref().unwrap().hrd;
        let arrived = sandbox.logs(Some("otp_accredit"));
        let answers: Vec<&str> = arrived.iter().map(|r| r.answer.as_str()).collect();
        check!(answers == ["AP001", "200"], "HRD answered {answers:?}");
        let form = &arrived[1].fields;
        check!(
            form["USER_NM"] == "홍길동" && form["USER_TEL"] == "01012345678",
            "identity comes from the launch token"
        );
        check!(
            form["EXIP"] == "127.0.0.1",
            "EXIP is the browser's address, got {}",
            form["EXIP"]
        );
        check!(
            form["USRDT"] == "2026-11-27 19:00:20",
            "USRDT in KST, got {}",
            form["USRDT"]
        );
        Ok(())
    })
    .await;
}

/// The exam right after a chapter, in the same minute, with the same number still on the phone:
/// the gateway remembers the code HRD just accepted and neither sends nor counts it again.
#[tokio::test]
async fn the_next_step_in_the_same_minute_does_not_waste_the_code_just_used() {
    Harness::journey("code_already_used", |h| async move {
        h.browser.goto(&h.url("/")).await?;
        h.in_widget("motp", "#motp-code").await?;
        let code = phone_code(&h, T0);
        h.submit(&code).await?;
        h.widget_text_containing("motp", "인증되었습니다").await?;

        h.clock.advance(30);
        h.browser.goto(&h.url("/?eval_cd=02")).await?;
        h.in_widget("motp", "#motp-code").await?;
        h.submit(&code).await?;
        let text = h
            .widget_text_containing("motp", "방금 사용한 번호입니다")
            .await?;
        check!(
            text.contains("10초 뒤"),
            "when the new number comes: {text}"
        );
        check!(!text.contains("실패"), "not a failure: {text}");
        let sandbox = &h.server.state.sandbox.as_ref().unwrap().hrd;
        let answers = |logs: Vec<hrd_sandbox::LogRecord>| -> Vec<String> {
            logs.into_iter().map(|r| r.answer).collect()
        };
        let sent = answers(sandbox.logs(Some("otp_accredit")));
        check!(sent == ["200"], "HRD saw the code once: {sent:?}");

        // The app's next number verifies the exam.
        h.clock.advance(30);
        h.submit(&phone_code(&h, T0 + 60)).await?;
        h.widget_text_containing("motp", "인증되었습니다").await?;
        let sent = answers(sandbox.logs(Some("otp_accredit")));
        check!(sent == ["200", "200"], "HRD answered {sent:?}");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn five_wrong_codes_lock_then_the_phone_check_in_the_popup_unlocks() {
    Harness::journey("lock_and_reset", |h| async move {
        // The lock screen opens the identity check in a popup.
        let right = lock_and_open_the_check(&h).await?;
        h.phone_check_in_popup("홍길동", "010-1234-5678").await?;

        // The widget heard the popup, the server reset the lock at HRD, and the code works again.
        h.widget_text_containing("motp", "잠금이 풀렸습니다")
            .await?;
        let sandbox = &h.server.state.sandbox.as_ref().unwrap().hrd;
        let resets = sandbox.logs(Some("reset"));
        check!(
            resets.len() == 1 && resets[0].answer == "200",
            "one user_reset, accepted"
        );
        check!(
            resets[0].fields["M_RETCD"] == "0000",
            "the provider's result code"
        );
        // NICE's own transaction id, as its emulator delivered it.
        let delivered = sandbox.nice().deliveries();
        check!(
            delivered.len() == 1
                && delivered[0].responseno.as_ref() == Some(&resets[0].fields["M_TRNID"]),
            "M_TRNID is NICE's responseno: {:?}",
            resets[0].fields["M_TRNID"]
        );
        h.submit(&right).await?;
        h.widget_text_containing("motp", "인증되었습니다").await?;
        h.lecture_plays().await?;
        Ok(())
    })
    .await;
}

/// On a phone (360×740), two NICE checks that must lift nothing: one done with another person's
/// phone (NICE identifies someone, not this trainee: the widget says the record differs), and one
/// whose return was tampered with on the way (the gateway refuses it unopened; the check stays
/// pending and the trainee can start again). The trainee stays locked, HRD receives no reset.
#[tokio::test]
async fn another_persons_and_a_tampered_nice_check_lift_nothing() {
    Harness::journey("nice_refused", |h| async move {
        h.browser.set_window_size(360, 740).await?;
        lock_and_open_the_check(&h).await?;
        h.phone_check_in_popup("김철수", "01099998888").await?;
        h.widget_text_containing("motp", "LMS 회원정보와 다릅니다")
            .await?;

        let sandbox = &h.server.state.sandbox.as_ref().unwrap().hrd;
        sandbox.nice().set_knobs(hrd_sandbox::nice::Knobs {
            tamper_integrity: true,
            ..Default::default()
        });
        h.in_widget("motp", ".panel button.primary")
            .await?
            .click()
            .await?;
        let main = h.switch_to_popup().await?;
        h.phone_check_here("홍길동", "01012345678", None).await?;
        // The gateway's answer to the return, as the browser shows it (waited for by WebDriver,
        // which outlives the navigations in between).
        let refused = h
            .browser
            .wait()
            .for_element(Locator::XPath(
                "//*[contains(., 'integrity value does not match')]",
            ))
            .await;
        check!(refused.is_ok(), "the tampered return is refused");
        h.browser.close_window().await?;
        h.browser.switch_to_window(main).await?;
        check!(
            sandbox.logs(Some("reset")).is_empty(),
            "no user_reset reached HRD"
        );
        let session = h
            .browser
            .execute(
                "return document.getElementById('motp').shadowRoot.textContent",
                vec![],
            )
            .await?;
        check!(
            session.as_str().unwrap_or_default().contains("잠겼습니다"),
            "still locked: {session}"
        );
        Ok(())
    })
    .await;
}

/// NICE says the check failed (`0001`, chosen on its window): the lock screen says the check was not
/// completed and stays locked, nothing reaches HRD; the check again works.
#[tokio::test]
async fn a_failed_nice_check_says_so_and_the_next_one_unlocks() {
    Harness::journey("nice_failed", |h| async move {
        let right = lock_and_open_the_check(&h).await?;
        let main = h.switch_to_popup().await?;
        h.browser.wait().for_element(Locator::Id("resultcode")).await?;
        h.browser
            .execute(
                "document.getElementById('resultcode').value = '0001';
                 document.querySelector('details') && (document.querySelector('details').open = true);",
                vec![],
            )
            .await?;
        h.browser.find(Locator::Id("fail")).await?.click().await?;
        // The widget hears the failure and closes the popup (the gateway's last page says NICE's
        // reason, which the gateway tests read).
        h.browser.switch_to_window(main).await?;
        h.widget_text_containing("motp", "본인인증이 완료되지 않았습니다").await?;
        let sandbox = &h.server.state.sandbox.as_ref().unwrap().hrd;
        check!(sandbox.logs(Some("reset")).is_empty(), "nothing reached HRD");

        h.in_widget("motp", ".panel button.primary").await?.click().await?;
        h.phone_check_in_popup("홍길동", "01012345678").await?;
        h.widget_text_containing("motp", "잠금이 풀렸습니다").await?;
        h.submit(&right).await?;
        h.lecture_plays().await?;
        Ok(())
    })
    .await;
}

/// HRD does not answer the `user_reset` the phone check triggers: the widget says the unlock is on
/// its way (not "could not reach the server"), the reset waits in the outbox, the operator's flush
/// sends it once HRD is back, and the trainee's next code verifies. The server runs without its
/// outbox worker, so only the flush can send the reset.
#[tokio::test]
async fn a_reset_hrd_does_not_answer_is_queued_then_sent_and_the_next_code_verifies() {
    let no_worker = |args: &mut motp_server::config::ServeArgs| args.outbox_interval_secs = 0;
    Harness::journey_with("reset_queued", no_worker, |h| async move {
        let right = lock_and_open_the_check(&h).await?;

        // The phone check itself calls neither HRD nor e-mon: the one call this fault meets is the
        // user_reset that follows it. HRD holds it past the gateway's timeout.
        let sandbox = &h.server.state.sandbox.as_ref().unwrap().hrd;
        sandbox.faults.set(FaultMode::Timeout, 1);
        h.phone_check_in_popup("홍길동", "010-1234-5678").await?;
        // Waits for the widget's answer, whichever it is, so a wrong one fails at once.
        const QUEUED: &str = "잠금 해제 요청을 mOTP 서버에 보내는 중입니다";
        const NETWORK: &str = "서버에 연결하지 못했습니다";
        let text = h
            .until(&format!(
                "(t => (t.includes({QUEUED:?}) || t.includes({NETWORK:?})) && t)(document.getElementById('motp').shadowRoot.textContent)"
            ))
            .await?;
        let text = text.as_str().unwrap_or_default();
        check!(
            text.contains(QUEUED) && !text.contains(NETWORK),
            "a queued reset is shown as such, not as a network failure: {text}"
        );
        check!(
            sandbox.faults.peek().is_none(),
            "the user_reset met the fault: {:?} still armed",
            sandbox.faults.peek()
        );
        let resets = sandbox.logs(Some("reset"));
        check!(resets.is_empty(), "HRD has accepted no reset yet: {resets:?}");

        // HRD is back; the operator sends the outbox now.
        sandbox.faults.set(FaultMode::Timeout, 0);
        let flushed: serde_json::Value = reqwest::Client::new()
            .post(h.url("/v1/admin/outbox/flush"))
            .basic_auth("demo", Some(SANDBOX_DEMO_API_KEY))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        check!(
            flushed == serde_json::json!({"tried": 1, "queued": 0}),
            "the flush sent the one queued reset: {flushed}"
        );
        let resets = sandbox.logs(Some("reset"));
        check!(
            resets.len() == 1 && resets[0].answer == "200",
            "one user_reset, accepted: {resets:?}"
        );

        // The queued screen leads back to the code step; the code on the phone now verifies.
        let back = h.in_widget("motp", ".panel button.primary").await?;
        let label = back.text().await?;
        check!(
            label == "다시 입력하기",
            "the queued screen's way forward: {label:?}"
        );
        back.click().await?;
        h.submit(&right).await?;
        h.widget_text_containing("motp", "인증되었습니다").await?;
        h.lecture_plays().await?;
        Ok(())
    })
    .await;
}

/// The trainee closes the identity-check window halfway: the widget notices, says so and offers
/// the check again, which then lifts the lock; no reload needed.
#[tokio::test]
async fn a_closed_identity_window_leads_back_to_the_lock_screens_button() {
    Harness::journey("popup_closed", |h| async move {
        lock_and_open_the_check(&h).await?;
        let text = h.widget_text_containing("motp", "취소").await?;
        check!(
            text.contains("다시 열기"),
            "a way out while waiting: {text}"
        );

        // The trainee closes the window without finishing.
        let main = h.switch_to_popup().await?;
        h.browser.close_window().await?;
        h.browser.switch_to_window(main).await?;
        h.widget_text_containing("motp", "본인인증 창이 닫혔습니다")
            .await?;

        // The same button starts again, and this time the check is done.
        h.in_widget("motp", ".panel button.primary")
            .await?
            .click()
            .await?;
        h.phone_check_in_popup("홍길동", "010-1234-5678").await?;
        h.widget_text_containing("motp", "잠금이 풀렸습니다")
            .await?;
        Ok(())
    })
    .await;
}

/// An LMS whose launch tokens are signed with the wrong secret: the trainee is told to contact the
/// institution (a reload would not help), and the page hears the server's own reason.
#[tokio::test]
async fn a_bad_secret_tells_the_developer_why_and_the_trainee_whom_to_ask() {
    Harness::journey("bad_secret", |h| async move {
        h.browser.goto(&h.url("/?secret=wrong")).await?;
        let text = h
            .widget_text_containing("motp", "교육기관(LMS 운영자)에 문의하세요")
            .await?;
        check!(
            !text.contains("새로고침하세요"),
            "not told to reload: {text}"
        );
        h.until("document.getElementById('events').textContent.includes('bad signature')")
            .await?;
        let events = h.browser.find(Locator::Id("events")).await?.text().await?;
        check!(
            events.contains("motp:error") && events.contains("invalid_token"),
            "the developer's event: {events}"
        );
        Ok(())
    })
    .await;
}

/// An LMS page on an origin the tenant does not list: the browser refuses the widget's module, and
/// the LMS developer is told on the element (`motp:error` `load_failed`) instead of facing a blank
/// element and silence.
#[tokio::test]
async fn a_page_on_an_unconfigured_origin_gets_load_failed() {
    Harness::journey("load_failed", |h| async move {
        let loader = h.url("/widget/motp-embed.js");
        let page = format!(
            "<!DOCTYPE html><html lang=\"ko\"><head><meta charset=\"utf-8\"><title>LMS</title></head><body>\
             <div data-motp-widget data-launch-token=\"x\" id=\"w\"></div>\
             <script>document.getElementById('w').addEventListener('motp:error', \
               function (e) {{ window.__motpError = e.detail; }});</script>\
             <script src=\"{loader}\"></script></body></html>"
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let elsewhere = format!("http://{}/", listener.local_addr()?);
        let app = axum::Router::new().route(
            "/",
            axum::routing::get(move || async move { axum::response::Html(page) }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        h.browser.goto(&elsewhere).await?;
        let error = h.until("window.__motpError").await?;
        check!(error["code"] == "load_failed", "motp:error said {error}");
        let message = error["message"].as_str().unwrap_or_default();
        check!(message.contains("origin"), "the message says what to fix: {message}");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn hrd_down_then_the_phone_check_stands_in_and_e_mon_gets_the_log() {
    Harness::journey("substitute", |h| async move {
        h.browser.goto(&h.url("/")).await?;
        let sandbox = &h.server.state.sandbox.as_ref().unwrap().hrd;
        sandbox.faults.set(hrd_sandbox::faults::FaultMode::Ie001, 1);
        let input = h.in_widget("motp", "#motp-code").await?;
        input.send_keys(&phone_code(&h, T0)).await?;
        input.send_keys("\u{E007}").await?;
        h.widget_text_containing("motp", "응답하지 않습니다")
            .await?;

        h.in_widget("motp", ".panel button.primary")
            .await?
            .click()
            .await?;
        h.widget_text_containing("motp", "새 창에서").await?;
        h.phone_check_in_popup("홍길동", "01012345678").await?;
        h.widget_text_containing("motp", "인증되었습니다").await?;
        h.lecture_plays().await?;
        let logs = sandbox.logs(Some("pSubOtpLog"));
        check!(
            logs.len() == 1 && logs[0].answer == "101",
            "e-mon got the log once: {logs:?}"
        );
        check!(
            sandbox.logs(Some("reset")).is_empty(),
            "no reset for a substitute check"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn the_app_password_and_stale_codes() {
    Harness::journey("app_password_and_stale_codes", |h| async move {
        h.browser.goto(&h.url("/")).await?;
        h.submit("1234").await?;
        h.widget_text_containing("motp", "앱 비밀번호입니다")
            .await?;
        let sandbox = &h.server.state.sandbox.as_ref().unwrap().hrd;
        check!(
            sandbox.logs(Some("otp_accredit")).is_empty(),
            "the app password never reached HRD"
        );

        // A code from 3 minutes ago is refused; the one from the minute before is still accepted.
        h.submit_wrong(&phone_code(&h, T0 - 180), 1).await?;
        h.submit(&phone_code(&h, T0 - 60)).await?;
        h.widget_text_containing("motp", "인증되었습니다").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn ap005_when_the_lms_record_differs_from_the_app() {
    Harness::journey("ap005", |h| async move {
        h.browser.goto(&h.url("/?as=unregistered")).await?;
        h.submit(&phone_code(&h, T0)).await?;
        let text = h.widget_text_containing("motp", "AP005").await?;
        check!(
            text.contains("mOTP 등록 초기화"),
            "the FAQ's way out is shown: {text}"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn re_registering_while_locked_is_ap011_and_the_latest_phone_only_works() {
    Harness::journey("ap011_and_latest_phone", |h| async move {
        h.browser.goto(&h.url("/")).await?;
        // Registering on another phone: the first phone's code no longer works, the new one does.
        let old = phone_code(&h, T0);
        h.browser
            .find(Locator::Id("reregister"))
            .await?
            .click()
            .await?;
        h.until("document.getElementById('phone-msg').textContent.includes('새 휴대폰')")
            .await?;
        let new = phone_code(&h, T0);
        check!(old != new, "a new device shows another code");
        h.until(&format!(
            "document.getElementById('phone-code').textContent === '{new}'"
        ))
        .await?;
        h.submit_wrong(&old, 1).await?;

        // Locked, the app cannot be registered again (AP011); the widget says why.
        for n in 2..5 {
            h.submit_wrong(&old, n).await?;
        }
        let text = h.submit_wrong(&old, 5).await?;
        check!(text.contains("AP011"), "the lock screen warns about AP011");
        h.browser
            .find(Locator::Id("reregister"))
            .await?
            .click()
            .await?;
        h.until("document.getElementById('phone-msg').textContent.includes('AP011')")
            .await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn two_trainees_in_two_browsers_at_once() {
    Harness::journey("two_trainees", |h| async move {
        let other = h.another_browser("chrome-2").await?;
        h.browser.goto(&h.url("/")).await?;
        other.goto(&h.url("/?trainee=2")).await?;
        let sandbox = &h.server.state.sandbox.as_ref().unwrap().hrd;
        let code_of = |name: &str, tel: &str, pin: &str| {
            let device = sandbox
                .with_registry(|r| r.person(name, tel).and_then(|p| p.current_device.clone()))
                .expect("registered");
            sandbox.device_code(&device, pin, Some(T0)).expect("device")
        };
        let (first, second) = (code_of("홍길동", "01012345678", "1234"), code_of("김철수", "01098765432", "5678"));
        let ready = "document.getElementById('motp').shadowRoot && document.getElementById('motp').shadowRoot.querySelector('#motp-code')";
        let (a, b) = tokio::join!(h.until(ready), motp_e2e::until_on(&other, ready));
        a?;
        b?;
        // Both type at the same time.
        let type_in = |browser: fantoccini::Client, code: String| async move {
            let host = browser.find(Locator::Id("motp")).await?;
            let input = host.shadow_root().await?.find(Locator::Css("#motp-code")).await?;
            input.send_keys(&code).await?;
            input.send_keys("\u{E007}").await?;
            motp_e2e::until_on(&browser, "document.getElementById('motp').shadowRoot.textContent.includes('인증되었습니다')").await
        };
        let (a, b) = tokio::join!(type_in(h.browser.clone(), first), type_in(other.clone(), second));
        a?;
        b?;
        let answers: Vec<(String, String)> = sandbox
            .logs(Some("otp_accredit"))
            .into_iter()
            .map(|r| (r.fields["USRID"].clone(), r.answer))
            .collect();
        check!(answers.len() == 2 && answers.iter().all(|(_, a)| a == "200"), "{answers:?}");
        let _ = other.close().await;
        Ok(())
    })
    .await;
}

/// WCAG 1.4.10 (reflow) and 1.4.4 (200 % zoom): at 320 CSS px, and at 200 % zoom of a 640 px
/// window, nothing in the widget is cut off or needs sideways scrolling — checked on the code step
/// with its longest message (the reasons a code fails) and on the lock screen.
#[tokio::test]
async fn the_widget_reflows_at_320_px_and_200_percent_zoom() {
    Harness::journey("reflow", |h| async move {
        // Every element inside the widget ends within the widget, no element's content is wider than
        // the element, and the widget ends within the window.
        const OVERFLOW: &str = "(() => {
            const root = document.getElementById('motp').shadowRoot;
            const box = root.querySelector('.motp').getBoundingClientRect();
            const out = [...root.querySelectorAll('*')].filter(e => {
                const r = e.getBoundingClientRect();
                const cut = e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1;
                return r.width > 0 && (cut || r.right > box.right + 0.5 || r.left < box.left - 0.5);
            }).map(e => e.tagName + '.' + e.className);
            if (box.right > document.documentElement.clientWidth + 0.5) out.push('widget wider than the window');
            return JSON.stringify(out);
        })()";
        let wrong = format!("{:06}", (phone_code(&h, T0).parse::<u32>()? + 3) % 1_000_000);
        let mut failures = 0;
        for (width, zoom) in [(320, "1"), (640, "2")] {
            h.browser.set_window_size(width, 900).await?;
            h.browser.goto(&h.url("/")).await?;
            h.browser
                .execute(
                    &format!("document.documentElement.style.zoom = '{zoom}'"),
                    vec![],
                )
                .await?;
            h.in_widget("motp", "#motp-code").await?;
            for _ in 0..2 {
                failures += 1;
                h.submit_wrong(&wrong, failures).await?;
            }
            let out = h
                .browser
                .execute(&format!("return {OVERFLOW}"), vec![])
                .await?;
            check!(out == "[]", "at {width} px, zoom {zoom}: overflowing {out}");
        }
        for n in failures + 1..=5 {
            h.submit_wrong(&wrong, n).await?;
        }
        let out = h
            .browser
            .execute(&format!("return {OVERFLOW}"), vec![])
            .await?;
        check!(out == "[]", "lock screen at 200 %: overflowing {out}");
        Ok(())
    })
    .await;
}

/// A phone's in-app browser, where popups do not open (here the page's `window.open` returns
/// nothing, at a 360×740 phone viewport): the lock screen says the check runs in this window; it
/// does, and comes back to the lecture page, which lifts the lock with it — the check's id the
/// only thing in the address, and gone from it afterwards — and the next code verifies.
#[tokio::test]
async fn without_popups_the_check_runs_in_this_window_and_comes_back_unlocked() {
    Harness::journey("same_window", |h| async move {
        h.browser.set_window_size(360, 740).await?;
        h.browser.goto(&h.url("/")).await?;
        h.in_widget("motp", "#motp-code").await?;
        let right = phone_code(&h, T0);
        let wrong = format!("{:06}", (right.parse::<u32>()? + 7) % 1_000_000);
        for n in 1..=5 {
            h.submit_wrong(&wrong, n).await?;
        }
        // No popups here, as in KakaoTalk's browser.
        h.browser
            .execute("window.open = () => null", vec![])
            .await?;
        h.in_widget("motp", ".panel button.primary")
            .await?
            .click()
            .await?;
        // The check's page, in this window (waits that survive navigation: WebDriver's own).
        h.phone_check_here("홍길동", "01012345678", None).await?;
        // Back on the lecture page: the widget takes the check up and lifts the lock.
        h.browser.wait().for_element(Locator::Id("video")).await?;
        h.widget_text_containing("motp", "잠금이 풀렸습니다")
            .await?;
        let hash = h.browser.execute("return location.hash", vec![]).await?;
        check!(
            hash == "",
            "the check's id is taken off the address: {hash}"
        );
        let sandbox = &h.server.state.sandbox.as_ref().unwrap().hrd;
        check!(sandbox.logs(Some("reset")).len() == 1, "one user_reset");
        h.submit(&right).await?;
        h.lecture_plays().await?;
        Ok(())
    })
    .await;
}

/// The lecture below the widget stays where it is while the widget loads (the loader reserves the
/// first screen's height: cumulative layout shift as Chromium measures it), and on a phone the
/// last-attempt warning keeps its list of reasons closed (it was 908 px tall at 360 px).
#[tokio::test]
async fn the_page_does_not_move_as_the_widget_loads() {
    Harness::journey("layout_shift", |h| async move {
        // Every layout shift since the page started loading (buffered), not caused by input.
        const SHIFT: &str = "const done = arguments[0]; let sum = 0;
            new PerformanceObserver(l => { for (const e of l.getEntries()) if (!e.hadRecentInput) sum += e.value; })
                .observe({ type: 'layout-shift', buffered: true });
            setTimeout(() => done(sum), 0);";
        const HEIGHT: &str = "const r = document.getElementById('motp').getBoundingClientRect(); return r.width + 'x' + r.height";
        for width in [320, 330, 345, 360, 412, 1024] {
            h.browser.set_window_size(width, 900).await?;
            h.browser.goto(&h.url("/")).await?;
            h.in_widget("motp", "#motp-code").await?;
            let shift = h.browser.execute_async(SHIFT, vec![]).await?;
            let height = h.browser.execute(HEIGHT, vec![]).await?;
            eprintln!("at {width} px: layout shift {shift}, widget {height} px");
            let shift = shift.as_f64().unwrap_or(f64::MAX);
            check!(shift <= 0.02, "at {width} px the page moved: layout shift {shift}");
        }
        // The demo page itself goes compressed (what Lighthouse's first load measures).
        let sizes = h
            .browser
            .execute("const n = performance.getEntriesByType('navigation')[0]; return [n.encodedBodySize, n.decodedBodySize]", vec![])
            .await?;
        let compressed = sizes[0].as_f64().zip(sizes[1].as_f64()).is_some_and(|(e, d)| e * 2.0 < d);
        check!(compressed, "the demo page is sent uncompressed: {sizes} (encoded, decoded)");
        h.browser.set_window_size(360, 900).await?;
        let wrong = format!("{:06}", (phone_code(&h, T0).parse::<u32>()? + 3) % 1_000_000);
        for n in 1..=4 {
            h.submit_wrong(&wrong, n).await?;
        }
        let open = h
            .browser
            .execute("return document.getElementById('motp').shadowRoot.querySelector('details').open", vec![])
            .await?;
        let height = h.browser.execute(HEIGHT, vec![]).await?;
        eprintln!("last attempt at 360 px: widget {height} px, reasons open: {open}");
        check!(open == false, "the reasons are open at 360 px");
        let tall = height.as_str().and_then(|s| s.split('x').nth(1)?.parse::<f64>().ok());
        check!(tall.is_some_and(|t| t <= 600.0), "last attempt at 360 px: {height} px");
        Ok(())
    })
    .await;
}

/// An LMS page that mounts on an element that is not there (a typo in its id) is told so at once,
/// by a thrown TypeError, not by a handle that fails later.
#[tokio::test]
async fn mounting_on_a_missing_element_throws_at_once() {
    Harness::journey("mount_null", |h| async move {
        h.browser.goto(&h.url("/")).await?;
        h.in_widget("motp", "#motp-code").await?;
        let thrown = h
            .browser
            .execute(
                "try { MotpWidget.mount(document.getElementById('no-such-id')); return 'no error'; }
                 catch (e) { return e.name + ': ' + e.message; }",
                vec![],
            )
            .await?;
        let thrown = thrown.as_str().unwrap_or_default();
        check!(
            thrown
                .starts_with("TypeError: MotpWidget.mount: the first argument must be an element"),
            "mount(null): {thrown}"
        );
        Ok(())
    })
    .await;
}

/// The deployment every LMS has: the lecture page on the LMS's origin, the widget and the API on
/// `motp-server`'s. Here the page is opened at `localhost` and loads everything from `127.0.0.1`
/// (two origins to the browser): the loader, the module and the wasm (CORS), the API calls, and the
/// identity popup's message to the page all cross origins. Through the lock and back to a lecture.
#[tokio::test]
async fn the_widget_works_from_another_origin_than_the_lms_page() {
    Harness::journey("cross_origin", |h| async move {
        let server = h.server.url(); // http://127.0.0.1:PORT
        let page = server.replace("127.0.0.1", "localhost");
        h.browser.goto(&format!("{page}/?server={server}")).await?;
        h.in_widget("motp", "#motp-code").await?;
        let loaded = h
            .browser
            .execute(
                "return performance.getEntriesByType('resource').map(e => e.name).join(' ')",
                vec![],
            )
            .await?;
        let loaded = loaded.as_str().unwrap_or_default();
        check!(
            loaded.contains(&format!("{server}/widget/motp-widget_bg.wasm?v=")),
            "the wasm came from the server's origin, by the build's version: {loaded}"
        );

        let right = phone_code(&h, T0);
        let wrong = format!("{:06}", (right.parse::<u32>()? + 7) % 1_000_000);
        for n in 1..=5 {
            h.submit_wrong(&wrong, n).await?;
        }
        h.in_widget("motp", ".panel button.primary")
            .await?
            .click()
            .await?;
        h.phone_check_in_popup("홍길동", "010-1234-5678").await?;
        h.widget_text_containing("motp", "잠금이 풀렸습니다")
            .await?;

        h.submit(&right).await?;
        h.widget_text_containing("motp", "인증되었습니다").await?;
        h.lecture_plays().await?;
        Ok(())
    })
    .await;
}

/// README's Content-Security-Policy is enough: the page is sent with only `script-src <server>
/// 'wasm-unsafe-eval'; connect-src <server>` (and `default-src 'none'` for everything else), from
/// another origin than the server. The widget loads, is styled (its stylesheet is constructed, so no
/// `'unsafe-inline'`) and verifies a code. The demo page's own inline scripts are blocked then, so
/// this journey stops at the widget's answer.
#[tokio::test]
async fn the_documented_content_security_policy_is_enough() {
    Harness::journey("csp", |h| async move {
        let server = h.server.url();
        let page = server.replace("127.0.0.1", "localhost");
        h.browser
            .goto(&format!("{page}/?server={server}&csp=strict"))
            .await?;
        let input = h.in_widget("motp", "#motp-code").await?;
        let accent = h
            .browser
            .execute(
                "return getComputedStyle(document.getElementById('motp').shadowRoot.querySelector('button.primary')).backgroundColor",
                vec![],
            )
            .await?;
        check!(
            accent == "rgb(29, 78, 216)",
            "the widget's stylesheet applies under the CSP: {accent}"
        );
        input.send_keys(&phone_code(&h, T0)).await?;
        input.send_keys("\u{E007}").await?;
        h.widget_text_containing("motp", "인증되었습니다").await?;
        Ok(())
    })
    .await;
}

/// Pages that evaluate the loader instead of including it (jQuery's `$.getScript` does, for its own
/// origin) have no script URL to find the widget's files by; the loader needs none: `motp-server`
/// wrote its origin into it. Same origin (no `data-server`) and from another origin.
#[tokio::test]
async fn a_loader_evaluated_by_the_page_still_finds_the_widget() {
    Harness::journey("evaluated_loader", |h| async move {
        let server = h.server.url();
        let page = server.replace("127.0.0.1", "localhost");
        for url in [
            format!("{server}/?embed=eval"),
            format!("{page}/?embed=eval&server={server}&trainee=2"),
        ] {
            h.browser.goto(&url).await?;
            let found = h.in_widget("motp", "#motp-code").await;
            check!(found.is_ok(), "no widget on {url}");
        }
        Ok(())
    })
    .await;
}

/// User HTML the LMS shows (a forum post, a profile field) may keep `id` and `data-*` attributes.
/// Here, before the real widget, `<a id="MotpWidget">` (browsers make it `window.MotpWidget`) and a
/// widget element whose `data-server` names another host, on a page that evaluates the loader (so
/// it has no `document.currentScript`, as with jQuery's `$.getScript`). That host is a listener of
/// this test's: the browser never connects to it, and the real widget loads from its own server and
/// verifies a code.
#[tokio::test]
async fn hostile_markup_on_the_page_cannot_move_the_widget_to_another_host() {
    Harness::journey("hostile_markup", |h| async move {
        let hostile = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = hostile.local_addr()?.port();
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        let listening = tokio::spawn(async move {
            while let Ok((socket, _)) = hostile.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                drop(socket);
            }
        });
        h.browser
            .goto(&h.url(&format!("/?embed=eval&hostile={port}")))
            .await?;
        let markup = h
            .browser
            .execute(
                "return document.querySelectorAll('a#MotpWidget, [data-server$=\":' + arguments[0] + '\"]').length",
                vec![serde_json::json!(port)],
            )
            .await?;
        check!(markup == 2, "the page carries the hostile markup: {markup}");

        // The first journey's steps: read the code off the phone panel, type it, the lecture plays.
        let verified = async {
            h.until("/^[0-9]{6}$/.test(document.getElementById('phone-code').textContent)")
                .await?;
            let shown = h
                .browser
                .find(Locator::Id("phone-code"))
                .await?
                .text()
                .await?;
            check!(
                shown == phone_code(&h, T0),
                "phone panel shows {shown:?}, sandbox says {:?}",
                phone_code(&h, T0)
            );
            h.submit(&shown).await?;
            h.widget_text_containing("motp", "인증되었습니다").await?;
            h.lecture_plays().await?;
            let global = h
                .browser
                .execute("return typeof window.MotpWidget.mount", vec![])
                .await?;
            check!(
                global == "function",
                "window.MotpWidget is the loader's: {global}"
            );
            Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
        }
        .await;
        listening.abort();
        let connections = connections.load(Ordering::SeqCst);
        check!(
            connections == 0,
            "the browser connected to the host the markup named {connections} time(s)"
        );
        verified
    })
    .await;
}
