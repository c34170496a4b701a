//! The product's two languages, and every word the widget shows, in Korean (default) and English.
//! The FAQ's answers are here, so the trainee reads them on screen instead of calling the help
//! desk; what the help desk tells them is beside it, in [`crate::advice`].

use crate::input::CodeInputError;

/// The languages the product speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Lang {
    #[default]
    Ko,
    En,
}

impl Lang {
    /// `data-lang` (or the `lang` option) first, then the page's own language (the `lang` of the
    /// element or its nearest ancestor: an LMS page in English says so); Korean otherwise, since
    /// the trainees are in Korea. The browser's language is not asked: a Korean LMS page read in a
    /// browser set to English is still a Korean page.
    pub fn for_page(asked: Option<&str>, page: Option<&str>) -> Lang {
        let wanted = [asked, page]
            .into_iter()
            .flatten()
            .map(str::trim)
            .find(|s| !s.is_empty())
            .unwrap_or("ko");
        if wanted.to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Ko
        }
    }

    /// `ko` or `en`, as in `?lang=` and `<html lang>`.
    pub const fn code(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    /// `ko` or `en` exactly; anything else is `None`.
    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "ko" => Some(Lang::Ko),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language this one is not (the console's switch).
    pub const fn other(self) -> Lang {
        match self {
            Lang::Ko => Lang::En,
            Lang::En => Lang::Ko,
        }
    }

    /// The Korean or the English of a pair.
    pub const fn pick<'a>(self, ko: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ko => ko,
            Lang::En => en,
        }
    }
}

