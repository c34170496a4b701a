//! The console's pages, drawn with maud (checked at compile time, every value escaped). Korean by
//! default, English on request; times in Korea time. The advice's words come from
//! `motp_protocol::advice`; the labels of the pages are here.

use crate::domain::help_desk::{Counts, Outcome, Today, TraineePage};
use crate::domain::outbox::SendFailure;
use crate::domain::timeline::{CheckOutcome, CodeAnswer, Event};
use crate::model::{OutboxStatus, ProviderKind, Purpose};
use maud::{html, Markup, DOCTYPE};
use motp_protocol::advice::two_numbers;
use motp_protocol::i18n::Lang;
use motp_protocol::{kst, EvalCd, HrdCode, MAX_FAILURES};

/// What every signed-in page shows around its content.
pub(super) struct Frame<'a> {
    pub lang: Lang,
    pub login: &'a str,
    pub tenant: &'a str,
    pub csrf: &'a str,
    /// This page's path, to come back to after changing the language.
    pub path: String,
}

fn head(lang: Lang, title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · " (lang.pick("mOTP 상담 콘솔", "mOTP help desk")) }
            link rel="stylesheet" href="/console/style.css";
        }
    }
}

/// A signed-in page: the bar (menu, search, language, sign-out) and `content` under `title`.
fn frame(f: &Frame, title: &str, content: Markup) -> Markup {
    let l = f.lang;
    let other = l.other();
    html! {
        (DOCTYPE)
        html lang=(l.code()) {
            (head(l, title))
            body {
                a.skip href="#main" { (l.pick("본문으로 건너뛰기", "Skip to content")) }
                header.bar {
                    p.brand { (l.pick("mOTP 상담 콘솔", "mOTP help desk")) }
                    nav aria-label=(l.pick("메뉴", "Menu")) {
                        ul {
                            li { a href="/console" { (l.pick("오늘", "Today")) } }
                            li { a href="/console/codes" { (l.pick("4자리·6자리 구분", "4 vs 6 digits")) } }
                        }
                    }
                    form.search method="get" action="/console/trainees" role="search" {
                        label for="usrid" { (l.pick("훈련생 아이디(USRID)", "Trainee USRID")) }
                        input #usrid name="usrid" type="text" required maxlength="64" autocomplete="off" spellcheck="false";
                        button type="submit" { (l.pick("찾기", "Find")) }
                    }
                    div.who {
                        span { (f.login) " · " (f.tenant) }
                        form method="post" action="/console/lang" {
                            input type="hidden" name="csrf" value=(f.csrf);
                            input type="hidden" name="lang" value=(other.code());
                            input type="hidden" name="back" value=(f.path);
                            button.link type="submit" lang=(other.code()) { (l.pick("English", "한국어")) }
                        }
                        form method="post" action="/console/logout" {
                            input type="hidden" name="csrf" value=(f.csrf);
                            button.link type="submit" { (l.pick("로그아웃", "Sign out")) }
                        }
                    }
                }
                main #main {
                    h1 { (title) }
                    (content)
                }
            }
        }
    }
}

/// A page without the signed-in bar (the sign-in form, errors): `content` under `title`.
fn narrow(lang: Lang, title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(lang, title))
            body {
                main #main.narrow {
                    h1 { (title) }
                    (content)
                }
            }
        }
    }
}

/// An error page (signed in or not).
pub(super) fn error(lang: Lang, message: &str) -> Markup {
    let title = lang.pick("요청을 처리하지 못했습니다", "The request was not done");
    narrow(
        lang,
        title,
        html! {
            p.error role="alert" { (message) }
            p { a href="/console" { (lang.pick("콘솔로 돌아가기", "Back to the console")) } }
        },
    )
}

