//! What to tell a trainee, in the FAQ's words (`../shared/seed/motp-faq-ko.txt`, spec §3), in
//! Korean and English: the help desk's "안내할 내용" and the two facts staff must keep apart (the
//! 4-digit app password and the 6-digit code). Wording only; which advice applies is decided by the
//! gateway from what happened. Beside the widget's own words ([`crate::i18n`]), in the same two
//! languages.

use crate::i18n::Lang;
use crate::MAX_FAILURES;

/// One thing to tell a trainee now, with what it depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Advice {
    /// AP005: the app's registration differs from the LMS member record.
    NotRegistered { locked: bool },
    /// AP001, not locked: codes that do not match, and how many tries are left.
    WrongCode { remaining: u32 },
    /// AP009: locked until the phone identity check lifts it.
    Locked,
    /// AP011: the app was registered again while locked.
    ReRegisteredWhileLocked,
    /// The identity check named someone other than the LMS record.
    AnotherPerson,
    /// HRD did not answer (timeouts, IE001, CE001–CE003): an outage, not the trainee.
    HrdUnavailable { substitute_allowed: bool },
    /// A reset is waiting for HRD's confirmation.
    ResetQueued,
    /// HRD refused the reset made with a check.
    ResetRefused,
}

impl Advice {
    /// The headline.
    pub fn title(&self, lang: Lang) -> &'static str {
        match self {
            Advice::NotRegistered { .. } => lang.pick(
                "AP005: 앱에 등록된 정보가 LMS 회원정보와 다릅니다",
                "AP005: the app's registration differs from the LMS member record",
            ),
            Advice::WrongCode { .. } => lang.pick(
                "인증번호(6자리)가 일치하지 않았습니다",
                "The 6-digit code did not match",
            ),
            Advice::Locked => lang.pick("mOTP가 잠겼습니다 (AP009)", "mOTP is locked (AP009)"),
            Advice::ReRegisteredWhileLocked => lang.pick(
                "AP011: 잠긴 상태에서 앱을 다시 등록하려 했습니다",
                "AP011: the app was registered again while locked",
            ),
            Advice::AnotherPerson => lang.pick(
                "본인인증 결과가 LMS 회원정보와 다른 사람입니다",
                "The identity check named someone other than the LMS record",
            ),
            Advice::HrdUnavailable { .. } => lang.pick(
                "mOTP 서버(HRD)가 응답하지 않았습니다",
                "HRD's mOTP server did not answer",
            ),
            Advice::ResetQueued => lang.pick(
                "잠금 해제 요청이 HRD의 확인을 기다리고 있습니다",
                "The unlock is waiting for HRD's confirmation",
            ),
            Advice::ResetRefused => {
                lang.pick("HRD가 잠금 해제를 거절했습니다", "HRD refused the unlock")
            }
        }
    }

    /// What to say, point by point.
    pub fn points(&self, lang: Lang) -> Vec<String> {
        let s = |ko: &str, en: &str| lang.pick(ko, en).to_string();
        match self {
            Advice::NotRegistered { locked } => {
                let mut points = vec![
                    s(
                        "mOTP 앱에 등록한 이름·휴대폰번호가 LMS 회원정보와 정확히 같아야 합니다.",
                        "The name and mobile number registered in the mOTP app must equal the LMS member record exactly.",
                    ),
                    s(
                        "앱에 이름이나 번호를 잘못 입력했다면: 앱의 \"mOTP 등록 초기화\"로 LMS와 똑같이 다시 등록하도록 안내하세요.",
                        "If the trainee mistyped the name or number in the app: \"mOTP 등록 초기화\" in the app, then register again exactly as in the LMS.",
                    ),
                    s(
                        "휴대폰번호가 바뀌었거나 개명했다면: 먼저 LMS 회원정보를 현행화한 뒤 앱을 다시 등록하도록 안내하세요.",
                        "If the mobile number or name changed: update the LMS member record first, then have the trainee register the app again.",
                    ),
                ];
                if *locked {
                    points.push(s(
                        "지금은 잠겨 있어 다시 등록할 수 없습니다(AP011): 먼저 LMS에서 휴대폰 본인인증으로 잠금을 풀어야 합니다.",
                        "Locked now, so re-registering fails (AP011): the phone identity check in the LMS must lift the lock first.",
                    ));
                } else {
                    points.push(s(
                        "다시 등록은 잠기지 않은 동안에만 됩니다.",
                        "Re-registering works only while not locked.",
                    ));
                }
                points
            }
            Advice::WrongCode { remaining } => vec![
                s(
                    "인증번호는 1분마다 바뀝니다: 앱에 지금 보이는 번호를 입력하도록 안내하세요.",
                    "The code changes every minute: the trainee must type the one the app shows now.",
                ),
                s(
                    "휴대폰 시간이 맞지 않으면 계속 틀립니다: 날짜와 시간을 '자동 설정'으로 바꾸도록 안내하세요.",
                    "A phone with a wrong clock keeps failing: set date and time to automatic.",
                ),
                s(
                    "여러 휴대폰에 등록했다면 가장 최근에 등록한 휴대폰에서만 맞는 번호가 나옵니다.",
                    "After registering on several phones, only the most recently registered one shows codes that match.",
                ),
                s(
                    "앱 비밀번호(4자리)를 잘못 입력해도 앱은 오류 없이 번호를 보여 주지만, 그 번호는 맞지 않습니다.",
                    "A wrong 4-digit app password gives no error in the app: it shows codes that never match.",
                ),
                match lang {
                    Lang::Ko => format!(
                        "잠기기 전까지 {remaining}번 남았습니다 (6자리 인증번호 {MAX_FAILURES}회 실패 시 잠김)."
                    ),
                    Lang::En => format!(
                        "{remaining} attempt(s) left before the lock ({MAX_FAILURES} wrong 6-digit codes lock)."
                    ),
                },
            ],
            Advice::Locked => vec![
                s(
                    "LMS의 휴대폰 본인인증(잠금 화면의 버튼)으로만 풀 수 있습니다.",
                    "Only the phone identity check in the LMS (the lock screen's button) lifts it.",
                ),
                s(
                    "담당자가 다른 방법으로 잠금을 풀 수 없고, 풀어서도 안 됩니다.",
                    "Staff cannot, and must not, unlock it any other way.",
                ),
                s(
                    "앱 비밀번호(4자리)는 아무리 틀려도 잠기지 않습니다: 잠금은 6자리 인증번호 때문입니다.",
                    "The 4-digit app password never locks anything: the lock comes from the 6-digit code.",
                ),
            ],
            Advice::ReRegisteredWhileLocked => vec![
                s(
                    "잠긴 동안에는 앱을 다시 등록할 수 없습니다.",
                    "The app cannot be registered again while locked.",
                ),
                s(
                    "먼저 LMS에서 휴대폰 본인인증으로 잠금을 풀고, 그다음 앱을 다시 등록하도록 안내하세요.",
                    "Lift the lock first with the phone identity check in the LMS, then register the app again.",
                ),
            ],
            Advice::AnotherPerson => vec![
                s(
                    "본인인증의 이름 또는 휴대폰번호가 LMS 회원정보와 다릅니다.",
                    "The name or mobile number in the identity check differ from the LMS member record.",
                ),
                s(
                    "LMS 회원정보가 예전 정보일 수 있습니다: 휴대폰번호 변경·개명 여부를 확인하고 LMS를 현행화하세요.",
                    "The LMS record may be out of date: check for a changed number or name and update the LMS.",
                ),
            ],
            Advice::HrdUnavailable { substitute_allowed } => {
                let mut points = vec![s(
                    "HRD의 mOTP 서버 장애입니다. 훈련생의 잘못이 아닙니다.",
                    "This is an outage at HRD's mOTP server, not the trainee's doing.",
                )];
                points.push(if *substitute_allowed {
                    s(
                        "위젯이 휴대폰 본인인증(대체인증)을 제안합니다: 그것으로 진행하도록 안내하세요.",
                        "The widget offers the phone identity check instead (대체인증): the trainee can go on with it.",
                    )
                } else {
                    s(
                        "이 기관은 대체인증을 쓰지 않습니다: 잠시 뒤 다시 시도하도록 안내하세요.",
                        "This institution does not offer the substitute check: try again in a while.",
                    )
                });
                points
            }
            Advice::ResetQueued => vec![
                s(
                    "HRD가 아직 잠금 해제를 확인하지 않았습니다. 서버가 계속 보내고 있습니다.",
                    "HRD has not confirmed the unlock yet; the server keeps sending it.",
                ),
                s(
                    "몇 분 뒤 앱에 보이는 현재 번호로 다시 시도하도록 안내하세요.",
                    "Tell the trainee to try the current code in a few minutes.",
                ),
            ],
            Advice::ResetRefused => vec![s(
                "본인인증을 다시 해서 잠금 해제를 다시 요청하도록 안내하세요.",
                "Have the trainee do the identity check again to ask for the unlock again.",
            )],
        }
    }
}

