"""What an LMS server needs to use motp-server, in Python: mint a launch token, check a receipt.

Needs PyJWT 2.6 or newer with `cryptography` (Ed25519): `pip install "pyjwt[crypto]"`, or Debian's
`python3-jwt python3-cryptography`. Copy this file; `check_against_sandbox.py` runs it against a
sandbox server (`make test` does).
"""

import base64
import json
import secrets
import time
import urllib.error
import urllib.request

import jwt

LAUNCH_AUDIENCE = "motp-launch"
RECEIPT_ISSUER = "motp-server"
RECEIPT_TYPE = "motp-receipt+jwt"
RECEIPT_METHODS = ("motp", "phone")


class ReceiptRefused(Exception):
    """The receipt proves nothing for this trainee and step: do not record the pass. From the
    redeem endpoint, `status` and `code` are its HTTP status and error code."""

    def __init__(self, message, status=None, code=None):
        super().__init__(message)
        self.status, self.code = status, code


def mint_launch_token(tenant_id, secret, *, usrid, name, tel, course, class_, eval_cd, class_tme,
                      sid, ttl=600):
    """A launch token for the logged-in trainee (HS256 under the tenant's signing secret).

    Everything in it comes from your member record and your session, never from the browser.
    """
    now = int(time.time())
    claims = {
        "iss": tenant_id, "aud": LAUNCH_AUDIENCE, "sub": usrid,
        "name": name, "tel": tel, "course": course, "class": class_,
        "eval_cd": eval_cd, "class_tme": str(class_tme), "sid": sid,
        "iat": now, "exp": now + min(ttl, 900), "jti": secrets.token_hex(16),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def hrd_class_tme(eval_cd, class_tme):
    """CLASS_TME as a receipt carries it: "00" for 입과 (00) and 기타 (99); otherwise the chapter or
    attempt number, 1 to 999, at least two digits ("3" -> "03", "120" stays "120")."""
    raw = str(class_tme).strip()
    if eval_cd in ("00", "99"):
        if raw.strip("0") == "":
            return "00"
    elif eval_cd in ("01", "02", "03", "04"):
        if raw.isascii() and raw.isdigit() and len(raw) <= 3 and 1 <= int(raw) <= 999:
            return "%02d" % int(raw)
    raise ReceiptRefused(f"eval_cd {eval_cd!r} with class_tme {class_tme!r} is not HRD's")


_jwks_clients = {}


def check_receipt(receipt, jwks_url, tenant_id, expect):
    """The receipt's claims if it proves what `expect` says ({"sub", "eval_cd", "class_tme", "sid"}:
    this trainee, this step, this session); otherwise ReceiptRefused.

    Checks the header (EdDSA, typ motp-receipt+jwt: a launch token is not a receipt), the signature
    with the key of its kid from the JWKS, iss, aud (your tenant id), exp, then sub, eval_cd,
    class_tme, sid and method. Offline it cannot know whether the receipt was used before: keep its
    jti and refuse one you have seen, or redeem it instead (`redeem_receipt`).
    """
    try:
        header = jwt.get_unverified_header(receipt)
    except jwt.InvalidTokenError as e:
        raise ReceiptRefused(f"not a JWT: {e}") from None
    if header.get("alg") != "EdDSA" or header.get("typ") != RECEIPT_TYPE:
        raise ReceiptRefused(f"not a receipt: alg {header.get('alg')!r}, typ {header.get('typ')!r}")
    client = _jwks_clients.get(jwks_url)
    if client is None:
        # The server lets the key set be cached for 60 s; an unknown kid fetches it again.
        client = _jwks_clients[jwks_url] = jwt.PyJWKClient(jwks_url, lifespan=60)
    try:
        key = client.get_signing_key_from_jwt(receipt).key
        claims = jwt.decode(
            receipt, key, algorithms=["EdDSA"], audience=tenant_id, issuer=RECEIPT_ISSUER,
            options={"require": ["iss", "aud", "sub", "iat", "exp", "jti"]},
        )
    except (jwt.InvalidTokenError, jwt.PyJWKClientError) as e:
        raise ReceiptRefused(f"{type(e).__name__}: {e}") from None
    wanted = {
        "sub": expect["sub"],
        "eval_cd": expect["eval_cd"],
        "class_tme": hrd_class_tme(expect["eval_cd"], expect["class_tme"]),
        "sid": expect["sid"],
    }
    for claim, value in wanted.items():
        if claims.get(claim) != value:
            raise ReceiptRefused(f"{claim} is {claims.get(claim)!r}, expected {value!r}")
    if claims.get("method") not in RECEIPT_METHODS:
        raise ReceiptRefused(f"method {claims.get('method')!r}")
    return claims


def redeem_receipt(server, tenant_id, api_key, receipt, expect):
    """Uses the receipt up at the server (`POST /v1/receipts/redeem`, HTTP Basic with the tenant's
    API key, never its signing secret), which checks it against `expect`: its claims, or
    ReceiptRefused with the server's error code (`receipt_mismatch` leaves it unspent)."""
    basic = base64.b64encode(f"{tenant_id}:{api_key}".encode()).decode()
    request = urllib.request.Request(
        server.rstrip("/") + "/v1/receipts/redeem",
        data=json.dumps({"receipt": receipt, "expect": expect}).encode(),
        headers={"Authorization": "Basic " + basic, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as e:
        body = json.loads(e.read() or b"{}")
        message = f"{e.code} {body.get('error')}: {body.get('message')}"
        raise ReceiptRefused(message, e.code, body.get("error")) from None
    claims = answer["claims"]
    if answer.get("valid") is not True or claims.get("method") not in RECEIPT_METHODS:
        raise ReceiptRefused(f"unexpected answer {answer!r}")
    return claims
