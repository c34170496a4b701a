#!/usr/bin/env python3
"""Runs motp_lms.py as an LMS would, against motp-server in sandbox mode on 127.0.0.1:PORT:
mint a launch token, read the virtual phone's code, verify it, check the receipt offline from the
JWKS alone, redeem it with what this LMS expects, and refuse a launch token passed off as a receipt.

    check_against_sandbox.py PORT [--sandbox-db PATH]

With --sandbox-db (the sandbox server's SQLite file) it also signs receipts with the server's own
key, each wrong in one way, and makes sure check_receipt refuses every one: so no check can go
missing unnoticed. Exits non-zero, naming the step, on any failure.
"""

import argparse
import base64
import json
import secrets
import sqlite3
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from motp_lms import ReceiptRefused, check_receipt, mint_launch_token, redeem_receipt

TENANT = "demo"
SECRET = "sandbox-demo-secret-not-for-production"
API_KEY = "sandbox-demo-api-key-not-for-production"
# The first demo trainee (the PHP check uses the second: HRD, and so the sandbox, refuses a code
# twice in one 30-second step).
USRID, NAME, TEL, PIN = "trainee01", "홍길동", "01012345678", "1234"


class Failed(Exception):
    pass


def ok(what):
    print(f"  ok  {what}")


def http(method, url, body=None, headers=None):
    """(status, JSON answer)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def must_refuse(what, receipt, jwks_url, expect):
    try:
        claims = check_receipt(receipt, jwks_url, TENANT, expect)
    except ReceiptRefused as e:
        ok(f"check_receipt refuses {what} ({e})")
        return
    raise Failed(f"check_receipt accepted {what}: {claims}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--sandbox-db", help="the sandbox server's SQLite file (forged receipts)")
    args = parser.parse_args()
    server = f"http://127.0.0.1:{args.port}"
    jwks_url = server + "/.well-known/jwks.json"
    print(f"python LMS example against {server} (PyJWT {jwt.__version__})")

    # 1. The LMS mints a launch token for its logged-in trainee: chapter 3 of study progress.
    sid = "py-" + secrets.token_hex(8)
    token = mint_launch_token(
        TENANT, SECRET, usrid=USRID, name=NAME, tel=TEL, course="DEMO-COURSE",
        class_="DEMO-COURSE,1", eval_cd="01", class_tme="3", sid=sid,
    )
    expect = {"sub": USRID, "eval_cd": "01", "class_tme": "3", "sid": sid}

    # 2. The trainee reads the code from the phone (here the sandbox's virtual one).
    who = urllib.parse.urlencode({"name": NAME, "tel": TEL})
    status, user = http("GET", f"{server}/hrd/sandbox/users?{who}")
    if status != 200 or not user.get("device_id"):
        raise Failed(f"sandbox has no phone for {NAME}: {status} {user}")
    status, shown = http("GET", f"{server}/hrd/sandbox/devices/{user['device_id']}/code?pin={PIN}")
    if status != 200:
        raise Failed(f"sandbox code: {status} {shown}")

    # 3. The widget sends it with the launch token, from the LMS page's origin.
    status, verdict = http("POST", f"{server}/v1/otp/verify", {"code": shown["code"]}, {
        "Authorization": "Bearer " + token, "Origin": server,
    })
    if status != 200 or verdict.get("result") != "verified":
        raise Failed(f"verify: {status} {verdict}")
    receipt = verdict["receipt"]
    ok("launch token minted with PyJWT (HS256) accepted; code verified; receipt received")

    # 4. The LMS server checks the receipt offline, from the JWKS alone.
    claims = check_receipt(receipt, jwks_url, TENANT, expect)
    if claims["class_tme"] != "03" or claims["method"] != "motp" or claims["aud"] != TENANT:
        raise Failed(f"receipt claims: {claims}")
    ok(f"check_receipt accepts the receipt (kid {jwt.get_unverified_header(receipt)['kid']}, "
       f"sub {claims['sub']}, eval_cd {claims['eval_cd']}, class_tme {claims['class_tme']})")
    must_refuse("the launch token passed off as a receipt", token, jwks_url, expect)
    must_refuse("it for chapter 4", receipt, jwks_url, {**expect, "class_tme": "4"})
    must_refuse("it for an exam", receipt, jwks_url, {**expect, "eval_cd": "02"})
    must_refuse("it for another trainee", receipt, jwks_url, {**expect, "sub": "trainee02"})
    must_refuse("it for another session", receipt, jwks_url, {**expect, "sid": "other"})

    if args.sandbox_db:
        forged_receipts(args.sandbox_db, receipt, claims, jwks_url, expect)

    # 5. Or the LMS server redeems it: with the API key, once, for what it expects.
    def redeem_refused(what, status, code, receipt=receipt, expect=expect, api_key=API_KEY):
        try:
            claims = redeem_receipt(server, TENANT, api_key, receipt, expect)
        except ReceiptRefused as e:
            if (e.status, e.code) != (status, code):
                raise Failed(f"redeem {what}: {e}, expected {status} {code}") from None
            ok(f"redeem refuses {what}: {status} {code}")
            return
        raise Failed(f"redeem accepted {what}: {claims}")

    redeem_refused("the signing secret as the password", 401, "unauthorized", api_key=SECRET)
    redeem_refused("the launch token passed off as a receipt", 422, "invalid_receipt",
                   receipt=token)
    redeem_refused("it for chapter 4 (and leaves it unspent)", 409, "receipt_mismatch",
                   expect={**expect, "class_tme": "4"})
    redeemed = redeem_receipt(server, TENANT, API_KEY, receipt, expect)
    if redeemed != claims:
        raise Failed(f"redeemed claims {redeemed} differ from the receipt's {claims}")
    ok("redeem_receipt accepts it once, with the claims check_receipt read")
    redeem_refused("it a second time", 409, "receipt_already_redeemed")


def forged_receipts(db_path, receipt, claims, jwks_url, expect):
    """Receipts signed with the server's own key, each wrong in one way: every check is needed."""
    kid = jwt.get_unverified_header(receipt)["kid"]
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        row = db.execute("SELECT private_key FROM receipt_keys WHERE kid = ?", (kid,)).fetchone()
    if row is None:
        raise Failed(f"no receipt key {kid} in {db_path}")
    # ring's PKCS#8 v2 (with the public key), which cryptography 38 does not parse: the 32-byte seed
    # is the OCTET STRING inside the privateKey OCTET STRING (RFC 8410).
    der = base64.b64decode(row[0])
    at = der.find(b"\x2b\x65\x70\x04\x22\x04\x20")  # the Ed25519 OID, then the seed's wrapping
    if at < 0:
        raise Failed(f"receipt key {kid}: not an Ed25519 PKCS#8 document")
    server_key = Ed25519PrivateKey.from_private_bytes(der[at + 7:at + 39])

    def forge(changes=None, headers=None, key=server_key, algorithm="EdDSA"):
        """The receipt's claims with `changes` (None removes a claim), signed."""
        header = {"kid": kid, "typ": "motp-receipt+jwt", **(headers or {})}
        body = {k: v for k, v in {**claims, **(changes or {})}.items() if v is not None}
        return jwt.encode(body, key, algorithm=algorithm, headers=header)

    # The control: the same claims signed again by the same key pass, so each refusal below is
    # due to its one change.
    check_receipt(forge(), jwks_url, TENANT, expect)
    ok("check_receipt accepts a copy signed with the server's key (the control)")
    now = int(time.time())
    cases = [
        ("typ JWT", forge(headers={"typ": "JWT"})),
        ("no typ", forge(headers={"typ": None})),
        ("another tenant's (aud)", forge({"aud": "kosa"})),
        ("another issuer", forge({"iss": "someone-else"})),
        ("an expired one", forge({"iat": now - 900, "exp": now - 60})),
        ("one without exp", forge({"exp": None})),
        ("method sms", forge({"method": "sms"})),
        ("one for an exam (eval_cd 02)", forge({"eval_cd": "02"})),
        ("one for class_tme 3 (not HRD's 03)", forge({"class_tme": "3"})),
        ("one signed by another Ed25519 key under the same kid",
         forge(key=Ed25519PrivateKey.generate())),
        ("one signed HS256 with the tenant secret", forge(key=SECRET, algorithm="HS256")),
        ("one with alg none", forge(key=None, algorithm="none")),
    ]
    for what, token in cases:
        must_refuse(what, token, jwks_url, expect)


if __name__ == "__main__":
    try:
        main()
    except Failed as e:
        print(f"FAIL (python LMS example): {e}", file=sys.stderr)
        sys.exit(1)
    except Exception as e:  # noqa: BLE001 - any surprise is a failure too, named
        print(f"FAIL (python LMS example): {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
    print("python LMS example: all checks passed")
