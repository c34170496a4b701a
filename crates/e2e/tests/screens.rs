//! Screenshots of every widget screen, in Korean, at 320 px and 1024 px wide, and of the check in
//! the trainee's own window at 360 px, taken from the real widget on the demo page, and of the help
//! desk's console at 1280 and 360 px after the four stories of `tests/console.rs`: `make screens`
//! writes them to `docs/screens/`. Ignored by `make test`
//! (it produces files, it checks nothing the journeys do not).

use fantoccini::Locator;
use motp_e2e::{Harness, TestResult, T0};
use std::path::PathBuf;

fn out_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/screens")
}

async fn shoot(h: &Harness, width: u32, name: &str) -> TestResult {
    let png = h
        .browser
        .find(Locator::Id("motp"))
        .await?
        .screenshot()
        .await?;
    std::fs::create_dir_all(out_dir())?;
    std::fs::write(out_dir().join(format!("{name}-{width}.png")), png)?;
    Ok(())
}

fn phone_code(h: &Harness) -> String {
    let sandbox = &h.server.state.sandbox.as_ref().unwrap().hrd;
    let device = sandbox
        .with_registry(|r| {
            r.person("홍길동", "01012345678")
                .and_then(|p| p.current_device.clone())
        })
        .unwrap();
    sandbox.device_code(&device, "1234", Some(T0)).unwrap()
}

async fn all_screens(h: std::sync::Arc<Harness>, width: u32) -> TestResult {
    // Tall enough that the longest screen (the last-attempt warning at 320 px) is not cut off.
    h.browser.set_window_size(width, 2000).await?;
    h.browser.goto(&h.url("/")).await?;
    h.in_widget("motp", "#motp-code").await?;
    shoot(&h, width, "01-code").await?;

    h.submit("1234").await?;
    h.widget_text_containing("motp", "앱 비밀번호입니다")
        .await?;
    shoot(&h, width, "02-app-password").await?;

    let right = phone_code(&h);
    let wrong = format!("{:06}", (right.parse::<u32>()? + 7) % 1_000_000);
    h.submit_wrong(&wrong, 1).await?;
    shoot(&h, width, "03-wrong-code").await?;
    for n in 2..=4 {
        h.submit_wrong(&wrong, n).await?;
    }
    shoot(&h, width, "04-last-attempt").await?;
    h.submit_wrong(&wrong, 5).await?;
    shoot(&h, width, "05-locked").await?;

    h.in_widget("motp", ".panel button.primary")
        .await?
        .click()
        .await?;
    h.widget_text_containing("motp", "새 창에서").await?;
    shoot(&h, width, "06-unlock-waiting").await?;
    let popup_shot = out_dir().join(format!("10-identity-popup-{width}.png"));
    h.phone_check_in_popup_shooting("홍길동", "010-1234-5678", Some((&popup_shot, width)))
        .await?;
    h.widget_text_containing("motp", "잠금이 풀렸습니다")
        .await?;
    shoot(&h, width, "07-unlocked").await?;

    h.submit(&right).await?;
    h.widget_text_containing("motp", "인증되었습니다").await?;
    shoot(&h, width, "08-verified").await?;

    h.browser.goto(&h.url("/?as=unregistered")).await?;
    h.submit(&right).await?;
    h.widget_text_containing("motp", "AP005").await?;
    shoot(&h, width, "09-not-registered").await?;

    h.server
        .state
        .sandbox
        .as_ref()
        .unwrap()
        .hrd
        .faults
        .set(hrd_sandbox::faults::FaultMode::Ie001, 1);
    h.browser.goto(&h.url("/")).await?;
    h.clock.advance(60);
    let next = {
        let sandbox = &h.server.state.sandbox.as_ref().unwrap().hrd;
        let device = sandbox
            .with_registry(|r| {
                r.person("홍길동", "01012345678")
                    .and_then(|p| p.current_device.clone())
            })
            .unwrap();
        sandbox.device_code(&device, "1234", None).unwrap()
    };
    h.submit(&next).await?;
    h.widget_text_containing("motp", "응답하지 않습니다")
        .await?;
    shoot(&h, width, "11-hrd-down").await?;
    Ok(())
}