/// The sign-in form.
pub(super) fn login(lang: Lang, csrf: &str, failed: bool) -> Markup {
    let title = lang.pick("상담 콘솔 로그인", "Help desk sign-in");
    let other = lang.other();
    let content = html! {
        p { (lang.pick(
            "훈련기관 담당자용입니다. 훈련생의 mOTP 기록과 안내할 내용을 봅니다.",
            "For the training institution's staff: trainees' mOTP records and what to tell them."
        )) }
        @if failed {
            p.error role="alert" { (lang.pick("아이디 또는 비밀번호가 맞지 않습니다.", "Wrong login or password.")) }
        }
        form.stack method="post" action="/console/login" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="lang" value=(lang.code());
            label for="login" { (lang.pick("아이디", "Login")) }
            input #login name="login" type="text" required maxlength="64" autocomplete="username" spellcheck="false";
            label for="password" { (lang.pick("비밀번호", "Password")) }
            input #password name="password" type="password" required autocomplete="current-password";
            button type="submit" { (lang.pick("로그인", "Sign in")) }
        }
        p { a href={ "/console/login?lang=" (other.code()) } lang=(other.code()) { (lang.pick("English", "한국어")) } }
    };
    narrow(lang, title, content)
}

fn when(at: i64) -> String {
    kst::format_unix(at)
}

/// HRD's answer to a code check, in words, with its code.
fn answer_words(lang: Lang, answer: &CodeAnswer, code: &str) -> String {
    let words = match answer {
        CodeAnswer::Verified => lang.pick("인증됨", "verified"),
        CodeAnswer::WrongCode => lang.pick("번호 불일치", "wrong code"),
        CodeAnswer::Locked => lang.pick("잠김", "locked"),
        CodeAnswer::NotRegistered => lang.pick("등록되지 않은 사용자", "not registered"),
        CodeAnswer::ReRegisteredWhileLocked => {
            lang.pick("잠긴 상태에서 앱 재등록", "re-registered while locked")
        }
        CodeAnswer::Busy => lang.pick("HRD 요청 한도 초과", "HRD's rate limit"),
        CodeAnswer::HrdUnavailable => lang.pick("HRD 응답 없음", "HRD did not answer"),
        CodeAnswer::Other => {
            return format!("{} ({code})", HrdCode::parse(code).hrd_message());
        }
    };
    format!("{words} ({code})")
}

fn eval_words(eval_cd: &Option<String>, class_tme: &Option<String>) -> String {
    let eval = eval_cd.as_deref().unwrap_or_default();
    let label = EvalCd::parse(eval)
        .map(|e| e.label_ko())
        .unwrap_or_default();
    match (eval.is_empty(), class_tme.as_deref()) {
        (true, _) => String::new(),
        (false, Some(tme)) => format!("EVAL_CD {eval} {label} · CLASS_TME {tme}"),
        (false, None) => format!("EVAL_CD {eval} {label}"),
    }
}

fn provider_words(p: ProviderKind) -> &'static str {
    match p {
        ProviderKind::Nice => "NICE",
        ProviderKind::LmsAttested => "LMS",
        ProviderKind::Sandbox => "sandbox",
    }
}

fn check_words(lang: Lang, o: CheckOutcome) -> &'static str {
    match o {
        CheckOutcome::Pending => lang.pick("진행 중", "in progress"),
        CheckOutcome::Failed => lang.pick("실패", "failed"),
        CheckOutcome::Passed => {
            lang.pick("본인 확인됨 (아직 사용 안 함)", "identified (not used yet)")
        }
        CheckOutcome::InUse => lang.pick("본인 확인됨 (잠금 해제 중)", "identified (being used)"),
        CheckOutcome::Used => lang.pick("본인 확인됨 (사용됨)", "identified (used)"),
        CheckOutcome::AnotherPerson => lang.pick("다른 사람으로 확인됨", "identified someone else"),
        CheckOutcome::ResetRefused => lang.pick("HRD가 해제를 거절함", "HRD refused the reset"),
    }
}

/// An outbox item's `last_error` in the page's language: why its last send did not go through, or
/// the code of the final answer as HRD wrote it.
fn send_words(lang: Lang, stored: &str) -> String {
    match SendFailure::parse(stored) {
        Some(SendFailure::Timeout) => lang
            .pick("제한 시간 안에 응답 없음", "no answer in time")
            .into(),
        Some(SendFailure::Unreachable) => lang.pick("연결되지 않음", "could not connect").into(),
        Some(SendFailure::Http(status)) => {
            format!("{} {status}", lang.pick("HTTP 응답", "answered HTTP"))
        }
        Some(SendFailure::Garbled) => lang
            .pick("알아볼 수 없는 응답", "an answer that could not be read")
            .into(),
        Some(SendFailure::Hrd(code)) => format!("{} {code}", lang.pick("HRD 오류", "HRD error")),
        None => stored.to_string(),
    }
}