pub struct Strings {
    pub title: &'static str,
    pub loading: &'static str,
    pub code_label: &'static str,
    pub code_hint: &'static str,
    pub submit: &'static str,
    pub submitting: &'static str,
    pub seconds_until_new_code: &'static str,
    pub app_password: &'static str,
    pub empty: &'static str,
    pub not_digits: &'static str,
    pub wrong_length: &'static str,
    pub why_wrong_title: &'static str,
    pub why_wrong: [&'static str; 5],
    pub last_attempt: &'static str,
    pub unlocked: &'static str,
    pub network: &'static str,
    pub verified_title: &'static str,
    pub verified_body: &'static str,
    pub locked_title: &'static str,
    pub locked_body: &'static str,
    pub unlock_button: &'static str,
    pub substitute_button: &'static str,
    pub unlock_starting: &'static str,
    pub unlock_waiting: &'static str,
    pub unlock_resetting: &'static str,
    pub check_opens_popup: &'static str,
    pub check_opens_here: &'static str,
    pub check_returning: &'static str,
    pub open_in_browser: &'static str,
    pub popup_closed: &'static str,
    pub reopen_window: &'static str,
    pub cancel_check: &'static str,
    pub check_failed: &'static str,
    pub identity_mismatch: &'static str,
    pub reset_refused: &'static str,
    pub reset_queued: &'static str,
    pub unlock_network: &'static str,
    pub locked_reregister: &'static str,
    pub not_registered_title: &'static str,
    pub not_registered_body: [&'static str; 3],
    pub try_again: &'static str,
    pub hrd_down_title: &'static str,
    pub hrd_down_body: &'static str,
    pub hrd_down_substitute: &'static str,
    pub expired_title: &'static str,
    pub expired_body: &'static str,
    pub misconfigured_title: &'static str,
    pub misconfigured_body: &'static str,
    pub reload_page: &'static str,
    pub failed_title: &'static str,
    pub failed_body: &'static str,
    pub retry: &'static str,
}

// `static`, not `const`: a `const` of another crate is copied into each crate that uses it, and the
// widget's wasm held every string twice (613 bytes gzip).
pub static KO: Strings = Strings {
    title: "mOTP 본인 확인",
    loading: "불러오는 중…",
    code_label: "mOTP 인증번호 (6자리)",
    code_hint: "휴대폰의 ‘한국산업인력공단 mOTP’ 앱을 열고 화면에 보이는 6자리 숫자를 입력하세요.",
    submit: "확인",
    submitting: "확인 중…",
    seconds_until_new_code: "초 후 앱의 번호가 바뀝니다",
    app_password: "입력하신 4자리는 앱 비밀번호입니다. 앱을 열면 보이는 6자리 인증번호를 입력하세요. (앱 비밀번호는 틀려도 잠기지 않습니다.)",
    empty: "6자리 인증번호를 입력하세요.",
    not_digits: "인증번호는 숫자 6자리입니다.",
    wrong_length: "인증번호는 숫자 6자리입니다. 앱에 보이는 번호를 모두 입력하세요.",
    why_wrong_title: "번호가 맞지 않는 흔한 이유",
    why_wrong: [
        "번호는 1분마다 바뀝니다. 앱에 지금 보이는 번호를 입력하세요.",
        "휴대폰 시간이 정확하지 않으면 계속 틀릴 수 있습니다. 휴대폰의 날짜·시간을 ‘자동’으로 설정하세요.",
        "여러 휴대폰에 등록했다면 가장 최근에 등록한 휴대폰의 번호만 맞습니다.",
        "앱 비밀번호(4자리)를 잘못 입력해도 앱은 오류 없이 다른 번호를 보여줍니다. 앱 비밀번호를 확인하세요. 잊었다면 잠기기 전에 앱의 ‘mOTP 등록 초기화’로 다시 등록하세요.",
        "앱에 이름·휴대폰 번호를 LMS 회원정보와 다르게 등록했다면 앱의 ‘mOTP 등록 초기화’로 LMS와 똑같이 다시 등록하세요.",
    ],
    last_attempt: "한 번 더 틀리면 mOTP가 잠기고, 휴대폰 본인인증을 해야 풀 수 있습니다.",
    unlocked: "잠금이 풀렸습니다. 앱에 지금 보이는 6자리 번호를 입력하세요.",
    network: "서버에 연결하지 못했습니다. 인터넷 연결을 확인하고 다시 시도하세요.",
    verified_title: "인증되었습니다",
    verified_body: "mOTP 인증이 완료되었습니다. 학습을 계속하세요.",
    locked_title: "mOTP가 잠겼습니다",
    locked_body: "인증번호(6자리)를 5회 잘못 입력하여 mOTP가 잠겼습니다. 이 잠금은 앱에서 풀 수 없고, 이 LMS에서 휴대폰 본인인증(제한 초기화)을 해야 풀립니다.",
    unlock_button: "휴대폰 본인인증으로 잠금 풀기",
    substitute_button: "휴대폰 본인인증으로 대신 인증",
    unlock_starting: "본인인증 창을 여는 중…",
    unlock_waiting: "새 창에서 휴대폰 본인인증을 진행하세요. 인증이 끝나면 이 화면이 자동으로 바뀝니다.",
    unlock_resetting: "본인인증이 확인되었습니다. 마무리하는 중…",
    popup_closed: "본인인증 창이 닫혔습니다. 아래 버튼을 눌러 다시 시작하세요.",
    reopen_window: "본인인증 창 다시 열기",
    cancel_check: "취소",
    check_opens_popup: "본인인증은 팝업 창으로 열립니다.",
    check_opens_here: "이 화면에서 본인인증 페이지로 이동하고, 인증이 끝나면 이 화면으로 돌아옵니다.",
    check_returning: "본인인증 결과를 확인하는 중…",
    open_in_browser: "휴대폰 기본 브라우저에서 열기",
    check_failed: "본인인증이 완료되지 않았습니다. 다시 시도하세요.",
    identity_mismatch: "본인인증한 이름·휴대폰 번호가 LMS 회원정보와 다릅니다. 본인 명의 휴대폰으로 인증하거나, 정보가 바뀌었다면 훈련기관에 회원정보 수정을 요청하세요.",
    reset_refused: "mOTP 서버가 잠금 해제를 거절했습니다. 본인인증을 다시 해 주세요.",
    reset_queued: "본인인증은 완료되었고, 잠금 해제 요청을 mOTP 서버에 보내는 중입니다(서버 응답 지연). 잠시 후 인증번호를 다시 입력해 보세요.",
    unlock_network: "서버에 연결하지 못했습니다. 인터넷 연결을 확인하고 다시 시도하세요.",
    locked_reregister: "잠긴 상태에서 앱의 ‘mOTP 등록 초기화’를 하면 AP011 오류가 납니다. 먼저 이곳에서 잠금을 푸세요.",
    not_registered_title: "등록되지 않은 사용자입니다 (AP005)",
    not_registered_body: [
        "mOTP 앱에 등록한 이름·휴대폰 번호가 LMS 회원정보와 정확히 같아야 합니다.",
        "앱에 잘못 입력했다면 앱의 ‘mOTP 등록 초기화’로 LMS와 같은 정보로 다시 등록하세요.",
        "휴대폰 번호나 이름이 바뀌었다면 먼저 LMS 회원정보를 수정한 뒤 앱을 다시 등록하세요.",
    ],
    try_again: "다시 입력하기",
    hrd_down_title: "mOTP 서버가 응답하지 않습니다",
    hrd_down_body: "한국산업인력공단 mOTP 서버에 일시적인 장애가 있습니다. 잠시 후 다시 시도하세요.",
    hrd_down_substitute: "기다리지 않고 휴대폰 본인인증으로 대신 인증(대체인증)할 수도 있습니다.",
    expired_title: "접속 시간이 지났습니다",
    expired_body: "보안을 위해 인증 화면의 유효 시간이 지났습니다. 페이지를 새로고침하세요.",
    misconfigured_title: "mOTP 인증을 시작할 수 없습니다",
    misconfigured_body: "이 페이지의 mOTP 설정에 문제가 있어 새로고침해도 해결되지 않습니다. 교육기관(LMS 운영자)에 문의하세요.",
    reload_page: "새로고침",
    failed_title: "인증 화면을 불러오지 못했습니다",
    failed_body: "서버에 연결하지 못했습니다. 인터넷 연결을 확인하고 다시 시도하세요.",
    retry: "다시 시도",
};

pub static EN: Strings = Strings {
    title: "mOTP identity check",
    loading: "Loading…",
    code_label: "mOTP code (6 digits)",
    code_hint: "Open the HRD Korea mOTP app on your phone and type the 6-digit number it shows.",
    submit: "Verify",
    submitting: "Checking…",
    seconds_until_new_code: "s until the app shows a new code",
    app_password: "Those 4 digits are your app password. Type the 6-digit code the app shows once it is open. (A wrong app password never locks you.)",
    empty: "Type the 6-digit code.",
    not_digits: "The code is 6 digits.",
    wrong_length: "The code is 6 digits. Type every digit the app shows.",
    why_wrong_title: "Common reasons a code does not match",
    why_wrong: [
        "The code changes every minute. Type the one the app shows now.",
        "If your phone's clock is wrong, codes keep failing. Set date and time to automatic.",
        "If you registered on several phones, only the most recently registered phone's code works.",
        "A wrong 4-digit app password gives no error: the app just shows a code that will not match. Check your app password; if you forgot it, use \"Reset mOTP registration\" in the app before you are locked.",
        "If you registered the app with a name or mobile number other than your LMS record, use \"Reset mOTP registration\" in the app and register exactly as in the LMS.",
    ],
    last_attempt: "One more wrong code locks mOTP, and only a phone identity check unlocks it.",
    unlocked: "Unlocked. Type the 6-digit code the app shows now.",
    network: "Could not reach the server. Check your connection and try again.",
    verified_title: "Verified",
    verified_body: "Your mOTP check is complete. You can continue.",
    locked_title: "mOTP is locked",
    locked_body: "The 6-digit code was wrong 5 times, so mOTP is locked. The app cannot unlock it; a phone identity check in this LMS does.",
    unlock_button: "Unlock with a phone identity check",
    substitute_button: "Verify with a phone identity check instead",
    unlock_starting: "Opening the identity check…",
    unlock_waiting: "Complete the phone identity check in the new window. This screen changes by itself when you are done.",
    unlock_resetting: "Identity confirmed. Finishing…",
    popup_closed: "The identity check window was closed. Press the button below to start again.",
    reopen_window: "Open the identity check window again",
    cancel_check: "Cancel",
    check_opens_popup: "The identity check opens in a new window.",
    check_opens_here: "You go to the identity check page, and come back here when it is done.",
    check_returning: "Checking the identity check's result…",
    open_in_browser: "Open in my phone's browser",
    check_failed: "The identity check was not completed. Try again.",
    identity_mismatch: "The name or mobile number you verified differ from your LMS record. Verify with a phone in your own name, or ask your institution to update your record.",
    reset_refused: "The mOTP server refused to unlock. Please do the identity check again.",
    reset_queued: "Your identity is confirmed and the unlock request is on its way to the mOTP server, which is slow to answer. Type a code again in a little while.",
    unlock_network: "Could not reach the server. Check your connection and try again.",
    locked_reregister: "Re-registering the app while locked fails with AP011. Unlock here first.",
    not_registered_title: "Not registered (AP005)",
    not_registered_body: [
        "The name and mobile number in the mOTP app must equal your LMS member record exactly.",
        "If you mistyped them in the app, use \"Reset mOTP registration\" in the app and register again with the LMS details.",
        "If your number or name changed, have the LMS record updated first, then register the app again.",
    ],
    try_again: "Type a code again",
    hrd_down_title: "The mOTP server is not answering",
    hrd_down_body: "HRD Korea's mOTP server has a temporary problem. Try again in a moment.",
    hrd_down_substitute: "Or, without waiting, let a phone identity check stand in for the code.",
    expired_title: "This page has expired",
    expired_body: "For security the check expires after a while. Reload the page.",
    misconfigured_title: "The mOTP check cannot start",
    misconfigured_body: "This page's mOTP settings have a problem that reloading does not fix. Please contact your institution.",
    reload_page: "Reload",
    failed_title: "Could not load the check",
    failed_body: "Could not reach the server. Check your connection and try again.",
    retry: "Retry",
};

/// The name of what is being checked (HRD's EVAL_CD) in the widget's language; `None` for a code
/// HRD may add later, for which the server's Korean label is shown.
pub fn eval_name(lang: Lang, eval_cd: &str) -> Option<&'static str> {
    const NAMES: [(&str, &str, &str); 6] = [
        ("00", "입과", "Enrolment"),
        ("01", "진도", "Study"),
        ("02", "시험", "Exam"),
        ("03", "과제", "Assignment"),
        ("04", "진행평가", "Progress test"),
        ("99", "기타", "Other"),
    ];
    let (_, ko, en) = NAMES.iter().find(|(cd, _, _)| *cd == eval_cd)?;
    Some(match lang {
        Lang::Ko => ko,
        Lang::En => en,
    })
}

pub fn strings(lang: Lang) -> &'static Strings {
    match lang {
        Lang::Ko => &KO,
        Lang::En => &EN,
    }
}

