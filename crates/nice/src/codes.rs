//! What NICE's codes mean (§11): for the trainee, the result codes of a check; for the operator's
//! logs, the gateway's and the service's codes.

/// §11.4, `resultcode` of a check, in the words the trainee reads (Korean; the widget shows its own
/// text per outcome, this goes with it and into the audit trail).
pub fn result_message(code: &str) -> &'static str {
    match code {
        "0000" => "인증 성공",
        "0001" => "인증 불일치 (통신사 선택, 생년월일·이름·휴대폰 번호, 인증문자를 확인하세요)",
        "0003" => "기타 인증 오류",
        "0010" => "인증번호 불일치",
        "0012" => "요청 정보 오류",
        "0013" | "0014" | "0015" | "0016" | "0017" => "암호화 처리 오류",
        "0018" => "통신 오류",
        "0019" => "데이터베이스 오류",
        "0020" | "0021" | "0022" | "0023" => {
            "기관의 본인확인 계약(CP 코드) 오류: 기관에 문의하세요"
        }
        "0031" => "유효한 인증 이력 없음",
        "0035" => "이미 인증이 끝난 요청",
        "0040" => "통신사가 본인확인을 차단한 고객",
        "0041" => "통신사가 인증문자 발송을 차단한 고객",
        "0050" => "NICE 명의보호서비스 이용 고객",
        "0052" => "부정사용 차단",
        "0070" | "0073" | "0076" => "간편인증 앱 미설치",
        "0071" => "앱 인증 미완료",
        "0072" | "0079" => "간편인증 처리 오류",
        "0074" => "간편인증 앱 재설치 필요",
        "0075" => "간편인증 사용 불가 (스마트폰 아님)",
        "0078" => "만 14세 미만 인증 오류",
        "9097" => "인증번호 3회 불일치",
        _ => "기타 오류",
    }
}

/// §11.1, `GW_RSLT_CD`: what the operator must do about a refusal by NICE's gateway.
pub fn gateway_message(code: &str) -> &'static str {
    match code {
        "1200" => "ok",
        "1300" | "1400" | "1500" => "malformed request (a gateway bug: report it)",
        "1401" | "1800" => {
            "access token refused: issue a new one, or the server clock is more than 3 minutes off"
        }
        "1402" | "1403" | "1404" | "1501" | "1502" => {
            "service not available to this client: check the contract with NICE"
        }
        "1503" => "NICE is temporarily unavailable",
        "1700" | "1801" => "client id or secret refused: check nice_client_id and the secret",
        "1702" | "1705" => {
            "this server's IP address is not on the NICE API portal's allow-list (My APP > 허용 IP)"
        }
        "1706" | "1707" => {
            "product id refused: check nice_product_id (본인확인 통합형 is 2101979031)"
        }
        "1900" | "1901" | "1902" | "1903" | "1905" | "1907" => {
            "too many requests to NICE: slow down"
        }
        "1906" => "the contract's usage limit is reached",
        _ => "unknown NICE gateway code: ask niceid_support@nice.co.kr",
    }
}

/// §11.2 and §11.3, `rsp_cd` / `result_cd` of a crypto-token answer.
pub fn crypto_token_message(rsp_cd: &str, result_cd: Option<&str>) -> &'static str {
    match (rsp_cd, result_cd) {
        ("P000", Some("0000")) => "ok",
        ("P000", Some("0001")) => {
            "required field missing (req_dtim, req_no, enc_mode): a gateway bug"
        }
        ("P000", Some("0003")) => "this institution may not use the product: check the contract",
        ("P000", _) => "crypto token refused (0099): authentication needed",
        ("P013", _) => "the institution's service has not started yet (P013)",
        ("E998", _) => "the contract is suspended (E998)",
        _ => "NICE service error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_as_the_spec_says() {
        assert_eq!(result_message("0000"), "인증 성공");
        assert!(result_message("0001").starts_with("인증 불일치"));
        assert_eq!(result_message("XXXX"), "기타 오류");
        assert!(gateway_message("1702").contains("allow-list"));
        assert!(crypto_token_message("P000", Some("0003")).contains("contract"));
    }
}