fn reset_words(lang: Lang, s: OutboxStatus) -> &'static str {
    match s {
        OutboxStatus::Queued => lang.pick(
            "HRD 확인 대기 (계속 보내는 중)",
            "waiting for HRD (still sending)",
        ),
        OutboxStatus::Done => lang.pick("해제됨", "lifted"),
        OutboxStatus::Refused => lang.pick("HRD가 거절함", "refused by HRD"),
    }
}

/// One timeline entry as (what, result, details).
fn entry_words(lang: Lang, event: &Event) -> (String, String, String) {
    match event {
        Event::CodeCheck {
            answer,
            hrd_code,
            eval_cd,
            class_tme,
        } => (
            lang.pick("인증번호 확인", "Code check").into(),
            answer_words(lang, answer, hrd_code),
            eval_words(eval_cd, class_tme),
        ),
        Event::Locked => (
            lang.pick("잠김", "Locked").into(),
            "AP009".into(),
            lang.pick("6자리 인증번호 5회 실패", "5 wrong 6-digit codes")
                .into(),
        ),
        Event::IdentityCheck {
            provider,
            purpose,
            outcome,
            trnid,
        } => (
            match purpose {
                Purpose::Reset => {
                    lang.pick("휴대폰 본인인증 (잠금 해제)", "Identity check (unlock)")
                }
                Purpose::Substitute => {
                    lang.pick("휴대폰 본인인증 (대체인증)", "Identity check (substitute)")
                }
            }
            .into(),
            check_words(lang, *outcome).into(),
            format!(
                "{} · {} {}",
                provider_words(*provider),
                lang.pick("거래번호", "transaction"),
                trnid.as_deref().unwrap_or("-")
            ),
        ),
        Event::Reset {
            status,
            answer,
            attempts,
        } => (
            lang.pick("잠금 해제 요청 (user_reset)", "Unlock sent (user_reset)")
                .into(),
            reset_words(lang, *status).into(),
            format!(
                "{} {} · {} {attempts}",
                lang.pick("HRD 응답:", "HRD's answer:"),
                answer
                    .as_deref()
                    .map_or("-".into(), |a| send_words(lang, a)),
                lang.pick("보낸 횟수", "sends"),
            ),
        ),
        Event::Substitute { eval_cd, class_tme } => (
            lang.pick("대체인증", "Substitute check").into(),
            lang.pick("본인인증으로 통과", "passed by identity check")
                .into(),
            eval_words(eval_cd, class_tme),
        ),
        Event::ReceiptRedeemed {
            method,
            eval_cd,
            class_tme,
        } => (
            lang.pick("LMS가 영수증 사용", "Receipt redeemed by the LMS")
                .into(),
            method.clone(),
            eval_words(eval_cd, class_tme),
        ),
    }
}