/// "n of 5 failed — m left before the lock".
pub fn failures_so_far(lang: Lang, failures: u32, remaining: u32) -> String {
    match lang {
        Lang::Ko => format!("인증번호가 맞지 않습니다. 5회 중 {failures}회 실패 — 잠금까지 {remaining}회 남았습니다."),
        Lang::En => format!("The code does not match. {failures} of 5 failed — {remaining} left before the lock."),
    }
}

/// A code just used, typed again: when the app shows the next one.
pub fn already_used(lang: Lang, seconds: u64) -> String {
    match (lang, seconds) {
        (Lang::Ko, 0) => "방금 사용한 번호입니다. 앱에 지금 나온 새 번호를 입력하세요.".into(),
        (Lang::Ko, n) => {
            format!(
                "방금 사용한 번호입니다. {n}초 뒤 앱에 새 번호가 나옵니다. 새 번호를 입력하세요."
            )
        }
        (Lang::En, 0) => "You just used this code. Type the new one the app shows now.".into(),
        (Lang::En, n) => {
            format!("You just used this code. The app shows a new one in {n} s: type that one.")
        }
    }
}

pub fn rate_limited(lang: Lang, seconds: u64) -> String {
    match lang {
        Lang::Ko => format!("시도가 너무 많습니다. {seconds}초 후에 다시 입력하세요."),
        Lang::En => format!("Too many attempts. Try again in {seconds} s."),
    }
}

