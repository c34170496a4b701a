//! The spec's §8.4 test vector (`docs/nice-identity.md`): a crypto token's inputs, a request sealed
//! with its keys, and a result sealed with them. The gateway's side (this crate's tests) and the
//! emulator's (`hrd-sandbox`) both reproduce it, from these constants and values.

use crate::{Outcome, Request};

pub const REQ_DTIM: &str = "20240130052153";
pub const REQ_NO: &str = "REQ202401300521530000000000001";
pub const TOKEN_VAL: &str = "I9L8h6vOZ8fWRBp1DXSOXYSSTuOmpxQUEjUezHTwaIM=";
pub const ENC_DATA: &str = "wgdz3xZPYPAWNza53t49hOZiPr3KK1LyTHJaeCk84MrsDCE9z9mIKMVTxb/TsBefIGNogNyP9jgqTCn12zD0rtURIH6obv92TT+FO2MOE5alQwtOFmFchtJXMRINkm/8DOJysly+rf4NSlF+zEtJVtrpIdEyF/jioOy3DSdpdfRMF7X2jCW0QZBds6CecUanuuVwYUQpzMhF8ish619gg5YpBTjqEWrDMp2mic8givD+eQoBdxFBOMGeR/cDUzqo";
pub const INTEGRITY: &str = "TGbQs0ESwr9vLWuB/hKXpXTtyO2+br/TWEtpuFuvofw=";
pub const RES_ENC: &str = "KeJwyr0U1ebqp7ZXKlMnewrsVJ7jpx15HEW6yHNEbzHfSVzRxhOWyrvM+LCusU1aiJxAdjJ5M+d0HtgcgLWOODS5AEobfHvkUr9rYOBudCUodmIsFOhzX/5NRQCSlf3EC2lebuhPFnDksJ2bCHxb5WdjdGJ6Q3OmY+a9TDaCTxF2sNHFJF1c/6iO7MAdkp7j/8QNq2rBm6pw98H0rdXV0emikMT7KktxlpDJWCELnh9c1jL8Nnt/9GcvSxZSOwGrCeT3c4fSlqsInJt0frgRR5pCzW6szsqzx6Hyg+50AWFRwTCLUv+m7U629vF8qR/D6vx21jMea44Xkc3g8Jw9pnMC27Sx//yqXLcJhsDlS6SkQR0UU3J99NNALySKJifi0k5W5re3uAmTBv3i0sQJ2qjWtQSEwTpnFXw5oHmYFlbuh2RJ0j1m0PnsejIjiH4vN3pQ0pElts5VmKLnk9p1L9CvFVgdfCGvlJyADC1TVSOUrVdLGYIRC61Y5u53gPhIIweWiPf/VEFTYDGOtRQo3wD+0HoJv/TAF5LLlfykWKbXy0BgMbYJIhxeMaNMPAiAb0Ow9QY0jrcjUNl5wdDaYNbcbYiVMGRAVsPDmFCfe9epYUWTXYLxTJzvo8EZQR1ZfplaAD68xYLHTNB8z42kqFBpAqHo6+/m+Aj6qEb1+wo=";
pub const RES_INTEG: &str = "5E8qEzYqYY8IpHOre3f0iH9AQj+FuuQdVkqIo9BCumA=";

/// The request the vector seals (`ENC_DATA`, `INTEGRITY`).
pub fn request() -> Request {
    Request {
        requestno: REQ_NO.into(),
        returnurl: "https://lms.example/nice/return".into(),
        sitecode: "AB123".into(),
        authtype: Some("M".into()),
        methodtype: Some("post".into()),
        popupyn: Some("Y".into()),
        receivedata: Some("x".into()),
    }
}

/// The result the vector seals (`RES_ENC`, `RES_INTEG`).
pub fn outcome() -> Outcome {
    Outcome {
        resultcode: "0000".into(),
        requestno: REQ_NO.into(),
        enctime: "20240130052301".into(),
        sitecode: "AB123".into(),
        responseno: Some("MC2024013005230112345678".into()),
        authtype: "M".into(),
        name: "홍길동".into(),
        utf8_name: "%ED%99%8D%EA%B8%B8%EB%8F%99".into(),
        birthdate: "19900101".into(),
        gender: "1".into(),
        nationalinfo: "0".into(),
        mobileco: "1".into(),
        mobileno: "01012345678".into(),
        ci: "C".repeat(88),
        di: "D".repeat(64),
        receivedata: Some("x".into()),
    }
}