/// A trainee's page.
pub(super) fn trainee(f: &Frame, view: &TraineePage) -> Markup {
    let l = f.lang;
    let s = &view.standing;
    let title = format!("{} {}", l.pick("훈련생", "Trainee"), view.usrid);
    let content = html! {
        section aria-labelledby="now" {
            h2 #now { (l.pick("지금 상태", "Now")) }
            dl.facts {
                dt { (l.pick("연속 실패", "Wrong codes in a row")) }
                dd #failures { (s.attempts.failures) " / " (MAX_FAILURES) }
                dt { (l.pick("남은 시도", "Attempts left")) }
                dd #remaining { (s.attempts.remaining()) }
                dt { (l.pick("잠금", "Lock")) }
                dd #lock {
                    @if s.attempts.locked {
                        strong { (l.pick("잠김", "Locked")) }
                        @if let Some(at) = s.locked_since { " (" (when(at)) (l.pick(" 부터)", " since)")) }
                    } @else {
                        (l.pick("잠기지 않음", "Not locked"))
                    }
                }
                dt { (l.pick("마지막 HRD 응답", "Last answer from HRD")) }
                dd #last-answer {
                    @match &s.last_answer {
                        Some((at, answer, code)) => { (answer_words(l, answer, code)) " · " (when(*at)) }
                        None => { "-" }
                    }
                }
                dt { (l.pick("잠금 해제 요청", "Unlock request")) }
                dd #reset {
                    @match &s.last_reset {
                        Some((at, status, answer)) => {
                            (reset_words(l, *status))
                            @if let Some(a) = answer { " (" (send_words(l, a)) ")" }
                            " · " (when(*at))
                        }
                        None => { "-" }
                    }
                }
            }
        }
        section #advice aria-labelledby="advice-h" {
            h2 #advice-h { (l.pick("안내할 내용", "What to tell the trainee")) }
            @if view.advice.is_empty() {
                p { (l.pick("지금 따로 안내할 내용이 없습니다.", "Nothing in particular to tell now.")) }
            }
            @for a in &view.advice {
                article.advice {
                    h3 { (a.title(l)) }
                    ul { @for p in a.points(l) { li { (p) } } }
                }
            }
        }
        section aria-labelledby="timeline-h" {
            h2 #timeline-h { (l.pick("기록 (한국 시간, 최근 것부터)", "Timeline (Korea time, newest first)")) }
            // Focusable, so a keyboard can scroll it sideways on a narrow screen.
            div.scroll tabindex="0" role="region" aria-label=(l.pick("기록 표", "Timeline table")) {
                table #timeline {
                    thead { tr {
                        th scope="col" { (l.pick("시각", "When")) }
                        th scope="col" { (l.pick("무엇", "What")) }
                        th scope="col" { (l.pick("결과", "Result")) }
                        th scope="col" { (l.pick("세부", "Details")) }
                    } }
                    tbody {
                        @for e in view.timeline.iter().rev() {
                            @let (what, result, details) = entry_words(l, &e.event);
                            tr {
                                td { time { (when(e.at)) } }
                                td { (what) }
                                td { (result) }
                                td { (details) }
                            }
                        }
                    }
                }
            }
        }
    };
    frame(f, &title, content)
}

fn outcome_words(lang: Lang, o: Outcome) -> &'static str {
    match o {
        Outcome::Verified => lang.pick("인증됨", "Verified"),
        Outcome::WrongCode => lang.pick("번호 불일치 (AP001)", "Wrong code (AP001)"),
        Outcome::Locked => lang.pick("잠김 (AP009)", "Locked (AP009)"),
        Outcome::NotRegistered => lang.pick("미등록 (AP005)", "Not registered (AP005)"),
        Outcome::ReRegisteredWhileLocked => lang.pick(
            "잠긴 채 재등록 (AP011)",
            "Re-registered while locked (AP011)",
        ),
        Outcome::HrdUnavailable => lang.pick("HRD 응답 없음", "HRD unavailable"),
        Outcome::Substitute => lang.pick("대체인증", "Substitute checks"),
    }
}

/// The chart's colours, one per outcome (each at least 3:1 against white); the legend's are the
/// stylesheet's `.o0`…`.o6` (no inline styles under the CSP).
const COLOURS: [&str; 7] = [
    "#1d6b35", "#b45309", "#b91c1c", "#6d28d9", "#9d174d", "#374151", "#1d4ed8",
];