pub fn refused(lang: Lang, hrd_code: &str, message: &str) -> String {
    match lang {
        Lang::Ko => {
            format!("mOTP 서버가 요청을 거절했습니다 ({hrd_code}: {message}). 다시 시도하세요.")
        }
        Lang::En => {
            format!("The mOTP server refused the request ({hrd_code}: {message}). Try again.")
        }
    }
}

pub fn input_error(lang: Lang, reason: CodeInputError) -> &'static str {
    let s = strings(lang);
    match reason {
        CodeInputError::Empty => s.empty,
        CodeInputError::LooksLikeAppPassword => s.app_password,
        CodeInputError::NotDigits => s.not_digits,
        CodeInputError::WrongLength => s.wrong_length,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asked_then_the_page_then_korean() {
        assert_eq!(Lang::for_page(None, None), Lang::Ko);
        assert_eq!(Lang::for_page(Some("en"), Some("ko")), Lang::En);
        assert_eq!(Lang::for_page(Some(" "), Some("en-US")), Lang::En);
        assert_eq!(Lang::for_page(None, Some("EN")), Lang::En);
        assert_eq!(Lang::for_page(None, Some("ja")), Lang::Ko);
        assert_eq!(Lang::for_page(Some("ko"), Some("en")), Lang::Ko);
        assert_eq!(Lang::for_page(None, Some("")), Lang::Ko);
    }

    #[test]
    fn eval_names_follow_the_language() {
        assert_eq!(eval_name(Lang::Ko, "01"), Some("진도"));
        assert_eq!(eval_name(Lang::En, "01"), Some("Study"));
        assert_eq!(eval_name(Lang::En, "02"), Some("Exam"));
        assert_eq!(eval_name(Lang::En, "55"), None);
    }

    #[test]
    fn the_warning_names_both_counts() {
        assert!(failures_so_far(Lang::Ko, 2, 3).contains("2회 실패"));
        assert!(failures_so_far(Lang::En, 4, 1).contains("4 of 5 failed — 1 left"));
    }
}