/// The FAQ's two facts, side by side: (what it is, how it behaves) for the app password and for
/// the code.
pub fn two_numbers(lang: Lang) -> [(&'static str, [&'static str; 3]); 2] {
    [
        (
            lang.pick("mOTP 앱 비밀번호 (4자리)", "mOTP app password (4 digits)"),
            [
                lang.pick(
                    "앱을 열 때 입력합니다. 서버로 가지 않습니다.",
                    "Typed to open the app. It never reaches any server.",
                ),
                lang.pick(
                    "계속 잘못 입력해도 오류가 나지 않습니다: 맞지 않는 번호를 보여 줄 뿐입니다.",
                    "Wrong entries never give an error: the app just shows codes that will not match.",
                ),
                lang.pick("아무리 틀려도 잠기지 않습니다.", "It never locks anything."),
            ],
        ),
        (
            lang.pick("mOTP 인증번호 (6자리)", "mOTP code (6 digits)"),
            [
                lang.pick(
                    "앱에 보이는 번호로, 1분마다 바뀝니다. LMS에 입력합니다.",
                    "Shown by the app, new every minute. Typed into the LMS.",
                ),
                lang.pick(
                    "틀리면 \"OTP 번호가 일치하지 않습니다\"(AP001)라고 나옵니다.",
                    "A wrong one is answered \"OTP 번호가 일치하지 않습니다\" (AP001).",
                ),
                lang.pick(
                    "5회 틀리면 잠깁니다(AP009): LMS의 휴대폰 본인인증으로만 풀립니다.",
                    "5 wrong codes lock it (AP009): only the phone identity check in the LMS lifts it.",
                ),
            ],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_advice_speaks_both_languages() {
        let all = [
            Advice::NotRegistered { locked: false },
            Advice::NotRegistered { locked: true },
            Advice::WrongCode { remaining: 3 },
            Advice::Locked,
            Advice::ReRegisteredWhileLocked,
            Advice::AnotherPerson,
            Advice::HrdUnavailable {
                substitute_allowed: true,
            },
            Advice::HrdUnavailable {
                substitute_allowed: false,
            },
            Advice::ResetQueued,
            Advice::ResetRefused,
        ];
        for a in &all {
            let (ko, en) = (a.points(Lang::Ko), a.points(Lang::En));
            assert_eq!(ko.len(), en.len(), "{a:?}");
            assert!(!ko.is_empty() && a.title(Lang::Ko) != a.title(Lang::En));
        }
        let wrong = Advice::WrongCode { remaining: 2 }
            .points(Lang::Ko)
            .join(" ");
        assert!(wrong.contains("2번 남았습니다") && wrong.contains("자동"));
        let locked = Advice::NotRegistered { locked: true }
            .points(Lang::En)
            .join(" ");
        assert!(locked.contains("AP011"), "{locked}");
    }

    #[test]
    fn languages_read_back() {
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse(Lang::Ko.code()), Some(Lang::Ko));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::Ko.other(), Lang::En);
        assert_eq!(Lang::En.other(), Lang::Ko);
    }
}