/// The last 24 hours as stacked bars, one per hour; the same numbers are in the table below it.
/// Drawn by maud like the rest of the page (so every value is escaped), with numbers only.
fn chart(lang: Lang, hours: &[(i64, Counts)]) -> Markup {
    let (w, h, top, bottom, left) = (720.0_f64, 220.0_f64, 10.0, 30.0, 34.0);
    let max = hours
        .iter()
        .map(|(_, c)| c.total())
        .max()
        .unwrap_or(0)
        .max(1);
    let plot_h = h - top - bottom;
    let base = top + plot_h;
    let bar_w = (w - left) / hours.len().max(1) as f64;
    let one = |v: f64| format!("{v:.1}");
    // Each hour's bars, bottom up: (x, [(outcome, y, height, count)]).
    let columns = hours.iter().enumerate().map(|(i, (start, counts))| {
        let x = left + i as f64 * bar_w + 2.0;
        let mut y = base;
        let bars: Vec<(Outcome, f64, f64, u32)> = Outcome::ALL
            .into_iter()
            .filter_map(|o| {
                let n = counts.get(o);
                (n > 0).then(|| {
                    let bh = plot_h * f64::from(n) / f64::from(max);
                    y -= bh;
                    (o, y, bh, n)
                })
            })
            .collect();
        (i, *start, x, bars)
    });
    let svg = html! {
        line x1=(left) y1=(base) x2=(w) y2=(base) stroke="#374151" {}
        text x="0" y=(top + 10.0) font-size="11" fill="#374151" { (max) }
        text x="0" y=(base) font-size="11" fill="#374151" { "0" }
        @for (i, start, x, bars) in columns {
            @for (o, y, bh, n) in bars {
                rect x=(one(x)) y=(one(y)) width=(one(bar_w - 4.0)) height=(one(bh)) fill=(COLOURS[o as usize]) {
                    title { (&when(start)[11..16]) " " (outcome_words(lang, o)) ": " (n) }
                }
            }
            @if i % 3 == 0 {
                text x=(one(x)) y=(one(h - 10.0)) font-size="11" fill="#374151" { (&when(start)[11..13]) }
            }
        }
    };
    let label = lang.pick(
        "최근 24시간 시간대별 결과 (막대 그래프, 아래 표와 같은 숫자)",
        "The last 24 hours by hour and outcome (bar chart; the table below has the same numbers)",
    );
    html! {
        figure.chart {
            svg role="img" aria-label=(label) viewBox={ "0 0 " (w) " " (h) } preserveAspectRatio="none" {
                (svg)
            }
            figcaption {
                ul.legend {
                    @for o in Outcome::ALL {
                        li { span class={ "swatch o" (o as usize) } {} (outcome_words(lang, o)) }
                    }
                }
            }
        }
    }
}

/// The Today page.
pub(super) fn today(f: &Frame, t: &Today) -> Markup {
    let l = f.lang;
    let day = &when(t.now)[..10];
    let title = format!("{} {day}", l.pick("오늘", "Today"));
    let busy_hours: Vec<&(i64, Counts)> = t.hours.iter().filter(|(_, c)| c.total() > 0).collect();
    let content = html! {
        p { (l.pick("0시(한국 시간)부터 지금까지", "Since midnight, Korea time, until")) " " (when(t.now)) }
        section aria-labelledby="counts-h" {
            h2 #counts-h { (l.pick("결과별 건수", "Counts by outcome")) }
            ul #counts.counts {
                @for o in Outcome::ALL {
                    li data-outcome=(format!("{o:?}")) { span.n { (t.counts.get(o)) } " " span { (outcome_words(l, o)) } }
                }
            }
            p #hrd-hour {
                (l.pick("최근 1시간 HRD 응답률: ", "HRD's answers over the last hour: "))
                @match t.hrd_last_hour.percent() {
                    Some(p) => { strong { (p) "%" } " (" (t.hrd_last_hour.answered) " / " (t.hrd_last_hour.asked) ")" }
                    None => { (l.pick("확인 요청 없음", "no code checks")) }
                }
            }
        }
        section aria-labelledby="chart-h" {
            h2 #chart-h { (l.pick("최근 24시간", "The last 24 hours")) }
            (chart(l, &t.hours))
            @if !busy_hours.is_empty() {
                div.scroll tabindex="0" role="region" aria-labelledby="hours-caption" { table {
                    caption #hours-caption { (l.pick("시간대별 건수", "Counts by hour")) }
                    thead { tr {
                        th scope="col" { (l.pick("시간", "Hour")) }
                        @for o in Outcome::ALL { th scope="col" { (outcome_words(l, o)) } }
                    } }
                    tbody { @for (start, c) in &busy_hours { tr {
                        th scope="row" { (&when(*start)[5..16]) }
                        @for o in Outcome::ALL { td { (c.get(o)) } }
                    } } }
                } }
            }
        }
        section aria-labelledby="locked-h" {
            h2 #locked-h { (l.pick("지금 잠긴 훈련생", "Trainees locked now")) }
            @if t.locked.is_empty() { p { (l.pick("없음", "None")) } }
            ul #locked { @for (usrid, at) in &t.locked {
                li { a href={ "/console/trainees/" (usrid) } { (usrid) } " · " (l.pick("마지막 기록 ", "last recorded ")) (when(*at)) }
            } }
        }
        section aria-labelledby="resets-h" {
            h2 #resets-h { (l.pick("잠금 해제 대기·거절", "Unlocks waiting or refused")) }
            @if t.resets_queued.is_empty() && t.resets_refused.is_empty() { p { (l.pick("없음", "None")) } }
            ul #resets {
                @for r in t.resets_queued.iter().chain(&t.resets_refused) {
                    li {
                        a href={ "/console/trainees/" (r.usrid) } { (r.usrid) }
                        " · " (reset_words(l, r.status)) " · " (when(r.created_at))
                        @if let Some(e) = &r.last_error { " (" (send_words(l, e)) ")" }
                    }
                }
            }
        }
        section aria-labelledby="export-h" {
            h2 #export-h { (l.pick("감사 기록 내보내기 (CSV)", "Export the audit trail (CSV)")) }
            form.inline method="get" action="/console/audit" {
                label for="from" { (l.pick("시작일", "From")) }
                input #from name="from" type="date" required value=(day);
                label for="to" { (l.pick("종료일", "To")) }
                input #to name="to" type="date" required value=(day);
                button type="submit" { (l.pick("내려받기", "Download")) }
            }
        }
    };
    frame(f, &title, content)
}