/// A phone (360 px) in KakaoTalk's in-app browser, where popups do not open: the lock screen saying
/// the check runs in this window (and offering the phone's own browser), NICE's window as the
/// sandbox emulates it, in the same window, and the lecture page it comes back to, unlocked.
async fn same_window_screens(h: std::sync::Arc<Harness>) -> TestResult {
    let width = 360;
    h.browser.set_window_size(width, 1400).await?;
    h.browser.goto(&h.url("/")).await?;
    h.in_widget("motp", "#motp-code").await?;
    h.browser
        .execute(
            "Object.defineProperty(navigator, 'userAgent', { get: () =>
               'Mozilla/5.0 (Linux; Android 14; SM-S918N; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0 Mobile Safari/537.36 KAKAOTALK 10.4.5' });
             window.open = () => null;",
            vec![],
        )
        .await?;
    let right = phone_code(&h);
    let wrong = format!("{:06}", (right.parse::<u32>()? + 7) % 1_000_000);
    for n in 1..=5 {
        h.submit_wrong(&wrong, n).await?;
    }
    h.widget_text_containing("motp", "이 화면에서 본인인증 페이지로 이동")
        .await?;
    shoot(&h, width, "12-locked-in-app").await?;
    h.in_widget("motp", ".panel button.primary")
        .await?
        .click()
        .await?;
    let window_shot = out_dir().join(format!("13-nice-window-same-{width}.png"));
    h.phone_check_here("홍길동", "01012345678", Some((&window_shot, width)))
        .await?;
    h.browser.wait().for_element(Locator::Id("video")).await?;
    h.widget_text_containing("motp", "잠금이 풀렸습니다")
        .await?;
    shoot(&h, width, "14-back-unlocked").await?;
    Ok(())
}

#[tokio::test]
#[ignore = "writes docs/screens/; run with `make screens`"]
async fn screens_360_without_popups() {
    Harness::journey("screens_360_same_window", same_window_screens).await;
}

#[tokio::test]
#[ignore = "writes docs/screens/; run with `make screens`"]
async fn screens_320() {
    Harness::journey("screens_320", |h| all_screens(h, 320)).await;
}

#[tokio::test]
#[ignore = "writes docs/screens/; run with `make screens`"]
async fn screens_1024() {
    Harness::journey("screens_1024", |h| all_screens(h, 1024)).await;
}

/// The whole page the browser shows, `width` wide, as `docs/screens/NAME-WIDTH.png`.
async fn shoot_page(h: &Harness, width: u32, name: &str) -> TestResult {
    h.browser.set_window_size(width, 900).await?;
    let tall = h
        .browser
        .execute("return document.documentElement.scrollHeight", vec![])
        .await?
        .as_u64()
        .unwrap_or(900) as u32;
    // The window's height includes its frame: a little more than the page, so nothing is cut.
    h.browser.set_window_size(width, tall + 140).await?;
    std::fs::create_dir_all(out_dir())?;
    std::fs::write(
        out_dir().join(format!("{name}-{width}.png")),
        h.browser.screenshot().await?,
    )?;
    Ok(())
}

/// The console's sign-in, Today, a locked trainee, a trainee whose unlock waits for HRD, and the
/// 4-vs-6-digit page, at 1280 and 360 px.
async fn console_screens(h: std::sync::Arc<Harness>) -> TestResult {
    h.play_help_desk_stories().await?;
    for width in [1280, 360] {
        h.browser.goto(&h.url("/console/login")).await?;
        shoot_page(&h, width, "console-1-login").await?;
    }
    h.staff_login().await?;
    for (name, path) in [
        ("console-2-today", "/console"),
        ("console-3-trainee-locked", "/console/trainees/trainee03"),
        (
            "console-4-trainee-reset-queued",
            "/console/trainees/trainee01",
        ),
        ("console-5-trainee-ap005", "/console/trainees/trainee99"),
        ("console-6-codes", "/console/codes"),
    ] {
        for width in [1280, 360] {
            h.browser.goto(&h.url(path)).await?;
            h.browser.wait().for_element(Locator::Id("main")).await?;
            shoot_page(&h, width, name).await?;
        }
    }
    Ok(())
}

#[tokio::test]
#[ignore = "writes docs/screens/; run with `make screens`"]
async fn screens_console() {
    let no_worker = |args: &mut motp_server::config::ServeArgs| args.outbox_interval_secs = 0;
    Harness::journey_with("screens_console", no_worker, console_screens).await;
}
