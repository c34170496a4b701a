// What an LMS server needs to use motp-server, in Node 20+: mint a launch token, check a receipt.
// `npm install jose` (v5 or v6). Not run by `make test` (see ../README.md).

import { SignJWT, createRemoteJWKSet, jwtVerify } from 'jose';
import { randomBytes } from 'node:crypto';

const RECEIPT_METHODS = ['motp', 'phone'];

/** A launch token for the logged-in trainee: HS256 under the tenant's signing secret. Everything
 *  in it comes from your member record and your session, never from the browser. */
export async function mintLaunchToken(tenantId, secret, trainee, ttlSeconds = 600) {
  const { sub, name, tel, course, class: classKey, evalCd, classTme, sid } = trainee;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    name, tel, course, class: classKey, eval_cd: evalCd, class_tme: String(classTme), sid,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(tenantId).setAudience('motp-launch').setSubject(sub)
    .setIssuedAt(now).setExpirationTime(now + Math.min(ttlSeconds, 900))
    .setJti(randomBytes(16).toString('hex'))
    .sign(new TextEncoder().encode(secret));
}

/** CLASS_TME as a receipt carries it: "00" for 입과 (00) and 기타 (99); otherwise the chapter or
 *  attempt number, 1 to 999, at least two digits ("3" -> "03", "120" stays "120"). */
export function hrdClassTme(evalCd, classTme) {
  const raw = String(classTme).trim();
  if (['00', '99'].includes(evalCd) && /^0*$/.test(raw)) return '00';
  if (['01', '02', '03', '04'].includes(evalCd) && /^[0-9]{1,3}$/.test(raw) && Number(raw) >= 1) {
    return raw.replace(/^0+/, '').padStart(2, '0');
  }
  throw new Error(`eval_cd ${evalCd} with class_tme ${classTme} is not HRD's`);
}

const keySets = new Map(); // one remote JWKS per URL: it caches, and refetches for an unknown kid

/** The receipt's claims if it proves what `expect` ({sub, evalCd, classTme, sid}: this trainee,
 *  this step, this session) says; throws otherwise. Checks the header (EdDSA, typ
 *  motp-receipt+jwt: a launch token is not a receipt), the signature with the key of its kid from
 *  the JWKS, iss, aud (your tenant id), exp, then sub, eval_cd, class_tme, sid and method. Offline
 *  it cannot know whether the receipt was used before: keep its jti and refuse one you have seen,
 *  or redeem it instead (POST /v1/receipts/redeem). */
export async function checkReceipt(receipt, jwksUrl, tenantId, expect) {
  if (!keySets.has(jwksUrl)) {
    keySets.set(jwksUrl, createRemoteJWKSet(new URL(jwksUrl), { cacheMaxAge: 60_000 }));
  }
  const { payload } = await jwtVerify(receipt, keySets.get(jwksUrl), {
    algorithms: ['EdDSA'],
    typ: 'motp-receipt+jwt',
    issuer: 'motp-server',
    audience: tenantId,
    requiredClaims: ['sub', 'iat', 'exp', 'jti'],
  });
  const wanted = {
    sub: expect.sub,
    eval_cd: expect.evalCd,
    class_tme: hrdClassTme(expect.evalCd, expect.classTme),
    sid: expect.sid,
  };
  for (const [claim, value] of Object.entries(wanted)) {
    if (payload[claim] !== value) {
      throw new Error(`${claim} is ${JSON.stringify(payload[claim])}, expected ${JSON.stringify(value)}`);
    }
  }
  if (!RECEIPT_METHODS.includes(payload.method)) throw new Error(`method ${payload.method}`);
  return payload;
}