/// The FAQ's two facts side by side.
pub(super) fn codes(f: &Frame) -> Markup {
    let l = f.lang;
    let title = l.pick(
        "앱 비밀번호(4자리)와 인증번호(6자리)",
        "The app password (4) and the code (6)",
    );
    let content = html! {
        p { (l.pick(
            "훈련생 문의 응대 시, mOTP 앱 비밀번호(4자리)와 mOTP 인증번호(6자리)를 구분하여 안내하여 주세요.",
            "When answering trainees, keep the mOTP app password (4 digits) and the mOTP code (6 digits) apart."
        )) }
        div.pair {
            @for (name, facts) in two_numbers(l) {
                section.card {
                    h2 { (name) }
                    ul { @for fact in facts { li { (fact) } } }
                }
            }
        }
    };
    frame(f, title, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One bar per outcome of an hour that had any, stacked on the axis, its count in its title;
    /// the hour labels every third hour.
    #[test]
    fn the_chart_stacks_each_hours_outcomes() {
        let mut busy = Counts::default();
        busy.0[Outcome::WrongCode as usize] = 9;
        busy.0[Outcome::Locked as usize] = 3;
        let hours: Vec<(i64, Counts)> = (0..24)
            .map(|i| {
                let start = 1_764_403_200 + i * 3600; // 2025-11-29 17:00 KST onwards
                (start, if i == 23 { busy } else { Counts::default() })
            })
            .collect();
        let svg = chart(Lang::En, &hours).into_string();
        assert_eq!(svg.matches("<rect").count(), 2, "{svg}");
        assert!(svg.contains("Wrong code (AP001): 9</title>"), "{svg}");
        assert!(svg.contains("height=\"135.0\""), "9 of 12 of 180 px: {svg}");
        assert!(svg.contains("height=\"45.0\""), "3 of 12: {svg}");
        assert_eq!(svg.matches("font-size=\"11\"").count(), 2 + 8, "{svg}");
        assert!(
            svg.contains(">12</text>"),
            "the axis' top is the busiest hour: {svg}"
        );
    }

    /// Why an unlock waits is told in the page's language, not in the words the outbox stores.
    #[test]
    fn a_waiting_unlock_is_told_in_the_pages_language() {
        let stored = SendFailure::Timeout.stored();
        assert_eq!(send_words(Lang::Ko, &stored), "제한 시간 안에 응답 없음");
        assert_eq!(send_words(Lang::En, &stored), "no answer in time");
        let ie = SendFailure::Hrd(HrdCode::Ie001).stored();
        assert_eq!(send_words(Lang::Ko, &ie), "HRD 오류 IE001");
        assert_eq!(
            send_words(Lang::Ko, "AP009"),
            "AP009",
            "a final answer as HRD wrote it"
        );
    }
}
